# Calendar arithmetic in integers, the same on every port: MicroPython's
# time.localtime/mktime use a 2000 epoch on boards and 1970 on unix, so the
# meter keeps Unix seconds (UTC) and converts itself.  Proleptic Gregorian
# calendar; days are counted from 1970-01-01 (day 0, a Thursday).
from micropython import const

_SECONDS_PER_DAY = const(86400)


def days_from_civil(year, month, day):
    """Days since 1970-01-01 of a calendar date."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400  # 0..399
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days):
    """(year, month, day) of a day count since 1970-01-01."""
    days += 719468
    era = days // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def weekday(days):
    """0 = Monday ... 6 = Sunday, of a day count since 1970-01-01."""
    return (days + 3) % 7


def to_seconds(year, month, day, hour=0, minute=0, second=0):
    return days_from_civil(year, month, day) * _SECONDS_PER_DAY + hour * 3600 + minute * 60 + second


def iso(local_s, offset_min):
    """'2023-11-14T22:13:20+02:00': local time with its offset from UTC."""
    days, rest = divmod(local_s, _SECONDS_PER_DAY)
    year, month, day = civil_from_days(days)
    sign = "+" if offset_min >= 0 else "-"
    off = -offset_min if offset_min < 0 else offset_min
    return "%04d-%02d-%02dT%02d:%02d:%02d%s%02d:%02d" % (
        year, month, day, rest // 3600, rest // 60 % 60, rest % 60, sign, off // 60, off % 60)
