# lanes: cpython micropython-unix micropython-wasm32
# Pure parts of the store: record framing, event entries, lockout policy.
from store import events as ev
from store import lockout, record

KIND_OTHER = b"E"  # a record kind the store no longer writes (the old energy record)


def test_record_round_trip():
    data = record.encode(record.KIND_STATE, 7, b"hello")
    assert record.decode(data, record.KIND_STATE) == (7, b"hello")
    assert len(data) == 12 + 5 + 4  # header "MR" kind version seq length, payload, CRC-32 (README)


def test_record_every_flipped_byte_is_detected():
    data = record.encode(KIND_OTHER, 123456, b"\x00\x01\x02\x03\x04\x05\x06\x07")
    for i in range(len(data)):
        for bit in (0x01, 0x80):
            bad = bytearray(data)
            bad[i] ^= bit
            assert record.decode(bytes(bad), KIND_OTHER) is None, (i, bit)


def test_record_rejects_wrong_kind_truncation_and_garbage():
    data = record.encode(record.KIND_STATE, 1, b"x" * 40)
    assert record.decode(data, KIND_OTHER) is None
    assert record.decode(data[:-1], record.KIND_STATE) is None
    assert record.decode(data + b"\xff", record.KIND_STATE) is None
    assert record.decode(b"", record.KIND_STATE) is None
    assert record.decode(None, record.KIND_STATE) is None
    assert record.decode(b"\xff" * 64, record.KIND_STATE) is None


def test_record_refuses_bad_arguments():
    for args in ((b"SS", 1, b""), (b"S", -1, b""), (b"S", 1 << 32, b""), (b"S", 1, b"x" * 20000)):
        try:
            record.encode(*args)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % (args[:2],))


def test_event_entry_round_trip_and_negative_values():
    raw = ev.pack_entry(42, 1_700_000_000, ev.TOKEN_REJECTED, 13, -1)
    assert len(raw) == ev.ENTRY_SIZE
    assert ev.unpack_entry(42, raw) == (42, 1_700_000_000, ev.TOKEN_REJECTED, 13, -1)


def test_event_entry_is_only_valid_at_its_own_place():
    raw = ev.pack_entry(5, 100, ev.RELAY, 1, 2)
    assert ev.unpack_entry(6, raw) is None
    bad = bytearray(raw)
    bad[3] ^= 0x10
    assert ev.unpack_entry(5, bytes(bad)) is None
    assert ev.unpack_entry(5, raw[:-1]) is None


def test_event_kind_names():
    assert ev.kind_name(ev.TOKEN_ACCEPTED) == "token accepted"
    assert ev.kind_name(ev.STORAGE_RECOVERY, 14) == "storage recovery money_copy_rolled_back"
    assert ev.kind_name(200) == "event 200"


def test_lockout_escalation():
    # the lockout after the n-th wrong token in a row, n = 1..12
    assert [lockout.after_wrong(n - 1, 0)[2] for n in range(1, 13)] == [0, 0, 10, 20, 40, 80, 160, 320, 640, 1280,
                                                                          1280, 1280]
    assert lockout.after_wrong(999, 0) == (1000, 1280, 1280)
    assert lockout.after_wrong(2, 500) == (3, 510, 10)
    assert lockout.after_wrong(0, 500) == (1, 0, 0)


def test_lockout_remaining_counts_down_and_reanchors_a_restarted_clock():
    assert lockout.remaining(510, 10, 505) == (5, 510)
    assert lockout.remaining(510, 10, 600) == (0, 510)
    # clock restarted at 0 after a power cut: the full lockout starts again from now
    assert lockout.remaining(1_700_000_010, 10, 3) == (10, 13)
    assert lockout.remaining(0, 0, 3) == (0, 0)


def test_bitwise_crc_fallback_matches_binascii():
    data = b"\x00\x01meter state\xff" * 3
    expected = record.checksum(data, 0x1234)
    saved = record._crc32
    record._crc32 = None  # as on a port built without binascii.crc32
    try:
        assert record.checksum(data, 0x1234) == expected
        assert record.checksum(b"123456789") == 0xCBF43926  # the CRC-32 check value
    finally:
        record._crc32 = saved
