# lanes: cpython micropython-unix
# mp-heapsize: 157wK
# mp-compiled: yes
# Evidence on the meter (issue 12 section 5), on the simulator's models: the
# figures add up with the energy the metering model delivered, across local
# midnight and a power cut, on the console, short codes and idle screens.
from sts import results as R
from support.rig import Rig
from support.vend import credit


def test_evidence_adds_up_with_the_energy_delivered_across_midnight_and_a_power_cut():
    rig = Rig(load_w=1500)  # 2023-11-14 22:13:20 UTC, local = UTC
    assert rig.status()["energy_since_topup_wh"] == "unknown"  # no top-up yet
    assert rig.enter_token(credit(5_000_300, 200)) == R.ACCEPT  # 20 kWh
    start, t0 = rig.state.energy_total_wh, rig.clock.ticks_ms()
    rig.advance(3 * 3600)  # past local midnight
    delivered = 1500 * rig.clock.ticks_diff(rig.clock.ticks_ms(), t0) // 3_600_000
    status = rig.status()
    since = int(status["energy_since_topup_wh"])
    assert since == rig.state.energy_total_wh - start
    assert abs(since - delivered) <= 2, (since, delivered)
    yesterday, today = int(status["energy_yesterday_wh"]), int(status["energy_today_wh"])
    assert yesterday + today == since and 2500 <= yesterday <= 2700  # 1 h 47 min before midnight at 1.5 kW
    energy = rig.reply("energy")
    assert int(energy["last_24h_wh"]) == since and energy["last_topup_wh"] == "20000"
    assert energy["last_topup_time"].startswith("2023-11-14T22:13")
    # 4.5 kWh in 3 h is 36 kWh a day: the 15.5 kWh left last about 0.4 days
    assert status["days_left"] in ("0.4", "0.3") and energy["days_left"] == status["days_left"]
    flash, clock = rig.power_cut()
    clock.advance_ms(600_000)
    again = Rig(flash=flash, clock=clock, rtc=rig.rtc)
    after = again.status()
    lost = since - int(after["energy_since_topup_wh"])
    assert 0 <= lost <= 10  # at most save_every_wh of consumption is lost in a cut, figures follow the total
    assert int(after["energy_yesterday_wh"]) == yesterday
    assert int(after["energy_today_wh"]) == today - lost


def test_short_codes_and_idle_screen_show_the_figures():
    rig = Rig(load_w=1000)
    rig.enter_token(credit(5_000_310, 125))
    rig.advance(2 * 3600)
    rig.type("#31#")
    assert rig.lcd() == ["Since top-up", "2.0kWh"]
    rig.press("*")
    rig.type("#34#")
    assert rig.lcd() == ["Top-up +12.5kWh", "2023-11-14 22:13"]
    rig.press("*")
    rig.type("#35#")
    assert rig.lcd() == ["Days left", "about 0.4"]  # 10.5 kWh at 24 kWh a day
    rig.press("*")
    rig.type("#30#")
    assert rig.lcd()[0] == "Time (rtc)" and rig.lcd()[1].startswith("2023-11-15 00:1")
    rig.press("*")
    seen = []
    for _ in range(4):
        rig.press("D")
        seen.append(rig.lcd())
    assert ["Today     0.2kWh", "Yest.     1.7kWh"] in seen or ["Today     0.2kWh", "Yest.     1.8kWh"] in seen, seen


def test_without_a_clock_the_figures_say_unknown():
    rig = Rig(load_w=1000, rtc="none")
    rig.advance(7200)
    status = rig.status()
    assert status["time"] == "unknown" and status["energy_today_wh"] == "unknown"
    assert status["days_left"] == "unknown" and status["energy_yesterday_wh"] == "unknown"
    rig.type("#08#")
    assert rig.lcd() == ["Energy today", "time unknown"]
