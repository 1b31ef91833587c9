# Overlay (firmware/overlay.py): the customer features' texts for the console
# (`status`, `energy`) and the local times the short codes show, loaded by
# those commands for one job and dropped after it.  Never loaded at boot or
# for a token (the boot report's clock line is meter.startup's), so a meter
# nobody asks does not intern these names.  Only functions.
from meter import civil


def wh_text(wh):
    """A figure for the console: Wh, or 'unknown'."""
    return "%d" % wh if wh >= 0 else "unknown"


def _tenths_text(tenths):
    return "%d.%d" % (tenths // 10, tenths % 10) if tenths >= 0 else "unknown"


def local_text(customer, utc_s):
    """'2023-11-14 22:13' in local time, or 'time unknown'."""
    if utc_s < 0:
        return "time unknown"
    return civil.iso(utc_s + customer.wall.tz_offset_min * 60, 0)[:16].replace("T", " ")


def energy_lines(customer):
    """The console's `energy` reply (before its OK)."""
    ev = customer.evidence
    state = customer.state
    return [
        "energy_total_wh=%d" % state.energy_total_wh,
        "energy_today_wh=" + wh_text(ev.today_wh()),
        "last_24h_wh=" + wh_text(ev.last_24h_wh()),
        "credit_wh=%d" % state.credit_wh,
        "energy_since_topup_wh=" + wh_text(ev.since_topup_wh()),
        "energy_yesterday_wh=" + wh_text(ev.yesterday_wh()),
        "last_topup_wh=" + wh_text(ev.topup[1] if ev.topup[0] >= 0 else -1),
        "last_topup_time=" + (local_text(customer, ev.topup[2]).replace(" ", "T") if ev.topup[0] >= 0 else "none"),
        "days_left=" + _tenths_text(customer.days_left_tenths()),
    ]


def status(customer):
    """The console `status`'s customer pairs: today's energy, then the figures
    that come last."""
    ev = customer.evidence
    wall = customer.wall
    buzzer = customer.alarm.buzzer
    return wh_text(ev.today_wh()), [
        ("time", wall.iso()),
        ("clock_source", wall.source),
        ("energy_since_topup_wh", wh_text(ev.since_topup_wh())),
        ("energy_yesterday_wh", wh_text(ev.yesterday_wh())),
        ("days_left", _tenths_text(customer.days_left_tenths())),
        ("friendly", 1 if customer.friendly_now() else 0),
        ("buzzer", "on" if buzzer is not None and buzzer.on else "off"),
    ]
