# lanes: cpython micropython-unix
# mp-heapsize: 158wK
# mp-compiled: yes
# Wall time a meter can defend (issue 12 section 1): the clock's source after
# power cuts with a battery-backed RTC, an RTC without battery, and none.
from meter import civil
from support.rig import NOW, Rig
from support.vend import credit


def _utc(rig):
    return rig.system.customer.wall.utc()


def test_battery_rtc_keeps_the_time_across_a_power_cut():
    rig = Rig(rtc="battery")
    status = rig.status()
    assert status["clock_source"] == "rtc"
    assert status["time"] == civil.iso(NOW, 0)  # tz_offset_min 0: local = UTC
    assert "rtc ds3231 at 0x68" in rig.console("config")
    flash, clock = rig.power_cut()
    clock.advance_ms(3 * 3600 * 1000)  # three hours without mains
    again = Rig(flash=flash, clock=clock, rtc=rig.rtc)
    assert again.status()["clock_source"] == "rtc"
    assert abs(_utc(again) - clock.time()) <= 1


def test_rtc_without_battery_falls_back_to_the_time_kept_in_flash():
    rig = Rig(rtc="no-battery", tz_offset_min=120)
    assert rig.status()["clock_source"] == "unknown"  # a fresh chip: OSF set, no token yet
    assert rig.console("time set 2024-05-01T18:30:00")[0].startswith("ERR")  # no engineering jumper
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, rtc=rig.rtc, engineering=True, tz_offset_min=120)
    reply = rig.console("time set 2024-05-01T18:30:00")
    assert reply[0] == "time=2024-05-01T18:30:00+02:00" and reply[1] == "clock_source=rtc"
    rig.advance(1800)
    before = _utc(rig)
    flash, clock = rig.power_cut()  # the chip loses its time with the mains
    clock.advance_ms(7200 * 1000)
    again = Rig(flash=flash, clock=clock, rtc=rig.rtc, tz_offset_min=120)
    status = again.status()
    assert status["clock_source"] == "flash"
    stored = _utc(again)
    assert before - 900 <= stored <= before  # the last save (every save_every_s), never later than the truth
    assert any("battery lost" in line for line in again.console("config"))


def test_no_rtc_unknown_until_a_token_then_flash_after_power_cut():
    rig = Rig(rtc="none")
    assert rig.status()["time"] == "unknown" and rig.status()["clock_source"] == "unknown"
    assert "rtc none found at 0x68 (wall time from flash and tokens)" in rig.console("config")
    tid = 5_000_123  # minutes since 2014-01-01 (the demo key's base date)
    rig.enter_token(credit(tid, 10))
    issued = civil.to_seconds(2014, 1, 1) + tid * 60
    assert rig.status()["clock_source"] == "token" and _utc(rig) == issued
    rig.advance(1000)  # the wall time is saved every save_every_s (900 s)
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, rtc="none")
    assert again.status()["clock_source"] == "flash"
    assert issued + 900 <= _utc(again) <= issued + 1000  # goes on from the last save, never before it


def test_event_log_is_stamped_with_the_wall_time():
    rig = Rig(rtc="battery")
    rig.enter_token(credit(5_000_200, 10))
    newest = rig.state.events(1)[0]
    assert abs(newest[1] - NOW) < 60
