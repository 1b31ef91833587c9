"""tools/sim.py tells the truth about itself: its VM never outlives it, a flash image
for another meter is refused loudly, `sim` mistakes are one clear line each.

cpython lane only (processes and signals).
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from sim_client import SimSession

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(ROOT, "tools", "sim.py")


def children(pid):
    """Pids whose parent is pid (from /proc)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(name))
    return found


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def booted_sim(tmp_path, *options):
    """A headless simulator that has booted: (process, pid of its VM)."""
    proc = subprocess.Popen([sys.executable, SIM, "--headless", "--flash", str(tmp_path / "flash.img")] + list(options),
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    for line in proc.stdout:
        if line.strip() == "[info] ready":
            break
    vms = children(proc.pid)
    assert len(vms) == 1, vms
    return proc, vms[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_the_vm_dies_with_the_simulator(tmp_path, signum):
    proc, vm = booted_sim(tmp_path)
    try:
        assert alive(vm)
        proc.send_signal(signum)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while alive(vm) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(vm), "the VM outlived tools/sim.py after signal %d" % signum
        if signum != signal.SIGKILL:
            assert "Traceback" not in proc.stdout.read()
    finally:
        proc.kill()
        if alive(vm):
            os.kill(vm, signal.SIGKILL)


def test_a_flash_image_for_another_meter_is_refused_in_one_line(tmp_path):
    first = SimSession(tmp_path / "flash.img")  # the demo meter's image
    try:
        assert first.cmd("version")[-1] == "OK"
    finally:
        first.close()
    with open(os.path.join(ROOT, "tools", "demo_meter.json")) as f:
        demo = json.load(f)
    other = {k: demo[k] for k in ("pan", "sgc", "ti", "krn", "kt", "ken", "base_date", "ea", "decoder_key")}
    other["pan"] = "600727000000000017"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(other))
    proc = subprocess.run([sys.executable, SIM, "--headless", "--flash", str(tmp_path / "flash.img"), "--provision",
                           str(path)], cwd=ROOT, input="status\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sim: refused: %s holds meter pan=600727000000000009" %
                                                   (tmp_path / "flash.img")), proc.stderr
    assert "says meter pan=600727000000000017" in lines[0]
    assert "credit_wh=" not in proc.stdout  # the old meter did not run under the new name
    again = SimSession(tmp_path / "flash.img")  # the same identity again: runs as before
    try:
        assert again.status()["sgc"] == "123456"
    finally:
        again.close()


def test_sim_mistakes_are_one_clear_line(tmp_path):
    sim = SimSession(tmp_path / "flash.img")
    try:
        for line, reply in [
            ("sim advance", "ERR usage: sim advance <seconds>"),
            ("sim advance soon", "ERR usage: sim advance <seconds>"),
            ("sim load -5", "ERR load must be 0..100000 W"),
            ("sim power", "ERR usage: sim power off [ops] | sim power on"),
            ("sim power off x", "ERR usage: sim power off [ops] | sim power on"),
            ("sim teleport", "ERR unknown sim command 'teleport' (sim lists them)"),
        ]:
            assert sim.cmd(line) == [reply], line
    finally:
        sim.close()
