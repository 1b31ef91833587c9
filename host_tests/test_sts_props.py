# Property tests of the token engine (CPython + hypothesis).
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sts import amount, layouts, pipeline
from sts import results as R
from sts.describe import parse_token
from sts.keys import KeyState
from sts.layouts import build_words, cipher, format_token, layout
from sts.tids import TidRecord

UNITS_MAX = 18201624  # SPEC 6.1: the largest units value, 1000 * 16383 + 1818624 (e = 3)
KINDS = [(cls, sub) for cls in (0, 1, 2) for sub in range(16)]


def key_states():
    ea = st.sampled_from((7, 11))
    return ea.flatmap(
        lambda e: st.builds(
            KeyState,
            st.just(e),
            st.binary(min_size=8 if e == 7 else 16, max_size=8 if e == 7 else 16),
            st.integers(0, 15),
            st.integers(1, 3),
            st.integers(0, 255),
            st.integers(0, 999999),
            st.integers(0, 255),
            st.sampled_from((1993, 2014, 2035)),
        )
    )


def field_value(name, cls, sub):
    if name == "amount":
        if sub >= 4:
            return st.integers(-(10**12), 10**12)
        return st.integers(0, UNITS_MAX)
    if name in ("mpl", "mppul"):
        return st.integers(0, UNITS_MAX)
    if name in ("key_section",):
        return st.integers(0, 2**32 - 1).map(lambda v: "%08x" % v)
    if name == "payload":
        return st.integers(0, 2**44 - 1).map(lambda v: "%011x" % v)
    widths = {
        "rnd": 4,
        "tid": 24,
        "control": 36 if sub == 0 else 28,
        "mfr_code": 8 if sub == 0 else 16,
        "ken_ho": 4,
        "krn": 4,
        "ro": 1,
        "res": 1,
        "kt": 2,
        "ken_lo": 4,
        "ti": 8,
        "sgc_part": 12,
    }
    return st.integers(0, (1 << widths.get(name, 16)) - 1)


def field_values(cls, sub):
    return st.fixed_dictionaries({name: field_value(name, cls, sub) for name in layout(cls, sub)[1]})


def expected(name, value, sub):
    """What decoding gives back: amounts come back rounded up to a representable value."""
    if name == "amount" and sub >= 4:
        nibble, field = layouts.encode_currency(value)
        got = amount.decode_currency(nibble, field)
        assert abs(got) >= abs(value)
        return got
    if name in ("amount", "mpl", "mppul"):
        got = amount.decode_units(layouts.encode_units(value))
        assert got >= value
        return got
    return value


@pytest.mark.parametrize("cls,sub", KINDS)
def test_issue_decode_round_trip_every_class_and_subclass(cls, sub):
    @settings(max_examples=25, deadline=None)
    @given(key_states(), field_values(cls, sub))
    def round_trip(keys, values):
        _round_trip(keys, cls, sub, values)

    round_trip()


def _round_trip(keys, cls, sub, values):
    words = build_words(cls, sub, values)
    if cls != 1:
        cipher(keys.key).encrypt(words)
    text = format_token(cls, words)
    tok = parse_token(text, cipher(keys.key))
    assert (tok.cls, tok.subclass, tok.crc_ok) == (cls, sub, True)
    fields = tok.fields()
    for name, value in values.items():
        assert fields[name] == expected(name, value, sub), name


class View:
    def __init__(self, keys, tids, pending, supported):
        self.keys = keys
        self.tids = tids
        self.credit_wh = 0
        self.credit_limit_wh = 10**9
        self.pending_kct = pending
        self.mfr_code = 7
        self.supported = supported


def views():
    tids = st.lists(st.integers(0, 2**24 - 1), max_size=80).map(_record)
    pending = st.lists(
        st.tuples(st.sampled_from((3, 4, 8, 9)), st.tuples(*[st.integers(0, 0xFFFF)] * 4), st.integers(0, 2000)),
        max_size=4,
    )
    return st.builds(View, key_states(), tids, pending, st.sampled_from(((0,), (0, 1, 2, 3), tuple(range(8)))))


def _record(tids):
    record = TidRecord()
    for tid in tids:
        record.add(tid)
    return record


@settings(max_examples=500, deadline=None)
@given(views(), st.text(alphabet="0123456789", min_size=20, max_size=20), st.integers(0, 5000))
def test_random_digit_strings_give_a_result_code(view, digits, now_s):
    before = (view.tids.to_bytes(), list(view.pending_kct), view.keys.to_dict())
    verdict = pipeline.check(digits, view, now_s)
    assert 1 <= verdict.code <= 16
    assert (view.tids.to_bytes(), list(view.pending_kct), view.keys.to_dict()) == before  # pure
    if not R.is_accepted(verdict.code):
        assert verdict.new_keys is None and verdict.kct_pending is None


@settings(max_examples=300, deadline=None)
@given(views(), st.one_of(st.text(max_size=30), st.binary(max_size=30), st.integers(), st.none()))
def test_random_junk_never_raises(view, junk):
    assert 1 <= pipeline.check(junk, view, 0).code <= 16


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**24 - 1), max_size=200), st.integers(1, 70), st.integers(0, 2**24 - 1))
def test_tid_record_matches_a_model(tids, size, probe):
    record = TidRecord(size)
    for tid in tids:
        record.add(tid)
    # model: the highest `size` TIDs, each added only if the record would accept it
    model = []
    for tid in tids:
        if tid in model or (len(model) == size and tid < model[-1]):
            continue
        model = sorted(model + [tid], reverse=True)[:size]
    assert list(record) == model
    want = R.USED if probe in model else (R.OLD if len(model) == size and probe < model[-1] else 0)
    assert record.check(probe) == want
    assert TidRecord.from_bytes(record.to_bytes()) == record


@given(key_states())
def test_key_state_dict_round_trip(keys):
    assert KeyState.from_dict(keys.to_dict()) == keys
