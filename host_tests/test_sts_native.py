# lanes: cpython micropython-unix micropython-wasm32
# The two paths of the token engine's hot code: viper (native, chosen at import
# where the emitter exists: the unix VM here, the boards) and pure Python (the
# fallback: CPython, the WebAssembly VM).  On the unix lane both paths run and
# each must match every published vector on its own, so a wrong path fails
# even if the other is right; then they must agree on random blocks under
# random keys.  Both paths allocate nothing (heap_lock; the wasm lane checks
# the fallback in test_sts_cipher_alloc.py).
import sys

from sts import crc, digits, misty1, misty1_cipher, sta, sta_cipher
from sts.layouts import cipher as key_cipher
from sts.layouts import hex_from_words, words_from_hex
from support.alloc import assert_no_alloc
from support.checks import SkipTest, is_micropython
from support.data import load_vectors

RFC_KEY = "00112233445566778899aabbccddeeff"  # RFC 2994 test data
RFC_VECTORS = (("0123456789abcdef", "8b1da5f56ab3d07c"), ("fedcba9876543210", "04b68240b13be95d"))
MODULES = (sta, misty1, digits, crc)


def _bytes(hexstr):
    return bytes(int(hexstr[i:i + 2], 16) for i in range(0, len(hexstr), 2))


def _unix_vm():
    return is_micropython() and sys.platform == "linux"


def _need_native():
    if not _unix_vm():
        raise SkipTest("the viper path exists only where the native emitter does (unix VM, boards)")


class Rand:
    """xorshift32 kept as two 16-bit halves' worth of small ints (< 2**30 on
    every VM): the same sequence on every lane, no big ints."""

    def __init__(self, seed):
        self.s = seed

    def u16(self):
        s = self.s
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        self.s = s
        return s & 0xFFFF

    def block(self):
        return [self.u16(), self.u16(), self.u16(), self.u16()]

    def key(self, n):
        return bytes(self.u16() & 0xFF for _ in range(n))


def _paths(cipher):
    """(name, decrypt, encrypt) for each path this runtime has."""
    out = [("python", cipher.decrypt_python, cipher.encrypt_python)]
    if _unix_vm():
        out.append(("native", cipher.decrypt, cipher.encrypt))
    return out


def test_the_path_is_chosen_by_the_runtime():
    for module in MODULES:
        if _unix_vm():
            assert module.NATIVE, module  # the unix VM has the x64 viper emitter
        else:
            assert not module.NATIVE, module  # CPython and the wasm VM: the Python fallback
    if not sta.NATIVE:
        assert sta_cipher.Sta.decrypt is sta_cipher.Sta.decrypt_python and digits.parse is digits.parse_python
        assert crc.crc_field is crc.crc_field_python
        assert misty1_cipher.Misty1.encrypt is misty1_cipher.Misty1.encrypt_python


def test_sta_every_vector_on_each_path():
    vectors = load_vectors()  # once: two copies of the parsed file do not fit the lane's heap
    words = [0, 0, 0, 0]
    for v in vectors:
        if not (v["kind"] == "token" and v["ea"] == "07" or v["kind"] == "sta_sample_tables"):
            continue
        t = v.get("sample_tables")
        cipher = sta_cipher.Sta(_bytes(v["dk_hex"]), tables=(t["sbox0"], t["sbox1"], t["perm"]) if t else None)
        for name, decrypt, encrypt in _paths(cipher):
            words_from_hex(v["plaintext_block_hex"], words)
            encrypt(words)
            assert hex_from_words(words) == v["ciphertext_block_hex"], (name, v["token"])
            decrypt(words)
            assert hex_from_words(words) == v["plaintext_block_hex"], (name, v["token"])
    for v in vectors:
        if v["kind"] == "decode" and v["ea"] == "07" and v["fields"]["class"] != 1:
            for name, decrypt, _ in _paths(sta_cipher.Sta(_bytes(v["dk_hex"]))):
                digits.parse_python(v["token"], words)
                decrypt(words)
                assert hex_from_words(words) == v["expected_plaintext_block_hex"], (name, v["token"])


def test_misty1_rfc2994_and_every_vector_on_each_path():
    words = [0, 0, 0, 0]
    for name, decrypt, encrypt in _paths(misty1_cipher.Misty1(_bytes(RFC_KEY))):
        for plain, ciph in RFC_VECTORS:
            encrypt(words_from_hex(plain, words))
            assert hex_from_words(words) == ciph, name
            decrypt(words)
            assert hex_from_words(words) == plain, name
    for v in load_vectors("token"):
        if v["ea"] != "11":
            continue
        for name, decrypt, encrypt in _paths(misty1_cipher.Misty1(_bytes(v["dk_hex"]))):
            encrypt(words_from_hex(v["plaintext_block_hex"], words))
            assert hex_from_words(words) == v["ciphertext_block_hex"], (name, v["token"])
            decrypt(words)
            assert hex_from_words(words) == v["plaintext_block_hex"], (name, v["token"])


def _parsers():
    return [("python", digits.parse_python)] + ([("native", digits.parse)] if _unix_vm() else [])


def test_parse_and_crc_every_vector_on_each_path():
    words = [0, 0, 0, 0]
    crc_paths = [("python", crc.crc_field_python)] + ([("native", crc.crc_field)] if _unix_vm() else [])
    for v in load_vectors():
        if v["kind"] not in ("token", "decode"):
            continue
        plain = v.get("plaintext_block_hex") or v["expected_plaintext_block_hex"]
        cls = v["fields"]["class"]
        for name, parse in _parsers():
            assert parse(v["token"], words) == cls, (name, v["token"])
            assert parse(v["token"].encode(), words) == cls, (name, v["token"])
            if cls == 1:
                assert hex_from_words(words) == plain, (name, v["token"])
        words_from_hex(plain, words)
        for name, field in crc_paths:
            assert field(cls, words) == words[3] == v["fields"]["crc"], (name, v["token"])


def test_parse_rejects_the_same_inputs_on_each_path():
    words = [0, 0, 0, 0]
    bad = ("", "1234", "0219453801915786731", "021945380191578673190", "0219453801915786731a",
           "73786976294838206464", "99999999999999999999", "0219453801915786731\xe9", " 2194538019157867319")
    for name, parse in _parsers():
        for text in bad:
            assert parse(text, words) == -1, (name, text)
        assert parse("73786976294838206463", words) == 3, name  # 2**66 - 1: the largest token value
        assert words == [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], name


def test_random_blocks_under_random_keys_agree():
    _need_native()
    rand = Rand(0x2545F491)
    for _ in range(40):
        ciphers = (sta_cipher.Sta(rand.key(8)), misty1_cipher.Misty1(rand.key(16)))
        for cipher in ciphers:
            for _ in range(50):
                block = rand.block()
                a, b = list(block), list(block)
                cipher.decrypt(a)
                cipher.decrypt_python(b)
                assert a == b, (cipher, block)
                cipher.encrypt(a)
                cipher.encrypt_python(b)
                assert a == b == block, (cipher, block)


def test_the_meter_key_state_decrypts_like_both_paths():
    # the meter's check decrypts through KeyState.decrypt -> decrypt_block on
    # the kept key schedule (sts/README.md "Residency"), not through a Sta
    from sts.keys import KeyState

    rand = Rand(0x5EED)
    for _ in range(20):
        for ea, module, size in ((7, sta, 8), (11, misty1, 16)):
            keys = KeyState(ea, rand.key(size), 1, 2, 1, 123456)
            cipher = key_cipher(keys.key)
            for _ in range(20):
                block = rand.block()
                a, b, c = list(block), list(block), list(block)
                keys.decrypt(a)
                module.decrypt_block_python(b, keys._schedule)
                cipher.decrypt_python(c)
                assert a == b == c, (ea, block)
    words = [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF]
    if is_micropython():
        for ea, module, size in ((7, sta, 8), (11, misty1, 16)):
            keys = KeyState(ea, rand.key(size), 1, 2, 1, 123456)
            keys.decrypt(words)  # the first call makes the schedule
            assert_no_alloc(lambda keys=keys: keys.decrypt(words))
            assert_no_alloc(lambda module=module, keys=keys: module.decrypt_block_python(words, keys._schedule))


def test_random_digits_and_crc_agree():
    _need_native()
    rand = Rand(0x1234567)
    a, b = [0, 0, 0, 0], [0, 0, 0, 0]
    for _ in range(2000):
        text = "".join("%04d" % (rand.u16() % 10000) for _ in range(5))
        assert digits.parse(text, a) == digits.parse_python(text, b), text
        assert a == b or digits.parse_python(text, b) == -1, text
        block = rand.block()
        for cls in (0, 1, 2, 3):
            assert crc.crc_field(cls, block) == crc.crc_field_python(cls, block), (cls, block)


def test_both_paths_allocate_nothing():
    if not is_micropython():
        raise SkipTest("allocation is measured only inside MicroPython")
    words = [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF]
    e07, e11 = sta_cipher.Sta(_bytes("e653341f9d5bf36f")), misty1_cipher.Misty1(_bytes(RFC_KEY))
    for cipher in (e07, e11):
        for fn in (cipher.decrypt, cipher.encrypt, cipher.decrypt_python, cipher.encrypt_python):
            assert_no_alloc(lambda fn=fn: fn(words))
    for parse in (digits.parse, digits.parse_python):
        assert_no_alloc(lambda parse=parse: parse("73786976294838206463", words))
        assert_no_alloc(lambda parse=parse: parse(b"02194538019157867319", words))
        assert_no_alloc(lambda parse=parse: parse("9999999999999999999x", words))
    block = [0x4FFF, 0xFFFF, 0xFFFF, 0]  # currency credit: CRC_C, the longest path
    for field in (crc.crc_field, crc.crc_field_python):
        assert_no_alloc(lambda field=field: field(0, block))
