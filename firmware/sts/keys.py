# The meter's decoder key state and the key change (KCT) rules of SPEC section 10.
# Decisions on the [U] points are in README.md.
from micropython import const
from sts import results

EA07 = const(7)  # STA, 64-bit key
EA11 = const(11)  # MISTY1, 128-bit key
BASE_DATES = (1993, 2014, 2035)
KT_DITK = const(0)
KT_DDTK = const(1)
KCT_TIMEOUT_S = const(600)  # a held section expires after 10 minutes
SGC_MAX = const(999999)


def key_sections(ea):
    """The key change subclasses an EA needs, in key order (high bits first)."""
    return (3, 4) if ea == EA07 else (3, 8, 9, 4)


class KeyState:
    def __init__(self, ea, key, krn, kt, ti, sgc, ken=255, base_date=1993):
        key = bytes(key)
        if ea not in (EA07, EA11):
            raise ValueError("ea must be 7 or 11")
        if len(key) != (8 if ea == EA07 else 16):
            raise ValueError("key length does not match the EA")
        if not (0 <= krn <= 15 and 0 <= kt <= 3 and 0 <= ti <= 255 and 0 <= sgc <= SGC_MAX and 0 <= ken <= 255):
            raise ValueError("key metadata out of range")
        if base_date not in BASE_DATES:
            raise ValueError("base date must be 1993, 2014 or 2035")
        self.ea, self.key, self.krn, self.kt, self.ti = ea, key, krn, kt, ti
        self.sgc, self.ken, self.base_date = sgc, ken, base_date
        self._cipher = None

    def cipher(self):
        """The decoder's cipher object, built once (its key schedule is kept)."""
        if self._cipher is None:
            if self.ea == EA07:
                from sts.sta import Sta

                self._cipher = Sta(self.key)
            else:
                from sts.misty1 import Misty1

                self._cipher = Misty1(self.key)
        return self._cipher

    def _tuple(self):
        return (self.ea, self.key, self.krn, self.kt, self.ti, self.sgc, self.ken, self.base_date)

    def __eq__(self, other):
        return isinstance(other, KeyState) and self._tuple() == other._tuple()

    def __ne__(self, other):
        return not self.__eq__(other)

    def __repr__(self):
        return "KeyState(ea=%d, krn=%d, kt=%d, ti=%d, sgc=%d, ken=%d, base_date=%d)" % (
            self.ea,
            self.krn,
            self.kt,
            self.ti,
            self.sgc,
            self.ken,
            self.base_date,
        )

    def to_dict(self):
        return {
            "ea": self.ea,
            "key": "".join("%02x" % b for b in self.key),
            "krn": self.krn,
            "kt": self.kt,
            "ti": self.ti,
            "sgc": self.sgc,
            "ken": self.ken,
            "base_date": self.base_date,
        }

    @staticmethod
    def from_dict(d):
        """Inverse of to_dict(); ValueError (never KeyError/TypeError) for bad data."""
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
        return KeyState(ea, key, krn, kt, ti, sgc, ken, base_date)


def next_base_date(base_date):
    i = BASE_DATES.index(base_date)
    return BASE_DATES[i + 1] if i + 1 < len(BASE_DATES) else -1


def section_error(keys, tok):
    """Rules checked when one key change section arrives: 0 or a result code."""
    sub = tok.subclass
    if sub not in key_sections(keys.ea):
        return results.FUNCTION  # sections 3/4 of 128-bit keys on an EA07 meter
    if sub == 3:
        if tok.res:
            return results.FORMAT  # reserved bit must be 0
        if tok.kt == KT_DITK:
            return results.KEY_TYPE  # the initialisation key is never loaded by token
        if tok.ro and next_base_date(keys.base_date) < 0:
            return results.RANGE  # no base date after 2035
    return 0


def _section(pending, subclass):
    for entry in pending:
        if entry[0] == subclass:
            return entry[1]
    return None


def complete(keys, pending):
    """Try to finish a key change from the held sections.

    pending: [(subclass, (w0, w1, w2, w3), arrival_s)] of decrypted blocks.
    Returns (code, new KeyState or None, rollover flag): code 0 while sections
    are missing, results.KCT2_ACCEPTED with the new state, or a rejection code."""
    blocks = []
    for sub in key_sections(keys.ea):
        block = _section(pending, sub)
        if block is None:
            return 0, None, 0
        blocks.append(block)
    key = bytearray()
    for w in blocks:
        key.extend(bytes((w[1] >> 8, w[1] & 0xFF, w[2] >> 8, w[2] & 0xFF)))
    first, second = blocks[0][0], blocks[-1][0]
    ro = (first >> 3) & 1
    sgc = keys.sgc
    if keys.ea == EA11:  # 3rd section: SGC low 12 bits, 4th: high 12 bits
        sgc = ((blocks[2][0] & 0xFFF) << 12) | (blocks[1][0] & 0xFFF)
        if sgc > SGC_MAX:
            return results.RANGE, None, ro
    ken = (((first >> 8) & 15) << 4) | ((second >> 8) & 15)
    base_date = next_base_date(keys.base_date) if ro else keys.base_date
    new = KeyState(keys.ea, key, (first >> 4) & 15, first & 3, second & 0xFF, sgc, ken, base_date)
    # Replay protection (README.md): a set that changes nothing is a replay, and a
    # rollover (which clears the TID record) under the same key would re-open
    # every token ever issued to this meter.
    if (ro and new.key == keys.key) or (not ro and new == keys):
        return results.USED, None, ro
    return results.KCT2_ACCEPTED, new, ro
