# lanes: cpython micropython-unix micropython-wasm32
# The validation pipeline: every result code path with real (encrypted) tokens.
import sys

from sts import pipeline
from sts import results as R
from sts.describe import DescribedToken
from sts.keys import KeyState
from sts.layouts import build_words, cipher, format_token
from sts.tids import DEFAULT_SIZE, TidRecord
from support.alloc import assert_no_alloc, bytes_allocated
from support.checks import SkipTest, is_micropython

KEY07 = bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F))  # the demo meter (SPEC 7.1)
KEY11 = bytes(range(0x28, 0x38))
NEW07 = bytes((1, 35, 69, 103, 137, 171, 205, 239))
NEW11 = bytes(range(0xA0, 0xB0))
LIMIT_WH = 100000000


class View:
    def __init__(self, keys, credit_wh=0, pending=None, mfr_code=42, supported=(0,)):
        self.keys = keys
        self.tids = TidRecord(DEFAULT_SIZE)
        self.credit_wh = credit_wh
        self.credit_limit_wh = LIMIT_WH
        self.pending_kct = pending if pending is not None else []
        self.mfr_code = mfr_code
        self.supported = supported


def keys07(**kw):
    args = {"krn": 1, "kt": 2, "ti": 1, "sgc": 123456, "ken": 255, "base_date": 1993}
    args.update(kw)
    return KeyState(7, KEY07, args["krn"], args["kt"], args["ti"], args["sgc"], args["ken"], args["base_date"])


def keys11(**kw):
    args = {"krn": 1, "kt": 2, "ti": 1, "sgc": 123457, "ken": 255, "base_date": 1993}
    args.update(kw)
    return KeyState(11, KEY11, args["krn"], args["kt"], args["ti"], args["sgc"], args["ken"], args["base_date"])


def make(keys, cls, sub, **values):
    """A real token: block from fields, encrypted under keys (not class 1), framed."""
    words = build_words(cls, sub, values)
    if cls != 1:
        cipher(keys.key).encrypt(words)
    return format_token(cls, words)


def credit(keys, tid, tenths=125, rnd=3):
    return make(keys, 0, 0, rnd=rnd, tid=tid, amount=tenths)


def apply(view, verdict, now_s):
    """What the storage layer does with an accepted verdict (for multi-step tests)."""
    assert R.is_accepted(verdict.code)
    if verdict.clear_tids:
        view.tids.clear()
    if verdict.tid >= 0:
        view.tids.add(verdict.tid)
    view.credit_wh += verdict.credit_wh
    if verdict.kct_pending is not None:
        view.pending_kct = verdict.kct_pending
    if verdict.new_keys is not None:
        view.keys = verdict.new_keys


def test_accept_credit():
    view = View(keys07(), credit_wh=500)
    v = pipeline.check(credit(keys07(), 5000, tenths=125), view, 0)
    assert v.code == R.ACCEPT and v.credit_wh == 12500 and v.tid == 5000
    assert v.token.subclass == 0
    described = DescribedToken(v.token.cls, v.token.words)  # the tools' view of the same block
    assert described.name == "TransferElectricityCredit" and described.amount == 125 and described.rnd == 3
    assert v.clear_register == -1 and v.setting is None and v.kct_pending is None and v.new_keys is None
    assert v.clear_tids is False
    assert len(view.tids) == 0 and view.credit_wh == 500  # pure: the view is untouched


def test_accepts_bytes_input_too():
    view = View(keys07())
    assert pipeline.check(credit(keys07(), 77).encode(), view, 0).code == R.ACCEPT


def test_used_after_apply():
    view = View(keys07())
    token = credit(keys07(), 6000)
    apply(view, pipeline.check(token, view, 0), 0)
    assert pipeline.check(token, view, 1).code == R.USED
    assert pipeline.check(credit(keys07(), 6001), view, 1).code == R.ACCEPT


def test_old_once_the_record_is_full():
    view = View(keys07())
    for i in range(DEFAULT_SIZE):
        view.tids.add(10000 + 3 * i)
    assert len(view.tids) == DEFAULT_SIZE and list(view.tids)[-1] == 10000  # full; the oldest kept
    assert pipeline.check(credit(keys07(), 9999), view, 0).code == R.OLD
    assert pipeline.check(credit(keys07(), 10000), view, 0).code == R.USED
    assert pipeline.check(credit(keys07(), 10001), view, 0).code == R.ACCEPT  # between entries: never used
    assert pipeline.check(credit(keys07(), 99999), view, 0).code == R.ACCEPT


def test_old_not_reported_before_the_record_is_full():
    view = View(keys07())
    view.tids.add(50000)
    assert pipeline.check(credit(keys07(), 10), view, 0).code == R.ACCEPT


def test_key_expired():
    keys = keys07(ken=3)
    view = View(keys)
    assert pipeline.check(credit(keys, (4 << 16) + 1), view, 0).code == R.KEY_EXPIRED
    assert pipeline.check(credit(keys, (3 << 16) + 0xFFFF), view, 0).code == R.ACCEPT
    assert pipeline.check(make(keys, 2, 0, tid=5 << 16, mpl=100), view, 0).code == R.KEY_EXPIRED


def test_ddtk_refuses_credit_only():
    keys = keys07(kt=1)
    view = View(keys)
    assert pipeline.check(credit(keys, 100), view, 0).code == R.DDTK
    assert pipeline.check(make(keys, 2, 0, tid=100, mpl=4000), view, 0).code == R.ACCEPT


def test_overflow():
    view = View(keys07(), credit_wh=LIMIT_WH - 1000)
    assert pipeline.check(credit(keys07(), 100, tenths=11), view, 0).code == 4  # Overflow
    v = pipeline.check(credit(keys07(), 100, tenths=10), view, 0)
    assert v.code == R.ACCEPT and v.credit_wh == 1000  # exactly up to the limit


def test_range_clear_credit_register():
    view = View(keys07())
    assert pipeline.check(make(keys07(), 2, 1, tid=10, register=1), view, 0).code == R.RANGE
    v = pipeline.check(make(keys07(), 2, 1, tid=10, register=0xFFFF), view, 0)
    assert v.code == R.ACCEPT and v.clear_register == 0xFFFF and v.tid == 10
    assert pipeline.check(make(keys07(), 2, 1, tid=10, register=0), view, 0).clear_register == 0


def test_management_settings():
    view = View(keys07())
    cases = (
        (0, {"mpl": 5000}, ("max_power_w", 5000)),
        (2, {"rate": 1234}, ("tariff_rate", 1234)),
        (5, {}, ("clear_tamper", 1)),
        (6, {"mppul": 20004}, ("mppul_w", 20004)),  # exactly representable (e=1)
    )
    for sub, values, setting in cases:
        v = pipeline.check(make(keys07(), 2, sub, tid=99, **values), view, 0)
        assert v.code == R.ACCEPT and v.setting == setting and v.tid == 99 and v.credit_wh == 0
    assert pipeline.check(make(keys07(), 2, 5, tid=99, pad=1), view, 0).code == R.FORMAT


def test_function_not_supported():
    view = View(keys07())
    assert pipeline.check(make(keys07(), 0, 1, tid=5, amount=10), view, 0).code == R.FUNCTION  # water
    assert pipeline.check(make(keys07(), 0, 4, tid=5, amount=10), view, 0).code == R.FUNCTION  # currency
    assert pipeline.check(make(keys07(), 2, 7, tid=5, wmf=1), view, 0).code == R.FUNCTION
    assert pipeline.check(make(keys07(), 0, 9, payload="00000000000"), view, 0).code == R.FUNCTION
    assert pipeline.check(make(keys07(), 2, 12, payload="00000000000"), view, 0).code == R.FUNCTION
    assert pipeline.check(make(keys07(), 1, 2, payload="00000000000"), view, 0).code == R.FUNCTION
    assert pipeline.check(make(keys07(), 2, 8, sgc_part=1, key_section="01234567"), view, 0).code == R.FUNCTION
    water = View(keys07(), supported=(0, 1))
    v = pipeline.check(make(keys07(), 0, 1, tid=5, amount=10), water, 0)
    assert v.code == R.ACCEPT and v.credit_wh == 0 and v.tid == 5


def test_format_errors():
    view = View(keys07())
    words = build_words(0, 0, {"tid": 1, "amount": 1})
    class3 = format_token(3, words)
    for bad in (class3, "1234", "123456789012345678901", "1234567890123456789x", "99999999999999999999", None, 42):
        v = pipeline.check(bad, view, 0)
        assert v.code == R.FORMAT and v.token is None, bad


def test_auth_wrong_key_and_typo():
    view = View(keys07())
    other = KeyState(7, NEW07, 1, 2, 1, 123456)
    assert pipeline.check(credit(other, 100), view, 0).code == R.AUTH
    token = credit(keys07(), 100)
    typo = token[:7] + str((int(token[7]) + 1) % 10) + token[8:]
    assert pipeline.check(typo, view, 0).code == R.AUTH


def test_class1_not_decrypted_and_mfr_code():
    view = View(keys07(), mfr_code=42)
    for sub, mfr in ((0, 42), (0, 0), (1, 42), (1, 0)):
        v = pipeline.check(make(None, 1, sub, control=4, mfr_code=mfr), view, 0)
        assert v.code == R.ACCEPT and v.token.control == 4 and v.tid == -1
    assert pipeline.check(make(None, 1, 0, control=1, mfr_code=7), view, 0).code == 14  # MfrCode
    assert pipeline.check(make(None, 1, 1, control=1, mfr_code=1234), view, 0).code == 14  # MfrCode
    assert pipeline.check("00000000000150997584", view, 0).code == R.ACCEPT  # a published test token
    words = build_words(1, 0, {"control": 1})
    words[3] ^= 0x0100
    assert pipeline.check(format_token(1, words), view, 0).code == R.AUTH


def kct07(keys, new_key, krn=2, kt=2, ti=3, ken=0xA5, ro=0, res=0):
    hi, lo = new_key[:4], new_key[4:]
    first = make(keys, 2, 3, ken_ho=ken >> 4, krn=krn, ro=ro, res=res, kt=kt, key_section=_hex(hi))
    second = make(keys, 2, 4, ken_lo=ken & 15, ti=ti, key_section=_hex(lo))
    return first, second


def _hex(data):
    return "".join("%02x" % b for b in data)


def test_kct_pair_in_either_order():
    for order in ((0, 1), (1, 0)):
        view = View(keys07())
        view.tids.add(123)
        sections = kct07(keys07(), NEW07)
        v1 = pipeline.check(sections[order[0]], view, 1000)
        assert v1.code == R.KCT1_ACCEPTED and v1.new_keys is None and len(v1.kct_pending) == 1
        assert view.pending_kct == []  # pure
        apply(view, v1, 1000)
        v2 = pipeline.check(sections[order[1]], view, 1100)
        assert v2.code == R.KCT2_ACCEPTED and v2.kct_pending == [] and v2.clear_tids is False
        new = v2.new_keys
        assert new == KeyState(7, NEW07, 2, 2, 3, 123456, 0xA5, 1993)
        apply(view, v2, 1100)
        # the record survives a plain key change; tokens under the new key work, old key fails
        assert len(view.tids) == 1
        assert pipeline.check(credit(new, 124), view, 1200).code == R.ACCEPT
        assert pipeline.check(credit(keys07(), 125), view, 1200).code == R.AUTH


def test_kct_replayed_set_is_used():
    view = View(keys07())
    same = kct07(keys07(), KEY07, krn=1, kt=2, ti=1, ken=255)  # would change nothing
    apply(view, pipeline.check(same[0], view, 0), 0)
    assert pipeline.check(same[1], view, 1).code == R.USED
    # the same key with a new KEN is a real change (STS 531 CTSA19 does this)
    view = View(keys07())
    renew = kct07(keys07(), KEY07, krn=1, kt=2, ti=1, ken=0x55)
    apply(view, pipeline.check(renew[0], view, 0), 0)
    v = pipeline.check(renew[1], view, 1)
    assert v.code == R.KCT2_ACCEPTED and v.new_keys.ken == 0x55 and v.new_keys.key == KEY07


def test_kct_key_type_and_reserved_bit():
    view = View(keys07())
    assert pipeline.check(kct07(keys07(), NEW07, kt=0)[0], view, 0).code == R.KEY_TYPE
    assert pipeline.check(kct07(keys07(), NEW07, res=1)[0], view, 0).code == R.FORMAT
    assert pipeline.check(kct07(keys07(), NEW07, kt=1)[0], view, 0).code == R.KCT1_ACCEPTED


def test_stale_section_discarded_after_ten_minutes():
    first, second = kct07(keys07(), NEW07)
    view = View(keys07())
    apply(view, pipeline.check(first, view, 1000), 1000)
    v = pipeline.check(second, view, 1601)
    assert v.code == R.KCT1_ACCEPTED and [p[0] for p in v.kct_pending] == [4]
    assert pipeline.check(second, view, 1600).code == R.KCT2_ACCEPTED  # exactly 10 minutes still counts
    assert pipeline.check(second, view, 999).code == R.KCT1_ACCEPTED  # clock went back: not trusted


def test_repeated_section_replaces_the_held_one():
    view = View(keys07())
    a = kct07(keys07(), NEW07, ken=0x11)
    b = kct07(keys07(), NEW07, ken=0x22)
    apply(view, pipeline.check(a[0], view, 0), 0)
    v = pipeline.check(b[0], view, 5)
    assert v.code == R.KCT1_ACCEPTED and len(v.kct_pending) == 1 and v.kct_pending[0][2] == 5
    apply(view, v, 5)
    assert pipeline.check(b[1], view, 6).new_keys.ken == 0x22


def test_rollover_clears_tids_and_moves_base_date():
    view = View(keys07())
    view.tids.add(16000000)
    first, second = kct07(keys07(), NEW07, ro=1)
    apply(view, pipeline.check(first, view, 0), 0)
    v = pipeline.check(second, view, 1)
    assert v.code == R.KCT2_ACCEPTED and v.clear_tids is True and v.new_keys.base_date == 2014
    apply(view, v, 1)
    assert len(view.tids) == 0
    assert pipeline.check(credit(v.new_keys, 5), view, 2).code == R.ACCEPT
    # a rollover that keeps the key would re-open every old token: refused
    view = View(keys07())
    same_key = kct07(keys07(), KEY07, ro=1)
    apply(view, pipeline.check(same_key[0], view, 0), 0)
    assert pipeline.check(same_key[1], view, 1).code == R.USED
    # no base date after 2035
    last = keys07(base_date=2035)
    assert pipeline.check(kct07(last, NEW07, ro=1)[0], View(last), 0).code == R.RANGE


def kct11(keys, new_key, sgc, krn=3, kt=2, ti=4, ken=0x7E, ro=0):
    return {
        3: make(keys, 2, 3, ken_ho=ken >> 4, krn=krn, ro=ro, kt=kt, key_section=_hex(new_key[0:4])),
        8: make(keys, 2, 8, sgc_part=sgc & 0xFFF, key_section=_hex(new_key[4:8])),
        9: make(keys, 2, 9, sgc_part=sgc >> 12, key_section=_hex(new_key[8:12])),
        4: make(keys, 2, 4, ken_lo=ken & 15, ti=ti, key_section=_hex(new_key[12:16])),
    }


def _orders(items):
    if len(items) <= 1:
        return [list(items)]
    out = []
    for i in range(len(items)):
        for rest in _orders(items[:i] + items[i + 1 :]):
            out.append([items[i]] + rest)
    return out


def test_ea11_four_section_change_in_any_order():
    sections = kct11(keys11(), NEW11, sgc=654321)
    expected = KeyState(11, NEW11, 3, 2, 4, 654321, 0x7E, 1993)
    orders = _orders([3, 8, 9, 4])
    assert len(orders) == 24
    for order in orders:
        view = View(keys11())
        for n, sub in enumerate(order):
            v = pipeline.check(sections[sub], view, 10 * n)
            if n < 3:
                assert v.code == R.KCT1_ACCEPTED and len(v.kct_pending) == n + 1, order
                apply(view, v, 10 * n)
        assert v.code == R.KCT2_ACCEPTED and v.new_keys == expected, order
    view = View(expected)
    assert pipeline.check(credit(expected, 42), view, 100).code == R.ACCEPT


def test_ea11_sgc_out_of_range():
    sections = kct11(keys11(), NEW11, sgc=0xFFFFFF)
    view = View(keys11())
    for sub in (3, 8, 9):
        apply(view, pipeline.check(sections[sub], view, 0), 0)
    assert pipeline.check(sections[4], view, 0).code == R.RANGE


def test_a_reused_verdict_is_filled_afresh_by_each_check():
    view = View(keys07())
    mine = pipeline.Verdict()
    v = pipeline.check(credit(keys07(), 5000, tenths=125), view, 0, mine)
    assert v is mine and v.code == R.ACCEPT and v.credit_wh == 12500 and v.tid == 5000
    assert v.token is not None and DescribedToken(v.token.cls, v.token.words).amount == 125
    apply(view, v, 0)
    v = pipeline.check(credit(keys07(), 5000, tenths=125), view, 0, mine)
    assert v is mine and v.code == R.USED and v.credit_wh == 0 and v.tid == -1
    assert DescribedToken(v.token.cls, v.token.words).tid == 5000
    v = pipeline.check("1234", view, 0, mine)
    assert v.code == R.FORMAT and v.token is None
    v = pipeline.check(make(keys07(), 2, 0, rnd=1, tid=6000, mpl=5000), view, 0, mine)
    assert v.code == R.ACCEPT and v.setting == ("max_power_w", 5000) and v.tid == 6000
    v = pipeline.check(make(keys07(), 1, 0, control=1, mfr_code=0), view, 0, mine)
    assert v.code == R.ACCEPT and v.setting is None and v.tid == -1 and v.token.cls == 1
    # without a verdict, each check returns a new one (callers that keep verdicts)
    a = pipeline.check("1234", view, 0)
    b = pipeline.check(credit(keys07(), 7000), view, 0)
    assert a is not b and a.code == R.FORMAT and b.code == R.ACCEPT


def _full_view(keys):
    view = View(keys)
    for i in range(DEFAULT_SIZE):
        view.tids.add(1000 + i)  # a full record: the Used/Old scan does its whole work
    return view


def test_check_with_a_reused_verdict_allocates_nothing():
    if not is_micropython():
        raise SkipTest("allocation is measured inside MicroPython")
    for keys in (keys07(), keys11()):
        view = _full_view(keys)
        verdict = pipeline.Verdict()
        cases = (
            (credit(keys, 5000, tenths=1234), R.ACCEPT),
            (credit(keys, 1000), R.USED),
            (credit(keys, 5), R.OLD),
            (credit(keys07() if keys.ea == 11 else keys11(), 5000), R.AUTH),  # another meter's token
            (make(keys, 1, 0, control=1, mfr_code=0), R.ACCEPT),
            ("1234", R.FORMAT),
            ("99999999999999999999", R.FORMAT),
        )
        for digits, code in cases:
            assert pipeline.check(digits, view, 0, verdict).code == code, (keys.ea, digits)
            assert_no_alloc(lambda d=digits, view=view, v=verdict: pipeline.check(d, view, 0, v))


def _measure(digits, view):
    def run():
        pipeline.check(digits, view, 0)

    run()  # warm up: the key state builds its cipher once
    return bytes_allocated(run)


def test_pipeline_allocation_class0_budget():
    if not is_micropython():
        raise SkipTest("allocation is measured inside MicroPython")
    for keys in (keys07(), keys11()):
        view = _full_view(keys)
        used = _measure(credit(keys, 5000, tenths=1234), view)
        # the budget is 256 B on a 32-bit MCU; objects are twice as big on the 64-bit unix VM
        budget = 256 if sys.maxsize < 2**32 else 512
        assert used <= budget, "pipeline allocated %d bytes (ea %d)" % (used, keys.ea)
