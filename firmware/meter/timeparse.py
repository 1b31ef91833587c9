# Parsing a typed local time (console `time set`): loaded only when used.
from meter.civil import civil_from_days, days_from_civil, to_seconds


def parse_iso(text):
    """'2023-11-14T22:13:20' (or with a space, seconds optional) -> local
    seconds; ValueError for anything else."""
    text = text.replace(" ", "T")
    date, _, clock = text.partition("T")
    parts = date.split("-")
    hms = clock.split(":") if clock else ["0", "0"]
    numbers = parts + hms
    if len(parts) != 3 or not 2 <= len(hms) <= 3 or not all(n.isdigit() for n in numbers):
        raise ValueError("time must look like 2024-05-01T18:30:00")
    year, month, day = int(parts[0]), int(parts[1]), int(parts[2])
    hour, minute = int(hms[0]), int(hms[1])
    second = int(hms[2]) if len(hms) == 3 else 0
    if not 2000 <= year <= 2199 or not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError("date out of range")
    if civil_from_days(days_from_civil(year, month, day)) != (year, month, day):
        raise ValueError("no such date")
    if not 0 <= hour <= 23 or not 0 <= minute <= 59 or not 0 <= second <= 59:
        raise ValueError("time of day out of range")
    return to_seconds(year, month, day, hour, minute, second)
