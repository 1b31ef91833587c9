"""Metering driver benchmark: one steady-state poll() of the ATM90E26 and ADE7953 drivers.

Prints, per IC: the mean poll time on the MicroPython unix VM with the bus
answered by the register-file model byte by byte ("with model") and by a
canned register table ("driver only", closer to the driver's own cost), and
the bytes one poll allocates on the 32-bit wasm VM (and whether it allocates
at all under heap_lock).  Run from the repo root:
    .venv/bin/python tools/benches/bench_metering.py
The probe is host_tests/metering_bench_probe.py.
"""

import sys

import benchlib


def main():
    unix = benchlib.unix("metering_bench_probe", "test_probe()", "bench_metering")
    wasm = benchlib.wasm("metering_bench_probe", "bench_metering")
    benchlib.report("micropython-unix", unix)
    benchlib.report("micropython-wasm32", wasm)
    return 0 if unix and wasm else 1


if __name__ == "__main__":
    sys.exit(main())
