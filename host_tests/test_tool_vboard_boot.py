"""The virtual board boots the deployed firmware like a board: make vboard, make deploy
BOARD=host, make provision, reset, and the boot report arrives on the console.

cpython lane only (processes, ptys).
"""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
PY = sys.executable


def tool(name, *args):
    return subprocess.run([PY, os.path.join(TOOLS, name)] + list(args), cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def vboard(tmp_path):
    """The virtual board as `make vboard` starts it (its host path: the device models and boards/)."""
    proc = subprocess.Popen([PY, os.path.join(TOOLS, "vboard.py"), "--fs", str(tmp_path / "device"),
                             "--micropypath", "host_tests/fakes:boards"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        yield proc.stdout.readline().strip(), tmp_path / "device"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_deployed_firmware_boots_on_the_virtual_board(vboard, tmp_path):
    port, device = vboard
    deployed = tool("deploy.py", "--board", "host", "--port", port)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert (device / "board.mpy").exists() and (device / "main.py").exists()
    with open(os.path.join(TOOLS, "demo_meter.json")) as f:
        demo = json.load(f)
    meter = tmp_path / "meter.json"
    meter.write_text(json.dumps({k: demo[k] for k in ("pan", "sgc", "ti", "krn", "kt", "ken", "base_date", "ea",
                                                      "decoder_key")}))
    provisioned = tool("provision.py", "--port", port, str(meter))
    assert provisioned.returncode == 0, provisioned.stderr

    reset = tool("ports.py", "--reset", port)  # what `make reset` runs
    assert reset.returncode == 0, reset.stderr
    boot = reset.stdout
    assert "MPY: soft reboot" in boot
    assert "[info] firmware v" in boot and "on virtual board (vboard)" in boot
    assert "[info] provisioned meter 600727000000000009" in boot
    assert "[info] keys ea=07 krn=1 kt=2 ti=01 sgc=123456 ken=255 base_date=2014" in boot
    assert "Traceback" not in boot
    assert not (device / "provision.json").exists()  # imported, then deleted, as on a board

    status = tool("console.py", port, "--json", "status")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["sgc"] == "123456"
    report = tool("console.py", port, "config")
    assert "meter pan=600727000000000009" in report.stdout

    # the meter ignores Ctrl-C (kbd_intr(-1)), yet a deploy still reaches the REPL
    again = tool("deploy.py", "--board", "host", "--port", port)
    assert again.returncode == 0, again.stdout + again.stderr
    # unchanged files are skipped by sha256 (asked of the board in one call): nothing is copied
    assert re.search(r"deploy: (\d+) of \1 files already on the board \(same sha256\), 0 to copy", again.stdout)
    assert " written" not in again.stdout
    (device / "clock.mpy").write_bytes(b"damaged")
    fixed = tool("deploy.py", "--board", "host", "--port", port)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert ", 1 to copy" in fixed.stdout and "/clock.mpy" in fixed.stdout and "verified" in fixed.stdout
    assert (device / "clock.mpy").read_bytes() != b"damaged"
