# lanes: cpython micropython-unix
# mp-heapsize: 88wK
# mp-compiled: yes
# The state code on a small heap (88wK: 64wK until the money copies, replay
# floor and recovery rules added about 6 KB of bytecode; 80wK passes, and the
# margin covers a checkout at a longer path, whose module names cost heap): 1,000 token applications (each a durable
# state write plus an event-log append) without MemoryError.  The flash is an
# image file (on a board it is not on the heap either) with 4 KiB blocks.
import gc
import os
import random
import sys

from sts.keys import KeyState
from sts.layouts import cipher

# The cipher's tables need one contiguous run of heap: build them before the
# imports below fragment this small heap (a board loads frozen .mpy instead).
KEY = KeyState(7, bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F)), 1, 2, 1, 123456)
cipher(KEY.key).encrypt([0, 0, 0, 0])

from fakeclock import FakeClock  # noqa: E402
from store import events as ev  # noqa: E402
from store.state import MeterState  # noqa: E402
from store.volume import mount_flash  # noqa: E402
from sts.layouts import build_words, format_token  # noqa: E402
from sts.pipeline import check  # noqa: E402
from support.filedev import FileBlockDevice  # noqa: E402

# unique per run: other checkouts' suites may run at the same time
IMAGE = "/tmp/test_store_heap.%s.%d.img" % (sys.implementation.name, random.getrandbits(30))
NOW = 1_700_000_000


def _token(tid):
    words = build_words(0, 0, {"tid": tid, "amount": 1})
    cipher(KEY.key).encrypt(words)
    return format_token(0, words)


def _boot(device, now):
    state = MeterState(mount_flash(device), FakeClock(start_s=now), {})
    state.boot(now)
    return state


def test_thousand_token_applications_on_a_small_heap():
    try:
        os.remove(IMAGE)
    except OSError:
        pass
    device = FileBlockDevice(IMAGE, 32, 4096)
    state = _boot(device, NOW)
    assert state.provision(KEY, "600727000000000009", now_s=NOW)
    gc.collect()
    for i in range(1000):
        now = NOW + 60 * i
        assert state.apply(check(_token(2000 + i), state, now), now) == 1, i
        state.consume(5, now)
    assert state.credit_wh == 1000 * 100 - 1000 * 5
    assert list(state.tids)[0] == 2999 and len(state.tids) == state.tids.size
    again = _boot(device, NOW + 60_000)
    assert again.credit_wh >= state.credit_wh  # unsaved consumption is lost, never credit
    assert again.energy_total_wh >= state.energy_total_wh - again.save_every_wh
    newest = again.events(2)[1]
    assert newest[2] == ev.TOKEN_ACCEPTED and newest[4] == 2999
    device.close()
    os.remove(IMAGE)
