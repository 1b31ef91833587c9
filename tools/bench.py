#!/usr/bin/env python3
"""`make bench`: run every tools/benches/bench_*.py and print their figures.

    tools/bench.py [NAME ...]     (NAME: cipher, sts, store, ...; default: all)

Each bench script prints `label: value unit` lines. Speed and memory are
measured here, never asserted in timed tests.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv):
    scripts = sorted(glob.glob(os.path.join(ROOT, "tools", "benches", "bench_*.py")))
    names = [os.path.basename(s)[len("bench_"):-3] for s in scripts]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", metavar="NAME", help="benches to run: " + ", ".join(names))
    only = parser.parse_args(argv[1:]).only
    unknown = [name for name in only if name not in names]
    if unknown:  # checked here: argparse's choices refuse an empty list (Python 3.11), i.e. a plain `make bench`
        parser.error("unknown bench %s (choose from %s)" % (", ".join(unknown), ", ".join(names)))
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
