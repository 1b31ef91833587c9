# Overlay (firmware/overlay.py): the customer features' set-up, loaded for
# one job and dropped after it.  Restoring at boot (the memo record
# meter.customer writes, the wall clock's start, the evidence marks, the
# alarm settings), the friendly-credit configuration, and the clock note
# after a token.  What only a person asks for is elsewhere, so that the boot
# and a token do not intern its names: the customer's alarm settings (short
# codes 5NN/6NN) in meter.shortcodes, the console's `time set` in
# meter.con_show.  Only functions: nothing resident keeps a reference into
# this module.
import json

from meter.customer import MEMO_KIND, MEMO_SLOTS
from meter.wallclock import FLASH, RTC, TOKEN, UNKNOWN, token_floor_s
from micropython import const
from store import record

# The alarm settings a memo may restore: what short codes 5NN and 6NN can set
_MAX_THRESHOLD_WH = const(99000)  # 99 kWh: the two digits of short code 5NN
_MIN_SNOOZE_S = const(600)  # short code 6NN: NN x 10 minutes, 10 min .. 16 h 30
_MAX_SNOOZE_S = const(59400)
_HOURS_KEPT = const(24)  # as meter.evidence keeps: this hour and the 23 before


def boot(customer):
    """Once the store is mounted: restore the memo, start the wall clock."""
    state = customer.state
    doc = load_memo(customer, state.volume)
    stored = doc.get("t", -1)
    start_clock(customer.wall, stored if isinstance(stored, int) else -1, token_floor_s(state.keys, state.tids))
    restore_evidence(customer.evidence, doc.get("ev"), state.energy_total_wh)
    prefs = doc.get("p")
    if isinstance(prefs, dict):
        _apply_prefs(customer.alarm, prefs.get("low_wh"), prefs.get("snooze_s"))
    customer.saved_ms = customer.wall.ticks_ms()


def load_memo(customer, volume):
    """The newest good memo record (meter.customer) as a dict ({} if none);
    the customer saves to that volume from now on, the generation after it."""
    customer.volume = volume
    best, best_seq = {}, -1
    for slot in MEMO_SLOTS:
        framed = record.decode(volume.read(slot), MEMO_KIND)
        if framed is None or framed[0] <= best_seq:
            continue
        try:
            doc = json.loads(bytes(framed[1]).decode())
        except ValueError:
            continue
        if isinstance(doc, dict):
            best, best_seq = doc, framed[0]
    customer.memo_seq = best_seq if best_seq > 0 else 0
    return best


def start_clock(wall, stored_s, token_s):
    """At boot: the RTC unless it reads earlier than the time this meter
    itself last saved (then it lost its time without saying so); else the
    stored time; else the token floor; else unknown."""
    rtc_s = wall.read_rtc()
    wall.synced_ms = wall.base.ticks_ms()
    if wall.rtc is None:
        wall.note = "no RTC"
    elif rtc_s < 0:
        wall.note = "RTC time not valid (battery lost)" if wall.rtc.lost_power else "RTC not answering"
    elif rtc_s < stored_s:
        wall.note = "RTC behind the stored time: not used"
    if rtc_s >= 0 and rtc_s >= stored_s:
        wall.anchor(rtc_s, RTC)
    elif stored_s >= 0 and stored_s >= token_s:
        wall.anchor(stored_s, FLASH)
    elif token_s >= 0:
        wall.anchor(token_s, TOKEN)
    else:
        wall.anchor(-1, UNKNOWN)


def restore_evidence(evidence, doc, total_wh):
    """Marks from the memo; a mark above the total (the store lost its last
    few Wh in a power cut) is brought down to it."""
    evidence.total = total_wh
    if not isinstance(doc, dict):
        return
    try:
        topup, day, hours = list(doc["tu"]), list(doc["d"]), [list(h) for h in doc["h"]]
    except (KeyError, TypeError):
        return
    if len(topup) != 3 or len(day) != 3 or any(len(h) != 3 for h in hours):
        return
    topup[0] = min(topup[0], total_wh)
    day[1] = min(day[1], total_wh)
    for mark in hours:
        mark[1] = min(mark[1], total_wh)
    evidence.topup, evidence.day, evidence.hours = topup, day, hours[-_HOURS_KEPT:]


def _apply_prefs(alarm, low_wh, snooze_s):
    if isinstance(low_wh, int) and 0 <= low_wh <= _MAX_THRESHOLD_WH:
        alarm.low_credit_wh = low_wh
    if isinstance(snooze_s, int) and _MIN_SNOOZE_S <= snooze_s <= _MAX_SNOOZE_S:
        alarm.snooze_s = snooze_s


def token_clock_note(customer, floor):
    """Log what a token issued after the wall time (floor) did to the clock:
    raised it, or not (the RTC is kept: one of the two clocks is wrong).
    WallClock.raise_to raises any source but the RTC to a later time."""
    wall = customer.wall
    if wall.source != RTC:
        customer.log.info("clock raised to the token's issue time: %s" % wall.iso())
    else:
        customer.log.warn("token issued %d s after the RTC's time" % (floor - wall.utc()))


# ---- friendly credit's configuration (meter.friendly) ------------------------
def friendly_windows(config):
    """(hours, holidays) parsed from the friendly_* keys, once the cap and the
    weekdays (read from config as they are) are checked; ValueError naming the
    key for a malformed one."""
    hours = _parse_hours(config.friendly_hours)
    holidays = _parse_holidays(config.friendly_holidays)
    for day in config.friendly_weekdays:
        if not isinstance(day, int) or not 0 <= day <= 6:
            raise ValueError("friendly_weekdays: 0 (Monday) .. 6 (Sunday), not %r" % (day,))
    cap_wh = config.friendly_cap_wh
    if not isinstance(cap_wh, int) or cap_wh < 0:
        raise ValueError("friendly_cap_wh must be a positive integer (Wh)")
    return hours, holidays


def _minute_of_day(text):
    hh, _, mm = text.partition(":")
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError("friendly_hours: times look like 18:00, not %r" % text)
    minute = int(hh) * 60 + int(mm)
    if int(hh) > 24 or int(mm) > 59 or minute > 1440:
        raise ValueError("friendly_hours: no such time %r" % text)
    return minute


def _parse_hours(hours):
    """["18:00-06:00"] -> [(1080, 360)] (start, end minute; end may be earlier: crosses midnight)."""
    out = []
    for window in hours:
        if not isinstance(window, str) or window.count("-") != 1:
            raise ValueError("friendly_hours: windows look like 18:00-06:00, not %r" % (window,))
        start, end = window.split("-")
        out.append((_minute_of_day(start), _minute_of_day(end)))
    return out


def _parse_holidays(days):
    """["12-25"] -> [(12, 25)]"""
    out = []
    for day in days:
        parts = day.split("-") if isinstance(day, str) else ()
        if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
            raise ValueError("friendly_holidays: dates look like 12-25 (MM-DD), not %r" % (day,))
        month, date = int(parts[0]), int(parts[1])
        if not 1 <= month <= 12 or not 1 <= date <= 31:
            raise ValueError("friendly_holidays: no such date %r" % day)
        out.append((month, date))
    return out
