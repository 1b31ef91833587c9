# ruff: noqa: F821
# EA11 (MISTY1) in viper: native code where the port has the emitter.
# sts/misty1.py imports it inside try/except and keeps its pure-Python _crypt
# as the fallback; this is the same algorithm, step for step, on the same
# subkey layout (misty1.Misty1: array('H') of 100 subkeys per direction) and
# S-boxes (sboxes = (S9 as array('H'), S7 as bytes)).  Allocation-free.
import sys

if sys.implementation.name != "micropython":
    raise ImportError("viper code runs only in MicroPython")

import micropython


@micropython.viper
def crypt(words, subkeys, sboxes, enc: int):
    """One block (list of four 16-bit ints) in place; enc: 1 encrypt, 0 decrypt."""
    k = ptr16(subkeys)
    s9 = ptr16(sboxes[0])
    s7 = ptr8(sboxes[1])
    a0 = int(words[0])
    a1 = int(words[1])
    b0 = int(words[2])
    b1 = int(words[3])
    p = 0
    if not enc:  # FL^-1 8 on D0 (= b) and 9 on D1 (= a)
        b0 ^= b1 | k[1]
        b1 ^= b0 & k[0]
        a0 ^= a1 | k[3]
        a1 ^= a0 & k[2]
        p = 4
    h = 0
    while h < 8:
        if enc and not (h & 1):  # FL i, i+1 on D0 (= a) and D1 (= b)
            a1 ^= a0 & k[p]
            a0 ^= a1 | k[p + 1]
            b1 ^= b0 & k[p + 2]
            b0 ^= b1 | k[p + 3]
            p += 4
        # FO: (t0, t1) = a; three FI steps
        t0 = a0 ^ k[p]
        t1 = a1
        d9 = s9[t0 >> 7] ^ (t0 & 0x7F)
        d7 = s7[t0 & 0x7F] ^ (d9 & 0x7F) ^ k[p + 4]
        d9 = s9[d9 ^ k[p + 5]] ^ d7
        t0 = ((d7 << 9) | d9) ^ t1
        t1 ^= k[p + 1]
        d9 = s9[t1 >> 7] ^ (t1 & 0x7F)
        d7 = s7[t1 & 0x7F] ^ (d9 & 0x7F) ^ k[p + 6]
        d9 = s9[d9 ^ k[p + 7]] ^ d7
        t1 = ((d7 << 9) | d9) ^ t0
        t0 ^= k[p + 2]
        d9 = s9[t0 >> 7] ^ (t0 & 0x7F)
        d7 = s7[t0 & 0x7F] ^ (d9 & 0x7F) ^ k[p + 8]
        d9 = s9[d9 ^ k[p + 9]] ^ d7
        t0 = ((d7 << 9) | d9) ^ t1
        t1 ^= k[p + 3]
        p += 10
        # b ^= FO(a) = (t1, t0), then swap the halves
        t1 ^= b0
        t0 ^= b1
        b0 = a0
        b1 = a1
        a0 = t1
        a1 = t0
        if not enc and (h & 1):  # FL^-1 i, i+1 (i = 7 - h even): b is D0, a is D1
            b0 ^= b1 | k[p + 1]
            b1 ^= b0 & k[p]
            a0 ^= a1 | k[p + 3]
            a1 ^= a0 & k[p + 2]
            p += 4
        h += 1
    if enc:  # FL 8 on D0 (= a again after 8 swaps) and 9 on D1
        a1 ^= a0 & k[p]
        a0 ^= a1 | k[p + 1]
        b1 ^= b0 & k[p + 2]
        b0 ^= b1 | k[p + 3]
    words[0] = b0  # encryption: D1 || D0; decryption: D0 || D1
    words[1] = b1
    words[2] = a0
    words[3] = a1
