# lanes: cpython micropython-unix
# mp-heapsize: 158wK
# mp-compiled: yes
# 168wK (was 160wK): tamper detection added its module and settings to the rig.
# The console takes bytes, not text: any byte sequence gets a reply ending in
# OK or ERR (or is ignored), memory stays bounded, and the meter keeps metering
# while garbage arrives (issue 11, section 3).
from meter.con_dispatch import printable
from meter.console import MAX_LINE, LineReader
from support.rig import Rig
from support.vend import credit


def _replies(rig, reader, data):
    out = []
    for line in reader.feed(data):
        out.append(rig.system.console.handle(line, rig.system.powered))  # as the console task does
    return out


def test_lines_end_at_cr_lf_or_crlf_and_are_cut_from_any_chunking():
    reader = LineReader()
    assert reader.feed(b"version\r\nstat") == [b"version"]
    assert reader.feed(b"us\rlcd\n\nhelp") == [b"status", b"lcd", b""]
    assert reader.feed(b"\r\n") == [b"help"]
    one_by_one = []
    for byte in b"a b\r\nc\n":
        one_by_one += reader.feed(bytes([byte]))
    assert one_by_one == [b"a b", b"c"]


def test_every_byte_becomes_printable_ascii_or_nothing():
    text = printable(bytes(range(256)))
    assert all(32 <= ord(ch) <= 126 for ch in text)
    assert text.startswith("  !\"#")  # TAB becomes a space, other controls go
    assert text.count("?") == 128 + 1  # bytes 0x80..0xFF, and the '?' itself; DEL dropped
    assert printable(b"st\xffatus") == "st?atus"  # invalid UTF-8 that text stdin would raise on
    assert printable(b"\xc3") == "?" and printable(b"\xe2\x82") == "??"
    assert printable(b"\x03\x04\x05\x1b[A") == "[A"  # Ctrl-C/D/E and an arrow key's escape sequence


def test_a_long_line_is_dropped_whole_with_one_too_long_and_memory_stays_bounded():
    reader = LineReader()
    got = []
    for _ in range(16):  # a 4 KB line in 256-byte pieces
        got += reader.feed(b"x" * 256)
        assert len(reader._buf) <= MAX_LINE
    got += reader.feed(b"yyy\nversion\n")
    assert got == [None, b"version"]  # None: a dropped line
    assert reader.feed(b"z" * MAX_LINE + b"\n") == [b"z" * MAX_LINE]  # exactly the cap still fits


def test_garbage_lines_get_err_and_real_commands_still_work():
    rig = Rig()
    reader = LineReader()
    name = b"a" * 252  # the first word that made getattr raise "name too long"
    replies = _replies(rig, reader, name + b"\n\xff\xfe\n\x00\x00\n")
    piece = b"b" * 256
    for _ in range(16):  # a 4 KB line, as it arrives: in pieces
        replies += _replies(rig, reader, piece)
    replies += _replies(rig, reader, b"\nversion\n")
    assert replies[0] == ["ERR unknown command 'aaaaaaaaaaaa' (try: help)"]
    assert replies[1] == ["ERR unknown command '??' (try: help)"]
    assert replies[2] == ["OK"]  # NULs only: an empty line
    assert replies[3] == ["ERR line too long (max %d bytes)" % MAX_LINE]
    assert replies[4] == ["version=" + rig.meter.version, "OK"]


def test_commands_bound_their_work():
    rig = Rig()
    assert rig.console("key " + "1" * 100) == ["ERR at most 64 keys at a time"]
    assert rig.console("log " + "9" * 200)[-1].startswith("ERR usage: log [n]")
    lines = rig.console("log 999999")
    assert lines[-1] == "OK" and len(lines) <= 101
    assert rig.state.credit_wh == 0


def _lcg(seed):
    """Portable pseudo-random bytes (the same on every lane)."""
    state = [seed]

    def chunk(n):
        out = bytearray(n)
        for i in range(n):
            state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
            out[i] = state[0] >> 16 & 0xFF
        return bytes(out)

    return chunk


def test_random_bytes_control_chars_and_long_lines_never_stop_metering():
    rig = Rig(load_w=2000)
    rig.console("token " + credit(5_300_000, 10))  # 1 kWh
    assert rig.parts.relay_closed()
    reader = LineReader()
    chunk = _lcg(62055)
    specials = (b"\x03", b"\x04", b"\x05", b"\x1b[2J\x1b[A", b"\x00" * 40, b"\xff" * 300, b"q" * 256, b"\r\n")
    credits = [rig.state.credit_wh]
    for i in range(40):
        special = specials[i % len(specials)]
        for data in [chunk(200)] + [special] * (16 if special[0] == 0x71 else 1):  # "q" * 256: a 4 KB line
            for reply in _replies(rig, reader, data):
                assert reply and (reply[-1] == "OK" or reply[-1].startswith("ERR")), reply
        rig.advance(30)  # 30 s at 2 kW: about 16.7 Wh
        credits.append(rig.state.credit_wh)
    for i in range(1, len(credits)):
        assert credits[i] < credits[i - 1], credits  # credit fell in every slice
    assert 1000 - 2000 * 1200 // 3600 - 5 <= rig.state.credit_wh <= 1000 - 2000 * 1200 // 3600 + 5
    assert rig.parts.relay_closed()
    assert _replies(rig, reader, b"\nversion\n")[-1] == ["version=" + rig.meter.version, "OK"]
