# EA11: MISTY1 (RFC 2994) with 8 rounds, a 64-bit block and a 128-bit key.
#
# The block is a list of four 16-bit ints, most significant first (words 0-1
# are the RFC's left half D0, words 2-3 the right half D1); the key is 16 bytes
# in natural order (SPEC section 8).  MISTY1 is a 16-bit cipher at heart (FI
# works on 16 bits, FO and FL on two 16-bit halves), so every value stays
# below 2**16.  decrypt() and encrypt() work in place and allocate nothing:
# the constructor lays the expanded key out in the order each direction uses it.
#
# Two implementations on the same subkeys and S-boxes: sts/viper_misty1.py
# (native code, chosen at import where the port has the viper emitter) and
# _crypt below (pure Python: CPython, the WebAssembly VM).  NATIVE says which
# one encrypt/decrypt use; encrypt_python/decrypt_python are always Python.
from array import array
from sys import byteorder

try:
    from sts import viper_misty1 as _viper

    NATIVE = True
except Exception:  # CPython (ImportError), no native emitter (SyntaxError), wrong .mpy arch (ValueError)
    NATIVE = False

# RFC 2994 section 2.3 S-boxes.  S7: 128 bytes.  S9: 512 values as byte pairs,
# low byte first.  host_tests/test_sts_misty1.py checks them against the RFC's
# test vectors and the STS 531-1-0-04 (EA11) compliance tokens.
S7 = (
    b"\x1b\x32\x33\x5a\x3b\x10\x17\x54\x5b\x1a\x72\x73\x6b\x2c\x66\x49\x1f\x24\x13\x6c\x37\x2e\x3f\x4a"
    b"\x5d\x0f\x40\x56\x25\x51\x1c\x04\x0b\x46\x20\x0d\x7b\x35\x44\x42\x2b\x1e\x41\x14\x4b\x79\x15\x6f"
    b"\x0e\x55\x09\x36\x74\x0c\x67\x53\x28\x0a\x7e\x38\x02\x07\x60\x29\x19\x12\x65\x2f\x30\x39\x08\x68"
    b"\x5f\x78\x2a\x4c\x64\x45\x75\x3d\x59\x48\x03\x57\x7c\x4f\x62\x3c\x1d\x21\x5e\x27\x6a\x70\x4d\x3a"
    b"\x01\x6d\x6e\x63\x18\x77\x23\x05\x26\x76\x00\x31\x2d\x7a\x7f\x61\x50\x22\x11\x06\x47\x16\x52\x4e"
    b"\x71\x3e\x69\x43\x34\x5c\x58\x7d"
)
_S9_BYTES = (
    b"\xc3\x01\xcb\x00\x53\x01\x9f\x01\xe3\x01\xe9\x00\xfb\x00\x35\x00\x81\x01\xb9\x00\x17\x01\xeb\x01"
    b"\x33\x01\x09\x00\x2d\x00\xd3\x00\xc7\x00\x4a\x01\x37\x00\x7e\x00\xeb\x00\x64\x01\x93\x01\xd8\x01"
    b"\xa3\x00\x1e\x01\x55\x00\x2c\x00\x1d\x00\xa2\x01\x63\x01\x18\x01\x4b\x01\x52\x01\xd2\x01\x0f\x00"
    b"\x2b\x00\x30\x00\x3a\x01\xe5\x00\x11\x01\x38\x01\x8e\x01\x63\x00\xe3\x00\xc8\x00\xf4\x01\x1b\x00"
    b"\x01\x00\x9d\x00\xf8\x00\xa0\x01\x6d\x01\xf3\x01\x1c\x00\x46\x01\x7d\x00\xd1\x00\x82\x00\xea\x01"
    b"\x83\x01\x2d\x01\xf4\x00\x9e\x01\xd3\x01\xdd\x00\xe2\x01\x28\x01\xe0\x01\xec\x00\x59\x00\x91\x00"
    b"\x11\x00\x2f\x01\x26\x00\xdc\x00\xb0\x00\x8c\x01\x0f\x01\xf7\x01\xe7\x00\x6c\x01\xb6\x00\xf9\x00"
    b"\xd8\x00\x51\x01\x01\x01\x4c\x01\x03\x01\xb8\x00\x54\x01\x2b\x01\xae\x01\x17\x00\x71\x00\x0c\x00"
    b"\x47\x00\x58\x00\x7f\x00\xa4\x01\x34\x01\x29\x01\x84\x00\x5d\x01\x9d\x01\xb2\x01\xa3\x01\x48\x00"
    b"\x7c\x00\x51\x00\xca\x01\x23\x00\x3d\x01\xa7\x01\x65\x01\x3b\x00\x42\x00\xda\x00\x92\x01\xce\x00"
    b"\xc1\x00\x6b\x00\x9f\x00\xf1\x01\x2c\x01\x84\x01\xfa\x00\x96\x01\xe1\x01\x69\x01\x7d\x01\x31\x00"
    b"\x80\x01\x0a\x01\x94\x00\xda\x01\x86\x01\x3e\x01\x1c\x01\x60\x00\x75\x01\xcf\x01\x67\x00\x19\x01"
    b"\x65\x00\x68\x00\x99\x00\x50\x01\x08\x00\x07\x00\x7c\x01\xb7\x00\x24\x00\x19\x00\xde\x00\x27\x01"
    b"\xdb\x00\xe4\x00\xa9\x01\x52\x00\x09\x01\x90\x00\x9c\x01\xc1\x01\x28\x00\xb3\x01\x35\x01\x6a\x01"
    b"\x76\x01\xdf\x00\xe5\x01\x88\x01\xc5\x00\x6e\x01\xde\x01\xb1\x01\xc3\x00\xdf\x01\x36\x00\xee\x00"
    b"\xee\x01\xf0\x00\x93\x00\x49\x00\x9a\x00\xb6\x01\x69\x00\x81\x00\x25\x01\x0b\x00\x5e\x00\xb4\x00"
    b"\x49\x01\xc7\x01\x74\x01\x3e\x00\x3b\x01\xb7\x01\x8e\x00\xc6\x01\xae\x00\x10\x00\x95\x00\xef\x01"
    b"\x4e\x00\xf2\x00\xfd\x01\x85\x00\xfd\x00\xf6\x00\xa0\x00\x6f\x01\x83\x00\x8a\x00\x56\x01\x9b\x00"
    b"\x3c\x01\x07\x01\x67\x01\x98\x00\xd0\x01\xe9\x01\x03\x00\xfe\x01\xbd\x00\x22\x01\x89\x00\xd2\x00"
    b"\x8f\x01\x12\x00\x33\x00\x6a\x00\x42\x01\xed\x00\x70\x01\x1b\x01\xe2\x00\x4f\x01\x58\x01\x31\x01"
    b"\x47\x01\x5d\x00\x13\x01\xcd\x01\x79\x00\x61\x01\xa5\x01\x79\x01\x9e\x00\xb4\x01\xcc\x00\x22\x00"
    b"\x32\x01\x1a\x00\xe8\x00\x04\x00\x87\x01\xed\x01\x97\x01\x39\x00\xbf\x01\xd7\x01\x27\x00\x8b\x01"
    b"\xc6\x00\x9c\x00\xd0\x00\x4e\x01\x6c\x00\x34\x00\xf2\x01\x6e\x00\xca\x00\x25\x00\xba\x00\x91\x01"
    b"\xfe\x00\x13\x00\x06\x01\x2f\x00\xad\x01\x72\x01\xdb\x01\xc0\x00\x0b\x01\xd6\x01\xf5\x00\xec\x01"
    b"\x0d\x01\x76\x00\x14\x01\xab\x01\x75\x00\x0c\x01\xe4\x01\x59\x01\x54\x00\x1f\x01\x4b\x00\xc4\x00"
    b"\xbe\x01\xf7\x00\x29\x00\xa4\x00\x0e\x00\xf0\x01\x77\x00\x4d\x00\x7a\x01\x86\x00\x8b\x00\xb3\x00"
    b"\x71\x01\xbf\x00\x0e\x01\x04\x01\x97\x00\x5b\x01\x60\x01\x68\x01\xd7\x00\xbb\x00\x66\x00\xce\x01"
    b"\xfc\x00\x92\x00\xc5\x01\x6f\x00\x16\x00\x4a\x00\xa1\x00\x39\x01\xaf\x00\xf1\x00\x90\x01\x0a\x00"
    b"\xaa\x01\x43\x01\x7b\x01\x56\x00\x8d\x01\x66\x01\xd4\x00\xfb\x01\x4d\x01\x94\x01\x9a\x01\x87\x00"
    b"\xf8\x01\x23\x01\xa7\x00\xb8\x01\x41\x01\x3c\x00\xf9\x01\x40\x01\x2a\x00\x55\x01\x1a\x01\xa1\x01"
    b"\x98\x01\xd5\x00\x26\x01\xaf\x01\x61\x00\x2e\x01\x57\x01\xdc\x01\x72\x00\x8a\x01\xaa\x00\x96\x00"
    b"\x15\x01\xef\x00\x45\x00\x7b\x00\x8d\x00\x45\x01\x53\x00\x5f\x00\x78\x01\xb2\x00\x2e\x00\x20\x00"
    b"\xd5\x01\x3f\x00\xc9\x01\xe7\x01\xac\x01\x44\x00\x38\x00\x14\x00\xb1\x00\x6b\x01\xab\x00\xb5\x00"
    b"\x5a\x00\x82\x01\xc8\x01\xd4\x01\x18\x00\x77\x01\x64\x00\xcf\x00\x6d\x00\x00\x01\x99\x01\x30\x01"
    b"\x5a\x01\x05\x00\x20\x01\xbb\x01\xbd\x01\xe0\x00\x4f\x00\xd6\x00\x3f\x01\xc4\x01\x2a\x01\x15\x00"
    b"\x06\x00\xff\x00\x9b\x01\xa6\x00\x43\x00\x88\x00\x50\x00\x5f\x01\xe8\x01\x21\x01\x73\x00\x7e\x01"
    b"\xbc\x00\xc2\x00\xc9\x00\x73\x01\x89\x01\xf5\x01\x74\x00\xcc\x01\xe6\x01\xa8\x01\x95\x01\x1f\x00"
    b"\x41\x00\x0d\x00\xba\x01\x32\x00\x3d\x00\xd1\x01\x80\x00\xa8\x00\x57\x00\xb9\x01\x62\x01\x48\x01"
    b"\xd9\x00\x05\x01\x62\x00\x7a\x00\x21\x00\xff\x01\x12\x01\x08\x01\xc0\x01\xa9\x00\x1d\x01\xb0\x01"
    b"\xa6\x01\xcd\x00\xf3\x00\x5c\x00\x02\x01\x5b\x00\xd9\x01\x44\x01\xf6\x01\xad\x00\xa5\x00\x3a\x00"
    b"\xcb\x01\x36\x01\x7f\x01\x46\x00\xe1\x00\x1e\x00\xdd\x01\xe6\x00\x37\x01\xfa\x01\x85\x01\x8c\x00"
    b"\x8f\x00\x40\x00\xb5\x01\xbe\x00\x78\x00\x00\x00\xac\x00\x10\x01\x5e\x01\x24\x01\x02\x00\xbc\x01"
    b"\xa2\x00\xea\x00\x70\x00\xfc\x01\x16\x01\x5c\x01\x4c\x00\xc2\x01"
)


def _u16(data):
    """array('H') of the little-endian 16-bit values in data."""
    if byteorder == "little":
        return array("H", data)
    return array("H", [data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2)])


S9 = _u16(_S9_BYTES)
del _S9_BYTES
_SBOXES = (S9, S7)


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


class Misty1:
    """MISTY1 (8 rounds) for one 16-byte key."""

    def __init__(self, key16):
        if len(key16) != 16:
            raise ValueError("MISTY1 key must be 16 bytes")
        ek = [(key16[2 * i] << 8) | key16[2 * i + 1] for i in range(8)]
        ekp = [fi(ek[i], ek[(i + 1) & 7]) for i in range(8)]
        # Subkeys in the order _crypt reads them.  Encryption: half-round
        # i = 0..7 (FL i, i+1 first when i is even; then FO i), then FL 8, 9.
        # Decryption: FL^-1 8, 9; then half-round i = 7..0 (FO i; then
        # FL^-1 i, i+1 when i is even).
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
        self._ek = array("H", e)  # 100 subkeys each way, 16 bits
        self._dk = array("H", d)

    def encrypt_python(self, words):
        """Plaintext block -> ciphertext block, in place (pure Python)."""
        _crypt(words, self._ek, True)

    def decrypt_python(self, words):
        """Ciphertext block -> plaintext block, in place (pure Python)."""
        _crypt(words, self._dk, False)

    if not NATIVE:
        encrypt = encrypt_python
        decrypt = decrypt_python
    else:

        def encrypt(self, words):
            """Plaintext block -> ciphertext block, in place (native code)."""
            _viper.crypt(words, self._ek, _SBOXES, 1)

        def decrypt(self, words):
            """Ciphertext block -> plaintext block, in place (native code)."""
            _viper.crypt(words, self._dk, _SBOXES, 0)


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
