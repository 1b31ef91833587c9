#!/usr/bin/env python3
"""`make bench`: run every tools/benches/bench_*.py and print their figures.

Each bench script prints `label: value unit` lines. Speed and memory are
measured here, never asserted in timed tests.
"""
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv):
    only = argv[1:]
    scripts = sorted(glob.glob(os.path.join(ROOT, "tools", "benches", "bench_*.py")))
    failed = []
    for script in scripts:
        name = os.path.basename(script)[len("bench_"):-3]
        if only and name not in only:
            continue
        print("== %s" % name, flush=True)
        proc = subprocess.run([sys.executable, script], cwd=ROOT)
        if proc.returncode:
            failed.append(name)
    if failed:
        print("bench scripts that failed: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
