# Token description, for the engineers' token tool (tools/sts.py decode) and
# tests: DescribedToken, a Token with every field of SPEC section 4, its SPEC
# name and the block as hex; and one JSON line per token, built here by hand in
# a fixed key order so CPython and MicroPython print byte-identical output.
#   micropython -m sts.describe KEYHEX TOKEN...     (MICROPYPATH=firmware)
# The meter never loads this module: its check reads only sts/token.py's fields.
import json
import sys

from micropython import const
from sts import amount
from sts import digits as _digits
from sts.keys import EA07, EA11
from sts.layouts import cipher, layout
from sts.token import Token

# Management subclasses whose payload is RND | TID | 16-bit value.
_TID_MANAGEMENT = const((0, 1, 2, 5, 6, 7))
# Class 2 key change sections, in key order (high to low) for a 128-bit key.
_KEY_SECTIONS_128 = const((3, 8, 9, 4))


def has_tid(cls, subclass):
    return (cls == 0 and subclass < 8) or (cls == 2 and subclass in _TID_MANAGEMENT)


class DescribedToken(Token):
    """A Token with every field its layout names (sts/layouts.py) as a property,
    None when the token does not carry it; fields() for tools."""

    def _is(self, cls, subclasses):
        return self.cls == cls and (self.words[0] >> 12) in subclasses

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

    # class 0 and class 2 RND | TID | value tokens
    @property
    def tid(self):
        w = self.words
        return ((w[0] & 0xFF) << 16) | w[1] if has_tid(self.cls, w[0] >> 12) else None

    @property
    def rnd(self):
        """None for the currency credit subclasses (4..7): CRC_C, no RND field."""
        w = self.words
        sub = w[0] >> 12
        if has_tid(self.cls, sub) and not (self.cls == 0 and 4 <= sub <= 7):
            return (w[0] >> 8) & 15
        return None

    # class 0
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

    # class 2 management
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

    # class 2 key change sections
    @property
    def ken_ho(self):
        return (self.words[0] >> 8) & 15 if self._is(2, (3,)) else None

    @property
    def krn(self):
        return (self.words[0] >> 4) & 15 if self._is(2, (3,)) else None

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
        """{name: value} for every field this token carries."""
        out = {}
        for name in self.field_names():
            out[name] = getattr(self, name)
        return out


def _value(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


def cipher_for(key):
    """(EA, cipher object) for a key of 8 (EA07) or 16 (EA11) bytes (sts/layouts.py)."""
    return (EA07 if len(key) == 8 else EA11), cipher(key)


def parse_token(text, cipher):
    """20 digits -> DescribedToken (decrypted unless class 1); ValueError if not a token."""
    if not isinstance(text, str) or len(text) != 20:
        raise ValueError("token must be exactly 20 digits: %r" % (text,))
    words = [0, 0, 0, 0]
    cls = _digits.parse(text, words)
    if cls < 0:
        raise ValueError("not a token (non-digits or above 2^66-1): %s" % text)
    if cls == 3:
        raise ValueError("unknown token class 3: %s" % text)
    if cls != 1:
        cipher.decrypt(words)
    return DescribedToken(cls, words)


def to_json(text, tok):
    parts = []
    for name in tok.field_names():
        parts.append('"%s": %s' % (name, _value(getattr(tok, name))))
    return '{"token": "%s", "class": %d, "subclass": %d, "name": %s, "crc_ok": %s, "block": "%s", "fields": {%s}}' % (
        text,
        tok.cls,
        tok.subclass,
        json.dumps(tok.name),
        _value(tok.crc_ok),
        tok.block_hex,
        ", ".join(parts),
    )


def _key_from_hex(text):
    if len(text) not in (16, 32):
        raise ValueError("key must be 16 or 32 hex digits")
    try:
        return bytes(int(text[i : i + 2], 16) for i in range(0, len(text), 2))
    except ValueError:
        raise ValueError("key is not hex: %s" % text) from None


def main(argv):
    """Print one JSON line per token; on bad input one 'error: ...' line, exit 2."""
    try:
        if len(argv) < 2:
            raise ValueError("usage: sts.describe KEYHEX TOKEN...")
        _, cipher = cipher_for(_key_from_hex(argv[0]))
        lines = [to_json(t, parse_token(t, cipher)) for t in argv[1:]]
    except ValueError as exc:
        print("error: %s" % exc)
        sys.exit(2)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
