# Measurement probe for tools/benches/bench_sts.py, run inside the MicroPython
# VMs (unix and the 32-bit wasm one).  Not a test module: it prints lines
# "@@BENCH label: value unit" that the bench script collects.
import gc
import sys

try:
    from time import ticks_diff, ticks_us
except ImportError:  # pragma: no cover
    ticks_us = ticks_diff = None

from sts import pipeline
from sts.digits import format_token
from sts.keys import KeyState
from sts.tids import DEFAULT_SIZE, TidRecord
from sts.token import build_words

KEYS = (
    KeyState(7, bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F)), 1, 2, 1, 123456),
    KeyState(11, bytes(range(0x28, 0x38)), 1, 2, 1, 123457),
)


class View:
    def __init__(self, keys):
        self.keys = keys
        self.tids = TidRecord(DEFAULT_SIZE)
        for i in range(DEFAULT_SIZE):
            self.tids.add(1000 + i)  # full record: the Used/Old scan does all its work
        self.credit_wh = 0
        self.credit_limit_wh = 100000000
        self.pending_kct = []
        self.mfr_code = 0
        self.supported = (0,)


def _token(keys):
    words = build_words(0, 0, {"rnd": 5, "tid": 5000, "amount": 1234})
    keys.cipher().encrypt(words)
    return format_token(0, words)


def _alloc(digits, view):
    pipeline.check(digits, view, 0)  # warm-up: cipher built once
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    pipeline.check(digits, view, 0)
    after = gc.mem_alloc()
    gc.enable()
    return after - before


def _time_us(digits, view, runs):
    samples = []
    for _ in range(runs):
        t0 = ticks_us()
        pipeline.check(digits, view, 0)
        samples.append(ticks_diff(ticks_us(), t0))
    samples.sort()
    return samples[len(samples) // 2]


def test_probe(runs=1000):
    bits = 32 if sys.maxsize < 2**32 else 64
    timing = ticks_us is not None and sys.platform != "webassembly"  # the wasm clock ticks in ms
    for keys in KEYS:
        view = View(keys)
        digits = _token(keys)
        assert pipeline.check(digits, view, 0).code == 1
        print("@@BENCH ea%02d pipeline bytes allocated (%d-bit VM): %d B" % (keys.ea, bits, _alloc(digits, view)))
        if timing:
            print("@@BENCH ea%02d pipeline median (%d runs): %d us" % (keys.ea, runs, _time_us(digits, view, runs)))
