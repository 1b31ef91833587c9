# The key state's checks, cold half of sts/keys.py: the range checks a new
# KeyState must pass and reading one back from its stored dict.  Both run only
# when a key state is made (boot, provisioning, a key change), so an overlay
# (firmware/overlay.py) loaded for that call and dropped after it: functions
# only, nothing here outlives the call.
from micropython import const
from sts.keys import BASE_DATES, EA07, EA11, KeyState

_SGC_MAX = const(999999)  # SGC: six decimal digits (SPEC 4.3, 9.1; sts/kct.py refuses a larger one with Range)


def check(ea, key, krn, kt, ti, sgc, ken, base_date):
    """Raise ValueError unless the fields make a valid key state (key: bytes)."""
    if ea not in (EA07, EA11):
        raise ValueError("ea must be 7 or 11")
    if len(key) != (8 if ea == EA07 else 16):
        raise ValueError("key length does not match the EA")
    if not (0 <= krn <= 15 and 0 <= kt <= 3 and 0 <= ti <= 255 and 0 <= sgc <= _SGC_MAX and 0 <= ken <= 255):
        raise ValueError("key metadata out of range")
    if base_date not in BASE_DATES:
        raise ValueError("base date must be 1993, 2014 or 2035")


def from_dict(d):
    """KeyState from KeyState.to_dict()'s dict; ValueError (never KeyError/TypeError) for bad data."""
    try:
        text = d["key"]
        if not isinstance(text, str) or len(text) % 2:
            raise ValueError("key must be hex")
        key = bytes(int(text[i : i + 2], 16) for i in range(0, len(text), 2))
        fields = [d[n] for n in ("ea", "krn", "kt", "ti", "sgc", "ken", "base_date")]
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError("bad key state: %r" % (exc,)) from None
    for value in fields:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("bad key state field")
    ea, krn, kt, ti, sgc, ken, base_date = fields
    # KeyState() runs check() through overlay.run too: it finds this module loaded
    return KeyState(ea, key, krn, kt, ti, sgc, ken, base_date)
