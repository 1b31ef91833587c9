# STS amount coding.  Units (SPEC 6.1; class 0 subclasses 0..3, also MPL/MPPUL):
# 2-bit exponent e, 14-bit mantissa m, value = m*10^e + sum_{i=1..e} 2^14*10^(i-1).
# Currency (SPEC 6.2; class 0 subclasses 4..7): 5-bit exponent split between the
# amount field (e1 bit 15, e0 bit 14) and the S&E nibble (sign bit 3, e4 e3 e2 in
# bits 2..0), counted in 1e-5 currency units.
# Decoding for tools and tests (sts/describe.py): the meter's check decodes units
# with sts.token.decode_units (loaded per token anyway) and never loads this
# module; the encoders (vending side) are in sts/layouts.py.
from sts.token import decode_units  # noqa: F401  (the units decoder, for tools: one copy)


def range_start(e):
    """The smallest value exponent e codes (the sum of the lower ranges' sizes)."""
    total, step = 0, 16384
    for _ in range(e):
        total += step
        step *= 10
    return total


def decode_currency(se, field):
    """S&E nibble + 16-bit field -> signed integer count of 1e-5 currency units."""
    e = ((field >> 14) & 1) | ((field >> 14) & 2) | ((se & 7) << 2)
    value = (field & 0x3FFF) * 10**e + range_start(e)
    return -value if se & 8 else value
