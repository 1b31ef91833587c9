#!/usr/bin/env python3
"""Board workflow figures: build time, code size on flash, virtual-board round trip, deploy time.

Run from the repo root: .venv/bin/python tools/benches/bench_tooling.py
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = os.path.join(ROOT, "tools")
if TOOLS not in sys.path:
    sys.path.append(TOOLS)

import build_mpy  # noqa: E402
import deploy  # noqa: E402


def bench_build():
    with tempfile.TemporaryDirectory() as out:
        for arch in build_mpy.DEFAULT_ARCHES:
            start = time.monotonic()
            built = build_mpy.build_arch(arch, out_dir=os.path.join(out, arch))
            took = time.monotonic() - start
            size = sum(os.path.getsize(path) for rel, path in built if rel.startswith("firmware/"))
            source = sum(os.path.getsize(os.path.join(ROOT, rel)) for rel, _ in built if rel.startswith("firmware/"))
            print("build %s: %.2f s" % (arch, took))
            print("build %s files: %d files" % (arch, len(built)))
            print("firmware on flash as .mpy (%s): %d bytes" % (arch, size))
        print("firmware as .py source: %d bytes" % source)


def bench_board():
    with tempfile.TemporaryDirectory() as fs:
        board = subprocess.Popen([sys.executable, os.path.join(TOOLS, "vboard.py"), "--fs", fs],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            port = board.stdout.readline().strip()
            rounds = []
            for _ in range(5):
                start = time.monotonic()
                code, _, _ = deploy.mpremote(port, ["exec", "print(1)"])
                rounds.append(time.monotonic() - start)
                assert code == 0
            print("mpremote exec on the virtual board (median of 5): %.0f ms" % (1000 * statistics.median(rounds)))
            for label in ("first deploy", "repeat deploy (unchanged files)"):
                start = time.monotonic()
                proc = subprocess.run([sys.executable, os.path.join(TOOLS, "deploy.py"), "--board", "host",
                                       "--port", port], capture_output=True, text=True, cwd=ROOT)
                assert proc.returncode == 0, proc.stderr
                print("%s to the virtual board: %.1f s" % (label, time.monotonic() - start))
        finally:
            board.terminate()
            board.wait(10)


if __name__ == "__main__":
    bench_build()
    bench_board()
