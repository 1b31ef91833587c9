# A parsed STS token as the meter's check reads it: class + the decrypted 64-bit
# block (four 16-bit words, most significant first), with the few fields the
# check and the meter's screens read as properties named after the SPEC names in
# snake_case (None when the token does not carry the field); the management and
# key change steps read their fields from the block.  Nothing is
# computed until asked for, so building a Token costs one small object, and
# pipeline.Verdict reuses its own (load()).
# Every other field, the SPEC name, fields() and the block as hex are in
# sts/describe.py's DescribedToken (tools, tests); the vending side (layouts,
# build_words) is sts/layouts.py: this module is loaded with every token.
from micropython import const
from sts import crc

_UNITS_OFFSET = const((0, 16384, 180224, 1818624))  # sum_{i=1..e} 2^14 * 10^(i-1)
_POW10 = const((1, 10, 100, 1000))


def decode_units(field):
    """16-bit units field (SPEC 6.1: 2-bit exponent e, 14-bit mantissa m, value =
    m*10^e + sum_{i=1..e} 2^14*10^(i-1)) -> integer count of the unit (0.1 kWh for
    electricity; W for the power limits).  Here, not in sts/amount.py, because the
    check reads it with every credit token: amount.py (currency, encoders' ranges)
    is the tools' and is not loaded per token."""
    e = field >> 14
    return (field & 0x3FFF) * _POW10[e] + _UNITS_OFFSET[e]


class Token:
    def __init__(self, cls, words):
        self.cls = cls
        self.words = words  # kept, not copied: the caller hands it over
        self.crc_ok = crc.crc_ok(cls, words)

    def load(self, cls):
        """Reuse this Token for the block now in self.words (pipeline.Verdict owns
        one, so a check allocates nothing)."""
        self.cls = cls
        self.crc_ok = crc.crc_ok(cls, self.words)
        return self

    @property
    def subclass(self):
        return self.words[0] >> 12

    # class 1: subclass 0 has a 2-digit, subclass 1 a 4-digit MfrCode
    @property
    def control(self):
        w = self.words
        if self.cls == 1 and w[0] >> 12 == 0:
            return ((w[0] & 0xFFF) << 24) | (w[1] << 8) | (w[2] >> 8)
        if self.cls == 1 and w[0] >> 12 == 1:
            return ((w[0] & 0xFFF) << 16) | w[1]
        return None

    @property
    def mfr_code(self):
        w = self.words
        if self.cls == 1 and w[0] >> 12 == 0:
            return w[2] & 0xFF
        return w[2] if self.cls == 1 and w[0] >> 12 == 1 else None

    # class 2 key change, 1st section (the rollover screen; sts/kct.py reads the block)
    @property
    def ro(self):
        w0 = self.words[0]
        return (w0 >> 3) & 1 if self.cls == 2 and w0 >> 12 == 3 else None
