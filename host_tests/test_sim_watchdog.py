# The virtual meter's watchdog (tools/sim.py plays the timer; a reset is a new
# VM on the same flash) and fault injection: `sim hang` ends in a watchdog
# reset with the credit intact and the reason logged, `sim crash` in a task
# restart while the meter keeps metering (issue 11).
import time

from sim_client import SimSession
from support.vend import credit


def _wait_for_boot(sim, timeout=40):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(line == "[info] ready" for line in sim.log):
            return
        try:
            got = sim.lines.get(timeout=1)
        except Exception:  # queue.Empty: keep waiting
            continue
        if got is None:
            raise AssertionError("virtual meter ended")
        sim.log.append(got)
    raise AssertionError("no new boot; log %r" % sim.log[-5:])


def test_a_hung_task_ends_in_a_watchdog_reset_with_credit_intact(tmp_path):
    sim = SimSession(tmp_path / "flash.img")
    try:
        assert sim.cmd("token " + credit(6_400_000, 10))[0] == "result=1 Accept"
        assert sim.cmd("sim hang metering 30") == ["metering will block the loop for 30 s", "OK"]
        sim.log.clear()
        _wait_for_boot(sim)  # the watchdog (8 s) fires long before the hang ends
        assert any("reset cause watchdog" in line for line in sim.log), sim.log
        status = sim.status()
        assert status["reset_cause"] == "watchdog" and status["resets"] == "1"
        assert status["credit_wh"] == "1000" and status["relay"] == "closed"  # the stored credit decides
        assert " watchdog a=1 b=1" in " ".join(sim.cmd("log 4"))
    finally:
        sim.close()


def test_a_short_hang_is_survived_and_a_crash_restarts_the_task(tmp_path):
    sim = SimSession(tmp_path / "flash.img", "--speed", "60")
    try:
        assert sim.cmd("token " + credit(6_400_010, 100))[0] == "result=1 Accept"
        sim.cmd("sim load 2000")
        assert sim.cmd("sim hang ui 2") == ["ui will block the loop for 2 s", "OK"]
        assert sim.cmd("sim crash metering") == ["metering will crash", "OK"]
        time.sleep(2)
        before = int(sim.status()["credit_wh"])
        time.sleep(3)  # metering restarted after its 1 s pause: credit falls again
        status = sim.status()
        assert status["resets"] == "0" and int(status["credit_wh"]) < before
        assert any("task metering crashed (1 of 4)" in line for line in sim.log), sim.log
        assert "task restart" in " ".join(sim.cmd("log 5"))
        assert sim.cmd("sim crash fridge")[-1].startswith("ERR")
    finally:
        sim.close()
