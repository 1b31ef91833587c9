"""tools/ports.py: PORT=auto finds the board by USB id; wrong ports fail fast, saying what is there.

cpython lane only. The virtual board (tools/vboard.py) on a pty plays the board; the port
listing is injected through $METER_PORT_LISTING, as if the pty were a USB device.
"""
import json
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
PICO = {"vid": 0x2E8A, "pid": 0x0005, "description": "Board in FS mode"}
CP2102 = {"vid": 0x10C4, "pid": 0xEA60, "description": "CP2102 USB to UART Bridge Controller"}
MOUSE = {"device": "/dev/ttyS0", "description": "16550A UART"}


@pytest.fixture(scope="module")
def vboard_port(tmp_path_factory):
    fs = tmp_path_factory.mktemp("device")
    proc = subprocess.Popen([sys.executable, os.path.join(TOOLS, "vboard.py"), "--fs", str(fs)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run(tmp_path, listing, *cmd):
    """Run a tool with this port listing; return (process, seconds taken)."""
    path = tmp_path / "listing.json"
    path.write_text(json.dumps(listing))
    env = dict(os.environ, METER_PORT_LISTING=str(path))
    start = time.monotonic()
    proc = subprocess.run([sys.executable] + [os.path.join(TOOLS, cmd[0])] + list(cmd[1:]), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    return proc, time.monotonic() - start


def test_auto_finds_the_one_board_and_says_which(tmp_path, vboard_port):
    proc, took = run(tmp_path, [MOUSE, dict(PICO, device=vboard_port)], "ports.py", "--check", "auto")
    assert proc.returncode == 0, proc.stderr
    assert "using %s (Raspberry Pi (RP2040/RP2350), 2E8A:0005)" % vboard_port in proc.stdout
    assert "MicroPython answers on %s" % vboard_port in proc.stdout
    assert took < 5


def test_listing_marks_the_boards(tmp_path):
    proc, _ = run(tmp_path, [MOUSE, dict(CP2102, device="/dev/ttyUSB0")], "ports.py")
    assert proc.returncode == 0
    assert "* /dev/ttyUSB0 (Silicon Labs CP210x USB-UART, 10C4:EA60)" in proc.stdout
    assert "  /dev/ttyS0 (16550A UART, no USB id)" in proc.stdout


def test_no_board_fails_at_once_listing_the_ports(tmp_path):
    proc, took = run(tmp_path, [MOUSE], "deploy.py", "--board", "rpi_pico")
    assert proc.returncode == 1
    assert proc.stderr.strip() == ("deploy: error: no MicroPython board found (serial ports: /dev/ttyS0 (16550A UART, "
                                   "no USB id)); plug one in or give PORT=...")
    assert took < 2
    assert "deploy: " not in proc.stdout  # nothing was built or sent


def test_two_boards_fail_at_once_naming_both(tmp_path):
    listing = [dict(PICO, device="/dev/ttyACM0"), dict(CP2102, device="/dev/ttyUSB0"), MOUSE]
    proc, took = run(tmp_path, listing, "deploy.py", "--board", "rpi_pico", "--port", "auto")
    assert proc.returncode == 1
    assert "2 boards found, choose one with PORT=...: /dev/ttyACM0 (Raspberry Pi" in proc.stderr
    assert "/dev/ttyUSB0 (Silicon Labs CP210x USB-UART, 10C4:EA60)" in proc.stderr
    assert "ttyS0" not in proc.stderr
    assert took < 2


def test_a_missing_port_fails_at_once_saying_what_exists(tmp_path):
    proc, took = run(tmp_path, [dict(PICO, device="/dev/ttyACM0")], "deploy.py", "--board", "rpi_pico",
                     "--port", "/dev/ttyUSB9")
    assert proc.returncode == 1
    assert "/dev/ttyUSB9 does not exist (serial ports: /dev/ttyACM0 (Raspberry Pi" in proc.stderr
    assert took < 2


def test_a_file_is_not_a_port(tmp_path):
    with open(os.path.join(TOOLS, "demo_meter.json")) as f:
        demo = json.load(f)
    meter = tmp_path / "meter.json"
    keys = ("pan", "sgc", "ti", "krn", "kt", "ken", "base_date", "ea", "decoder_key")
    meter.write_text(json.dumps({k: demo[k] for k in keys}))
    proc, took = run(tmp_path, [], "provision.py", "--port", str(meter), str(meter))
    assert proc.returncode == 1
    assert "provision: error: %s is a regular file, not a serial port (serial ports: no serial ports at all)" % meter \
        in proc.stderr
    assert took < 2


def test_a_device_that_never_answers_fails_within_seconds(tmp_path):
    master, slave = os.openpty()  # a serial device that takes bytes and never replies
    try:
        port = os.ttyname(slave)
        proc, took = run(tmp_path, [dict(PICO, device=port)], "deploy.py", "--board", "rpi_pico")
    finally:
        os.close(master)
        os.close(slave)
    assert proc.returncode == 1
    assert "no MicroPython raw REPL on %s within 3 s (it sent nothing)" % port in proc.stderr
    assert 2.5 < took < 6
    assert "files to" not in proc.stdout  # failed before building or copying


def test_auto_for_the_host_board_needs_a_running_virtual_board(tmp_path):
    proc, took = run(tmp_path, [], "ports.py", "--check", "auto", "--board", "host")
    if os.path.exists(os.path.join(ROOT, "build", "vboard.port")):
        pytest.skip("a virtual board is running in this checkout")
    assert proc.returncode == 1
    assert "no virtual board running: start one with `make vboard`" in proc.stderr
    assert took < 2
