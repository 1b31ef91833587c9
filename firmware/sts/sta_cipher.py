# Sta: an EA07 (STA) cipher object for one key, for tools, tests and the vending
# side: encryption, other tables (e.g. the standard's sample S-boxes), and both
# code paths by name (decrypt_python/encrypt_python are always pure Python;
# decrypt/encrypt are native code where sts/sta.py found the viper module).
# The meter never loads this module: its check decrypts with
# sts.sta.decrypt_block on the schedule its KeyState keeps, so these names stay
# out of the token check's overlay (DESIGN.md "Heap").
from sts import resident, sta


def production_table():
    """The production decryption table as array('H'): the Python path's, made on
    first use on a port that runs the viper path (kept in sts.sta, which
    decrypt_block_python reads)."""
    if sta._DECRYPT_ARRAY is None:
        sta._DECRYPT_ARRAY = resident.u16_array(sta._DECRYPT)
    return sta._DECRYPT_ARRAY


class Sta:
    """EA07 cipher for one decoder key.  key8: 8 bytes, natural order (SPEC 7.1).
    tables: optional (s0, s1, perm) to use other tables, e.g. the standard's
    sample tables; the production tables are the default.  schedule:
    sta.key_schedule(key8) made earlier; it is shared, not copied."""

    def __init__(self, key8, tables=None, schedule=None):
        if len(key8) != 8:
            raise ValueError("STA key must be 8 bytes")
        self._sched = schedule if schedule is not None else sta.key_schedule(key8)
        if tables is None:
            self._tab = sta._DECRYPT
            self._tables = None
        else:
            from sts.sta_tables import decrypt_table

            self._tab = decrypt_table(*tables)
            self._tables = (bytes(tables[0]), bytes(tables[1]), bytes(tables[2]))
        self._ptab = None  # the Python path's table and views, made on its first use
        self._views = None
        self._etab = None
        self._eviews = None

    def _python_table(self):
        if self._ptab is None:
            self._ptab = self._tab if self._tables is not None else production_table()
            self._views = sta._views(self._ptab)
        return self._ptab

    def decrypt_python(self, words):
        """Ciphertext block -> plaintext block, in place (pure Python)."""
        sta._decrypt_python(words, self._ptab or self._python_table(), self._views, self._sched)

    def encrypt_python(self, words):
        """Plaintext block -> ciphertext block, in place (pure Python)."""
        if self._eviews is None:
            self._eviews = sta._views(self._encrypt_table())
        sta._passes(words, self._eviews, self._sched, 17, 33)

    def _encrypt_table(self):
        if self._etab is None:
            from sts import sta_tables

            if self._tables is None:
                self._etab = sta_tables.production_encrypt_table()
            else:
                self._etab = sta_tables.encrypt_table(*self._tables)
        return self._etab

    if not sta.NATIVE:
        decrypt = decrypt_python
        encrypt = encrypt_python
    else:

        def decrypt(self, words):
            """Ciphertext block -> plaintext block, in place (native code)."""
            sta._viper.decrypt(words, self._tab, self._sched)

        def encrypt(self, words):
            """Plaintext block -> ciphertext block, in place (native code)."""
            sta._viper.encrypt(words, self._etab or self._encrypt_table(), self._sched)
