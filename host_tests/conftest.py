"""pytest plugin: one test suite, three runtimes ("lanes").

    pytest host_tests --lane=cpython             # plain pytest (default)
    pytest host_tests --lane=micropython-unix    # MicroPython unix VM, capped heap
    pytest host_tests --lane=micropython-wasm32  # 32-bit MicroPython (WebAssembly, Node)

A test file says which lanes it runs on with a comment in its first lines:

    # lanes: cpython micropython-unix micropython-wasm32

Files without that comment run on cpython only.  In the MicroPython lanes each
file runs once in the VM (host_tests/harness/mprunner.py) and every test_*
function becomes one pytest item, so failures show their name and traceback.
Optional `# mp-heapsize: 64wK` sets the unix VM heap for that file.
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
UNIX_TIMEOUT_S = 600


def pytest_addoption(parser):
    parser.addoption("--lane", default="cpython", choices=LANES, help="runtime to run the tests on")


def _header(path):
    lanes, heap = ("cpython",), DEFAULT_HEAP
    with open(path, encoding="utf-8") as f:
        for _ in range(15):
            line = f.readline().strip()
            m = _LANES_RE.match(line)
            if m:
                lanes = tuple(m.group(1).split())
            m = _HEAP_RE.match(line)
            if m:
                heap = m.group(1)
    return lanes, heap


def _lane(config):
    return config.getoption("--lane")


def pytest_ignore_collect(collection_path, config):
    name = collection_path.name
    if collection_path.is_dir():
        return name in ("fakes", "harness", "support", "data", "__pycache__") or None
    if name.startswith("test_") and name.endswith(".py"):
        lanes, _ = _header(str(collection_path))
        return (_lane(config) not in lanes) or None
    return None


def pytest_pycollect_makemodule(module_path, parent):
    lane = _lane(parent.config)
    if lane == "cpython":
        return None
    return MicroPythonFile.from_parent(parent, path=module_path)


def run_in_micropython(lane, path):
    """Run one test file in a MicroPython VM; return (results, raw output)."""
    modname = os.path.splitext(os.path.basename(path))[0]
    if lane == "micropython-unix":
        _, heap = _header(path)
        # ".frozen" keeps the VM's frozen modules (asyncio) importable, as on a board.
        env = dict(os.environ, MICROPYPATH=":".join(SEARCH_PATH + [".frozen"]))
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
