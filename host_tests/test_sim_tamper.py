# The headless simulator with a --config file of tamper actions: the cover
# opened, the relay opened for it, the latch kept across `sim power on`, and
# a ClearTamperCondition token the only way back.
import json

from sim_client import SimSession
from support.vend import credit, make_token


def test_cover_tamper_disconnects_and_survives_a_power_cycle(tmp_path):
    config = tmp_path / "meter.json"
    config.write_text(json.dumps({"tamper_action_cover": "disconnect", "tamper_action_reverse": "show"}))
    sim = SimSession(tmp_path / "flash.img", "--config", str(config), "--load-watts", "500")
    try:
        assert sim.cmd("token " + credit(6_000_500, 50))[0] == "result=1 Accept"
        assert sim.cmd("sim cover open") == ["cover=open", "OK"]
        sim.cmd("sim advance 1")
        assert sim.status()["tamper"] == "none"  # not before its 2 s
        sim.cmd("sim advance 2")
        status = sim.status()
        assert status["tamper"] == "cover" and status["relay_reason"] == "tamper"
        assert sim.cmd("sim relay") == ["relay=open", "OK"]
        sim.cmd("sim cover closed")
        assert sim.cmd("sim power on")[-1] == "OK"
        status = sim.status()
        assert status["tamper"] == "cover" and status["relay"] == "open"
        assert any(line.endswith("tamper detected=1 kinds=1") for line in sim.cmd("log 20"))
        clear = make_token(2, 5, {"tid": 6_000_501, "rnd": 5})
        assert sim.cmd("token " + clear)[0] == "result=1 Accept"
        sim.cmd("sim advance 2")
        status = sim.status()
        assert status["tamper"] == "none" and status["relay"] == "closed"
        assert sim.cmd("sim cover ajar")[-1].startswith("ERR usage: sim cover open|closed")
    finally:
        sim.close()


def test_a_config_file_the_firmware_would_refuse_is_refused_before_the_vm_starts(tmp_path):
    import subprocess
    import sys

    from sim_client import ROOT

    config = tmp_path / "meter.json"
    config.write_text(json.dumps({"tamper_action_cover": "explode"}))
    proc = subprocess.run([sys.executable, "tools/sim.py", "--headless", "--flash", str(tmp_path / "f.img"),
                           "--config", str(config)], cwd=ROOT, input="status\n", capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "sim: config file %s: meter setting tamper_action_cover must be one of " \
        "log|show|disconnect" % config
