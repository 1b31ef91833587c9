# lanes: cpython micropython-unix micropython-wasm32
# EA11 = MISTY1 (RFC 2994, SPEC section 8): the RFC's own test data and the
# STS 531-1-0-04 compliance tokens.
from sts import misty1, misty1_cipher
from sts.digits import parse
from sts.layouts import hex_from_words, words_from_hex
from support.checks import raises
from support.data import load_vectors

# RFC 2994 "A Description of the MISTY1 Encryption Algorithm" (Ohta, Matsui,
# November 2000), test data: the 128-bit key below and two 64-bit blocks in
# ECB mode.
RFC_KEY = "00112233445566778899aabbccddeeff"
RFC_VECTORS = (
    ("0123456789abcdef", "8b1da5f56ab3d07c"),
    ("fedcba9876543210", "04b68240b13be95d"),
)


def _bytes(hexstr):
    return bytes(int(hexstr[i:i + 2], 16) for i in range(0, len(hexstr), 2))


def test_rfc2994_vectors():
    cipher = misty1_cipher.Misty1(_bytes(RFC_KEY))
    words = [0, 0, 0, 0]
    for plain, ciph in RFC_VECTORS:
        words_from_hex(plain, words)
        cipher.encrypt(words)
        assert hex_from_words(words) == ciph
        cipher.decrypt(words)
        assert hex_from_words(words) == plain


def test_token_vectors_encrypt_and_decrypt():
    vectors = [v for v in load_vectors("token") if v["ea"] == "11"]
    assert len(vectors) >= 30
    words = [0, 0, 0, 0]
    for v in vectors:
        cipher = misty1_cipher.Misty1(_bytes(v["dk_hex"]))
        words_from_hex(v["plaintext_block_hex"], words)
        cipher.encrypt(words)
        assert hex_from_words(words) == v["ciphertext_block_hex"], v["token"]
        cipher.decrypt(words)
        assert hex_from_words(words) == v["plaintext_block_hex"], v["token"]


def test_tokens_parse_and_decrypt_to_the_plaintext():
    words = [0, 0, 0, 0]
    for v in load_vectors("token"):
        if v["ea"] != "11":
            continue
        assert parse(v["token"], words) == v["class"]
        misty1_cipher.Misty1(_bytes(v["dk_hex"])).decrypt(words)
        assert hex_from_words(words) == v["plaintext_block_hex"], v["token"]


def test_sboxes_are_permutations():
    assert len(misty1.S7) == 128 and sorted(misty1.S7) == list(range(128))
    assert len(misty1.S9) == 512 and sorted(misty1.S9) == list(range(512))
    # spot values: first and last entries of the RFC's tables
    assert (misty1.S7[0], misty1.S7[127]) == (27, 125)
    assert (misty1.S9[0], misty1.S9[511]) == (451, 450)


def test_key_must_be_16_bytes():
    raises(ValueError, misty1_cipher.Misty1, bytes(15))
    raises(ValueError, misty1_cipher.Misty1, bytes(17))
