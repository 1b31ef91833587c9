# A parsed STS token: class + the decrypted 64-bit block (four 16-bit words, most
# significant first), with the fields of SPEC section 4 as read-only properties
# named after the SPEC names in snake_case.  A property whose field the token
# does not carry returns None.  Nothing is computed until asked for, so building
# a Token costs one small object, and pipeline.Verdict reuses its own (load()).
# Vending side: build_words() makes the block from field values; the layout tables
# and the builder live in sts/layouts.py, loaded only when asked for.
from micropython import const
from sts import amount, crc

# Management subclasses whose payload is RND | TID | 16-bit value.
_TID_MANAGEMENT = const((0, 1, 2, 5, 6, 7))
# Class 2 key change sections, in key order (high to low) for a 128-bit key.
_KEY_SECTIONS_128 = const((3, 8, 9, 4))


def layout(cls, subclass):
    """(SPEC name, field names) of a token kind (sts/layouts.py, loaded on first use)."""
    from sts import layouts

    return layouts.layout(cls, subclass)


def has_tid(cls, subclass):
    return (cls == 0 and subclass < 8) or (cls == 2 and subclass in _TID_MANAGEMENT)


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

    @property
    def name(self):
        return layout(self.cls, self.words[0] >> 12)[0]

    @property
    def block_hex(self):
        w = self.words
        return "%04x%04x%04x%04x" % (w[0], w[1], w[2], w[3])

    @property
    def crc(self):
        return self.words[3]

    def _is(self, cls, subclasses):
        return self.cls == cls and (self.words[0] >> 12) in subclasses

    # class 0 and class 2 RND | TID | value tokens
    @property
    def tid(self):
        w = self.words
        return ((w[0] & 0xFF) << 16) | w[1] if has_tid(self.cls, w[0] >> 12) else None

    @property
    def rnd(self):
        w = self.words
        if has_tid(self.cls, w[0] >> 12) and not crc.uses_crc_c(self.cls, w[0] >> 12):
            return (w[0] >> 8) & 15
        return None

    @property
    def amount(self):
        """Units credit: count of 0.1 units; currency credit: signed count of 1e-5 units."""
        w = self.words
        sub = w[0] >> 12
        if self.cls != 0 or sub > 7:
            return None
        if sub < 4:
            return amount.decode_units(w[2])
        return amount.decode_currency((w[0] >> 8) & 15, w[2])

    def _value16(self, subclass):
        return self.words[2] if self._is(2, (subclass,)) else None

    @property
    def mpl(self):
        """Maximum power limit in W."""
        return amount.decode_units(self.words[2]) if self._is(2, (0,)) else None

    @property
    def mppul(self):
        """Maximum phase power unbalance limit in W."""
        return amount.decode_units(self.words[2]) if self._is(2, (6,)) else None

    @property
    def register(self):
        return self._value16(1)

    @property
    def rate(self):
        return self._value16(2)

    @property
    def pad(self):
        return self._value16(5)

    @property
    def wmf(self):
        return self._value16(7)

    # class 1
    @property
    def control(self):
        w = self.words
        if self._is(1, (0,)):
            return ((w[0] & 0xFFF) << 24) | (w[1] << 8) | (w[2] >> 8)
        if self._is(1, (1,)):
            return ((w[0] & 0xFFF) << 16) | w[1]
        return None

    @property
    def mfr_code(self):
        if self._is(1, (0,)):
            return self.words[2] & 0xFF
        return self.words[2] if self._is(1, (1,)) else None

    # class 2 key change sections
    @property
    def ken_ho(self):
        return (self.words[0] >> 8) & 15 if self._is(2, (3,)) else None

    @property
    def krn(self):
        return (self.words[0] >> 4) & 15 if self._is(2, (3,)) else None

    @property
    def ro(self):
        return (self.words[0] >> 3) & 1 if self._is(2, (3,)) else None

    @property
    def res(self):
        return (self.words[0] >> 2) & 1 if self._is(2, (3,)) else None

    @property
    def kt(self):
        return self.words[0] & 3 if self._is(2, (3,)) else None

    @property
    def ken_lo(self):
        return (self.words[0] >> 8) & 15 if self._is(2, (4,)) else None

    @property
    def ti(self):
        return self.words[0] & 0xFF if self._is(2, (4,)) else None

    @property
    def sgc_part(self):
        return self.words[0] & 0xFFF if self._is(2, (8, 9)) else None

    @property
    def key_section(self):
        """The 32 key bits a key change section carries, as 8 hex digits."""
        w = self.words
        return "%04x%04x" % (w[1], w[2]) if self._is(2, _KEY_SECTIONS_128) else None

    @property
    def payload(self):
        """The 44 payload bits of a token with no known layout, as 11 hex digits."""
        w = self.words
        return "%03x%04x%04x" % (w[0] & 0xFFF, w[1], w[2])

    def field_names(self):
        return layout(self.cls, self.words[0] >> 12)[1] + ("crc",)

    def fields(self):
        """{name: value} for every field this token carries (for tools)."""
        out = {}
        for name in self.field_names():
            out[name] = getattr(self, name)
        return out


def build_words(cls, subclass, values):
    """Vending side: the block for a token of cls/subclass (see sts/layouts.py)."""
    from sts import layouts

    return layouts.build_words(cls, subclass, values)
