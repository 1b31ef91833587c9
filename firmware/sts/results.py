# Token result codes, numbered as IEC 62055-41 TokenResult (SPEC section 13).
from micropython import const

ACCEPT = const(1)
KCT1_ACCEPTED = const(2)  # a key change section held; the set is not complete yet
KCT2_ACCEPTED = const(3)  # the last section arrived; the new key is committed
# 4 Overflow and 14 MfrCode: only the pipeline returns them (its _OVERFLOW, _MFR_CODE;
# the store's ledger has its own _OVERFLOW): no public name, see DESIGN.md "Heap".
KEY_TYPE = const(5)
FORMAT = const(6)
RANGE = const(7)
FUNCTION = const(8)
OLD = const(9)
USED = const(10)
KEY_EXPIRED = const(11)
DDTK = const(12)
AUTH = const(13)  # CRC / authentication failure: wrong key or mistyped digits
LOCKOUT = const(15)
NOT_READY = const(16)

_NAMES = const((
    None,
    "Accept",
    "1st KCT",
    "2nd KCT",
    "Overflow",
    "Key type",
    "Format",
    "Range",
    "Function",
    "Old",
    "Used",
    "Key expired",
    "DDTK",
    "CRC",
    "Mfr code",
    "Lockout",
    "Not ready",
))


def name(code):
    return _NAMES[code] if 1 <= code <= 16 else "?"


def is_accepted(code):
    """Codes whose verdict the storage layer applies."""
    return ACCEPT <= code <= KCT2_ACCEPTED
