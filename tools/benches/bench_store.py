#!/usr/bin/env python3
"""Flash wear and flash work of the meter state store on the board layouts (make bench).

Runs in the MicroPython unix VM.  Per board layout (host_tests/support/layouts.py:
the port's littlefs with its geometry, the deployed firmware files beside the
store) four simulated days at 20 tokens and 5 kW continuous: 12,000 consumption
saves of 10 Wh (each writes both money copies), a token every 600 saves.  Prints
erases per token and per save, erases per day, projected years until 100,000
cycles (average over the whole filesystem, and for the block that took the most
erases per day over the run; littlefs moves a metadata pair to fresh blocks
after block_cycles = 100 erases, so a longer run spreads them further), and the flash work per save from
datasheet timings.

Timings (Winbond W25Q16JV datasheet, AC electrical characteristics: page program
tPP 0.4 ms typical / 3 ms max, 4 KiB sector erase tSE 45 ms typical / 400 ms max).
The Pico carries a W25Q16JV; the ESP32-WROOM-32's 4 MB flash is a part of the same
class (the module datasheet names no vendor): the same figures are used for it.
Every littlefs program operation is counted as one page program (none is larger
than a page here: cache_size <= 1,024 B is written in page-sized programs on the
Pico, 128 B on the ESP32), every erase as one sector erase.
"""
import sys

if sys.implementation.name != "micropython":
    import os
    import subprocess

    ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, MICROPYPATH="firmware:host_tests:host_tests/fakes")
    cmd = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-X", "heapsize=16M", os.path.abspath(__file__)]
    sys.exit(subprocess.run(cmd, cwd=ROOT, env=env).returncode)

sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith(("tools", "benches"))]
from fakeclock import FakeClock  # noqa: E402
from store.state import MeterState  # noqa: E402
from store.volume import mount_flash  # noqa: E402
from sts.keys import KeyState  # noqa: E402
from support.layouts import LAYOUTS, board_flash  # noqa: E402

CYCLES = 100_000
TOKENS_PER_DAY = 20
SAVES_PER_DAY = 5000 * 24 // 10  # 5 kW continuous, a save every 10 Wh
DAYS = 4  # long enough for littlefs to move its metadata pairs several times
NOW = 1_700_000_000
T_PP_TYP, T_PP_MAX = 0.4, 3.0  # ms, W25Q16JV page program
T_SE_TYP, T_SE_MAX = 45.0, 400.0  # ms, W25Q16JV 4 KiB sector erase
BUDGET_MS = 50


class Verdict:  # an accepted credit token as sts.pipeline.check returns it
    code, credit_wh, clear_register, setting = 1, 100, -1, None
    kct_pending = new_keys = None
    clear_tids = False
    cls = 0

    def __init__(self, tid):
        self.tid = tid
        self.token = self


def measure(layout):
    flash, progsize = board_flash(layout)
    state = MeterState(mount_flash(flash, progsize), FakeClock(start_s=NOW), {"save_every_wh": 10})
    state.boot(NOW)
    state.provision(KeyState(7, bytes(range(8)), 1, 2, 1, 123456), "600727000000000009", now_s=NOW)
    start_counts = list(flash.erase_counts)
    start_erases = flash.erases
    token_erases = 0
    worst_typ = worst_max = 0.0
    work_typ = 0.0
    over_budget = 0
    tid = 10_000
    for i in range(SAVES_PER_DAY * DAYS):
        if i % (SAVES_PER_DAY // TOKENS_PER_DAY) == 0:
            before = flash.erases
            tid += 1
            assert state.apply(Verdict(tid), NOW + i) == 1
            token_erases += flash.erases - before
        erases, programs = flash.erases, flash.programs
        assert state.consume(10, NOW + i)
        erases, programs = flash.erases - erases, flash.programs - programs
        typ = erases * T_SE_TYP + programs * T_PP_TYP
        work_typ += typ
        worst_typ = max(worst_typ, typ)
        worst_max = max(worst_max, erases * T_SE_MAX + programs * T_PP_MAX)
        over_budget += typ > BUDGET_MS
    per_day = (flash.erases - start_erases) / DAYS
    per_token = token_erases / TOKENS_PER_DAY / DAYS
    per_save = (flash.erases - start_erases - token_erases) / SAVES_PER_DAY / DAYS
    most = max(flash.erase_counts[b] - start_counts[b] for b in range(flash.block_count)) / DAYS
    return flash.block_count, per_token, per_save, per_day, most, work_typ / SAVES_PER_DAY / DAYS, worst_typ, \
        worst_max, over_budget


def main():
    for layout in sorted(LAYOUTS):
        blocks, per_token, per_save, per_day, most, mean_ms, worst_typ, worst_max, over = measure(layout)
        print("%s erases per token (state, floor, money copies, event): %.2f erases" % (layout, per_token))
        print("%s erases per 10 Wh save (both money copies): %.3f erases" % (layout, per_save))
        print("%s erases per day at 20 tokens + 5 kW: %.0f erases (mean of %d simulated days)" % (layout, per_day,
                                                                                                 DAYS))
        print("%s projected life, average over %d blocks: %.0f years" % (layout, blocks,
                                                                       CYCLES * blocks / per_day / 365))
        print("%s most-worn block: %.0f erases per day, projected %.1f years" % (layout, most,
                                                                                  CYCLES / most / 365))
        print("%s flash work per save: %.1f ms mean, %.1f ms worst (typical timings), %.0f ms worst (max timings)"
              % (layout, mean_ms, worst_typ, worst_max))
        print("%s saves over %d ms of flash work (typical timings): %d of %d saves" % (layout, BUDGET_MS, over,
                                                                                       SAVES_PER_DAY * DAYS))


main()
