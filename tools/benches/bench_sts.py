"""Token engine benchmark: one class 0 token through sts.pipeline.check.

Prints, for an EA07 and an EA11 meter: median time on the MicroPython unix VM
(1000 runs) and on CPython (2000 runs), and the bytes one check leaves allocated
on the 32-bit wasm VM (budget 256 B) and on the 64-bit unix VM.
Run from the repo root: .venv/bin/python tools/benches/bench_sts.py
"""

import sys
import time

import benchlib


def micropython_unix():
    return ["micropython-unix " + line for line in benchlib.unix("sts_bench_probe", "test_probe(1000)", "bench_sts")]


def micropython_wasm32():
    return ["micropython-wasm32 " + line for line in benchlib.wasm("sts_bench_probe", "bench_sts")]


def cpython(runs=2000):
    sys.path[:0] = benchlib.SOURCE_PATH
    import sts_bench_probe as probe
    from sts import pipeline

    out = []
    for keys in probe.KEYS:
        view = probe.View(keys)
        digits = probe._token(keys)
        assert pipeline.check(digits, view, 0).code == 1
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            pipeline.check(digits, view, 0)
            samples.append(time.perf_counter_ns() - t0)
        samples.sort()
        out.append("cpython ea%02d pipeline median (%d runs): %.1f us" % (keys.ea, runs, samples[runs // 2] / 1000))
    return out


def main():
    vm_lines = [micropython_unix(), micropython_wasm32()]
    for line in vm_lines[0] + vm_lines[1] + cpython():
        print(line)
    return 0 if all(vm_lines) else 1


if __name__ == "__main__":
    sys.exit(main())
