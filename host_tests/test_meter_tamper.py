# lanes: cpython micropython-unix
# mp-heapsize: 171wK
# mp-compiled: yes
# Tamper detection on the simulator's models: each kind detected after its
# minimum time and not before, acted on as configured, logged with its time,
# latched across power cuts, cleared only by a ClearTamperCondition token.
from meter.config import MeterConfig
from meter.tamper import TamperMonitor, kind_names
from sts import results as R
from support.checks import raises
from support.rig import Rig
from support.vend import credit, make_token

# The kinds' bits in the latched mask and the TAMPER event's field b, in meter/tamper.py's order.
COVER, REVERSE, IMBALANCE = 1, 2, 4


def make(**options):
    """A rig whose console also takes `sim ...`, as the headless simulator's does."""
    rig = Rig(**options)
    rig.system.console.extra["sim"] = rig.sim.handle
    return rig


def clear_tamper(tid):
    return make_token(2, 5, {"tid": tid, "rnd": tid & 15})


def status(rig):
    return dict(line.split("=", 1) for line in rig.console("status")[:-1])


def tamper_log(rig):
    return [line for line in rig.console("log 30") if " tamper " in line]


def idle_screens(rig):
    return rig.meter.idle_screens()


def test_monitor_waits_for_the_minimum_time_and_restarts_when_interrupted():
    m = TamperMonitor(MeterConfig())
    assert m.update(100, True, False, 0, 0, 0) == 0
    assert m.update(101, True, False, 0, 0, 0) == 0  # 1 s of the 2 s
    assert m.update(102, True, False, 0, 0, 0) == COVER
    assert m.update(103, False, False, 0, 0, 0) == 0
    assert m.update(104, True, False, -25, 0, 0) == 0  # the cover timer starts again
    assert m.update(163, False, False, -25, 0, 0) == 0  # reverse: 59 s of 60
    assert m.update(164, False, False, -25, 0, 0) == REVERSE
    assert m.update(165, False, False, -19, 0, 0) == 0  # above -20 W: not reverse


def test_imbalance_needs_both_the_percentage_and_the_milliamps():
    normal, small = TamperMonitor(MeterConfig()), TamperMonitor(MeterConfig())
    for t in range(0, 40):
        assert normal.update(t, False, False, 2300, 10000, 9000) == 0  # 10 %: a normal difference
        assert small.update(t, False, False, 100, 435, 0) == 0  # 100 % but only 435 mA
    m = TamperMonitor(MeterConfig())
    seen = [m.update(t, False, False, 2300, 10000, 8000) for t in range(0, 32)]  # 20 %, 2 A
    assert seen.index(IMBALANCE) == 30 and kind_names(IMBALANCE | COVER) == "cover,imbalance"


def test_config_refuses_an_unknown_action():
    err = raises(ValueError, MeterConfig, tamper_action_cover="explode")
    assert "log|show|disconnect" in str(err)
    assert MeterConfig(tamper_action_cover="disconnect").tamper_action_cover == "disconnect"


def test_cover_disconnects_survives_power_cuts_and_only_clear_tamper_clears_it():
    rig = make(load_w=500, tamper_action_cover="disconnect")
    assert rig.enter_token(credit(5_000_400, 100)) == R.ACCEPT
    rig.advance(5)
    assert status(rig)["tamper"] == "none" and rig.parts.relay_closed()
    assert rig.console("sim cover open") == ["cover=open", "OK"]
    rig.advance(1)
    assert status(rig)["tamper"] == "none"  # 1 s: not yet
    rig.advance(2)
    st = status(rig)
    assert st["tamper"] == "cover" and st["relay"] == "open" and st["relay_reason"] == "tamper"
    assert not rig.parts.relay_closed()
    line = tamper_log(rig)[0]
    assert line.endswith("tamper detected=1 kinds=1")
    assert 0 <= rig.clock.time() - int(line.split()[1][2:]) <= 2  # logged with its time
    assert ("TAMPER", "cover") in idle_screens(rig)
    rig.console("sim cover closed")
    rig.advance(60)
    assert status(rig)["tamper"] == "cover" and not rig.parts.relay_closed()  # latched
    flash, clock = rig.power_cut()
    again = make(flash=flash, clock=clock, load_w=500, tamper_action_cover="disconnect")
    again.advance(5)
    assert status(again)["tamper"] == "cover" and not again.parts.relay_closed()
    assert again.enter_token(credit(5_000_401, 10)) == R.ACCEPT  # credit does not clear it
    assert status(again)["tamper"] == "cover" and not again.parts.relay_closed()
    again.type("#20#")
    assert again.lcd() == ["Tamper 1/1", "cover"]
    assert again.enter_token(clear_tamper(5_000_402)) == R.ACCEPT
    assert again.lcd() == ["Accept", "Tamper cleared"]
    again.advance(2)
    assert status(again)["tamper"] == "none" and again.parts.relay_closed()
    assert tamper_log(again)[0].endswith("tamper detected=0 kinds=1")


def test_reverse_flow_with_action_log_is_logged_but_neither_shown_nor_disconnected():
    rig = make(load_w=0)
    assert rig.enter_token(credit(5_000_410, 100)) == R.ACCEPT
    assert rig.console("sim reverse 800") == ["reverse_w=800", "OK"]
    for _ in range(58):
        rig.advance(1)
    assert status(rig)["tamper"] == "none"
    rig.advance(3)
    assert status(rig)["tamper"] == "reverse" and rig.parts.relay_closed()
    assert all(screen[0] != "TAMPER" for screen in idle_screens(rig))
    assert tamper_log(rig)[0].endswith("tamper detected=1 kinds=2")


def test_neutral_imbalance_shows_and_stays_until_cleared():
    rig = make(load_w=2300)
    assert rig.enter_token(credit(5_000_420, 100)) == R.ACCEPT
    rig.console("sim neutral 9500")  # 5 %: within the normal difference
    rig.advance(60)
    assert status(rig)["tamper"] == "none"
    assert rig.console("sim neutral 6000") == ["neutral_ma=6000", "OK"]  # 4 A go elsewhere
    for _ in range(29):
        rig.advance(1)
    assert status(rig)["tamper"] == "none"
    rig.advance(2)
    assert status(rig)["tamper"] == "imbalance" and rig.parts.relay_closed()
    assert ("TAMPER", "imbalance") in idle_screens(rig)
    rig.console("sim neutral auto")
    rig.console("sim magnet on")
    rig.advance(1)
    rig.advance(2)
    assert status(rig)["tamper"] == "imbalance,magnet"
    assert rig.enter_token(clear_tamper(5_000_421)) == R.ACCEPT
    assert status(rig)["tamper"] == "none"
    rig.advance(3)
    assert status(rig)["tamper"] == "magnet"  # still there: detected again


def test_sim_tamper_commands_refuse_bad_arguments_in_one_line():
    rig = make()
    for line in ("sim cover ajar", "sim cover", "sim reverse -5", "sim reverse x", "sim neutral",
                 "sim neutral -1", "sim magnet maybe"):
        out = rig.console(line)
        assert len(out) == 1 and out[0].startswith("ERR "), (line, out)
