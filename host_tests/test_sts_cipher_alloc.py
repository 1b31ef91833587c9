# lanes: micropython-wasm32
# The token engine's hot path allocates nothing on a 32-bit VM (31-bit small
# ints): parsing the digits, and one block through each cipher either way.
from sts.digits import parse
from sts.misty1_cipher import Misty1
from sts.sta_cipher import Sta
from support.alloc import assert_no_alloc

TOKEN = "02194538019157867319"  # STS 531-1-0-02 CTSA10, EA07
STA_KEY = b"\xe6\x53\x34\x1f\x9d\x5b\xf3\x6f"
MISTY_KEY = b"\x28\xfe\xdc\xb8\x8b\x21\x56\x90\xe9\x8e\xea\xab\x98\x9e\x1c\x45"
WORDS = [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF]  # all bits set: widest intermediates


def test_parse_allocates_nothing():
    words = [0, 0, 0, 0]
    assert_no_alloc(lambda: parse(TOKEN, words))
    assert_no_alloc(lambda: parse("73786976294838206463", words))  # 2**66 - 1: largest limbs
    assert_no_alloc(lambda: parse("99999999999999999999", words))  # rejected late


def test_sta_decrypt_allocates_nothing():
    cipher = Sta(STA_KEY)
    assert_no_alloc(lambda: cipher.decrypt(WORDS))


def test_sta_encrypt_allocates_nothing():
    cipher = Sta(STA_KEY)
    assert_no_alloc(lambda: cipher.encrypt(WORDS))  # the first call (warm-up) builds its table


def test_misty1_decrypt_and_encrypt_allocate_nothing():
    cipher = Misty1(MISTY_KEY)
    assert_no_alloc(lambda: cipher.decrypt(WORDS))
    assert_no_alloc(lambda: cipher.encrypt(WORDS))
