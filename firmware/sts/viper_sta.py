# ruff: noqa: F821
# EA07 (STA) in viper: native machine code where the port has the emitter (the
# boards, the unix VM).  sts/sta.py imports it inside try/except and keeps its
# pure-Python code as the fallback (CPython, the WebAssembly VM); both read the
# same tables and key schedule, laid out by sta.py:
#   tab:   array('H'): the pass table, output word k at k*512 + (n*32 + s*16 + x),
#          then S0 at 2048..2063 and the last-round inverse at 2064..2095
#          ([x | s << 4] = inv(S0) if s else inv(S1)), as sta.py documents.
#   sched: array('I'): decryption masks at 0..15 (a P^-1 pass, rounds 0..14),
#          the last round's mask at 16, encryption masks at 17..32; bit n+4 of a
#          mask picks the S-box of nibble n.  33..36 are scratch for the block.
# Every value is a 16-bit word in a machine register: no object is allocated.
import sys

if sys.implementation.name != "micropython":
    raise ImportError("viper code runs only in MicroPython")

import micropython
from micropython import const

_S0_AT = const(2048)
_INV_AT = const(2064)


@micropython.viper
def misalignment(buf) -> int:
    """The address of buf's data modulo 4 (ptr16/ptr32 need aligned data on an MCU)."""
    return int(ptr8(buf)) & 3


@micropython.viper
def _passes(tab, sched, first: int, end: int):
    """Table passes with masks sched[first:end], on the block in sched[33..36].
    (Takes the objects, not pointers: a pointer passed in a call is boxed as an
    int, a big int on a 32-bit board whose RAM is above 2**30.)"""
    t = ptr16(tab)
    m = ptr32(sched)
    r = first
    while r < end:
        k = m[r]
        e = 0
        f = 0
        g = 0
        h = 0
        j = 0
        while j < 4:
            w = m[33 + j]
            x = 0
            while x < 4:
                p = (j << 2) | x  # nibble position from the top; table nibble 15 - p
                i = ((15 - p) << 5) | ((k >> (15 - p)) & 16) | ((w >> (12 - (x << 2))) & 15)
                e |= t[i]
                f |= t[i + 512]
                g |= t[i + 1024]
                h |= t[i + 1536]
                x += 1
            j += 1
        m[33] = e
        m[34] = f
        m[35] = g
        m[36] = h
        r += 1


@micropython.viper
def decrypt(words, tab, sched):
    """Ciphertext block (list of four 16-bit ints) -> plaintext, in place."""
    t = ptr16(tab)
    m = ptr32(sched)
    j = 0
    while j < 4:  # S0 on every nibble: the first pass then undoes it with P^-1
        w = int(words[j])
        m[33 + j] = (
            (t[_S0_AT + (w >> 12)] << 12)
            | (t[_S0_AT + ((w >> 8) & 15)] << 8)
            | (t[_S0_AT + ((w >> 4) & 15)] << 4)
            | t[_S0_AT + (w & 15)]
        )
        j += 1
    _passes(tab, sched, 0, 16)
    k = m[16]
    j = 3
    while j >= 0:  # last round: S^-1 chosen per nibble by the mask bits
        w = m[33 + j]
        words[j] = (
            (t[_INV_AT + ((w >> 12) | ((k >> 3) & 16))] << 12)
            | (t[_INV_AT + (((w >> 8) & 15) | ((k >> 2) & 16))] << 8)
            | (t[_INV_AT + (((w >> 4) & 15) | ((k >> 1) & 16))] << 4)
            | t[_INV_AT + ((w & 15) | (k & 16))]
        )
        k >>= 4
        j -= 1


@micropython.viper
def encrypt(words, tab, sched):
    """Plaintext block -> ciphertext, in place: 16 passes of S then P."""
    m = ptr32(sched)
    j = 0
    while j < 4:
        m[33 + j] = int(words[j])
        j += 1
    _passes(tab, sched, 17, 33)
    j = 0
    while j < 4:
        words[j] = m[33 + j]
        j += 1
