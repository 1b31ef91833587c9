#!/usr/bin/env python3
"""Run the test suite on each lane and print one summary line per lane.

    tools/run_lanes.py [--lane LANE ...] [-- extra pytest args]

Exits non-zero if any lane has a failure or error, or collected no tests.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANES = ("cpython", "micropython-unix", "micropython-wasm32")
_COUNT_RE = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")


def run_lane(lane, extra):
    pytest = os.path.join(ROOT, ".venv", "bin", "pytest")
    cmd = [pytest, "host_tests", "--lane=" + lane, "-q", "-p", "no:cacheprovider"] + extra
    print("==> %s: %s" % (lane, " ".join(cmd[1:])), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        if line.strip():
            last = line.strip()
    proc.wait()
    counts = {}
    for n, word in _COUNT_RE.findall(last):
        counts[word.rstrip("s") if word.startswith("error") else word] = int(n)
    return proc.returncode, counts


def main(argv):
    lanes, extra = [], []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    while argv:
        if argv[0] in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        if argv[0] == "--lane" and len(argv) > 1:
            lanes.append(argv[1])
            argv = argv[2:]
        else:
            sys.exit("usage: run_lanes.py [--lane LANE ...] [-- pytest args]")
    lanes = lanes or list(LANES)
    summary, ok = [], True
    total_passed = total_failed = 0
    for lane in lanes:
        code, counts = run_lane(lane, extra)
        passed, failed = counts.get("passed", 0), counts.get("failed", 0) + counts.get("error", 0)
        total_passed += passed
        total_failed += failed
        line = "%s: %d passed" % (lane, passed)
        if failed:
            line += ", %d failed" % failed
        if counts.get("skipped"):
            line += ", %d skipped" % counts["skipped"]
        if code != 0 or failed or passed == 0:
            ok = False
            if passed == 0 and not failed:
                line += " (no tests ran: counts as a failure)"
            elif code not in (0, 1):
                line += " (pytest exit code %d)" % code
        summary.append(line)
    print()
    for line in summary:
        print(line)
    print("total: %d passed, %d failed" % (total_passed, total_failed))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
