"""Token engine benchmark: one class 0 token through sts.pipeline.check.

Prints `key: value` lines (host_tests/sts_bench_probe.py says how each is measured):
for an EA07 and an EA11 meter, the check's µs on the MicroPython unix VM (median
and min of 300 rounds of 100 checks, gc.collect() before each round) on the viper
path and on the pure-Python fallback, STA/MISTY1 decrypt µs, and the bytes one
check allocates with a reused Verdict on the 32-bit wasm VM (check_alloc_bytes_wasm32)
and the 64-bit unix VM; then CPython medians.
Run from the repo root: .venv/bin/python tools/benches/bench_sts.py
"""

import sys
import time

import benchlib


def micropython_unix():
    return benchlib.unix("sts_bench_probe", "test_probe(300)", "bench_sts")


def micropython_wasm32():
    return benchlib.wasm("sts_bench_probe", "bench_sts")


def cpython(runs=2000):
    sys.path[:0] = benchlib.SOURCE_PATH
    import sts_bench_probe as probe
    from sts import pipeline

    out = []
    for keys in probe.KEYS:
        view = probe.View(keys)
        digits = probe._token(keys)
        verdict = pipeline.Verdict()
        assert pipeline.check(digits, view, 0, verdict).code == 1
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            pipeline.check(digits, view, 0, verdict)
            samples.append(time.perf_counter_ns() - t0)
        samples.sort()
        out.append("ea%02d_check_us_cpython_median: %.1f" % (keys.ea, samples[runs // 2] / 1000))
    return out


def main():
    vm_lines = [micropython_unix(), micropython_wasm32()]
    for line in vm_lines[0] + vm_lines[1] + cpython():
        print(line)
    return 0 if all(vm_lines) else 1


if __name__ == "__main__":
    sys.exit(main())
