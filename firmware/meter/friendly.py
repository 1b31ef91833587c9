# Friendly credit: configured windows of local time (nights, weekdays,
# holidays) in which the relay never opens for lack of credit.  Consumption
# in a window runs the credit negative, down to -friendly_cap_wh (below any
# emergency credit), and the next token repays it first, like emergency
# credit.  Outside the windows the normal policy applies; overload and the
# other reasons to open are not affected.  With the time unknown there is no
# window: the meter cannot tell night from day.
#   friendly_hours     ["18:00-06:00", ...]  (a window may cross midnight)
#   friendly_weekdays  [5, 6]                (0 = Monday: whole days)
#   friendly_holidays  ["12-25", "01-01"]    (MM-DD, every year)
#   friendly_cap_wh    0 = no friendly credit
from meter.civil import civil_from_days, weekday


def _minute_of_day(text):
    hh, _, mm = text.partition(":")
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError("friendly_hours: times look like 18:00, not %r" % text)
    minute = int(hh) * 60 + int(mm)
    if int(hh) > 24 or int(mm) > 59 or minute > 1440:
        raise ValueError("friendly_hours: no such time %r" % text)
    return minute


def parse_hours(windows):
    """["18:00-06:00"] -> [(1080, 360)] (start, end minute; end may be earlier: crosses midnight)."""
    out = []
    for window in windows:
        if not isinstance(window, str) or window.count("-") != 1:
            raise ValueError("friendly_hours: windows look like 18:00-06:00, not %r" % (window,))
        start, end = window.split("-")
        out.append((_minute_of_day(start), _minute_of_day(end)))
    return out


def parse_holidays(days):
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


class Friendly:
    def __init__(self, config):
        self.cap_wh = config.friendly_cap_wh
        self.hours = parse_hours(config.friendly_hours)
        self.holidays = parse_holidays(config.friendly_holidays)
        self.weekdays = list(config.friendly_weekdays)
        for day in self.weekdays:
            if not isinstance(day, int) or not 0 <= day <= 6:
                raise ValueError("friendly_weekdays: 0 (Monday) .. 6 (Sunday), not %r" % (day,))
        if not isinstance(self.cap_wh, int) or self.cap_wh < 0:
            raise ValueError("friendly_cap_wh must be a positive integer (Wh)")

    @property
    def configured(self):
        return self.cap_wh > 0 and bool(self.hours or self.weekdays or self.holidays)

    def window(self, local_s):
        """True if local_s (local seconds, -1 = unknown) is in a friendly window."""
        if local_s < 0 or not self.configured:
            return False
        days = local_s // 86400
        if weekday(days) in self.weekdays:
            return True
        _year, month, date = civil_from_days(days)
        if (month, date) in self.holidays:
            return True
        minute = local_s % 86400 // 60
        for start, end in self.hours:
            if start <= end:
                if start <= minute < end:
                    return True
            elif minute >= start or minute < end:  # across midnight
                return True
        return False
