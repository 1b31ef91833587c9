"""Token engine benchmark: one class 0 token through sts.pipeline.check.

Prints, for an EA07 and an EA11 meter: median time on the MicroPython unix VM
(1000 runs) and on CPython (2000 runs), and the bytes one check leaves allocated
on the 32-bit wasm VM (budget 256 B) and on the 64-bit unix VM.
Run from the repo root: .venv/bin/python tools/benches/bench_sts.py
"""

import os
import subprocess
import sys
import time

ROOT = os.getcwd()
PATH = [os.path.join(ROOT, p) for p in ("firmware", "host_tests", "host_tests/fakes")]
MARK = "@@BENCH "


def _collect(cmd, env=None):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    lines = [line[len(MARK) :] for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write("bench_sts: %s failed:\n%s%s\n" % (cmd[0], proc.stdout[-2000:], proc.stderr[-2000:]))
        return []
    return lines


def micropython_unix():
    env = dict(os.environ, MICROPYPATH=":".join(PATH))
    cmd = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-c", "import sts_bench_probe as p; p.test_probe(1000)"]
    return ["micropython-unix " + line for line in _collect(cmd, env)]


def micropython_wasm32():
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules"))
    cmd = ["node", os.path.join(ROOT, "host_tests", "harness", "wasm_runner.mjs"), ROOT, "sts_bench_probe"]
    return ["micropython-wasm32 " + line for line in _collect(cmd, env)]


def cpython(runs=2000):
    sys.path[:0] = PATH
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
