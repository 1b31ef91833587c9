# lanes: cpython micropython-unix
# The store's cold code runs as overlays (firmware/overlay.py): boot, the
# recovery rules and finding the event log's end (store.recovery), reading the
# event log and its names (store.evlog), provisioning and calibration (store.setup), mounting a
# littlefs on a block device (store.flash: tests and simulator).  After each job
# its module is out of sys.modules (and out of the store package), so the
# running meter keeps only the hot code: applying a token, saving consumption,
# appending an event, the lockout.
import sys

import store
from fakeclock import FakeClock
from norflash import NorFlash
from store import events as ev
from store.state import MeterState
from store.volume import mount_flash
from sts.keys import KeyState
from sts.layouts import build_words, cipher, format_token
from sts.pipeline import check
from support.checks import raises

NOW = 1_700_000_000
KEY = KeyState(7, bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F)), 1, 2, 1, 123456)
OVERLAYS = ("recovery", "evlog", "setup", "flash")
# What a booted store with a token applied keeps loaded.
RESIDENT = ("store", "store.events", "store.ledger", "store.lockout", "store.record", "store.snapshot",
            "store.state", "store.volume")


def _loaded_overlays():
    return [n for n in OVERLAYS if "store." + n in sys.modules or n in dir(store)]


def _credit(tid, count=10):
    words = build_words(0, 0, {"tid": tid, "amount": count})
    cipher(KEY.key).encrypt(words)
    return format_token(0, words)


def _boot(flash):
    state = MeterState(mount_flash(flash), FakeClock(start_s=NOW), {})
    return state, state.boot(NOW)


def test_boot_leaves_no_overlay_loaded():
    flash = NorFlash(24, 1024)
    state, report = _boot(flash)
    assert report["mount"] == "created" and _loaded_overlays() == []
    assert state.provision(KEY, "600727000000000009", now_s=NOW)
    assert _loaded_overlays() == []
    assert state.apply(check(_credit(1000), state, NOW), NOW) == 1
    again, report = _boot(flash)  # a reboot: the recovery code is imported again, and dropped again
    assert report["mount"] == "mounted" and again.credit_wh == 1000 and _loaded_overlays() == []


def test_boot_with_findings_to_write_leaves_no_overlay_loaded():
    flash = NorFlash(24, 1024)
    state, _ = _boot(flash)
    assert state.provision(KEY, "600727000000000009", now_s=NOW)
    state.volume.remove("money")  # one money copy lost: boot rewrites it and logs the finding
    again, report = _boot(flash)
    assert report["storage"] == "recovered" and report["recoveries"]
    assert _loaded_overlays() == []


def test_boot_without_a_filesystem_is_a_clear_fault_and_leaves_no_overlay_loaded():
    state = MeterState(None, FakeClock(start_s=NOW), {})  # the board could give no filesystem
    report = state.boot(NOW)
    assert report["mount"] == "none" and report["storage"] == "fault" and state.storage == "fault"
    assert report["recoveries"] == [8] and report["credit_wh"] == 0 and not report["provisioned"]  # 8: store lost
    assert state.booted and state.storage_errors == 2  # power-up and the finding could not be logged
    assert state.log(ev.RELAY, 1, 0, NOW) == -1 and _loaded_overlays() == []


def test_only_the_hot_store_modules_stay_loaded_after_boot_and_a_token():
    state, _ = _boot(NorFlash(24, 1024))
    assert state.provision(KEY, "600727000000000009", now_s=NOW)
    assert state.apply(check(_credit(1001), state, NOW), NOW) == 1
    state.consume(25, NOW)
    assert state.flush(NOW, ev.POWER_DOWN)
    loaded = [n for n in sys.modules if n == "store" or n.startswith("store.")]
    assert [n for n in loaded if n not in RESIDENT] == []


def test_provisioning_and_calibration_drop_their_overlay_even_when_refused():
    state, _ = _boot(NorFlash(24, 1024))
    assert state.provision(KEY, "600727000000000009", now_s=NOW)
    assert raises(ValueError, state.provision, KEY)  # already provisioned
    assert _loaded_overlays() == []
    assert state.save_calibration({"Ugain": 26400}) and state.calibration == {"Ugain": 26400}
    assert _loaded_overlays() == []


def test_reading_the_log_and_its_names_drop_their_overlay():
    state, _ = _boot(NorFlash(24, 1024))
    state.log(ev.TOKEN_REJECTED, 13, 5100010, NOW)
    newest = state.events(1)[0]
    assert newest[2:] == (ev.TOKEN_REJECTED, 13, 5100010) and _loaded_overlays() == []
    assert ev.kind_name(newest[2]) == "token rejected"
    assert ev.fields_text(ev.TOKEN_REJECTED, 13, 5100010) == "code=13 tid=5100010"
    assert _loaded_overlays() == []
    assert raises(AttributeError, getattr, ev, "no_such_name") and _loaded_overlays() == []


def test_an_append_that_fails_after_writing_is_found_again_and_drops_its_overlay():
    state, _ = _boot(NorFlash(24, 1024))
    volume_append = state.volume.append

    def append_then_fail(name, data):
        volume_append(name, data)  # the entry reached flash, then the call failed
        raise OSError(5)

    state.volume.append = append_then_fail
    try:
        written = state._events.next_seq
        assert state.log(ev.RELAY, 1, 0, NOW) == -1
    finally:
        state.volume.append = volume_append
    assert state._events.next_seq == written + 1 and _loaded_overlays() == []  # re-synced by store.recovery
    assert state.log(ev.RELAY, 0, 0, NOW) == written + 1
    assert [e[2:] for e in state.events(2)] == [(ev.RELAY, 0, 0), (ev.RELAY, 1, 0)]


def test_a_failed_append_without_heap_for_the_resync_still_returns_minus_one():
    import overlay

    state, _ = _boot(NorFlash(24, 1024))
    errors = state.storage_errors

    def failing_append(name, data):
        raise OSError(5)

    def no_heap(name):
        raise MemoryError

    volume_append, load = state.volume.append, overlay.load
    state.volume.append = failing_append
    overlay.load = no_heap
    try:
        assert state.log(ev.RELAY, 1, 0, NOW) == -1 and state.storage_errors == errors + 1
    finally:
        state.volume.append, overlay.load = volume_append, load
    assert state.log(ev.RELAY, 1, 0, NOW) >= 0 and _loaded_overlays() == []
