# Token layouts (SPEC section 4): the SPEC name and field list of each class and
# subclass, and build_words() for the vending side.  Only tools, token
# descriptions and tests need these; the meter's hot path reads fields through
# sts.token.Token's properties and never imports this module (it costs heap).
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


def layout(cls, subclass):
    return LAYOUTS.get((cls << 4) | subclass, RESERVED)


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
