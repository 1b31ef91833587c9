# What the customer reads: result labels, plain explanations, number formats.
# 16-column LCD lines; integers only (credit in Wh, shown as kWh with 1 decimal).
from micropython import const

COLS = const(16)

# Standard result codes 1..16 (IEC 62055-41 TokenResult numbering, SPEC
# section 13), one "label|hint" line each: the short label for the first LCD
# line, the plain hint for the second.  One string, not a table of tuples: it
# costs the heap one object (a const: no global name).
_RESULTS = const(
    "Accept|\n"
    "KCT part ok|enter next part\n"
    "Key changed|\n"
    "Reject 04|credit too high\n"
    "Reject 05|key type\n"
    "Reject 06|not a token\n"
    "Reject 07|value out of rng\n"
    "Reject 08|not supported\n"
    "Old 09|token too old\n"
    "Used 10|already used\n"
    "Key expired 11|ask vendor\n"
    "Reject 12|default key\n"
    "Reject 13|check digits\n"
    "Reject 14|other maker\n"
    "Locked 15|too many rejects\n"
    "Not ready 16|try again"
)


def result_lines(code):
    """(label, hint) of a result code."""
    if not 1 <= code <= 16:
        return "Result %d" % code, ""
    start = 0
    for _ in range(code - 1):
        start = _RESULTS.index("\n", start) + 1
    end = _RESULTS.find("\n", start)
    label, _, hint = _RESULTS[start:end if end > 0 else len(_RESULTS)].partition("|")
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
