# lanes: cpython micropython-unix
# mp-heapsize: 164wK
# mp-compiled: yes
# Friendly credit on the simulator (issue 12 section 4): no disconnection for
# lack of credit in a window, down to the cap; repaid from the next token;
# normal policy outside the windows and when the time is unknown.
from sts import results as R
from support.rig import Rig
from support.vend import credit

NIGHT = {"friendly_hours": ["18:00-06:00"], "friendly_cap_wh": 3000}  # the rig starts at 22:13 (UTC, local)


def test_no_disconnection_in_a_friendly_window_then_the_cap_then_repaid_by_the_next_token():
    rig = Rig(load_w=2000, **NIGHT)
    assert rig.enter_token(credit(5_000_600, 10)) == R.ACCEPT  # 1 kWh: half an hour at 2 kW
    rig.advance(3600)
    status = rig.status()
    assert status["friendly"] == "1" and status["relay"] == "closed" and rig.parts.relay_closed()
    assert -1010 <= rig.state.balance_wh <= -990  # 1 kWh borrowed
    assert rig.meter.idle_screens()[0] == ("Friendly credit", "used 1.0kWh")  # the main screen
    rig.advance(3600 + 120)  # past the 3 kWh cap
    assert not rig.parts.relay_closed() and rig.status()["relay_reason"] == "no credit"
    assert -3010 <= rig.state.balance_wh <= -2990
    owed = -rig.state.balance_wh
    assert rig.enter_token(credit(5_000_601, 50)) == R.ACCEPT  # 5 kWh repays the 3 kWh first
    assert rig.state.balance_wh == 5000 - owed and rig.parts.relay_closed()


def test_outside_the_window_the_relay_opens_at_zero():
    rig = Rig(load_w=2000, tz_offset_min=-600, **NIGHT)  # 12:13 local
    rig.enter_token(credit(5_000_610, 10))
    rig.advance(3600)
    assert rig.status()["friendly"] == "0"
    assert not rig.parts.relay_closed() and -5 <= rig.state.balance_wh <= 0


def test_the_window_ends_with_credit_owed_and_the_relay_opens():
    rig = Rig(load_w=2000, friendly_hours=["18:00-23:00"], friendly_cap_wh=5000)
    rig.enter_token(credit(5_000_620, 10))
    rig.advance(40 * 60)  # 22:53: 1.33 kWh used, 0.33 kWh owed
    assert rig.parts.relay_closed() and rig.state.balance_wh < 0
    rig.advance(10 * 60)  # 23:03
    assert not rig.parts.relay_closed() and rig.status()["friendly"] == "0"
    first = rig.meter.idle_screens()[0]
    assert first[0].startswith("Owed 0.") and first[1] == "repaid by token"


def test_no_friendly_window_without_a_clock():
    rig = Rig(load_w=2000, rtc="none", **NIGHT)
    rig.type("#36#")
    assert rig.lcd() == ["Friendly credit", "off: no clock"]
    assert rig.status()["friendly"] == "0" and not rig.parts.relay_closed()
