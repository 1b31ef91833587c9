"""Cipher core benchmark: one 64-bit block through sts.sta.Sta and sts.misty1.Misty1.

Prints the median time of one decrypt (and encrypt, and one digits.parse) on the
MicroPython unix VM and on CPython, and the bytes each call allocates on the
32-bit wasm VM (0 expected) with whether it allocates at all under heap_lock.
Run from the repo root:
    .venv/bin/python tools/benches/bench_cipher.py [runs]
The probe runs inside the VMs from a temporary copy of the tree, so nothing is
added to host_tests/.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.getcwd()
MARK = "@@BENCH "
RUNS = 2000

PROBE = r'''
import sys
from sts.digits import parse
from sts.misty1 import Misty1
from sts.sta import Sta

MARK = "@@BENCH "
TOKEN = "02194538019157867319"
STA_KEY = bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F))
MISTY_KEY = bytes((0x28, 0xFE, 0xDC, 0xB8, 0x8B, 0x21, 0x56, 0x90, 0xE9, 0x8E, 0xEA, 0xAB, 0x98, 0x9E, 0x1C, 0x45))


def cases():
    sta = Sta(STA_KEY)
    misty = Misty1(MISTY_KEY)
    words = [0x0123, 0x4567, 0x89AB, 0xCDEF]
    return (
        ("Sta.decrypt", lambda: sta.decrypt(words)),
        ("Sta.encrypt", lambda: sta.encrypt(words)),
        ("Misty1.decrypt", lambda: misty.decrypt(words)),
        ("Misty1.encrypt", lambda: misty.encrypt(words)),
        ("digits.parse", lambda: parse(TOKEN, words)),
    )


def median_us(fn, runs):
    from time import ticks_diff, ticks_us

    samples = [0] * runs
    i = 0
    while i < runs:
        t0 = ticks_us()
        fn()
        samples[i] = ticks_diff(ticks_us(), t0)
        i += 1
    samples.sort()
    return samples[runs // 2]


def test_probe(runs=0):
    from support.alloc import allocates_under_lock, bytes_allocated

    wasm = sys.maxsize < (1 << 31)  # the 32-bit VM: allocation; the unix VM: timing (wasm ticks are 1 ms)
    for label, fn in cases():
        fn()  # warm-up (Sta.encrypt builds its table on first use)
        if wasm:
            print(MARK + "%s bytes allocated (32-bit VM): %d B" % (label, bytes_allocated(fn)))
            print(MARK + "%s allocates under heap_lock: %s" % (label, "yes" if allocates_under_lock(fn) else "no"))
        else:
            print(MARK + "%s median (%d runs): %d us" % (label, runs, median_us(fn, runs)))
'''


def _tree():
    tmp = tempfile.mkdtemp(prefix="bench_cipher_")
    for d in ("firmware", "host_tests"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d), ignore=shutil.ignore_patterns("__pycache__", ".*"))
    with open(os.path.join(tmp, "host_tests", "cipher_bench_probe.py"), "w") as f:
        f.write(PROBE)
    return tmp


def _collect(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    lines = [line[len(MARK):] for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write("bench_cipher: %s failed:\n%s%s\n" % (cmd[0], proc.stdout[-2000:], proc.stderr[-2000:]))
    return lines


def cpython(runs):
    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    ns = {}
    exec(PROBE, ns)  # the same cases as the VMs
    out = []
    for label, fn in ns["cases"]():
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
    tmp = _tree()
    try:
        path = ":".join(os.path.join(tmp, p) for p in ("firmware", "host_tests", "host_tests/fakes"))
        unix = _collect([os.path.join(ROOT, ".venv", "bin", "micropython"), "-c",
                         "import cipher_bench_probe as p; p.test_probe(%d)" % runs],
                        tmp, dict(os.environ, MICROPYPATH=path))
        wasm = _collect(["node", os.path.join(ROOT, "host_tests", "harness", "wasm_runner.mjs"), tmp,
                         "cipher_bench_probe"], ROOT, dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for line in unix:
        print("micropython-unix " + line)
    for line in wasm:
        print("micropython-wasm32 " + line)
    for line in cpython(runs):
        print("cpython " + line)
    return 0 if unix and wasm else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
