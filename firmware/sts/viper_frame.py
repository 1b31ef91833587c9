# ruff: noqa: F821
# The token framing hot path in viper: the 20-digit parse (sts/digits.py) and
# the CRC-16 (sts/crc.py), native code where the port has the emitter.  Those
# modules import this inside try/except and keep their pure-Python code as the
# fallback; the algorithms are the same step for step (16-bit limbs, values
# below 2**30, so a 32-bit machine word never overflows).  Allocation-free.
import sys

if sys.implementation.name != "micropython":
    raise ImportError("viper code runs only in MicroPython")

import micropython


@micropython.viper
def parse(digits, words) -> int:
    """digits.parse: 20 ASCII digits (str, bytes, bytearray) -> class, block in words; -1 if malformed."""
    if int(len(digits)) != 20:
        return -1
    d = ptr8(digits)  # a str gives its UTF-8 bytes: any non-ASCII byte fails the digit test
    l0 = 0
    l1 = 0
    l2 = 0
    l3 = 0
    l4 = 0
    i = 0
    while i < 20:
        g = 0
        j = i + 4
        while i < j:
            c = int(d[i]) - 48
            if c < 0 or c > 9:
                return -1
            g = g * 10 + c
            i += 1
        t = l0 * 10000 + g
        l0 = t & 0xFFFF
        t = l1 * 10000 + (t >> 16)
        l1 = t & 0xFFFF
        t = l2 * 10000 + (t >> 16)
        l2 = t & 0xFFFF
        t = l3 * 10000 + (t >> 16)
        l3 = t & 0xFFFF
        l4 = l4 * 10000 + (t >> 16)
    if l4 > 3:  # T >= 2**66
        return -1
    words[0] = l3
    words[1] = l2
    words[2] = (l1 & 0xE7FF) | (l4 << 11)  # bits 28, 27 of C = bits 65, 64 of T
    words[3] = l0
    return (l1 >> 11) & 3


@micropython.viper
def crc_field(cls: int, words, table) -> int:
    """crc.crc_field: the CRC field of class cls and words[0..2]; table = crc._TABLE."""
    t = ptr8(table)
    reg = 0xFFFF
    n = -1  # -1: the class byte, then the 6 bytes of words[0..2], high byte first
    w = 0
    while n < 6:
        if n < 0:
            b = cls
        else:
            if not (n & 1):
                w = int(words[n >> 1])
                b = w >> 8
            else:
                b = w & 0xFF
        i = ((reg ^ b) & 0xFF) << 1
        reg = (reg >> 8) ^ ((int(t[i]) << 8) | int(t[i + 1]))
        n += 1
    if cls == 0:
        sub = int(words[0]) >> 12
        if sub >= 4 and sub <= 7:  # CRC_C: one extra 0x01 byte
            i = ((reg ^ 1) & 0xFF) << 1
            reg = (reg >> 8) ^ ((int(t[i]) << 8) | int(t[i + 1]))
    return ((reg & 0xFF) << 8) | (reg >> 8)
