# Measurement probe for tools/benches/bench_cipher.py (not a test): runs inside the
# MicroPython VMs and prints `@@BENCH label: value`.
import sys

from sts.digits import parse
from sts.misty1_cipher import Misty1
from sts.sta_cipher import Sta

MARK = "@@BENCH "
TOKEN = "02194538019157867319"
STA_KEY = bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F))
MISTY_KEY = bytes((0x28, 0xFE, 0xDC, 0xB8, 0x8B, 0x21, 0x56, 0x90, 0xE9, 0x8E, 0xEA, 0xAB, 0x98, 0x9E, 0x1C, 0x45))


def cases():
    sta = Sta(STA_KEY)
    misty = Misty1(MISTY_KEY)
    words = [0x0123, 0x4567, 0x89AB, 0xCDEF]
    return (
        ("Sta.decrypt", lambda: sta.decrypt(words)),
        ("Sta.encrypt", lambda: sta.encrypt(words)),
        ("Misty1.decrypt", lambda: misty.decrypt(words)),
        ("Misty1.encrypt", lambda: misty.encrypt(words)),
        ("digits.parse", lambda: parse(TOKEN, words)),
    )


def median_us(fn, runs):
    from time import ticks_diff, ticks_us

    samples = [0] * runs
    i = 0
    while i < runs:
        t0 = ticks_us()
        fn()
        samples[i] = ticks_diff(ticks_us(), t0)
        i += 1
    samples.sort()
    return samples[runs // 2]


def test_probe(runs=0):
    from support.alloc import allocates_under_lock, bytes_allocated

    wasm = sys.maxsize < (1 << 31)  # the 32-bit VM: allocation; the unix VM: timing (wasm ticks are 1 ms)
    for label, fn in cases():
        fn()  # warm-up (Sta.encrypt builds its table on first use)
        if wasm:
            print(MARK + "%s bytes allocated (32-bit VM): %d B" % (label, bytes_allocated(fn)))
            print(MARK + "%s allocates under heap_lock: %s" % (label, "yes" if allocates_under_lock(fn) else "no"))
        else:
            print(MARK + "%s median (%d runs): %d us" % (label, runs, median_us(fn, runs)))
