#!/usr/bin/env python3
"""Flash wear of the whole virtual meter on each board's flash (make bench).

The headless simulator (tools/sim.py --layout ...) runs the real firmware on
the board flash model (host_tests/fakes/board_flash.py): the port's littlefs
region with the deployed files, the store, the event log, the customer memo,
everything the firmware writes.  Schedule, in simulated time: a 5 kW load all
day and 20 credit tokens a day (one at the start of each of the first 20 hours),
for BENCH_SIM_DAYS days (default 3).  Printed per layout:
  erases per token and per hour at 5 kW (from the counts around each command),
  years to 100,000 cycles averaged over the filesystem region (the blocks the
  store can wear) and over the free blocks only (littlefs never moves the
  deployed files, so only free blocks take the rotating wear), years until the most-worn block reaches 100,000 at the
  run's rate (linear from the run: pessimistic for short runs, because
  littlefs moves a hot metadata pair to fresh blocks after 100 erases), and the
  longest flash busy time of one save (typical datasheet times).
"""
import os
import struct
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, p) for p in ("host_tests", "firmware", os.path.join("host_tests", "fakes"))]
from board_layouts import layout  # noqa: E402
from sim_client import SimSession  # noqa: E402
from support.vend import credit  # noqa: E402

LAYOUTS = ("rpi_pico", "esp32_devkitc")
DAYS = int(os.environ.get("BENCH_SIM_DAYS", "3"))
TOKENS_PER_DAY = 20
LOAD_W = 5000
TOKEN_TENTHS_KWH = 100  # 10 kWh a token: 200 kWh a day keeps 5 kW (120 kWh a day) supplied
CYCLES = 100_000
FIRST_TID = 6_500_000


def flash(sim):
    reply = sim.cmd("sim flash")
    assert reply[-1] == "OK", reply
    return {k: int(v) if v.isdigit() else v for k, v in (line.split("=", 1) for line in reply[:-1])}


def block_erases(image, layout_name):
    """Erase count of every block of the filesystem region, from the wear file."""
    with open(image + ".wear", "rb") as f:
        data = f.read()
    lay = layout(layout_name)
    first = lay["fs_offset"] // lay["sector_bytes"]
    return [struct.unpack_from("<I", data, 16 + 8 * (first + i))[0] for i in range(lay["fs_bytes"] // 4096)]


def run(layout_name, workdir):
    image = os.path.join(workdir, layout_name + ".img")
    sim = SimSession(image, "--layout", layout_name)
    try:
        tid = FIRST_TID
        assert sim.cmd("token " + credit(tid, 1000))[0] == "result=1 Accept"  # 100 kWh to start with
        sim.cmd("sim load %d" % LOAD_W)
        start_blocks = block_erases(image, layout_name)
        start = flash(sim)
        token_erases = hour_erases = 0
        started = time.time()
        for _day in range(DAYS):
            for hour in range(24):
                if hour < TOKENS_PER_DAY:
                    tid += 1
                    before = flash(sim)["erases_total"]
                    reply = sim.cmd("token " + credit(tid, TOKEN_TENTHS_KWH))
                    assert reply[0] == "result=1 Accept", reply
                    token_erases += flash(sim)["erases_total"] - before
                before = flash(sim)["erases_total"]
                sim.cmd("sim advance 3600")
                hour_erases += flash(sim)["erases_total"] - before
        end = flash(sim)
        status = sim.status()
    finally:
        sim.close()
    grown = [b - a for a, b in zip(start_blocks, block_erases(image, layout_name), strict=True)]
    return start, end, status, grown, token_erases, hour_erases, time.time() - started


def main():
    print("schedule: %d simulated days, %d tokens a day, %d W continuous (whole firmware on the board flash model)" % (
        DAYS, TOKENS_PER_DAY, LOAD_W))
    with tempfile.TemporaryDirectory() as workdir:
        for name in LAYOUTS:
            start, end, status, grown, token_erases, hour_erases, seconds = run(name, workdir)
            per_token = token_erases / (DAYS * TOKENS_PER_DAY)
            per_hour = hour_erases / (DAYS * 24)
            per_day = (end["erases_total"] - start["erases_total"]) / DAYS
            blocks = end["store_blocks"]
            average_years = CYCLES * blocks / per_day / 365 if per_day else float("inf")
            free = end["fs_blocks_free"]
            free_years = CYCLES * free / per_day / 365 if per_day else float("inf")
            worst_per_day = max(grown) / DAYS
            worst_years = CYCLES / worst_per_day / 365 if worst_per_day else float("inf")
            print("%s erases per token: %.2f erases" % (name, per_token))
            print("%s erases per hour at 5 kW: %.1f erases" % (name, per_hour))
            print("%s erases per day (20 tokens + 24 h at 5 kW): %.0f erases" % (name, per_day))
            reached = len([g for g in grown if g])
            print("%s filesystem blocks erased in the run: %d of %d blocks" % (name, reached, blocks))
            print("%s projected life, averaged over the %d-block filesystem: %.0f years" % (
                name, blocks, average_years))
            print("%s projected life, levelled over the %d free blocks only (deployed files stay put): %.0f years" % (
                name, free, free_years))
            print("%s most erases of one block in the run: %d erases" % (name, max(grown)))
            print("%s years until the most-worn block reaches 100,000 at the run's rate: %.1f years" % (
                name, worst_years))
            print("%s longest flash busy time of one save: %.1f ms" % (name, end["max_save_busy_us"] / 1000))
            print("%s saves with more than 50 ms of flash work: %d of %d saves" % (
                name, end["saves_over_50ms"] - start["saves_over_50ms"], end["saves"] - start["saves"]))
            print("%s credit at the end: %s Wh, relay %s (simulated in %.0f s)" % (
                name, status["credit_wh"], status["relay"], seconds))


if __name__ == "__main__":
    main()
