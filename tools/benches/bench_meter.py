"""Meter app benchmark: heap and key-press-to-LCD latency in the scenario.

Runs host_tests/meter_bench_probe.py in the MicroPython unix VM (64-bit,
modules from mpy-cross bytecode as deployed) and in the 32-bit wasm VM (whose
object sizes are those of an ESP32/RP2040).
"""
import os
import sys

import benchlib

sys.path.insert(0, os.path.join(benchlib.ROOT, "host_tests"))
from conftest import COMPILED_DIR, HOST_TESTS, compile_for_host  # noqa: E402

HEAPS_WK = (96, 112, 120, 128, 136, 144, 160, 176, 192, 224, 256)
LAST_FIGURE = "heap after scenario"  # printed only when the whole scenario ran
COMPILED_PATH = [COMPILED_DIR, HOST_TESTS, os.path.join(HOST_TESTS, "harness")]


def smallest_heap():
    """The smallest -X heapsize (K words) in which the probe's whole scenario runs."""
    for wk in HEAPS_WK:
        lines = benchlib.unix("meter_bench_probe", "test_probe()", "bench_meter", COMPILED_PATH, "%dwK" % wk, True)
        if any(line.startswith(LAST_FIGURE) for line in lines):
            return wk
    return None


def main():
    compile_for_host()  # modules as deployed: mpy-cross bytecode
    lines = benchlib.unix("meter_bench_probe", "test_probe()", "bench_meter", COMPILED_PATH)
    benchlib.report("micropython-unix", lines)
    wk = smallest_heap()
    print("micropython-unix smallest heap for the scenario (firmware + device models): %s" % (
        "%dwK" % wk if wk else "more than %dwK" % HEAPS_WK[-1]))
    benchlib.report("micropython-wasm32", benchlib.wasm("meter_bench_probe", "bench_meter", COMPILED_DIR))


if __name__ == "__main__":
    main()
