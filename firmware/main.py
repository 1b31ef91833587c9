# Entry point on the board (and in the virtual meter, unchanged).  `board` is
# the board file deployed as board.py (boards/<name>.py); it is the only other
# place that touches `machine`.
# The STA cipher's 4 KB table first: on a small heap it needs contiguous
# memory, which is there before the rest of the firmware is loaded.  (The
# cipher's code itself is loaded per token: sts/README.md "Residency".)
import sts.resident  # noqa: F401  isort: skip
import store.recovery  # noqa: F401  isort: skip  (boot-only: the store drops it after boot, leaving an early hole)

import asyncio
import sys

import board

from meter.config import MeterConfig
from meter.log import Log
from meter.system import System


def main():
    clock = board.make_clock()
    hw = board.build(clock)  # the relay is in its safe (open) state from here on
    board.kbd_intr(-1)  # Ctrl-C is an ordinary console byte while the meter runs (README: the REPL escape)
    config = MeterConfig(**board.METER_CONFIG)
    log = Log(print)
    system = System(hw, clock, config, log)
    try:
        system.boot()
    except Exception as exc:  # nothing booted: relay open, the reason on the LCD, the console alive
        sys.print_exception(exc) if hasattr(sys, "print_exception") else print(repr(exc))
        hw.relay.set(False)
        system.make_runtime().enter_safe("boot: " + type(exc).__name__)
        log.info("ready")
    if system.make_runtime().repl:  # the engineer's `repl`: the relay stays open, nothing runs, Ctrl-C works
        board.kbd_intr(3)
        print("meter stopped for the REPL; machine.reset() starts it again")
        return
    board.attach(system)
    asyncio.run(system.run(board.console_stream()))  # never ends while the meter is powered


main()
