# Property tests (cpython, hypothesis) for the STS cipher cores and framing:
# round trips on random keys and blocks, parse/format_token round trips, and
# the fast STA against a slow bit-by-bit one written straight from SPEC 7.3/7.4.
from hypothesis import given, settings
from hypothesis import strategies as st

from sts import digits, layouts, misty1, misty1_cipher, sta_cipher

MASK64 = (1 << 64) - 1
blocks = st.integers(min_value=0, max_value=MASK64)
keys8 = st.binary(min_size=8, max_size=8)
keys16 = st.binary(min_size=16, max_size=16)

# SPEC 7.2 production tables
S0 = [14, 10, 7, 9, 12, 3, 2, 5, 13, 0, 15, 1, 4, 8, 6, 11]
S1 = [12, 8, 2, 13, 7, 6, 1, 3, 11, 5, 9, 15, 0, 4, 10, 14]
P = [
    55, 42, 10, 18, 24, 21, 44, 35, 2, 22, 56, 43, 27, 58, 9, 50,
    6, 36, 12, 61, 37, 38, 53, 16, 62, 3, 7, 4, 32, 20, 63, 25,
    51, 52, 54, 33, 49, 19, 46, 29, 48, 31, 23, 30, 41, 28, 13, 5,
    40, 60, 39, 11, 15, 17, 1, 0, 57, 34, 59, 8, 47, 14, 45, 26,
]
# the standard's sample tables (SPEC 7.2, "Caution")
SAMPLE = (
    [12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11],
    [6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5],
    [29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23, 1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17,
     48, 28, 24, 39, 3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43, 44, 6, 59, 4, 7, 35, 56, 50,
     13, 18, 32, 47, 46, 63, 20, 8],
)


def to_words(x):
    return [(x >> 48) & 0xFFFF, (x >> 32) & 0xFFFF, (x >> 16) & 0xFFFF, x & 0xFFFF]


def from_words(w):
    return (w[0] << 48) | (w[1] << 32) | (w[2] << 16) | w[3]


# ---- reference STA: SPEC 7.3 / 7.4 literally, on Python ints ---------------

def rol(x, n):
    n %= 64
    return ((x << n) | (x >> (64 - n))) & MASK64


def ror(x, n):
    return rol(x, 64 - n % 64)


def bit(x, i):
    return (x >> i) & 1


def permute(x, perm):  # out bit perm[i] = in bit i
    out = 0
    for i in range(64):
        out |= bit(x, i) << perm[i]
    return out


def inverse(table):
    inv = [0] * len(table)
    for i, v in enumerate(table):
        inv[v] = i
    return inv


def substitute(x, choose):  # choose(n) -> the 16-entry table for nibble n
    out = 0
    for n in range(16):
        out |= choose(n)[(x >> (4 * n)) & 15] << (4 * n)
    return out


def ref_encrypt(k, b, s0=S0, s1=S1, p=P):
    w = ror(~k & MASK64, 12)
    for _ in range(16):
        b = substitute(b, lambda n, w=w: s1 if bit(w, 4 * n + 3) else s0)
        b = permute(b, p)
        w = rol(w, 1)
    return b


def ref_decrypt(k, b, s0=S0, s1=S1, p=P):
    inv_s0, inv_s1, inv_p = inverse(s0), inverse(s1), inverse(p)
    w = k
    for _ in range(16):
        b = permute(b, inv_p)
        b = substitute(b, lambda n, w=w: inv_s0 if bit(w, 4 * n) else inv_s1)
        w = ror(w, 1)
    return b


def test_reference_sta_reproduces_the_spec_examples():
    # SPEC 7.2: K = 0ABC12DEF3456789, B = 0B19EB230100C207; the 66-bit tokens
    # 29054347139309851356 (production) and 51043465443420856213 (sample)
    k, b = 0x0ABC12DEF3456789, 0x0B19EB230100C207
    for tables, token in (((S0, S1, P), "29054347139309851356"), (SAMPLE, "51043465443420856213")):
        c = ref_encrypt(k, b, *tables)
        assert layouts.format_token(0, to_words(c)) == token
        assert ref_decrypt(k, c, *tables) == b


@settings(max_examples=300, deadline=None)
@given(keys8, blocks)
def test_fast_sta_agrees_with_the_reference(key, block):
    k = int.from_bytes(key, "big")
    cipher = sta_cipher.Sta(key)
    w = to_words(block)
    cipher.encrypt(w)
    assert from_words(w) == ref_encrypt(k, block)
    w = to_words(block)
    cipher.decrypt(w)
    assert from_words(w) == ref_decrypt(k, block)


@settings(max_examples=100, deadline=None)
@given(keys8, blocks)
def test_fast_sta_agrees_with_the_reference_on_sample_tables(key, block):
    k = int.from_bytes(key, "big")
    cipher = sta_cipher.Sta(key, tables=SAMPLE)
    w = to_words(block)
    cipher.encrypt(w)
    assert from_words(w) == ref_encrypt(k, block, *SAMPLE)
    w = to_words(block)
    cipher.decrypt(w)
    assert from_words(w) == ref_decrypt(k, block, *SAMPLE)


@settings(max_examples=300, deadline=None)
@given(keys8, blocks)
def test_sta_round_trip(key, block):
    cipher = sta_cipher.Sta(key)
    w = to_words(block)
    cipher.encrypt(w)
    cipher.decrypt(w)
    assert from_words(w) == block


@settings(max_examples=300, deadline=None)
@given(keys16, blocks)
def test_misty1_round_trip(key, block):
    cipher = misty1_cipher.Misty1(key)
    w = to_words(block)
    cipher.encrypt(w)
    cipher.decrypt(w)
    assert from_words(w) == block


# ---- reference MISTY1: RFC 2994 section 2 literally, on 32-bit halves -------

def ref_misty1(key, block, decrypt=False):
    s7, s9 = misty1.S7, misty1.S9
    ek = [(key[2 * i] << 8) | key[2 * i + 1] for i in range(8)]

    def fi(x, k):
        d9, d7 = x >> 7, x & 0x7F
        d9 = s9[d9] ^ d7
        d7 = s7[d7] ^ (d9 & 0x7F)
        d7 ^= k >> 9
        d9 ^= k & 0x1FF
        d9 = s9[d9] ^ d7
        return (d7 << 9) | d9

    ek += [fi(ek[i], ek[(i + 1) % 8]) for i in range(8)]

    def fo(x, k):
        t0, t1 = x >> 16, x & 0xFFFF
        t0 = fi(t0 ^ ek[k], ek[(k + 5) % 8 + 8]) ^ t1
        t1 = fi(t1 ^ ek[(k + 2) % 8], ek[(k + 1) % 8 + 8]) ^ t0
        t0 = fi(t0 ^ ek[(k + 7) % 8], ek[(k + 3) % 8 + 8]) ^ t1
        t1 ^= ek[(k + 4) % 8]
        return (t1 << 16) | t0

    def fl_keys(k):
        if k % 2 == 0:
            return ek[k // 2], ek[(k // 2 + 6) % 8 + 8]
        return ek[((k - 1) // 2 + 2) % 8 + 8], ek[((k - 1) // 2 + 4) % 8]

    def fl(x, k):
        a, b = fl_keys(k)
        d0, d1 = x >> 16, x & 0xFFFF
        d1 ^= d0 & a
        d0 ^= d1 | b
        return (d0 << 16) | d1

    def flinv(x, k):
        a, b = fl_keys(k)
        d0, d1 = x >> 16, x & 0xFFFF
        d0 ^= d1 | b
        d1 ^= d0 & a
        return (d0 << 16) | d1

    if not decrypt:
        d0, d1 = block >> 32, block & 0xFFFFFFFF
        for i in range(0, 8, 2):
            d0, d1 = fl(d0, i), fl(d1, i + 1)
            d1 ^= fo(d0, i)
            d0 ^= fo(d1, i + 1)
        d0, d1 = fl(d0, 8), fl(d1, 9)
        return (d1 << 32) | d0
    d1, d0 = block >> 32, block & 0xFFFFFFFF
    d0, d1 = flinv(d0, 8), flinv(d1, 9)
    for i in range(6, -1, -2):
        d0 ^= fo(d1, i + 1)
        d1 ^= fo(d0, i)
        d0, d1 = flinv(d0, i), flinv(d1, i + 1)
    return (d0 << 32) | d1


def test_reference_misty1_reproduces_rfc2994():
    key = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert ref_misty1(key, 0x0123456789ABCDEF) == 0x8B1DA5F56AB3D07C
    assert ref_misty1(key, 0x8B1DA5F56AB3D07C, decrypt=True) == 0x0123456789ABCDEF


@settings(max_examples=300, deadline=None)
@given(keys16, blocks)
def test_fast_misty1_agrees_with_the_reference(key, block):
    cipher = misty1_cipher.Misty1(key)
    w = to_words(block)
    cipher.encrypt(w)
    assert from_words(w) == ref_misty1(key, block)
    w = to_words(block)
    cipher.decrypt(w)
    assert from_words(w) == ref_misty1(key, block, decrypt=True)


@settings(max_examples=500, deadline=None)
@given(st.integers(min_value=0, max_value=3), blocks)
def test_parse_inverts_format_token(cls, block):
    token = layouts.format_token(cls, to_words(block))
    assert len(token) == 20 and token.isdigit()
    w = [0, 0, 0, 0]
    assert digits.parse(token, w) == cls
    assert from_words(w) == block


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="0123456789", min_size=20, max_size=20))
def test_parse_agrees_with_big_int_arithmetic(token):
    t = int(token)
    w = [0, 0, 0, 0]
    cls = digits.parse(token, w)
    if t >= 1 << 66:
        assert cls == -1
        return
    assert cls == (t >> 27) & 3
    c = (t & MASK64 & ~(3 << 27)) | (bit(t, 64) << 27) | (bit(t, 65) << 28)
    assert from_words(w) == c
