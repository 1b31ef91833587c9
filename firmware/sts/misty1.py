# EA11: MISTY1 (RFC 2994) with 8 rounds, a 64-bit block and a 128-bit key.
#
# The block is a list of four 16-bit ints, most significant first (words 0-1
# are the RFC's left half D0, words 2-3 the right half D1); the key is 16 bytes
# in natural order (SPEC section 8).  MISTY1 is a 16-bit cipher at heart (FI
# works on 16 bits, FO and FL on two 16-bit halves), so every value stays
# below 2**16.  decrypt() and encrypt() work in place and allocate nothing:
# key_schedule() lays the expanded key out in the order each direction uses it.
#
# The meter's check decrypts with decrypt_block(words, key_schedule(key)); the
# cipher object Misty1 (encryption: tools, tests, vending) is in
# sts/misty1_cipher.py, which the meter never loads.
#
# Two implementations on the same subkeys and S-boxes: sts/viper_misty1.py
# (native code, chosen at import where the port has the viper emitter) and
# _crypt below (pure Python: CPython, the WebAssembly VM).  NATIVE says which
# one decrypt_block uses; decrypt_block_python is always Python.
from array import array

from sts import resident

try:
    from sts import viper_misty1 as _viper

    NATIVE = True
except Exception:  # CPython (ImportError), no native emitter (SyntaxError), wrong .mpy arch (ValueError)
    NATIVE = False

# RFC 2994 section 2.3 S-boxes (sts/misty1_data.py), kept by sts/resident.py:
# this module is loaded per token and must not allocate them again.
S9, S7 = _SBOXES = resident.misty1_sboxes()


def fi(x, key):
    """RFC 2994 FI on 16-bit x with 16-bit key (used by the key schedule)."""
    d9 = S9[x >> 7] ^ (x & 0x7F)
    d7 = (S7[x & 0x7F] ^ (d9 & 0x7F)) ^ (key >> 9)
    d9 = S9[d9 ^ (key & 0x1FF)] ^ d7
    return (d7 << 9) | d9


def _fl_keys(ek, ekp, k):
    """(KL1, KL2) of FL number k: FL does d1 ^= d0 & KL1, then d0 ^= d1 | KL2."""
    h = k >> 1
    if k & 1 == 0:
        return ek[h], ekp[(h + 6) & 7]
    return ekp[(h + 2) & 7], ek[(h + 4) & 7]


def _fo_keys(ek, ekp, i):
    """The 10 subkeys of FO round i: KO1, KO2, KO3, KO4, then KI1, KI2, KI3
    each as (KI >> 9, KI & 0x1ff), in the order the FI steps use them."""
    out = [ek[i], ek[(i + 2) & 7], ek[(i + 7) & 7], ek[(i + 4) & 7]]
    for j in (5, 1, 3):
        ki = ekp[(i + j) & 7]
        out.append(ki >> 9)
        out.append(ki & 0x1FF)
    return out


def key_schedule(key16):
    """(encryption subkeys, decryption subkeys) of a 16-byte key, each array('H')
    in the order _crypt reads them: KeyState keeps them, so a key's schedule is
    computed once."""
    if len(key16) != 16:
        raise ValueError("MISTY1 key must be 16 bytes")
    ek = [(key16[2 * i] << 8) | key16[2 * i + 1] for i in range(8)]
    ekp = [fi(ek[i], ek[(i + 1) & 7]) for i in range(8)]
    # Encryption: half-round i = 0..7 (FL i, i+1 first when i is even; then
    # FO i), then FL 8, 9.  Decryption: FL^-1 8, 9; then half-round i = 7..0
    # (FO i; then FL^-1 i, i+1 when i is even).
    e = []
    for i in range(8):
        if i & 1 == 0:
            e += _fl_keys(ek, ekp, i) + _fl_keys(ek, ekp, i + 1)
        e += _fo_keys(ek, ekp, i)
    e += _fl_keys(ek, ekp, 8) + _fl_keys(ek, ekp, 9)
    d = list(_fl_keys(ek, ekp, 8) + _fl_keys(ek, ekp, 9))
    for i in range(7, -1, -1):
        d += _fo_keys(ek, ekp, i)
        if i & 1 == 0:
            d += _fl_keys(ek, ekp, i) + _fl_keys(ek, ekp, i + 1)
    return array("H", e), array("H", d)  # 100 subkeys each way, 16 bits


def decrypt_block_python(words, schedule):
    """decrypt_block on the Python path (always: tests, benchmarks)."""
    _crypt(words, schedule[1], False)


if NATIVE:

    def decrypt_block(words, schedule):
        """Decrypt one block in place under key_schedule() `schedule`: the
        meter's check (no cipher object, nothing allocated)."""
        _viper.crypt(words, schedule[1], _SBOXES, 0)

else:
    decrypt_block = decrypt_block_python


def _crypt(words, k, enc):
    """Both directions: 8 half-rounds of FO with the FL (or FL^-1) layers
    around them, subkeys read in order from k (one of the layouts above)."""
    s7 = S7
    s9 = S9
    # (a0, a1) is the FO input half, (b0, b1) the half it is XORed into; they
    # trade places after every half-round.  Encryption starts with a = D0 (left
    # half); decryption with a = D1, which comes first in the ciphertext.  Both
    # end with b || a in the right order.
    a0 = words[0]
    a1 = words[1]
    b0 = words[2]
    b1 = words[3]
    p = 0
    if not enc:  # FL^-1 8 on D0 (= b) and 9 on D1 (= a)
        b0 ^= b1 | k[1]
        b1 ^= b0 & k[0]
        a0 ^= a1 | k[3]
        a1 ^= a0 & k[2]
        p = 4
    h = 0
    while h < 8:
        if enc and h & 1 == 0:  # FL i, i+1 on D0 (= a) and D1 (= b)
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
        if not enc and h & 1:  # FL^-1 i, i+1 (i = 7 - h even): b is D0, a is D1
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
