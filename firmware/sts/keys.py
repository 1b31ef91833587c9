# The meter's decoder key state (SPEC section 10), resident: the store keeps it.
# The key change (KCT) rules are in sts/kct.py, loaded only for a key change
# token; the range checks of a new key state and reading one back from flash
# are in sts/keycheck.py, loaded for those calls.  Decisions on the [U] points
# are in README.md.
from binascii import hexlify

from micropython import const
from overlay import load, run

EA07 = const(7)  # STA, 64-bit key
EA11 = const(11)  # MISTY1, 128-bit key
BASE_DATES = (1993, 2014, 2035)


class KeyState:
    def __init__(self, ea, key, krn, kt, ti, sgc, ken=255, base_date=1993):
        """ValueError for fields out of range (sts/keycheck.py: loaded for the check)."""
        key = bytes(key)
        run("sts.keycheck", "check", ea, key, krn, kt, ti, sgc, ken, base_date)
        self.ea, self.key, self.krn, self.kt, self.ti = ea, key, krn, kt, ti
        self.sgc, self.ken, self.base_date = sgc, ken, base_date
        self._schedule = None

    def decrypt(self, words):
        """Decrypt one block in place with this key (allocation-free once the key
        schedule is made: the first call, at boot).  A cipher object for tools,
        tests and vending (encryption too): sts.layouts.cipher(key)."""
        # sts.sta / sts.misty1: loaded on use, an overlay in the meter (per
        # token), so nothing here may keep a reference to their code.  (An
        # import statement here would allocate on each call; load() does not.)
        module = load("sts.sta" if self.ea == EA07 else "sts.misty1")
        if self._schedule is None:
            self._schedule = module.key_schedule(self.key)  # plain data, kept: computed once per key
        module.decrypt_block(words, self._schedule)

    def __eq__(self, other):
        return isinstance(other, KeyState) and self.to_dict() == other.to_dict()

    def to_dict(self):
        # Resident: the store writes it with every state record (a token, a key
        # change), which must work when the heap has no room for an overlay.
        return {
            "ea": self.ea,
            "key": hexlify(self.key).decode(),  # lower-case hex, as from_dict() reads it
            "krn": self.krn,
            "kt": self.kt,
            "ti": self.ti,
            "sgc": self.sgc,
            "ken": self.ken,
            "base_date": self.base_date,
        }

    @staticmethod
    def from_dict(d):
        """Inverse of to_dict(); ValueError (never KeyError/TypeError) for bad
        data.  Boot only: the code is in sts/keycheck.py, loaded for the call."""
        return run("sts.keycheck", "from_dict", d)
