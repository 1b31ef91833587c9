"""Meter app benchmark: heap and key-press-to-LCD latency in the scenario.

Runs host_tests/meter_bench_probe.py in the MicroPython unix VM (64-bit,
modules from mpy-cross bytecode as deployed) and in the 32-bit wasm VM (whose
object sizes are those of an ESP32/RP2040).
"""
import os
import subprocess
import sys

ROOT = os.getcwd()
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
MARK = "@@BENCH "


HEAPS_WK = (96, 112, 128, 144, 160, 176, 192, 224, 256)


def run(cmd, env, lane, quiet=False):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    lines = [line[len(MARK):] for line in proc.stdout.splitlines() if line.startswith(MARK)]
    failed = proc.returncode != 0 or '"outcome": "failed"' in proc.stdout
    if not quiet:
        if not lines or failed:
            print("%s: probe failed\n%s" % (lane, (proc.stdout + proc.stderr)[-2000:]))
        for line in lines:
            print("%s %s" % (lane, line))
    return not failed


def smallest_heap(env):
    """The smallest -X heapsize (K words) in which the probe's whole scenario runs."""
    for wk in HEAPS_WK:
        cmd = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-X", "heapsize=%dwK" % wk, "-c",
               "import meter_bench_probe as p; p.test_probe()"]
        if run(cmd, env, "", quiet=True):
            return wk
    return None


def main():
    from conftest import COMPILED_DIR, HOST_TESTS, compile_for_host

    compile_for_host()
    path = [COMPILED_DIR, HOST_TESTS, os.path.join(HOST_TESTS, "harness"), ".frozen"]
    unix = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-X", "heapsize=1024wK", "-c",
            "import meter_bench_probe as p; p.test_probe()"]
    env = dict(os.environ, MICROPYPATH=":".join(path))
    run(unix, env, "micropython-unix")
    wk = smallest_heap(env)
    print("micropython-unix smallest heap for the scenario (firmware + device models): %s" % (
        "%dwK" % wk if wk else "more than %dwK" % HEAPS_WK[-1]))
    wasm = ["node", os.path.join(HOST_TESTS, "harness", "wasm_runner.mjs"), ROOT, "meter_bench_probe"]
    run(wasm, dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules"), WASM_COMPILED_DIR=COMPILED_DIR),
        "micropython-wasm32")


if __name__ == "__main__":
    main()
