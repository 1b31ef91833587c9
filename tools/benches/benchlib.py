"""What the bench scripts share: run a probe module (host_tests/*_bench_probe.py)
inside the MicroPython unix VM or the 32-bit wasm VM and collect the lines it
marks with `@@BENCH `.  Benches run with the repo root as working directory."""
import os
import subprocess
import sys

ROOT = os.getcwd()
MARK = "@@BENCH "
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
WASM_RUNNER = os.path.join(ROOT, "host_tests", "harness", "wasm_runner.mjs")
SOURCE_PATH = [os.path.join(ROOT, p) for p in ("firmware", "host_tests", "host_tests/fakes", "host_tests/harness")]


def collect(cmd, env, who, quiet=False, cwd=ROOT):
    """Run cmd in cwd; the marked lines it printed (a failure is reported on stderr
    unless quiet)."""
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    lines = [line[len(MARK):] for line in proc.stdout.splitlines() if line.startswith(MARK)]
    failed = proc.returncode != 0 or not lines or '"outcome": "failed"' in proc.stdout
    if failed and not quiet:
        sys.stderr.write("%s: %s failed:\n%s%s\n" % (who, os.path.basename(cmd[0]), proc.stdout[-2000:],
                                                    proc.stderr[-2000:]))
    return lines


def unix(module, call, who, path=None, heap="1024wK", quiet=False, cwd=ROOT):
    """Lines from `module.call` run in the MicroPython unix VM (working directory cwd;
    a "" entry in path is that directory, as on a board)."""
    env = dict(os.environ, MICROPYPATH=":".join((path or SOURCE_PATH) + [".frozen"]))
    cmd = [MICROPYTHON, "-X", "heapsize=" + heap, "-c", "import %s as p; p.%s" % (module, call)]
    return collect(cmd, env, who, quiet, cwd)


def wasm(module, who, compiled_dir=None):
    """Lines from the module's test_* functions run in the 32-bit wasm VM
    (from source, or from mpy-cross bytecode in compiled_dir)."""
    env = dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules"))
    if compiled_dir:
        env["WASM_COMPILED_DIR"] = compiled_dir
    return collect(["node", WASM_RUNNER, ROOT, module], env, who)


def report(lane, lines):
    for line in lines:
        print("%s %s" % (lane, line))
