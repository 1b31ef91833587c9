# lanes: cpython micropython-unix micropython-wasm32
# The token engine's smaller parts: TID record, key state, Token accessors, CRC.
from sts import crc, pipeline
from sts import results as R
from sts.describe import DescribedToken
from sts.kct import next_base_date
from sts.keys import KeyState
from sts.layouts import build_words
from sts.tids import DEFAULT_SIZE, TidRecord
from support.alloc import assert_no_alloc
from support.checks import SkipTest, is_micropython, raises

KEY = bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F))


def test_tid_record_keeps_the_highest_newest_first():
    record = TidRecord(4)
    for tid in (50, 10, 40, 30, 20):
        record.add(tid)
    assert list(record) == [50, 40, 30, 20] and len(record) == record.size
    assert record.check(10) == R.OLD and record.check(30) == R.USED
    assert record.check(35) == 0 and record.check(99) == 0
    record.add(35)
    assert list(record) == [50, 40, 35, 30]
    record.add(5)  # would be Old: ignored
    record.add(40)  # already there: ignored
    assert list(record) == [50, 40, 35, 30]
    record.clear()
    assert len(record) == 0 and record.check(5) == 0


def test_tid_record_size_and_bounds():
    assert DEFAULT_SIZE >= 50
    assert raises(ValueError, TidRecord, 0)
    assert raises(ValueError, TidRecord(3).add, 1 << 24)
    assert raises(ValueError, TidRecord(3).add, -1)
    record = TidRecord(3)
    record.add((1 << 24) - 1)
    record.add(0)
    assert list(record) == [(1 << 24) - 1, 0]


def test_tid_record_bytes_round_trip_and_rejects_damage():
    record = TidRecord(DEFAULT_SIZE)
    for tid in range(0, 3000, 7):
        record.add(tid)
    data = record.to_bytes()
    assert len(data) == 7 + 3 * DEFAULT_SIZE
    back = TidRecord.from_bytes(data)
    assert back == record and back.size == DEFAULT_SIZE and list(back) == list(record)
    assert TidRecord.from_bytes(TidRecord(5).to_bytes()) == TidRecord(5)
    for bad in (b"", b"TR1", data[:-1], b"XX" + data[2:], data[:7] + data[10:13] + data[7:10] + data[13:]):
        assert raises(ValueError, TidRecord.from_bytes, bad)


def test_tid_check_allocates_nothing():
    if not is_micropython():
        raise SkipTest("allocation is measured inside MicroPython")
    record = TidRecord(DEFAULT_SIZE)
    for tid in range(1000, 1000 + DEFAULT_SIZE):
        record.add(tid)

    def probe():
        record.check(5000)
        record.check(1000)
        record.check(10)

    assert_no_alloc(probe)


def test_crc_table_is_the_reflected_polynomial_a001():
    # SPEC section 3: reflected polynomial 0xA001; crc.py keeps the per-byte table as a literal
    for n in range(256):
        reg = n
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        assert (crc._TABLE[2 * n] << 8) | crc._TABLE[2 * n + 1] == reg, n
    assert len(crc._TABLE) == 512


def test_crc_allocates_nothing():
    if not is_micropython():
        raise SkipTest("allocation is measured inside MicroPython")
    words = [0x4065, 0xF0D4, 0xDFF6, 0xC645]

    def probe():
        crc.crc_ok(0, words)
        crc.crc_field(2, words)

    assert_no_alloc(probe)


def test_key_state_validation_and_dict_round_trip():
    keys = KeyState(7, KEY, 1, 2, 1, 123456, 255, 1993)
    d = keys.to_dict()
    assert d["key"] == "e653341f9d5bf36f" and d["ea"] == 7 and d["base_date"] == 1993
    assert KeyState.from_dict(d) == keys
    assert not (KeyState.from_dict(d) != keys)
    assert KeyState(7, KEY, 2, 2, 1, 123456) != keys
    assert raises(ValueError, KeyState, 11, KEY, 1, 2, 1, 123456)  # EA11 needs 16 bytes
    assert raises(ValueError, KeyState, 9, KEY, 1, 2, 1, 123456)
    assert raises(ValueError, KeyState, 7, KEY, 1, 4, 1, 123456)
    assert raises(ValueError, KeyState, 7, KEY, 1, 2, 1, 1000000)
    assert raises(ValueError, KeyState, 7, KEY, 1, 2, 1, 123456, 255, 2000)
    for bad in ({}, {"key": "xyz"}, dict(d, key="e653"), dict(d, krn="1"), dict(d, ea=True), dict(d, key=5)):
        assert raises(ValueError, KeyState.from_dict, bad)
    assert next_base_date(1993) == 2014 and next_base_date(2014) == 2035 and next_base_date(2035) == -1


def test_token_fields_not_carried_are_none():
    credit = DescribedToken(0, build_words(0, 0, {"rnd": 1, "tid": 77, "amount": 5}))
    assert credit.crc_ok and credit.tid == 77 and credit.amount == 5
    for name in ("control", "mfr_code", "krn", "key_section", "register", "mpl", "sgc_part", "ti"):
        assert getattr(credit, name) is None, name
    kct = DescribedToken(2, build_words(2, 3, {"ken_ho": 1, "krn": 2, "kt": 3, "key_section": "89abcdef"}))
    assert kct.tid is None and kct.rnd is None and kct.amount is None
    assert (kct.ken_ho, kct.krn, kct.ro, kct.res, kct.kt, kct.key_section) == (1, 2, 0, 0, 3, "89abcdef")
    assert kct.field_names() == ("ken_ho", "krn", "ro", "res", "kt", "key_section", "crc")
    assert sorted(kct.fields()) == sorted(kct.field_names())  # MicroPython dicts are unordered
    assert raises(ValueError, build_words, 0, 0, {"tid": 1 << 24})
    assert raises(ValueError, build_words, 2, 3, {"key_section": "123"})
    assert raises(ValueError, build_words, 4, 0, {})


class _Unprovisioned:
    keys = None
    tids = TidRecord(4)
    credit_wh = 0
    credit_limit_wh = 1000
    pending_kct = ()
    mfr_code = 0
    supported = (0,)


def test_unprovisioned_meter_is_not_ready_but_runs_class1():
    view = _Unprovisioned()
    assert pipeline.check("29054347139309851356", view, 0).code == R.NOT_READY
    assert pipeline.check("00000000000150997584", view, 0).code == R.ACCEPT
    assert R.name(R.NOT_READY) == "Not ready" and R.name(99) == "?"
