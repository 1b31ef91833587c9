# lanes: cpython micropython-unix
# mp-heapsize: 160wK
# mp-compiled: yes
# The customer features' cold work runs in overlays (firmware/overlay.py):
# restoring at boot, the console's texts, the customer's settings, setting
# the time, friendly-credit configuration and the rarer token screens.  Each
# does its job (the reply is checked) and is not in sys.modules after it, so
# its code gives its heap back.
import sys

import overlay
from meter.config import MeterConfig
from meter.friendly import Friendly
from support.checks import raises
from support.loads import OverlayLoads
from support.rig import Rig
from support.vend import OTHER_KEYS, credit

OVERLAYS = ("meter.customer_setup", "meter.customer_text", "meter.token_screens", "meter.timeparse")


def _loaded():
    return [name for name in OVERLAYS if name in sys.modules]


def _drop_all():
    """The cpython lane runs every test file in one process: another file may
    have imported an overlay module (test_rtc imports meter.timeparse)."""
    for name in OVERLAYS:
        overlay.drop(name)


def test_boot_restores_the_memo_and_leaves_no_overlay_loaded():
    _drop_all()
    rig = Rig(rtc="none")
    assert rig.enter_token(credit(5_000_123, 10)) == 1
    rig.advance(1000)  # the memo is saved every save_every_s
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, rtc="none")
    assert again.status()["clock_source"] == "flash"  # restored from the memo at boot
    assert again.meter.customer.evidence.topup[1] == 1000
    assert _loaded() == []


def test_console_texts_are_built_and_dropped():
    _drop_all()
    rig = Rig()
    status = rig.status()
    assert status["clock_source"] == "rtc" and status["buzzer"] == "off" and status["days_left"] == "unknown"
    energy = rig.reply("energy")
    assert energy["last_topup_time"] == "none" and energy["energy_today_wh"] == "0"
    assert rig.reply("time")["clock_source"] == "rtc"
    assert _loaded() == []


def test_time_set_and_alarm_settings_run_in_overlays():
    _drop_all()
    rig = Rig(engineering=True, tz_offset_min=120)
    reply = rig.console("time set 2024-05-01T18:30:00")
    assert reply[0] == "time=2024-05-01T18:30:00+02:00"
    assert rig.console("time set 2024-02-30T10:00")[0].startswith("ERR")  # no such date
    rig.type("#503#")
    assert rig.lcd() == ["Low credit alarm", "at 3kWh"]
    assert rig.meter.customer.alarm.low_credit_wh == 3000
    rig.press("*")
    rig.type("#30#")
    assert rig.lcd()[1] == "2024-05-01 18:30"
    assert _loaded() == []


def test_rare_token_screens_come_from_an_overlay():
    _drop_all()
    rig = Rig()
    other = credit(5_000_200, 10, OTHER_KEYS)  # sold for another meter: code 13 and its explanations
    assert rig.enter_token(other) == 13
    assert rig.lcd() == ["Reject 13", "check digits"]
    rig.press("D")
    assert rig.lcd() == ["Mistyped digit,", "other meter, or"]
    assert _loaded() == []


def test_a_malformed_friendly_window_is_refused_and_the_parser_dropped():
    _drop_all()
    assert raises(ValueError, Friendly, MeterConfig(friendly_hours=["25:00-06:00"], friendly_cap_wh=1000))
    friendly = Friendly(MeterConfig(friendly_hours=["18:00-06:00"], friendly_holidays=["12-25"], friendly_cap_wh=1000))
    assert friendly.configured and friendly.window(19 * 3600) and not friendly.window(12 * 3600)
    assert _loaded() == []


def test_a_token_keeps_its_clock_and_figures_when_the_clock_note_cannot_load():
    # The token's part of the customer features runs in meter.token_apply, which
    # loads meter.customer_setup for the clock's log line.
    _drop_all()
    rig = Rig(rtc="none")
    real_run = overlay.run

    def run(name, function, *args):
        if name == "meter.customer_setup":
            raise MemoryError("no heap for " + name)
        return real_run(name, function, *args)

    overlay.run = run
    try:
        assert rig.enter_token(credit(5_000_123, 10)) == 1
    finally:
        overlay.run = real_run
    assert rig.status()["clock_source"] == "token"  # raised by the token, note or not
    assert rig.meter.customer.evidence.topup[1] == 1000
    assert not any("clock raised" in line for line in rig.log_lines)  # only the log line is lost


def test_the_boot_and_a_token_never_load_the_console_texts():
    # What only a person asks for (the console's texts, `time set`, the alarm's
    # short codes) is not in the overlays a boot or a token loads: a meter
    # nobody talks to never interns those names (qstrs are never freed).
    _drop_all()
    with OverlayLoads() as loads:
        rig = Rig()
        assert rig.enter_token(credit(5_000_321, 10)) == 1
        rig.advance(3600)
    assert "meter.customer_setup" in loads.names and "meter.customer_text" not in loads.names
    assert any(line.startswith("[info] clock ") and line.endswith(" source=rtc") for line in rig.log_lines)
    bare = Rig(rtc="none")  # the clock's note, when it has one, ends the boot report's clock line
    clock_lines = [line for line in bare.log_lines if line.startswith("[info] clock ")]
    assert len(clock_lines) == 1 and clock_lines[0].endswith(" source=unknown (no RTC)")
    assert _loaded() == []


def test_a_token_newer_than_the_clock_raises_it_or_is_noted_against_the_rtc():
    # meter.token_apply raises the wall clock to a newer token's issue time, but
    # never over the RTC; the clock note (meter.customer_setup) says which.
    _drop_all()
    for rtc, source, note in (("none", "token", "[info] clock raised to the token's issue time: "),
                              ("battery", "rtc", "[warn] token issued ")):
        rig = Rig(rtc=rtc)
        del rig.log_lines[:]
        assert rig.enter_token(credit(16_700_000, 10)) == 1  # issued decades after the rig's clock
        assert rig.status()["clock_source"] == source
        assert [line for line in rig.log_lines if line.startswith(note)], (rtc, rig.log_lines)
    assert _loaded() == []
