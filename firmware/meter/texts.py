# What the customer reads: result labels, plain explanations, number formats.
# 16-column LCD lines; integers only (credit in Wh, shown as kWh with 1 decimal).
from micropython import const

COLS = const(16)

# Standard result codes (IEC 62055-41 TokenResult numbering, SPEC section 13):
# short label for the first line, plain hint for the second.
RESULTS = {
    1: ("Accept", ""),
    2: ("KCT part ok", "enter next part"),
    3: ("Key changed", ""),
    4: ("Reject 04", "credit too high"),
    5: ("Reject 05", "key type"),
    6: ("Reject 06", "not a token"),
    7: ("Reject 07", "value out of rng"),
    8: ("Reject 08", "not supported"),
    9: ("Old 09", "token too old"),
    10: ("Used 10", "already used"),
    11: ("Key expired 11", "ask vendor"),
    12: ("Reject 12", "default key"),
    13: ("Reject 13", "check digits"),
    14: ("Reject 14", "other maker"),
    15: ("Locked 15", "too many rejects"),
    16: ("Not ready 16", "try again"),
}


def result_lines(code):
    label, hint = RESULTS.get(code, ("Result %d" % code, ""))
    return label, hint


def result_name(code):
    """One name per code, in the words its LCD screen shows (the hint, or the
    label without its number where the hint is advice), used wherever a code
    is named: `#09#`, `#10#`, the console and the log."""
    label, hint = result_lines(code)
    if hint and code not in (11, 16):  # Key expired 11 / ask vendor, Not ready 16 / try again
        return hint
    return label.rstrip(" 0123456789")


def kwh(wh):
    """Wh -> '12.5kWh' with one decimal, rounded down (never shows more
    credit than the meter holds); negative values keep their sign."""
    sign = "-" if wh < 0 else ""
    wh = -wh if wh < 0 else wh
    tenths = wh // 100
    return "%s%d.%dkWh" % (sign, tenths // 10, tenths % 10)


def fixed(value, decimals):
    """Integer in 10**-decimals units -> text, e.g. fixed(23012, 2) = '230.12'."""
    sign = "-" if value < 0 else ""
    value = -value if value < 0 else value
    scale = 10**decimals
    if decimals == 0:
        return "%s%d" % (sign, value)
    return "%s%d.%0*d" % (sign, value // scale, decimals, value % scale)


def mm_ss(seconds):
    return "%d:%02d" % (seconds // 60, seconds % 60)


def fit(text, cols=COLS):
    """Pad or cut to exactly cols characters."""
    if len(text) >= cols:
        return text[:cols]
    return text + " " * (cols - len(text))


def two_columns(left, right, cols=COLS):
    """left-aligned and right-aligned text on one line."""
    space = cols - len(left) - len(right)
    if space < 1:
        return fit(left + " " + right, cols)
    return left + " " * space + right
