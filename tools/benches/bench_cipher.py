"""Cipher core benchmark: one 64-bit block through sts.sta_cipher.Sta and sts.misty1_cipher.Misty1.

Prints the median time of one decrypt (and encrypt, and one digits.parse) on the
MicroPython unix VM and on CPython, and the bytes each call allocates on the
32-bit wasm VM (0 expected) with whether it allocates at all under heap_lock.
Run from the repo root:
    .venv/bin/python tools/benches/bench_cipher.py [runs]
The probe is host_tests/cipher_bench_probe.py.
"""

import sys
import time

import benchlib

RUNS = 2000




def cpython(runs):
    sys.path[:0] = benchlib.SOURCE_PATH
    import cipher_bench_probe as probe  # the same cases as the VMs

    out = []
    for label, fn in probe.cases():
        fn()
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter_ns()
            fn()
            samples.append(time.perf_counter_ns() - t0)
        samples.sort()
        out.append("%s median (%d runs): %.1f us" % (label, runs, samples[runs // 2] / 1000))
    return out


def main(argv):
    runs = int(argv[1]) if len(argv) > 1 else RUNS
    unix = benchlib.unix("cipher_bench_probe", "test_probe(%d)" % runs, "bench_cipher")
    wasm = benchlib.wasm("cipher_bench_probe", "bench_cipher")
    benchlib.report("micropython-unix", unix)
    benchlib.report("micropython-wasm32", wasm)
    benchlib.report("cpython", cpython(runs))
    return 0 if unix and wasm else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
