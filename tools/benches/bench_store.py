#!/usr/bin/env python3
"""Flash wear of the meter state store (make bench).

Runs in the MicroPython unix VM on a simulated 1 MiB NOR flash of 4 KiB blocks
with the store's littlefs settings, and prints:
  erases per accepted token (state write + event-log append),
  erases per hour of consumption at 5 kW (saved every save_every_wh),
  projected years until a block reaches 100,000 erase cycles at 20 tokens/day
  and 5 kW continuous: the daily erases spread over the blocks in rotation
  (all but RESERVED_BLOCKS), because littlefs allocates new blocks by walking
  the whole device and moves a metadata pair to fresh blocks after 100 erases
  (block_cycles=100); the run shows how many blocks were reached and that no
  block took more than about one relocation period.
"""
import sys

if sys.implementation.name != "micropython":
    import os
    import subprocess

    ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, MICROPYPATH="firmware:host_tests:host_tests/fakes")
    cmd = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-X", "heapsize=8M", os.path.abspath(__file__)]
    sys.exit(subprocess.run(cmd, cwd=ROOT, env=env).returncode)

sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith(("tools", "benches"))]
from fakeclock import FakeClock  # noqa: E402
from norflash import NorFlash  # noqa: E402
from store.state import MeterState  # noqa: E402
from store.volume import mount_flash  # noqa: E402
from sts.keys import KeyState  # noqa: E402

BLOCKS, BLOCK_SIZE = 256, 4096  # 1 MiB partition
CYCLES = 100_000
TOKENS_PER_DAY = 20
POWER_W = 5000
SAVE_EVERY_WH = 10
TOKENS = 200
RESERVED_BLOCKS = 8  # superblock pair, folder pair, two state records, spare: not in rotation
HOURS = 3
NOW = 1_700_000_000


class Verdict:  # an accepted credit token as sts.pipeline.check returns it
    code, credit_wh, clear_register, setting = 1, 100, -1, None
    kct_pending = new_keys = None
    clear_tids = False

    def __init__(self, tid):
        self.tid = tid
        self.token = self


Verdict.cls = 0


def measure(progsize):
    flash = NorFlash(BLOCKS, BLOCK_SIZE)
    config = {"save_every_wh": SAVE_EVERY_WH, "save_every_s": 900, "flash_progsize": progsize}
    state = MeterState(mount_flash(flash, progsize), FakeClock(start_s=NOW), config)
    state.boot(NOW)
    state.provision(KeyState(7, bytes(range(8)), 1, 2, 1, 123456), "600727000000000009", now_s=NOW)
    start = flash.erases
    for i in range(TOKENS):
        assert state.apply(Verdict(10_000 + i), NOW + i) == 1
    per_token = (flash.erases - start) / TOKENS

    start = flash.erases
    seconds = 0
    for _ in range(HOURS * POWER_W):  # one call per metered Wh: 5000 a simulated hour
        seconds += 3600 // POWER_W + 1 if seconds % 4 == 0 else 3600 // POWER_W
        state.consume(1, NOW + seconds)
    per_hour = (flash.erases - start) / HOURS

    per_day = TOKENS_PER_DAY * per_token + 24 * per_hour
    levelled_years = CYCLES * (BLOCKS - RESERVED_BLOCKS) / per_day / 365
    return flash, per_token, per_hour, per_day, levelled_years


def main():
    flash, per_token, per_hour, per_day, levelled_years = measure(32)
    used = len([c for c in flash.erase_counts if c])
    print("erases per accepted token: %.2f erases" % per_token)
    print("erases per hour at 5 kW: %.1f erases (consumption saved every %d Wh)" % (per_hour, SAVE_EVERY_WH))
    print("erases per day at 20 tokens + 5 kW: %.0f erases" % per_day)
    print("blocks erased during the run: %d of %d blocks" % (used, BLOCKS))
    print("projected life, wear levelled over 1 MiB: %.0f years" % levelled_years)
    print("most erases of one block in the run: %d erases (littlefs moves a pair after 100)" % max(flash.erase_counts))
    flash, per_token, per_hour, per_day, levelled_years = measure(256)
    print("rp2 (progsize 256) erases per accepted token: %.2f erases" % per_token)
    print("rp2 (progsize 256) erases per hour at 5 kW: %.1f erases" % per_hour)
    print("rp2 (progsize 256) projected life, wear levelled over 1 MiB: %.0f years" % levelled_years)


main()
