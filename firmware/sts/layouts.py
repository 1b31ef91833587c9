# Token layouts (SPEC section 4): the SPEC name and field list of each class and
# subclass; and the vending side, which makes tokens: build_words(), amount
# encoding (SPEC 6.1, 6.2), the 20-digit token from class + ciphertext block
# (SPEC section 1), hex helpers for tools and tests, the cipher object for a key.  Only tools, token
# descriptions and tests need these; the meter's check reads fields through
# sts.token.Token's properties and never imports this module (it costs heap).
# Encoding never gives less than asked: it picks the smallest exponent whose
# range holds the value and rounds the mantissa up.
from micropython import const
from sts import amount, crc

_MANTISSA_MAX = const(16383)  # amount fields: 14 bits
_CURRENCY_EXP_MAX = const(31)  # 5-bit currency exponent

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


def layout(cls, subclass):
    return LAYOUTS.get((cls << 4) | subclass, RESERVED)


def cipher(key):
    """The cipher object for a decoder key of 8 (EA07: sts.sta_cipher.Sta) or 16
    bytes (EA11: sts.misty1_cipher.Misty1): it encrypts too.  Tools, tests and
    vending; the meter decrypts with its KeyState (sts/keys.py)."""
    if len(key) == 8:
        from sts.sta_cipher import Sta

        return Sta(key)
    if len(key) == 16:
        from sts.misty1_cipher import Misty1

        return Misty1(key)
    raise ValueError("key must be 8 bytes (EA07) or 16 bytes (EA11)")


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
            nibble, field = encode_currency(values.get("amount", 0))
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
    words[3] = crc.crc_field(cls, words)  # the CRC seals the block
    return words


def _build_value16(cls, subclass, values):
    if cls == 0:
        return encode_units(values.get("amount", 0))
    name = layout(cls, subclass)[1][2]
    if name in ("mpl", "mppul"):
        return encode_units(values.get(name, 0))
    return _bits(values, name, 16)


def _encode(value, exp_max):
    """Smallest exponent whose range holds value, mantissa rounded up -> (e, m)."""
    if value < 0:
        raise ValueError("amount must not be negative")
    for e in range(exp_max + 1):
        offset, scale = amount.range_start(e), 10**e
        if value <= offset + _MANTISSA_MAX * scale:
            if value <= offset:  # between two ranges: round up to this range's start
                return e, 0
            return e, (value - offset + scale - 1) // scale
    raise ValueError("amount too large for the 16-bit field")


def encode_units(value):
    """Integer count of the unit -> 16-bit units field (rounded up)."""
    e, m = _encode(value, 3)
    return (e << 14) | m


def encode_currency(value):
    """Signed integer count of 1e-5 currency units -> (S&E nibble, 16-bit field)."""
    sign = 8 if value < 0 else 0
    e, m = _encode(-value if sign else value, _CURRENCY_EXP_MAX)
    return sign | (e >> 2), ((e & 3) << 14) | m


def format_token(cls, words):
    """The 20-digit token for class cls (0..3) and ciphertext block words."""
    if not 0 <= cls <= 3:
        raise ValueError("token class must be 0..3")
    c = _block_int(words)
    b27 = (c >> 27) & 1
    b28 = (c >> 28) & 1
    t = (c & ~(3 << 27)) | (cls << 27) | (b27 << 64) | (b28 << 65)
    s = str(t)
    return "0" * (20 - len(s)) + s


def words_from_hex(hex16, words):
    """Fill words from 16 hex digits (tools and tests); returns words."""
    if len(hex16) != 16 or not all(c in "0123456789abcdefABCDEF" for c in hex16):
        raise ValueError("need 16 hex digits")
    k = 0
    while k < 4:
        words[k] = int(hex16[4 * k:4 * k + 4], 16)
        k += 1
    return words


def hex_from_words(words):
    """The block as 16 lower-case hex digits (tools and tests)."""
    return "%04x%04x%04x%04x" % (words[0], words[1], words[2], words[3])


def _block_int(words):
    c = 0
    for w in words:
        if not 0 <= w <= 0xFFFF:
            raise ValueError("block words must be 16-bit")
        c = (c << 16) | w
    if len(words) != 4:
        raise ValueError("a block is four 16-bit words")
    return c
