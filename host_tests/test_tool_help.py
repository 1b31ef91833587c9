"""Every program in tools/ answers --help with its help and does nothing else.

cpython lane only (subprocesses). Each tool runs as a user would start it: through
its shebang (`/usr/bin/env python3`, whichever Python that is), so this also checks
that the tools find the project's .venv by themselves.
"""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
LIBRARIES = ("_venv.py", "sim_screen.py", "sts_derive.py")  # imported by tools, not run
SKIP_DIRS = {".git", ".venv", "node_modules", ".typings", "__pycache__", ".pytest_cache", ".hypothesis"}


def programs():
    return sorted(n for n in os.listdir(TOOLS) if n.endswith(".py") and n not in LIBRARIES)


def tree_state():
    """(path, size, mtime) of every file in the checkout outside caches and installed packages."""
    state = set()
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for name in filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            state.add((os.path.relpath(path, ROOT), st.st_size, st.st_mtime_ns))
    return state


def test_every_program_is_executable_with_a_shebang():
    for name in programs():
        path = os.path.join(TOOLS, name)
        assert os.access(path, os.X_OK), "%s is not executable (chmod +x)" % name
        with open(path) as f:
            assert f.readline().strip() == "#!/usr/bin/env python3", name


@pytest.mark.parametrize("name", programs())
def test_help_prints_help_and_changes_nothing(name):
    path = os.path.join(TOOLS, name)
    cmd = [path]
    before = tree_state()
    proc = subprocess.run(cmd + ["--help"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    after = tree_state()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "usage" in proc.stdout.lower() or name[:-3] in proc.stdout or "tools/" in proc.stdout, proc.stdout
    assert len(proc.stdout.splitlines()) >= 3, proc.stdout  # a help text, not a result line
    assert proc.stderr == "", proc.stderr
    assert after == before, "--help changed files: %s" % sorted(set(p for p, *_ in after ^ before))
