# STS amount coding.  Units (SPEC 6.1; class 0 subclasses 0..3, also MPL/MPPUL):
# 2-bit exponent e, 14-bit mantissa m, value = m*10^e + sum_{i=1..e} 2^14*10^(i-1).
# Currency (SPEC 6.2; class 0 subclasses 4..7): 5-bit exponent split between the
# amount field (e1 bit 15, e0 bit 14) and the S&E nibble (sign bit 3, e4 e3 e2 in
# bits 2..0), counted in 1e-5 currency units.
# Encoding (vending side) never gives less than asked: it picks the smallest
# exponent whose range holds the value and rounds the mantissa up.
from micropython import const

_MANTISSA_MAX = const(16383)
_UNITS_OFFSET = const((0, 16384, 180224, 1818624))  # sum_{i=1..e} 2^14 * 10^(i-1)
_POW10 = const((1, 10, 100, 1000))
_CURRENCY_EXP_MAX = const(31)


def decode_units(field):
    """16-bit units field -> integer count of the unit (0.1 kWh for electricity)."""
    e = field >> 14
    return (field & 0x3FFF) * _POW10[e] + _UNITS_OFFSET[e]


def _offset(e):
    total, step = 0, 16384
    for _ in range(e):
        total += step
        step *= 10
    return total


def _encode(value, exp_max):
    """Smallest exponent whose range holds value, mantissa rounded up -> (e, m)."""
    if value < 0:
        raise ValueError("amount must not be negative")
    for e in range(exp_max + 1):
        offset, scale = _offset(e), 10**e
        if value <= offset + _MANTISSA_MAX * scale:
            if value <= offset:  # between two ranges: round up to this range's start
                return e, 0
            return e, (value - offset + scale - 1) // scale
    raise ValueError("amount too large for the 16-bit field")


def encode_units(value):
    """Integer count of the unit -> 16-bit units field (rounded up)."""
    e, m = _encode(value, 3)
    return (e << 14) | m


def decode_currency(se, field):
    """S&E nibble + 16-bit field -> signed integer count of 1e-5 currency units."""
    e = ((field >> 14) & 1) | ((field >> 14) & 2) | ((se & 7) << 2)
    value = (field & 0x3FFF) * 10**e + _offset(e)
    return -value if se & 8 else value


def encode_currency(value):
    """Signed integer count of 1e-5 currency units -> (S&E nibble, 16-bit field)."""
    sign = 8 if value < 0 else 0
    e, m = _encode(-value if sign else value, _CURRENCY_EXP_MAX)
    return sign | (e >> 2), ((e & 3) << 14) | m
