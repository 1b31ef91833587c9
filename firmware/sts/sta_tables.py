# EA07 table building (SPEC 7.2): the production S-boxes and permutation, and
# the pass tables sts/sta.py runs on, for any S0, S1, P.  Only tools, tests and
# the vending side (encryption, the standard's sample tables) need this: the
# meter decrypts with the committed table in sta_data.py, built from these by
# tools/gen_sta_tables.py, and never imports this module.
from array import array

# The table's layout (sts/sta.py states the same offsets as its private constants):
# the pass table (4 x 512), S0 at S0_AT, the last-round inverses at INV_AT.
S0_AT = 2048
INV_AT = 2064
TABLE_SIZE = 2096

# Production tables, SPEC 7.2 (NEC domain/table; STS 531-1-0-02 vectors pass).
S0 = b"\x0e\x0a\x07\x09\x0c\x03\x02\x05\x0d\x00\x0f\x01\x04\x08\x06\x0b"
S1 = b"\x0c\x08\x02\x0d\x07\x06\x01\x03\x0b\x05\x09\x0f\x00\x04\x0a\x0e"
P = bytes((
    55, 42, 10, 18, 24, 21, 44, 35, 2, 22, 56, 43, 27, 58, 9, 50,
    6, 36, 12, 61, 37, 38, 53, 16, 62, 3, 7, 4, 32, 20, 63, 25,
    51, 52, 54, 33, 49, 19, 46, 29, 48, 31, 23, 30, 41, 28, 13, 5,
    40, 60, 39, 11, 15, 17, 1, 0, 57, 34, 59, 8, 47, 14, 45, 26,
))


def _inverse(perm):
    inv = bytearray(len(perm))
    for i, p in enumerate(perm):
        inv[p] = i
    return bytes(inv)


def _pass_table(sbox1, sbox0, dest):
    """The one-pass table: at w*512 + n*32 + k*16 + x, output word w of the
    image of nibble n holding (sbox1 if k else sbox0)[x], its bit j moved to
    bit dest[4n + j] of the 64-bit result."""
    t = array("H", bytes(2 * TABLE_SIZE))
    for n in range(16):
        for k in range(2):
            sbox = sbox1 if k else sbox0
            for x in range(16):
                y = sbox[x]
                i = n * 32 + k * 16 + x
                for j in range(4):
                    if (y >> j) & 1:
                        pos = dest[4 * n + j]
                        t[(3 - (pos >> 4)) * 512 + i] |= 1 << (pos & 15)
    return t


def decrypt_table(s0, s1, perm):
    """Decryption table for any S0, S1, P (SPEC 7.2 form: out bit P[i] = in bit
    i): nibble images under inv(S0) (k = 1) or inv(S1) (k = 0), then P^-1; S0
    and the last round's inverses after them."""
    t = _pass_table(_inverse(s0), _inverse(s1), _inverse(perm))
    inv = _inverse(s1) + _inverse(s0)
    for x in range(32):
        if x < 16:
            t[S0_AT + x] = s0[x]
        t[INV_AT + x] = inv[x]
    return t


def encrypt_table(s0, s1, perm):
    """Encryption table: S0 (k = 1) or S1 (k = 0), then P."""
    return _pass_table(bytes(s0), bytes(s1), bytes(perm))


_production_encrypt = None


def production_encrypt_table():
    """The production encryption table, built on first use and kept here: the
    meter reloads sts.sta with each token, a vending tool in the same VM (the
    simulator, tests) should not build 4 KB again each time."""
    global _production_encrypt
    if _production_encrypt is None:
        _production_encrypt = encrypt_table(S0, S1, P)
    return _production_encrypt


def pack_table(t):
    """The table as bytes, 16-bit little-endian (sta.py's literal)."""
    out = bytearray()
    for v in t:
        out.append(v & 0xFF)
        out.append(v >> 8)
    return bytes(out)

