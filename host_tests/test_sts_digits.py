# lanes: cpython micropython-unix micropython-wasm32
# sts.digits: the 20-digit token framing (SPEC section 1) against every
# published token, plus the format-error cases.
from sts.digits import parse
from sts.layouts import format_token, hex_from_words, words_from_hex
from support.checks import raises
from support.data import load_vectors


def _cipher_hex(v):
    # class 1 tokens are not encrypted: their ciphertext is the plaintext block
    return v.get("ciphertext_block_hex") or v.get("expected_plaintext_block_hex") or v["plaintext_block_hex"]


def _framed_vectors():
    out = []
    for v in load_vectors():
        if v["kind"] in ("token", "sta_sample_tables"):
            out.append((v["token"], v["class"], _cipher_hex(v)))
        elif v["kind"] == "decode" and v["fields"]["class"] == 1:
            out.append((v["token"], 1, v["expected_plaintext_block_hex"]))
    return out


def test_parse_gives_class_and_ciphertext_of_every_published_token():
    vectors = _framed_vectors()
    assert len(vectors) > 100
    words = [0, 0, 0, 0]
    for token, cls, cipher_hex in vectors:
        assert parse(token, words) == cls, token
        assert hex_from_words(words) == cipher_hex, token


def test_format_token_rebuilds_every_published_token():
    words = [0, 0, 0, 0]
    for token, cls, cipher_hex in _framed_vectors():
        assert format_token(cls, words_from_hex(cipher_hex, words)) == token


def test_sample_tables_token_66_bit_value():
    v = load_vectors("sta_sample_tables")[0]
    words = [0, 0, 0, 0]
    assert parse(v["token"], words) == v["class"]
    # token66_hex is T itself: C with bits 27/28 swapped out to bits 64/65
    assert int(v["token66_hex"], 16) == int(v["token"])


def test_class_and_transposed_bits():
    words = [9, 9, 9, 9]
    assert parse("00000000000134217728", words) == 1  # T = 2**27: class bit 0
    assert words == [0, 0, 0, 0]
    assert parse("00000000000268435456", words) == 2  # T = 2**28: class bit 1
    assert words == [0, 0, 0, 0]
    assert parse("18446744073709551616", words) == 0  # T = 2**64 -> bit 27 of C
    assert words == [0, 0, 0x0800, 0]
    assert parse("36893488147419103232", words) == 0  # T = 2**65 -> bit 28 of C
    assert words == [0, 0, 0x1000, 0]
    assert parse("00000000000000000000", words) == 0
    assert words == [0, 0, 0, 0]


def test_largest_valid_value():
    words = [0, 0, 0, 0]
    assert parse("73786976294838206463", words) == 3  # 2**66 - 1
    assert words == [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF]
    assert format_token(3, words) == "73786976294838206463"


def test_format_errors():
    words = [0, 0, 0, 0]
    for bad in (
        "",
        "0719312018960040216",  # 19 digits
        "071931201896004021600",  # 21 digits
        "0719312018960040216a",
        "A7193120189600402160",
        "0719 312018960040216",
        " 7193120189600402160",
        "7193120189600402160 ",
        "+7193120189600402160",
        "-7193120189600402160",
        "0719312018960040216.",
        "0719312018960040216\n",
        "73786976294838206464",  # 2**66 exactly
        "73786976294838206465",
        "99999999999999999999",
        "80000000000000000000",
        "0719312018960040216\u0661",  # ARABIC-INDIC DIGIT ONE is not ASCII
    ):
        assert parse(bad, words) == -1, bad


def test_parse_accepts_ascii_bytes():
    words = [0, 0, 0, 0]
    v = load_vectors("sta_sample_tables")[0]
    assert parse(v["token"].encode(), words) == v["class"]
    assert hex_from_words(words) == v["ciphertext_block_hex"]
    assert parse(bytearray(v["token"].encode()), words) == v["class"]
    assert parse(b"7379", words) == -1
    assert parse(b"7378697629483820646x", words) == -1


def test_hex_helpers():
    words = [0, 0, 0, 0]
    assert words_from_hex("0123456789ABCDEF", words) is words
    assert words == [0x0123, 0x4567, 0x89AB, 0xCDEF]
    assert hex_from_words(words) == "0123456789abcdef"
    raises(ValueError, words_from_hex, "0123456789abcde", words)
    raises(ValueError, words_from_hex, "0123456789abcdeg", words)
    raises(ValueError, words_from_hex, "0x23456789abcdef", words)


def test_format_token_checks_its_arguments():
    raises(ValueError, format_token, 4, [0, 0, 0, 0])
    raises(ValueError, format_token, -1, [0, 0, 0, 0])
    raises(ValueError, format_token, 0, [0, 0, 0x10000, 0])
    raises(ValueError, format_token, 0, [0, 0, 0])
    assert format_token(0, [0, 0, 0, 1]) == "00000000000000000001"
