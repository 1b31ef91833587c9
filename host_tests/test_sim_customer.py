# Issue 12 on the headless simulator (tools/sim.py --headless): the clock's
# source after a power cut with the RTC options, friendly credit from
# --config, and the new status fields.
import json

from sim_client import SimSession
from support.vend import credit


def test_rtc_without_battery_loses_the_time_and_the_meter_goes_on_from_flash(tmp_path):
    sim = SimSession(tmp_path / "flash.img", "--rtc", "no-battery", "--engineering")
    try:
        assert sim.status()["clock_source"] == "unknown"  # a new chip: OSF set
        reply = sim.cmd("time set 2026-05-01T18:30:00")
        assert reply[:2] == ["time=2026-05-01T18:30:00+00:00", "clock_source=rtc"]
        sim.cmd("sim advance 600")
        assert sim.cmd("sim power off")[-1] == "OK"
        assert sim.cmd("sim power on")[-1] == "OK"
        status = sim.status()
        assert status["clock_source"] == "flash" and status["time"].startswith("2026-05-01T18:")
        assert "time_s=" in sim.cmd("sim time")[0]
    finally:
        sim.close()


def test_battery_rtc_keeps_the_source_across_a_power_cut(tmp_path):
    sim = SimSession(tmp_path / "flash.img")  # --rtc battery is the default
    try:
        assert sim.status()["clock_source"] == "rtc"
        sim.cmd("sim power off")
        sim.cmd("sim power on")
        assert sim.status()["clock_source"] == "rtc"
    finally:
        sim.close()


def test_friendly_window_from_config_keeps_the_relay_closed(tmp_path):
    config = tmp_path / "meter.json"
    config.write_text(json.dumps({"friendly_hours": ["00:00-24:00"], "friendly_cap_wh": 2000}))
    sim = SimSession(tmp_path / "flash.img", "--config", str(config))
    try:
        assert sim.cmd("token " + credit(6_300_000, 5))[0] == "result=1 Accept"  # 0.5 kWh
        sim.cmd("sim load 1000")
        sim.cmd("sim advance 3600")  # 1 kWh: 0.5 kWh on friendly credit
        status = sim.status()
        assert status["friendly"] == "1" and status["relay"] == "closed"
        assert status["credit_wh"] == "0"  # the register is below zero; credit shows 0
        for key in ("time", "clock_source", "buzzer", "energy_since_topup_wh", "energy_yesterday_wh", "days_left"):
            assert key in status, key
        assert int(status["energy_since_topup_wh"]) >= 990
    finally:
        sim.close()


def test_a_bad_config_file_is_one_line(tmp_path):
    import subprocess
    import sys

    config = tmp_path / "meter.json"
    config.write_text(json.dumps({"friendly_hours": ["6pm-6am"]}))
    done = subprocess.run([sys.executable, "tools/sim.py", "--headless", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "friendly_hours" in done.stderr and "Traceback" not in done.stderr


def test_alarm_sounds_and_a_key_silences_it_and_evidence_adds_up(tmp_path):
    config = tmp_path / "meter.json"
    config.write_text(json.dumps({"quiet_from_h": 0, "quiet_to_h": 0}))  # no quiet hours: whatever the time of the run
    sim = SimSession(tmp_path / "flash.img", "--config", str(config))
    try:
        status = sim.status()
        assert status["alarm"] == "1" and status["buzzer"] == "on"  # no credit at all: below the threshold
        assert sim.cmd("key D")[-1] == "OK"
        assert sim.status()["buzzer"] == "off"
        before = int(sim.status()["energy_wh"])
        assert sim.cmd("token " + credit(6_300_100, 100))[0] == "result=1 Accept"
        sim.cmd("sim load 1500")
        sim.cmd("sim advance 7200")
        status = sim.status()
        used = int(status["energy_wh"]) - before
        assert 2990 <= used <= 3010 and int(status["energy_since_topup_wh"]) == used
    finally:
        sim.close()
