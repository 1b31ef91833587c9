# The store's acceptance runs that need subprocesses (cpython lane only):
# tools/powercut.py with and without torn writes, and reboot = a new
# MicroPython process on the same flash image file.
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
ENV = dict(os.environ, MICROPYPATH="firmware:host_tests:host_tests/fakes")

# Runs inside MicroPython: boot the meter on the image, optionally do some
# business, then print the durable state as one JSON line.
METER_SCRIPT = """
import json, sys
from fakeclock import FakeClock
from support.filedev import FileBlockDevice
from store.state import MeterState
from store.volume import mount_flash
from sts.layouts import cipher, format_token
from sts.keys import KeyState
from sts.pipeline import check
from sts.layouts import build_words
NOW = 1_700_000_000
fs = mount_flash(FileBlockDevice(sys.argv[1], 32, 4096))
state = MeterState(fs, FakeClock(start_s=NOW), {"emergency_credit_wh": 300})
report = state.boot(NOW)
if sys.argv[2] == "write":
    key = KeyState(7, bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F)), 1, 2, 1, 123456)
    state.provision(key, "600727000000000009", credit_wh=250, now_s=NOW)
    for tid, count in ((1000, 12), (1100, 3)):
        words = build_words(0, 0, {"tid": tid, "amount": count})
        cipher(key.key).encrypt(words)
        assert state.apply(check(format_token(0, words), state, NOW), NOW) == 1
    state.consume(40, NOW)
    state.record_wrong_token(NOW)
    state.flush(NOW, 2)
print(json.dumps({
    "report": report, "credit": state.balance_wh, "energy": state.energy_total_wh,
    "keys": state.keys.to_dict(), "tids": list(state.tids), "settings": state.settings,
    "wrong": state.wrong_tokens, "kct": state.pending_kct,
    "events": [list(e) for e in state.events(50) if e[2] != 1],
}))
"""


def _meter(image, action):
    proc = subprocess.run([MICROPYTHON, "-c", METER_SCRIPT, image, action], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_reboot_in_a_new_process_gives_identical_state(tmp_path):
    image = str(tmp_path / "flash.img")
    written = _meter(image, "write")
    assert written["credit"] == 250 + 1500 - 40 and written["tids"] == [1100, 1000]
    first = _meter(image, "read")
    second = _meter(image, "read")
    assert first["report"]["mount"] == "mounted" and first["report"]["recoveries"] == []
    for name in ("credit", "energy", "keys", "tids", "settings", "wrong", "kct", "events"):
        assert first[name] == written[name], name
        assert second[name] == written[name], name
    assert os.path.getsize(image) == 32 * 4096


def _powercut(*args):
    proc = subprocess.run([sys.executable, "tools/powercut.py", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    last = proc.stdout.strip().splitlines()[-1]
    return proc.returncode, last, proc.stdout + proc.stderr


def test_powercut_every_cut_point_keeps_the_invariants():
    code, last, output = _powercut()
    assert code == 0 and last.endswith("violations: 0"), output
    assert int(last.split()[2].rstrip(",")) >= 50, last  # every listed operation was cut somewhere


def test_powercut_with_torn_writes_keeps_the_invariants():
    code, last, output = _powercut("--torn")
    assert code == 0 and last.endswith("violations: 0"), output
    assert int(last.split()[2].rstrip(",")) >= 50, last


def test_damage_tool_reports_no_credit_from_damage_on_both_board_layouts():
    proc = subprocess.run([sys.executable, "tools/damage.py", "--cases", "30", "--seed", "5"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = dict(line.split(": ") for line in proc.stdout.splitlines() if line.startswith("damage_"))
    assert int(lines["damage_cases"]) >= 60 and int(lines["damage_same"]) > 0
    for name in ("damage_more_credit", "damage_silent_loss", "damage_replay_gain", "damage_crash"):
        assert lines[name] == "0", name
    assert "layout rpi_pico (352 blocks, progsize 256):" in proc.stdout
    assert "layout esp32_devkitc (512 blocks, progsize 32):" in proc.stdout


@pytest.mark.parametrize("layout", ["rpi_pico", "esp32_devkitc"])
@pytest.mark.parametrize("torn", [False, True])
def test_powercut_on_the_board_layouts_keeps_the_invariants(layout, torn):
    code, last, output = _powercut("--layout", layout, *(("--torn",) if torn else ()))
    assert code == 0 and last.endswith("violations: 0"), output
    assert int(last.split()[2].rstrip(",")) >= 150, last
