# lanes: cpython micropython-unix
# mp-heapsize: 167wK
# mp-compiled: yes
# The low-credit alarm on the simulator (issue 12 section 3): it sounds on the
# buzzer (the PWM a person would hear), a key silences it, it repeats after
# the snooze, it keeps quiet at night and when the time is unknown; the
# customer's threshold and snooze are kept in flash.
from sts import results as R
from support.rig import Rig
from support.vend import credit

DAYTIME = -600  # UTC-10: the rig's 22:13 UTC is 12:13 local


def _low_credit_rig(**options):
    rig = Rig(load_w=2000, **options)
    assert rig.enter_token(credit(5_000_500, 55)) == R.ACCEPT  # 5.5 kWh, threshold 5 kWh
    assert rig.status()["buzzer"] == "off"
    rig.advance(16 * 60)  # 0.53 kWh at 2 kW: below the threshold
    return rig


def test_alarm_sounds_a_key_silences_it_and_it_repeats_after_the_snooze():
    rig = _low_credit_rig(tz_offset_min=DAYTIME, alarm_snooze_s=1800, alarm_sound_s=180)
    status = rig.status()
    assert status["alarm"] == "1" and status["buzzer"] == "on"
    assert rig.parts.buzzer.changes > 0 and "LOW CREDIT" in rig.lcd()[1]
    rig.press("D")  # any key
    assert rig.status()["buzzer"] == "off" and not rig.parts.buzzer.sounding
    rig.advance(20 * 60)
    assert rig.status()["buzzer"] == "off"  # snoozed
    rig.advance(11 * 60)
    assert rig.status()["buzzer"] == "on"  # 30 minutes later, again
    rig.advance(200)
    assert rig.status()["buzzer"] == "off"  # it sounds for alarm_sound_s, then waits


def test_alarm_is_quiet_at_night_but_the_screen_says_low_credit():
    rig = _low_credit_rig(alarm_sound_s=600)  # 22:13 local: quiet hours 22..6
    status = rig.status()
    assert status["alarm"] == "1" and status["buzzer"] == "off" and not rig.parts.buzzer.sounding
    assert rig.lcd()[1] == "LOW CREDIT"
    rig.advance(27340)  # 06:05: the quiet hours are over
    assert rig.status()["buzzer"] == "on"


def test_no_alarm_sound_when_the_time_is_unknown():
    for rtc, heard in (("none", "off"), ("battery", "on")):  # the same meter with a clock sounds
        rig = Rig(rtc=rtc, tz_offset_min=DAYTIME)  # no credit at all: below the threshold
        rig.advance(10)
        status = rig.status()
        assert status["alarm"] == "1" and status["buzzer"] == heard, (rtc, status)
        assert status["clock_source"] == ("unknown" if rtc == "none" else "rtc")


def test_customer_sets_threshold_and_snooze_by_short_code_kept_in_flash():
    rig = Rig(tz_offset_min=DAYTIME)
    rig.type("#503#")
    assert rig.lcd() == ["Low credit alarm", "at 3kWh"]
    rig.press("*")
    rig.type("#612#")
    assert rig.lcd() == ["Alarm repeats", "after 2h00"]
    rig.press("*")
    rig.type("#600#")
    assert rig.lcd() == ["Alarm repeat", "10 min to 16h30"]  # out of range: unchanged
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, rtc=rig.rtc, tz_offset_min=DAYTIME)
    again.type("#40#")
    assert again.lcd() == ["Low credit alarm", "at 3kWh"]
    again.clock.advance_ms(4000)
    again.system.ui_step()
    assert again.lcd() == ["Alarm repeats", "after 2h00"]
