"""tools/vboard.py, tools/deploy.py and tools/provision.py against a virtual board.

cpython lane only: stock mpremote talks to the MicroPython unix VM behind a pty.
"""
import json
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.append(os.path.join(ROOT, "tools"))  # appended: tools/sts.py must not shadow firmware/sts

import deploy  # noqa: E402
import provision  # noqa: E402

PY = sys.executable
MPREMOTE = os.path.join(ROOT, ".venv", "bin", "mpremote")
DEMO_KEY = "e653341f9d5bf36f"
DEMO_METER = {"pan": "600727000000000009", "sgc": "123456", "ti": "01", "krn": 1, "kt": 2, "ken": 255,
              "base_date": 2014, "ea": "07", "decoder_key": DEMO_KEY}


@pytest.fixture
def board(tmp_path):
    """A running virtual board: yields (port path, device root directory)."""
    fs = tmp_path / "device"
    proc = subprocess.Popen([PY, os.path.join(ROOT, "tools", "vboard.py"), "--fs", str(fs)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert port.startswith("/dev/"), port
        yield port, fs
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def mpremote(port, *args, timeout=30):
    return subprocess.run([MPREMOTE, "connect", port] + list(args), capture_output=True, text=True, timeout=timeout)


def tool(name, *args, timeout=300, env=None):
    return subprocess.run([PY, os.path.join(ROOT, "tools", name)] + list(args), capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


def no_ports(tmp_path):
    """An environment in which the port listing is empty (see tools/ports.py)."""
    listing = tmp_path / "no-ports.json"
    listing.write_text("[]")
    return dict(os.environ, METER_PORT_LISTING=str(listing))


def test_mpremote_exec_and_filesystem(board, tmp_path):
    port, fs = board
    local = tmp_path / "blob.bin"
    local.write_bytes(os.urandom(5000))  # larger than one raw-REPL chunk
    proc = mpremote(port, "exec", "import os; print(sorted(os.listdir('/')))", "+", "fs", "mkdir", ":data", "+",
                    "fs", "cp", str(local), ":/data/blob.bin", "+", "fs", "ls", ":data", "+",
                    "fs", "sha256sum", ":/data/blob.bin")
    assert proc.returncode == 0, proc.stderr
    assert "[]" in proc.stdout  # the device root is the empty --fs directory, not the host's /
    assert (fs / "data" / "blob.bin").read_bytes() == local.read_bytes()
    assert deploy.sha256_file(str(local)) in proc.stdout
    (fs / "note.txt").write_text("on the device\n")
    proc = mpremote(port, "fs", "cat", ":/note.txt")
    assert proc.returncode == 0 and "on the device" in proc.stdout


def test_soft_reset_restarts_the_vm(board):
    port, _ = board
    proc = mpremote(port, "exec", "import builtins; builtins.left_behind = 1; print('set')", "+", "soft-reset",
                    "+", "exec", "import builtins; print('after', hasattr(builtins, 'left_behind'))")
    assert proc.returncode == 0, proc.stderr
    assert "set" in proc.stdout and "after False" in proc.stdout


def test_ctrl_c_interrupts_a_running_program(board):
    port, _ = board
    stuck = subprocess.Popen([MPREMOTE, "connect", port, "exec", "while True:\n    pass"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    stuck.kill()
    stuck.wait()
    proc = mpremote(port, "exec", "print(6 * 7)", timeout=20)
    assert proc.returncode == 0, proc.stderr
    assert "42" in proc.stdout


def test_deploy_copies_and_verifies_every_file_and_detects_tampering(board):
    port, fs = board
    proc = tool("deploy.py", "--board", "host", "--port", port)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plan = deploy.plan_files("host", ROOT, use_mpy=True)
    assert len(plan) >= 2
    assert "[%d/%d]" % (len(plan), len(plan)) in proc.stdout
    for local, device in plan:
        with open(local, "rb") as f:
            assert (fs / device.lstrip("/")).read_bytes() == f.read(), device
    assert (fs / "main.py").exists() or not os.path.exists(os.path.join(ROOT, "firmware", "main.py"))

    tampered, removed = plan[0][1], plan[-1][1]
    with open(fs / tampered.lstrip("/"), "ab") as f:
        f.write(b"\0")
    os.remove(fs / removed.lstrip("/"))
    proc = tool("deploy.py", "--board", "host", "--port", port, "--verify-only")
    assert proc.returncode == 1
    assert "MISMATCH  %s" % tampered in proc.stdout
    assert "MISSING   %s" % removed in proc.stdout
    assert "FAILED for 2 of" in proc.stderr

    proc = tool("deploy.py", "--board", "host", "--port", port)  # a new deploy repairs both
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ", 2 to copy" in proc.stdout  # only the two bad files: the rest is skipped by sha256
    assert "%s (" % tampered in proc.stdout and "%s (" % removed in proc.stdout


def _tree(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_deploy_board_file_and_stale_source_twin(board, tmp_path):
    port, fs = board
    root = tmp_path / "repo"
    _tree(root, {"firmware/main.py": "print('main')\n", "firmware/pkg/__init__.py": "",
                 "firmware/pkg/mod.py": "VALUE = 'fresh'\n", "boards/rpi_pico.py": "NAME = 'pico'\n"})
    _tree(fs, {"pkg/mod.py": "VALUE = 'stale'\n", "meter-data.bin": "kept"})
    proc = tool("deploy.py", "--board", "rpi_pico", "--arch", "x64", "--port", port, "--root", str(root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "removed stale /pkg/mod.py" in proc.stdout
    assert sorted(p.name for p in fs.iterdir()) == ["board.mpy", "main.py", "meter-data.bin", "pkg"]
    assert not (fs / "pkg" / "mod.py").exists()
    proc = mpremote(port, "exec", "import board, pkg.mod; print(board.NAME, pkg.mod.VALUE, pkg.mod.__file__)")
    assert proc.returncode == 0, proc.stderr
    assert "pico fresh pkg/mod.mpy" in proc.stdout


def test_deploy_argument_errors(tmp_path):
    proc = tool("deploy.py", "--board", "esp8266", "--port", "/dev/null")
    assert proc.returncode == 2 and "BOARD must be one of" in proc.stderr
    proc = tool("deploy.py", "--board", "rpi_pico", env=no_ports(tmp_path))
    assert proc.returncode == 1 and "no MicroPython board found" in proc.stderr
    proc = tool("deploy.py", "--board", "host", "--port", "/dev/no-such-port")
    assert proc.returncode == 1 and "deploy: error:" in proc.stderr and "Traceback" not in proc.stderr


def _write(tmp_path, doc, name="meter.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return str(path)


def test_provision_writes_the_file_and_never_prints_the_key(board, tmp_path):
    port, fs = board
    proc = tool("provision.py", "--port", port, _write(tmp_path, DEMO_METER))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((fs / "provision.json").read_text()) == DEMO_METER
    assert DEMO_KEY not in proc.stdout + proc.stderr
    assert "decoder_key=<16 hex digits, hidden>" in proc.stdout
    assert "sha256 verified" in proc.stdout


def test_provision_ea11_key_length(tmp_path):
    key = "0123456789abcdef" * 2
    doc = dict(DEMO_METER, ea="11", decoder_key=key)
    proc = tool("provision.py", "--check", _write(tmp_path, doc))
    assert proc.returncode == 0, proc.stderr
    assert key not in proc.stdout and "<32 hex digits, hidden>" in proc.stdout


BAD_FILES = [
    (dict(DEMO_METER, pan="60072700000000000"), "pan"),
    (dict(DEMO_METER, pan=600727000000000009), "pan"),
    (dict(DEMO_METER, sgc="12345a"), "sgc"),
    (dict(DEMO_METER, ti="1"), "ti"),
    (dict(DEMO_METER, krn="1"), "krn"),
    (dict(DEMO_METER, kt=4), "kt"),
    (dict(DEMO_METER, ken=True), "ken"),
    (dict(DEMO_METER, base_date=2035), "base_date"),
    (dict(DEMO_METER, base_date=2014.0), "base_date"),
    (dict(DEMO_METER, ea="7"), "ea"),
    (dict(DEMO_METER, ea="11"), "decoder_key"),
    (dict(DEMO_METER, decoder_key="e653341f9d5bf36g"), "decoder_key"),
    (dict(DEMO_METER, extra=1), "unknown extra"),
    ({k: v for k, v in DEMO_METER.items() if k != "kt"}, "missing kt"),
    ('{"pan": "600727000000000009", "pan": "600727000000000009"}', "more than once: pan"),
    ('{"pan": ', "not valid JSON"),
    ("[1, 2]", "JSON object"),
]


@pytest.mark.parametrize("doc,reason", BAD_FILES)
def test_provision_rejects_bad_files_with_a_reason(doc, reason, tmp_path):
    with pytest.raises(provision.ProvisionError) as err:
        provision.load(_write(tmp_path, doc))
    assert reason in str(err.value)
    assert DEMO_KEY not in str(err.value) and "e653341f9d5bf36g" not in str(err.value)


def test_provision_cli_rejects_without_touching_the_board(board, tmp_path):
    port, fs = board
    proc = tool("provision.py", "--port", port, _write(tmp_path, dict(DEMO_METER, kt=7)))
    assert proc.returncode == 1
    assert "provision: error: kt" in proc.stderr and "Traceback" not in proc.stderr
    assert not (fs / "provision.json").exists()
    assert tool("provision.py", "--port", port, str(tmp_path / "absent.json")).returncode == 1
    proc = tool("provision.py", _write(tmp_path, DEMO_METER), env=no_ports(tmp_path))
    assert proc.returncode == 1 and "no MicroPython board found" in proc.stderr


def _read_until(port, marker, timeout=10):
    got, deadline = b"", time.monotonic() + timeout
    while marker not in got and time.monotonic() < deadline:
        got += port.read(256)
    return got


def test_friendly_repl_soft_reboot_and_host_path(tmp_path):
    import serial

    host = tmp_path / "host"
    _tree(host, {"hostmod.py": "WHERE = 'host'\n"})
    fs = tmp_path / "device"
    _tree(fs, {"lib/libmod.py": "WHERE = 'lib'\n"})
    proc = subprocess.Popen([PY, os.path.join(ROOT, "tools", "vboard.py"), "--fs", str(fs), "--micropypath",
                             str(host)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = serial.Serial(proc.stdout.readline().strip(), timeout=0.1)
        port.write(b"\x03")
        _read_until(port, b">>> ")
        port.write(b"import hostmod, libmod; print(hostmod.WHERE, libmod.WHERE)\r")
        assert b"host lib" in _read_until(port, b"host lib")
        port.write(b"\x04")  # Ctrl-D at the friendly prompt: a board soft-reboots
        after = _read_until(port, b">>> ")
        assert b"MPY: soft reboot\r\n" in after and after.endswith(b">>> ")
        assert b"Traceback" not in after
        port.write(b"print('hostmod' in globals())\r")
        assert b"False" in _read_until(port, b"False")  # a fresh VM: the old session's names are gone
        port.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
