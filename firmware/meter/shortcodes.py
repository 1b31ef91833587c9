# Short codes: typed as #NN# (or A, NN, #) on the keypad.  The table is the one
# documented in README.md: each code's function has its title there as its
# docstring (keep both in step, a test compares them; the board's bytecode keeps
# no docstrings, so the titles cost no RAM).  An overlay (firmware/overlay.py):
# Meter.short_code loads this module for one code and drops it.
import overlay
from drivers import metering
from meter import texts
from store import events as ev


def _credit(m):
    """credit"""
    return [("Credit", texts.kwh(m.state.credit_wh))]


def _power(m):
    """power now"""
    return [("Power", "%dW" % m.power_w())]


def _voltage(m):
    """voltage"""
    return [("Voltage", texts.fixed(m.ic.voltage_cv, 2) + "V" if m.ic_ok() else "n/a")]


def _current(m):
    """current"""
    return [("Current", texts.fixed(m.ic.current_ma, 3) + "A" if m.ic_ok() else "n/a")]


def _frequency(m):
    """frequency"""
    return [("Frequency", texts.fixed(m.ic.freq_chz, 2) + "Hz" if m.ic_ok() else "n/a")]


def _power_factor(m):
    """power factor"""
    return [("Power factor", texts.fixed(m.ic.pf_milli, 3) if m.ic_ok() else "n/a")]


def _tamper(m):
    """tamper kinds latched until a ClearTamper token"""
    from meter.tamper import kind_names

    latched = m.state.tamper
    if not latched:
        return [("Tamper", "none")]
    names = kind_names(latched).split(",")
    return [("Tamper %d/%d" % (i + 1, len(names)), name) for i, name in enumerate(names)]


def _energy_total(m):
    """energy total"""
    return [("Energy total", texts.kwh(m.state.energy_total_wh))]


def _kwh_or(wh, unknown):
    return texts.kwh(wh) if wh >= 0 else unknown


def _local_text(m, utc_s):
    return overlay.run("meter.customer_text", "local_text", m.customer, utc_s)


def _energy_today(m):
    """energy today"""
    return [("Energy today", _kwh_or(m.customer.evidence.today_wh(), "time unknown"))]


def _time(m):
    """local time and its source (rtc, flash, token)"""
    wall = m.customer.wall
    if not wall.known:
        return [("Time unknown", "no clock source")]
    return [("Time (%s)" % wall.source, _local_text(m, wall.utc()))]


def _since_topup(m):
    """energy since the last top-up"""
    return [("Since top-up", _kwh_or(m.customer.evidence.since_topup_wh(), "no top-up yet"))]


def _today_yesterday(m):
    """energy today and yesterday (local days)"""
    ev = m.customer.evidence
    return [("Energy today", _kwh_or(ev.today_wh(), "time unknown")),
            ("Energy yesterday", _kwh_or(ev.yesterday_wh(), "not known"))]


def _last_24h(m):
    """energy in the last 24 hours"""
    return [("Last 24 hours", _kwh_or(m.customer.evidence.last_24h_wh(), "time unknown"))]


def _last_topup(m):
    """last top-up: amount and time"""
    mark, amount, when = m.customer.evidence.topup
    if mark < 0:
        return [("Last top-up", "none yet")]
    return [("Top-up +" + texts.kwh(amount), _local_text(m, when))]


def _days_left(m):
    """days of credit left at the last 24 hours' average power"""
    tenths = m.customer.days_left_tenths()
    if tenths < 0:
        return [("Days left", "unknown")]  # no clock, under an hour of history, or nothing used
    return [("Days left", "about %d.%d" % (tenths // 10, tenths % 10))]  # the LCD ROM has no '~'


def _token_history(m, n):
    """(result code, TID) of the last n tokens, newest first, from the event log."""
    out = []
    for _seq, _time_s, kind, code, tid in m.state.events(ev.PER_SEGMENT * ev.SEGMENTS):
        if kind in (ev.TOKEN_ACCEPTED, ev.TOKEN_REJECTED):
            out.append((code, tid))
            if len(out) == n:
                break
    return out


def _last_tokens(m):
    """last 10 tokens with results"""
    out = []
    for i, (code, tid) in enumerate(_token_history(m, 10)):
        # "1: 10    6795855" / "already used": newest first, code and TID, then its name
        top = texts.two_columns("%d: %d" % (i + 1, code), "%d" % tid if tid >= 0 else "")
        out.append((top, texts.result_name(code)))
    return out or [("Last tokens", "none yet")]


def _last_result(m):
    """last result code"""
    code = m.last_result
    return [("Last result %d" % code, texts.result_name(code)) if code else ("Last result", "none")]


def _meter_number(m):
    """meter number (PAN)"""
    pan = m.state.pan or "not provisioned"
    return [("Meter number", pan[:8]), ("Meter number", pan[8:] or pan)] if len(pan) > 16 else [("Meter number", pan)]


def _key_state(m):
    """SGC, TI, KRN, KT, base date, EA"""
    k = m.keys
    return [
        ("SGC %06d TI%02d" % (k.sgc, k.ti), "KRN%d KT%d" % (k.krn, k.kt)),
        ("Base date %d" % k.base_date, "EA%02d" % k.ea),
    ]


def _ken(m):
    """key expiry number (KEN)"""
    k = m.keys
    return [("Key expiry KEN", "%d%s" % (k.ken, " (never)" if k.ken == 255 else ""))]


def _relay(m):
    """relay state and reason"""
    return [("Relay " + ("on" if m.policy.closed else "off"), m.policy.reason)]


def _lockout(m):
    """lockout state"""
    left = m.state.lockout_remaining_s(m.clock.time())
    return [("Lockout", texts.mm_ss(left) + " left" if left > 0 else "none")]


def _version(m):
    """firmware version"""
    return [("Firmware", "v" + m.version)]


def _ic_status(m):
    """metering IC status"""
    name = m.ic.name if m.ic is not None else "none"
    state = "ok" if m.ic_status == metering.OK else (m.ic.fault if m.ic is not None else "absent") or "fault"
    return [("IC " + name, state)]


def _tariff(m):
    """tariff rate"""
    return [("Tariff rate", "%d" % m.state.settings.get("tariff_rate", 0))]


def _power_limit(m):
    """max power limit"""
    limit = m.max_power_w()
    return [("Max power", "%dW" % limit if limit else "no limit")]


def _friendly(m):
    """friendly credit: in a window now, and its cap"""
    customer = m.customer
    if not customer.friendly.configured:
        return [("Friendly credit", "none set")]
    if not customer.wall.known:
        return [("Friendly credit", "off: no clock")]
    if customer.friendly_now():
        return [("Friendly now", "up to -" + texts.kwh(customer.config.friendly_cap_wh))]
    return [("Friendly credit", "not now")]


def _alarm(m):
    """low-credit alarm threshold and repeat time"""
    alarm = m.customer.alarm
    low = "at %dkWh" % (alarm.low_credit_wh // 1000) if alarm.low_credit_wh else "off"
    snooze = alarm.snooze_s // 60
    return [("Low credit alarm", low), ("Alarm repeats", "after %dh%02d" % (snooze // 60, snooze % 60))]


# The customer's alarm settings, kept in flash (the memo record: meter.customer
# saves them, meter.customer_setup restores them at boot within these same ranges).
def _set_threshold(m, kwh):
    """low-credit alarm at NN kWh (`#500#`: alarm off)"""
    m.customer.alarm.low_credit_wh = kwh * 1000  # two digits: 0 .. 99 kWh, all allowed
    m.customer.save()
    return [("Low credit alarm", "at %dkWh" % kwh if kwh else "off")]


def _set_snooze(m, tens_of_min):
    """the alarm repeats after NN x 10 minutes (01..99)"""
    if not tens_of_min:  # 00: less than the 10 minutes allowed (nothing changed)
        return [("Alarm repeat", "10 min to 16h30")]
    m.customer.alarm.snooze_s = tens_of_min * 600
    m.customer.save()
    minutes = tens_of_min * 10
    return [("Alarm repeats", "after %dh%02d" % (minutes // 60, minutes % 60))]


# number -> the function that shows it
CODES = {
    1: _credit,
    2: _power,
    3: _voltage,
    4: _current,
    5: _frequency,
    6: _power_factor,
    7: _energy_total,
    8: _energy_today,
    9: _last_tokens,
    10: _last_result,
    11: _meter_number,
    12: _key_state,
    13: _ken,
    14: _relay,
    15: _lockout,
    16: _version,
    17: _ic_status,
    18: _tariff,
    19: _power_limit,
    20: _tamper,
    30: _time,
    31: _since_topup,
    32: _today_yesterday,
    33: _last_24h,
    34: _last_topup,
    35: _days_left,
    36: _friendly,
    40: _alarm,
}
# Codes that carry a value in their last two digits (#5NN#, #6NN#): the customer's settings.
SETTINGS = {
    5: _set_threshold,
    6: _set_snooze,
}


def screens_for(meter, number):
    show = CODES.get(number)
    if show:
        return show(meter)
    setting = SETTINGS.get(number // 100) if 100 <= number <= 999 else None
    return setting(meter, number % 100) if setting else None
