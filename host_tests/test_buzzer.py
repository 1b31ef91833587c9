# lanes: cpython micropython-unix
# The buzzer driver against the fake PWM (passive buzzer) and a plain pin
# (active buzzer), and the alarm's rules.
import machine
from drivers import buzzer as sounds
from drivers.buzzer import Buzzer
from fakeclock import FakeClock
from meter.alarm import Alarm, quiet_hour
from meter.config import MeterConfig

NOON = 19675 * 86400 + 12 * 3600  # a local noon
NIGHT = NOON + 11 * 3600  # 23:00


def _passive():
    machine.reset_registry()
    clock = FakeClock()
    pwm = machine.PWM(machine.Pin("BZ", machine.Pin.OUT))
    return Buzzer(pwm, clock), pwm, clock


def _trace(buzzer, pwm, clock, ms, step=10):
    """(time, freq) each time the sound starts, over ms."""
    out, was = [], False
    for t in range(0, ms, step):
        buzzer.tick()
        if pwm.sounding and not was:
            out.append((t, pwm.freq()))
        was = pwm.sounding
        clock.advance_ms(step)
    return out


def test_passive_buzzer_plays_a_pattern_without_blocking_and_stops():
    buzzer, pwm, clock = _passive()
    assert not pwm.sounding and not buzzer.on
    buzzer.play(sounds.LOW_CREDIT)
    assert pwm.sounding and pwm.freq() == 2000 and pwm.duty_u16() == 32768 and buzzer.on
    assert clock.slept_us == 0  # play() returns at once
    starts = _trace(buzzer, pwm, clock, 2000)
    assert [t for t, _ in starts] == [0, 250, 500] and [f for _, f in starts] == [2000] * 3  # 150 on, 100 off
    assert not buzzer.on and not pwm.sounding  # one run, then silence


def test_patterns_are_distinct_and_repeat_until_stopped():
    buzzer, pwm, clock = _passive()
    heard = {}
    for name in ("LOW_CREDIT", "RELAY_WARNING", "KEY_CLICK", "REJECT"):
        buzzer.play(getattr(sounds, name))
        heard[name] = tuple(f for _, f in _trace(buzzer, pwm, clock, 5000))
    assert len(set(heard.values())) == 4, heard
    assert heard["REJECT"][:2] == (400, 300) and heard["KEY_CLICK"] == (4000,)
    buzzer.play(sounds.LOW_CREDIT, -1)
    assert len(_trace(buzzer, pwm, clock, 3000)) == 6 and buzzer.on  # three beeps every 1.5 s
    buzzer.stop()
    assert not pwm.sounding and not buzzer.on


def test_active_buzzer_on_a_plain_pin():
    machine.reset_registry()
    clock = FakeClock()
    pin = machine.Pin("BZ", machine.Pin.OUT, value=0)
    buzzer = Buzzer(pin, clock, passive=False)
    buzzer.play(sounds.REJECT)
    assert pin.value() == 1
    clock.advance_ms(400)
    buzzer.tick()
    assert pin.value() == 0
    clock.advance_ms(100)
    buzzer.tick()
    assert pin.value() == 1
    clock.advance_ms(500)
    buzzer.tick()
    assert pin.value() == 0 and not buzzer.on


def test_quiet_hours_span_midnight():
    assert quiet_hour(23, 22, 6) and quiet_hour(3, 22, 6) and not quiet_hour(6, 22, 6)
    assert quiet_hour(13, 13, 15) and not quiet_hour(15, 13, 15) and not quiet_hour(4, 5, 5)


def _alarm(**config):
    buzzer, pwm, clock = _passive()
    return Alarm(buzzer, clock, MeterConfig(**config)), pwm, clock


def test_alarm_sounds_a_while_key_silences_repeats_after_snooze():
    alarm, pwm, clock = _alarm(low_credit_wh=1000, alarm_sound_s=30, alarm_snooze_s=600)
    alarm.update(1500, 1500, True, NOON)
    assert not alarm.low and not alarm.buzzer.on
    alarm.update(900, 900, True, NOON)
    assert alarm.low and alarm.sounding and alarm.buzzer.pattern is sounds.LOW_CREDIT
    clock.advance_ms(31000)
    alarm.update(890, 890, True, NOON + 31)
    assert not alarm.sounding and not alarm.buzzer.on and alarm.silent_reason == ""
    alarm.update(880, 880, True, NOON + 40)
    assert alarm.silent_reason == "snoozed"
    clock.advance_ms(600000)
    alarm.update(870, 870, True, NOON + 640)
    assert alarm.sounding
    assert alarm.key() and not alarm.buzzer.on  # any key silences it
    assert not alarm.key() and alarm.buzzer.pattern is sounds.KEY_CLICK  # the next key just clicks


def test_alarm_is_quiet_at_night_and_without_time_but_still_low():
    alarm, pwm, clock = _alarm(low_credit_wh=1000)
    alarm.update(500, 500, True, NIGHT)
    assert alarm.low and not alarm.sounding and alarm.silent_reason == "quiet hours"
    alarm.update(500, 500, True, -1)
    assert not alarm.sounding and alarm.silent_reason == "time unknown"
    alarm.update(500, 500, True, NOON)
    assert alarm.sounding
    alarm.update(500, 500, True, NIGHT)  # night falls while sounding
    assert not alarm.sounding and not alarm.buzzer.on


def test_relay_warning_once_when_credit_nearly_out():
    alarm, pwm, clock = _alarm(low_credit_wh=0, relay_warning_wh=200)
    alarm.update(300, 300, True, NOON)
    assert not alarm.buzzer.on
    alarm.update(150, 150, True, NOON)
    assert alarm.buzzer.pattern is sounds.RELAY_WARNING
    alarm.buzzer.stop()
    alarm.update(100, 100, True, NOON)
    assert not alarm.buzzer.on  # once
    alarm.update(150, 150, True, NIGHT)
    assert not alarm.buzzer.on


def test_alarm_without_a_buzzer_still_tracks_low_credit():
    alarm = Alarm(None, FakeClock(), MeterConfig(low_credit_wh=1000, relay_warning_wh=0))
    alarm.update(10, 10, True, NOON)
    alarm.reject()
    assert alarm.low and alarm.sounding  # the LCD says LOW CREDIT; nothing to hear
    assert alarm.key() and not alarm.sounding
