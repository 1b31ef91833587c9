# `make lint` stays clean: ruff over the repo, and pyright of firmware/ and
# each board file against its port's stubs (misspelt machine APIs, wrong
# argument counts, esp32-only calls on an RP2040 board...).
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".venv", "bin")


def _run(*cmd):
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


def test_ruff_is_clean():
    code, out = _run(os.path.join(BIN, "ruff"), "check", ".")
    assert code == 0, out


def test_pyright_against_rp2_stubs():
    code, out = _run(os.path.join(BIN, "pyright"), "-p", "tools/pyright-rp2.json")
    assert code == 0 and "0 errors" in out, out


def test_pyright_against_esp32_stubs():
    code, out = _run(os.path.join(BIN, "pyright"), "-p", "tools/pyright-esp32.json")
    assert code == 0 and "0 errors" in out, out
