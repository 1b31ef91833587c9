# The meter's decoder key state (SPEC section 10), resident: the store keeps it.
# The key change (KCT) rules are in sts/kct.py, loaded only for a key change
# token.  Decisions on the [U] points are in README.md.
from micropython import const
from overlay import load

EA07 = const(7)  # STA, 64-bit key
EA11 = const(11)  # MISTY1, 128-bit key
BASE_DATES = (1993, 2014, 2035)
KT_DDTK = const(1)
SGC_MAX = const(999999)


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
        self._schedule = None

    def _cipher_module(self):
        # sts.sta / sts.misty1: loaded on use, an overlay in the meter (per
        # token), so nothing here may keep a reference to their code.  (An
        # import statement here would allocate on each call; load() does not.)
        module = load("sts.sta" if self.ea == EA07 else "sts.misty1")
        if self._schedule is None:
            self._schedule = module.key_schedule(self.key)  # plain data, kept: computed once per key
        return module

    def decrypt(self, words):
        """Decrypt one block in place with this key (allocation-free once the key
        schedule is made: the first call, or cipher() at boot)."""
        self._cipher_module().decrypt_block(words, self._schedule)

    def cipher(self):
        """A new cipher object for this key (sts.sta.Sta or sts.misty1.Misty1) on
        the kept key schedule: tools, tests, vending.  Building it at boot also
        makes the schedule while the heap is young."""
        module = self._cipher_module()
        return (module.Sta if self.ea == EA07 else module.Misty1)(self.key, schedule=self._schedule)

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
