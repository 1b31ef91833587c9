# The meter identity file written by `make provision` (and the virtual meter's
# --provision option): validated here, then imported into the protected store
# at boot and deleted.  A provisioned meter takes a new file only when the
# board's engineering jumper is fitted: keys otherwise change only by token.
import binascii

from sts.keys import KeyState

FIELDS = ("pan", "sgc", "ti", "krn", "kt", "ken", "base_date", "ea", "decoder_key")


def _digits(doc, name, count):
    value = doc[name]
    if not isinstance(value, str) or len(value) != count or not value.isdigit():
        raise ValueError("%s must be %d digits as text" % (name, count))
    return value


def _int(doc, name, low, high):
    value = doc[name]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ValueError("%s must be an integer %d..%d" % (name, low, high))
    return value


def parse(doc):
    """dict from the JSON file -> (KeyState, pan).  ValueError names the field;
    any other document (a list, a string, a number, wrong types) is a ValueError too."""
    try:
        return _parse(doc)
    except (TypeError, KeyError, AttributeError, IndexError) as exc:
        raise ValueError("provisioning file malformed: %r" % (exc,)) from None


def _parse(doc):
    if not isinstance(doc, dict):
        raise ValueError("provisioning file must hold one JSON object")
    missing = [k for k in FIELDS if k not in doc]
    extra = [k for k in doc if k not in FIELDS]
    if missing or extra:
        missing, extra = ",".join(missing) or "-", ",".join(extra) or "-"
        raise ValueError("provisioning keys: missing %s, unknown %s" % (missing, extra))
    pan = _digits(doc, "pan", 18)
    sgc = int(_digits(doc, "sgc", 6))
    ti = int(_digits(doc, "ti", 2))
    if not isinstance(doc["ea"], str) or doc["ea"] not in ("07", "11"):
        raise ValueError('ea must be "07" or "11"')
    ea = int(doc["ea"])
    base_date = _int(doc, "base_date", 1993, 2014)  # an integer: 2014.0 and true are refused
    if base_date not in (1993, 2014):
        raise ValueError("base_date must be 1993 or 2014")
    key_hex = doc["decoder_key"]
    if not isinstance(key_hex, str) or len(key_hex) != (16 if ea == 7 else 32):
        raise ValueError("decoder_key must be %d hex digits for EA%s" % (16 if ea == 7 else 32, doc["ea"]))
    try:
        key = binascii.unhexlify(key_hex)
    except ValueError:
        raise ValueError("decoder_key must be hex") from None
    keys = KeyState(
        ea, key, _int(doc, "krn", 1, 15), _int(doc, "kt", 0, 3), ti, sgc, _int(doc, "ken", 0, 255), base_date
    )
    return keys, pan
