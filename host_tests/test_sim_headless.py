# The virtual meter driven through its console like a script would: the real
# firmware in the MicroPython VM, behind tools/sim.py --headless.
import random

from sim_client import SimSession
from support.vend import OTHER_KEYS, credit


def test_accept_used_reject_and_lockout(tmp_path):
    sim = SimSession(tmp_path / "flash.img")
    try:
        token = credit(6_000_000, 25)
        assert sim.cmd("token " + token) == ["result=1 Accept", "Accept +2.5kWh  ", "Credit 2.5kWh   ", "OK"]
        assert sim.cmd("token " + token)[0] == "result=10 already used"
        assert sim.cmd("lcd") == ["Used 10         ", "already used    ", "OK"]
        for i in range(3):
            assert sim.cmd("token " + credit(6_000_010 + i, 10, OTHER_KEYS))[0] == "result=13 check digits"
        assert int(sim.status()["lockout_s"]) > 0
        assert sim.cmd("token " + credit(6_000_020, 10))[0] == "result=15 too many rejects"
        assert sim.status()["credit_wh"] == "2500"
        assert sim.cmd("bogus")[-1].startswith("ERR unknown command")
        assert sim.cmd("token 123")[-1].startswith("ERR usage")
    finally:
        sim.close()


def test_consumption_to_zero_opens_relay_and_credit_persists(tmp_path):
    flash = tmp_path / "flash.img"
    sim = SimSession(flash)
    try:
        assert sim.cmd("token " + credit(6_000_100, 10))[0] == "result=1 Accept"  # 1 kWh
        assert sim.cmd("sim relay") == ["relay=closed", "OK"]
        sim.cmd("sim load 1000")
        sim.cmd("sim advance 1800")
        half = int(sim.status()["credit_wh"])
        assert 490 <= half <= 510, half
        sim.cmd("sim advance 2400")
        status = sim.status()
        assert status["credit_wh"] == "0" and status["relay"] == "open" and status["relay_reason"] == "no credit"
        assert sim.cmd("sim relay") == ["relay=open", "OK"]
    finally:
        sim.close()
    again = SimSession(flash)  # quit and start again: the state is on the flash image
    try:
        status = again.status()
        assert status["credit_wh"] == "0" and status["tids"] == "1" and int(status["energy_wh"]) >= 1000
    finally:
        again.close()


def test_power_cuts_during_token_application_never_lose_or_double_credit(tmp_path):
    rng = random.Random(62055)
    sim = SimSession(tmp_path / "flash.img")
    try:
        credit_wh = 0
        for i in range(12):
            token = credit(6_001_000 + i, 1)  # 100 Wh each
            ops = rng.randint(1, 40)
            assert sim.cmd("sim power off %d" % ops)[-1] == "OK"
            sim.cmd("token " + token)  # the mains fails somewhere in here (or not at all)
            assert sim.cmd("sim power on")[-1] == "OK"
            after = int(sim.status()["credit_wh"])
            assert after in (credit_wh, credit_wh + 100), (ops, credit_wh, after)
            retry = sim.cmd("token " + token)[0]
            if after == credit_wh + 100:
                assert retry == "result=10 already used", (ops, retry)
            else:
                assert retry == "result=1 Accept", (ops, retry)
            credit_wh += 100
            assert int(sim.status()["credit_wh"]) == credit_wh
    finally:
        sim.close()


def test_whole_firmware_with_all_tasks_runs_in_a_capped_heap(tmp_path):
    # firmware/main.py unchanged, every asyncio task running, modules loaded from
    # mpy-cross bytecode as on a board; the simulator's device models share the heap.
    sim = SimSession(tmp_path / "flash.img", "--heap", "180wK", "--mpy")
    try:
        assert sim.cmd("token " + credit(6_200_000, 50))[0] == "result=1 Accept"
        sim.cmd("sim load 2000")
        sim.cmd("sim advance 3600")
        status = sim.status()
        assert 2990 <= int(status["credit_wh"]) <= 3010 and status["relay"] == "closed"
        assert sim.cmd("log 5")[-1] == "OK"
    finally:
        sim.close()
