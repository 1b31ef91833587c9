# Measurement probe for tools/benches/bench_sts.py, run inside the MicroPython
# VMs (unix and the 32-bit wasm one).  Not a test module: it prints lines
# "@@BENCH key: value" that the bench script collects.
#
# Timing (unix VM only: the wasm clock ticks in ms): a round is `BATCH` calls
# in a loop, timed with ticks_us and divided by BATCH (so sub-microsecond
# figures are real); gc.collect() before each round; median and min over the
# rounds.  The check reuses one Verdict (no allocation, so no garbage builds up
# between collections).  The viper path is the default on the unix VM; the
# Python fallback is timed in the same VM by switching the module attributes
# to the *_python functions (what the wasm VM and CPython run).
import gc
import sys

try:
    from time import ticks_diff, ticks_us
except ImportError:  # pragma: no cover
    ticks_us = ticks_diff = None

from sts import crc, digits, misty1, misty1_cipher, pipeline, sta, sta_cipher
from sts.keys import KeyState
from sts.layouts import build_words, cipher, format_token
from sts.tids import DEFAULT_SIZE, TidRecord

MARK = "@@BENCH "
BATCH = 100
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
    cipher(keys.key).encrypt(words)
    return format_token(0, words)


def _say(key, value):
    print(MARK + "%s: %s" % (key, value))


def _rounds(fn, rounds):
    """Per-call µs of fn() over `rounds` rounds of BATCH calls: (median, min)."""
    per_call = []
    for _ in range(rounds):
        gc.collect()
        i = 0
        t0 = ticks_us()
        while i < BATCH:
            fn()
            i += 1
        per_call.append(ticks_diff(ticks_us(), t0) / BATCH)
    per_call.sort()
    return per_call[len(per_call) // 2], per_call[0]


_NATIVE = (sta_cipher.Sta.decrypt, misty1_cipher.Misty1.decrypt, sta.decrypt_block, misty1.decrypt_block, digits.parse,
           crc.crc_field)


def _use_python_path(on):
    """Switch the token engine between its viper and pure-Python paths (the
    check decrypts through KeyState.decrypt -> sta/misty1.decrypt_block)."""
    if on:
        sta_cipher.Sta.decrypt = sta_cipher.Sta.decrypt_python
        misty1_cipher.Misty1.decrypt = misty1_cipher.Misty1.decrypt_python
        sta.decrypt_block = sta.decrypt_block_python
        misty1.decrypt_block = misty1.decrypt_block_python
        digits.parse = digits.parse_python
        crc.crc_field = crc.crc_field_python
    else:
        (sta_cipher.Sta.decrypt, misty1_cipher.Misty1.decrypt, sta.decrypt_block, misty1.decrypt_block, digits.parse,
         crc.crc_field) = _NATIVE


def _timings(rounds):
    heap = "heap %d B free at start" % gc.mem_free()
    paths = (("viper", False), ("python", True)) if sta.NATIVE else (("python", True),)
    words = [0, 0, 0, 0]
    for path, python in paths:
        _use_python_path(python)
        for keys in KEYS:
            view = View(keys)
            digits_ = _token(keys)
            verdict = pipeline.Verdict()
            assert pipeline.check(digits_, view, 0, verdict).code == 1
            med, low = _rounds(lambda d=digits_, view=view, v=verdict: pipeline.check(d, view, 0, v), rounds)
            name = "ea%02d_check_us_unix" % keys.ea
            if path == "viper" or not sta.NATIVE:  # the default path: the goal keys
                _say(name + "_median", "%.2f" % med)
                _say(name + "_min", "%.2f" % low)
            _say(name + "_%s_median" % path, "%.2f" % med)
            _say(name + "_%s_min" % path, "%.2f" % low)
            obj = cipher(keys.key)
            med, low = _rounds(lambda c=obj: c.decrypt(words), rounds)
            label = "sta" if keys.ea == 7 else "misty1"
            _say("%s_decrypt_us_unix_%s_median" % (label, path), "%.2f" % med)
            _say("%s_decrypt_us_unix_%s_min" % (label, path), "%.2f" % low)
        med, low = _rounds(lambda d=digits_: digits.parse(d, words), rounds)
        _say("digits_parse_us_unix_%s_median" % path, "%.2f" % med)
    _use_python_path(False)
    _say("timing_conditions", "unix VM (64-bit, x64 viper), %d rounds of %d calls, gc.collect() before each round, "
         "verdict reused (0 B per check), full 64-entry TID record, %s" % (rounds, BATCH, heap))


def _allocation():
    from support.alloc import allocates_under_lock, bytes_allocated

    bits = 32 if sys.maxsize < 2**32 else 64
    worst = 0
    locked = False
    for keys in KEYS:
        view = View(keys)
        digits_ = _token(keys)
        verdict = pipeline.Verdict()
        pipeline.check(digits_, view, 0, verdict)  # warm-up: the cipher is built once

        def run(d=digits_, view=view, v=verdict):
            pipeline.check(d, view, 0, v)

        used = bytes_allocated(run)
        locked = locked or allocates_under_lock(run)
        worst = max(worst, used)
        _say("ea%02d_check_alloc_bytes_%dbit" % (keys.ea, bits), used)
        fresh = bytes_allocated(lambda d=digits_, view=view: pipeline.check(d, view, 0))
        _say("ea%02d_check_alloc_bytes_%dbit_new_verdict" % (keys.ea, bits), fresh)
    vm = "wasm32" if bits == 32 else "unix"
    _say("check_alloc_bytes_" + vm, worst)
    _say("check_allocates_under_heap_lock_" + vm, "yes" if locked else "no")


def test_probe(rounds=300):
    _allocation()
    if ticks_us is not None and sys.platform != "webassembly":  # the wasm clock ticks in ms
        _timings(rounds)
