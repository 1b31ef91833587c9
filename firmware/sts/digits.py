# The 20-digit token framing (SPEC section 1): digits -> class + 64-bit
# ciphertext block (the vending-side inverse is sts/layouts.py's format_token).
#
# A 64-bit block is a list of four 16-bit ints, most significant first.
# parse() is the meter's hot path: it allocates nothing and keeps every
# intermediate below 2**30 (a small int on a 32-bit MCU).  The token value T
# (< 10**20 < 2**67) is built in five 16-bit limbs, four digits at a time:
# limb * 10**4 + carry < 2**16 * 10**4 + 10**4 < 2**30.
# parse is native code (sts/viper_frame.py) where the port has the viper
# emitter, else parse_python below; NATIVE says which.

from micropython import const

_ZERO = const(48)  # ord("0")


def parse_python(digits, words):
    """Parse a typed token into `words`; return its class 0..3, or -1.

    digits: a str (or bytes/bytearray of ASCII codes) that must be exactly 20
    decimal digits with T = int(digits) < 2**66.  On success words holds the
    ciphertext block C (bits 27 and 28 restored from bits 64 and 65 of T).
    On -1 (format error) the content of words is unspecified."""
    if len(digits) != 20:
        return -1
    text = isinstance(digits, str)
    l0 = l1 = l2 = l3 = l4 = 0  # limbs of T, least significant first
    i = 0
    while i < 20:
        # four digits -> g (0..9999)
        g = 0
        j = i + 4
        while i < j:
            c = digits[i]
            if text:
                c = ord(c)
            c -= _ZERO
            if c < 0 or c > 9:
                return -1
            g = g * 10 + c
            i += 1
        # T = T * 10**4 + g, limb by limb
        t = l0 * 10000 + g
        l0 = t & 0xFFFF
        t = l1 * 10000 + (t >> 16)
        l1 = t & 0xFFFF
        t = l2 * 10000 + (t >> 16)
        l2 = t & 0xFFFF
        t = l3 * 10000 + (t >> 16)
        l3 = t & 0xFFFF
        l4 = l4 * 10000 + (t >> 16)  # < 10**20 >> 64 < 6: stays tiny
    if l4 > 3:  # T >= 2**66
        return -1
    cls = (l1 >> 11) & 3  # class = bits 28..27 of T
    words[0] = l3
    words[1] = l2
    words[2] = (l1 & 0xE7FF) | (l4 << 11)  # bits 28, 27 of C = bits 65, 64 of T
    words[3] = l0
    return cls


try:
    from sts.viper_frame import parse
except Exception:  # CPython (ImportError), no native emitter (SyntaxError), wrong .mpy arch (ValueError)
    parse = parse_python
NATIVE = parse is not parse_python
