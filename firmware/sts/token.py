# A parsed STS token: class + the decrypted 64-bit block (four 16-bit words, most
# significant first), with the fields of SPEC section 4 as read-only properties
# named after the SPEC names in snake_case.  A property whose field the token
# does not carry returns None.  Nothing is computed until asked for, so building
# a Token costs one small object, and pipeline.Verdict reuses its own (load()).
# Vending side: build_words() makes the block from field values.
from sts import amount, crc

_CREDIT = ("rnd", "tid", "amount")
_CURRENCY = ("tid", "amount")
_KEY_1ST = ("ken_ho", "krn", "ro", "res", "kt", "key_section")
_KEY_2ND = ("ken_lo", "ti", "key_section")
_KEY_3RD_4TH = ("sgc_part", "key_section")
RESERVED = ("Reserved", ("payload",))

# (class << 4) | subclass -> (SPEC name, fields in block order)
LAYOUTS = {
    0x00: ("TransferElectricityCredit", _CREDIT),
    0x01: ("TransferWaterCredit", _CREDIT),
    0x02: ("TransferGasCredit", _CREDIT),
    0x03: ("TransferTimeCredit", _CREDIT),
    0x04: ("TransferElectricityCurrencyCredit", _CURRENCY),
    0x05: ("TransferWaterCurrencyCredit", _CURRENCY),
    0x06: ("TransferGasCurrencyCredit", _CURRENCY),
    0x07: ("TransferTimeCurrencyCredit", _CURRENCY),
    0x10: ("InitiateMeterTest/Display (2-digit MfrCode)", ("control", "mfr_code")),
    0x11: ("InitiateMeterTest/Display (4-digit MfrCode)", ("control", "mfr_code")),
    0x20: ("SetMaximumPowerLimit", ("rnd", "tid", "mpl")),
    0x21: ("ClearCredit", ("rnd", "tid", "register")),
    0x22: ("SetTariffRate", ("rnd", "tid", "rate")),
    0x23: ("Set1stSectionDecoderKey", _KEY_1ST),
    0x24: ("Set2ndSectionDecoderKey", _KEY_2ND),
    0x25: ("ClearTamperCondition", ("rnd", "tid", "pad")),
    0x26: ("SetMaximumPhasePowerUnbalanceLimit", ("rnd", "tid", "mppul")),
    0x27: ("SetWaterMeterFactor", ("rnd", "tid", "wmf")),
    0x28: ("Set3rdSectionDecoderKey", _KEY_3RD_4TH),
    0x29: ("Set4thSectionDecoderKey", _KEY_3RD_4TH),
}

# Management subclasses whose payload is RND | TID | 16-bit value.
_TID_MANAGEMENT = (0, 1, 2, 5, 6, 7)
# Class 2 key change sections, in key order (high to low) for a 128-bit key.
KEY_SECTIONS_128 = (3, 8, 9, 4)
KEY_SECTIONS_64 = (3, 4)


def layout(cls, subclass):
    return LAYOUTS.get((cls << 4) | subclass, RESERVED)


def has_tid(cls, subclass):
    return (cls == 0 and subclass < 8) or (cls == 2 and subclass in _TID_MANAGEMENT)


def is_key_section(cls, subclass):
    return cls == 2 and subclass in KEY_SECTIONS_128


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
        return "%04x%04x" % (w[1], w[2]) if self._is(2, KEY_SECTIONS_128) else None

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


def _hex_halves(text):
    if len(text) != 8:
        raise ValueError("key_section must be 8 hex digits")
    value = int(text, 16)
    return value >> 16, value & 0xFFFF


def _bits(values, name, width):
    value = values.get(name, 0)
    if not 0 <= value < 1 << width:
        raise ValueError("%s out of range" % name)
    return value


def build_words(cls, subclass, values):
    """Vending side: the block (with its CRC) for a token of cls/subclass whose
    fields are given in values (names as in Token.fields(); missing ones are 0)."""
    if not 0 <= cls <= 3 or not 0 <= subclass <= 15:
        raise ValueError("class/subclass out of range")
    names = layout(cls, subclass)[1]
    top = subclass << 12
    if names == ("payload",):
        text = values.get("payload", "0" * 11)
        if len(text) != 11:
            raise ValueError("payload must be 11 hex digits")
        value = int(text, 16)
        words = [top | (value >> 32), (value >> 16) & 0xFFFF, value & 0xFFFF, 0]
    elif "tid" in names:
        tid = _bits(values, "tid", 24)
        if cls == 0 and subclass >= 4:
            nibble, field = amount.encode_currency(values.get("amount", 0))
        else:
            nibble = _bits(values, "rnd", 4)
            field = _build_value16(cls, subclass, values)
        words = [top | (nibble << 8) | (tid >> 16), tid & 0xFFFF, field, 0]
    elif cls == 1:
        mfr = _bits(values, "mfr_code", 8 if subclass == 0 else 16)
        if subclass == 0:
            control = _bits(values, "control", 36)
            words = [top | (control >> 24), (control >> 8) & 0xFFFF, ((control & 0xFF) << 8) | mfr, 0]
        else:
            control = _bits(values, "control", 28)
            words = [top | (control >> 16), control & 0xFFFF, mfr, 0]
    else:  # key change sections
        hi, lo = _hex_halves(values.get("key_section", "00000000"))
        if subclass == 3:
            head = (
                (_bits(values, "ken_ho", 4) << 8)
                | (_bits(values, "krn", 4) << 4)
                | (_bits(values, "ro", 1) << 3)
                | (_bits(values, "res", 1) << 2)
                | _bits(values, "kt", 2)
            )
        elif subclass == 4:
            head = (_bits(values, "ken_lo", 4) << 8) | _bits(values, "ti", 8)
        else:
            head = _bits(values, "sgc_part", 12)
        words = [top | head, hi, lo, 0]
    crc.seal(cls, words)
    return words


def _build_value16(cls, subclass, values):
    if cls == 0:
        return amount.encode_units(values.get("amount", 0))
    name = layout(cls, subclass)[1][2]
    if name in ("mpl", "mppul"):
        return amount.encode_units(values.get(name, 0))
    return _bits(values, name, 16)
