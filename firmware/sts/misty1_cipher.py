# Misty1: an EA11 (MISTY1) cipher object for one key, for tools, tests and the
# vending side: encryption, and both code paths by name (decrypt_python/
# encrypt_python are always pure Python; decrypt/encrypt are native code where
# sts/misty1.py found the viper module).  The meter never loads this module:
# its check decrypts with sts.misty1.decrypt_block on the schedule its KeyState
# keeps, so these names stay out of the token check's overlay.
from sts import misty1


class Misty1:
    """MISTY1 (8 rounds) for one 16-byte key.  schedule: misty1.key_schedule(key16)
    made earlier; it is shared, not copied."""

    def __init__(self, key16, schedule=None):
        if len(key16) != 16:
            raise ValueError("MISTY1 key must be 16 bytes")
        self._ek, self._dk = schedule if schedule is not None else misty1.key_schedule(key16)

    def encrypt_python(self, words):
        """Plaintext block -> ciphertext block, in place (pure Python)."""
        misty1._crypt(words, self._ek, True)

    def decrypt_python(self, words):
        """Ciphertext block -> plaintext block, in place (pure Python)."""
        misty1._crypt(words, self._dk, False)

    if not misty1.NATIVE:
        encrypt = encrypt_python
        decrypt = decrypt_python
    else:

        def encrypt(self, words):
            """Plaintext block -> ciphertext block, in place (native code)."""
            misty1._viper.crypt(words, self._ek, misty1._SBOXES, 1)

        def decrypt(self, words):
            """Ciphertext block -> plaintext block, in place (native code)."""
            misty1._viper.crypt(words, self._dk, misty1._SBOXES, 0)
