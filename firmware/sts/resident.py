# What the token engine keeps in RAM between tokens (sts/README.md "Residency").
# The check's code (pipeline, token fields, digits, CRC, ciphers, key change
# rules) is an overlay: the meter loads it when a token is submitted and drops
# it after the result.  The cipher tables stay here, built once while the heap
# is young (main.py imports this module first): importing them again with each
# token would need 4 KB in one piece on a fragmented heap.  The native (viper)
# modules are loaded once as well and never dropped: on the ESP32 every load of
# native code takes executable RAM that only a reset gives back.
from array import array
from sys import byteorder

from overlay import drop

try:
    from sts import viper_frame, viper_sta  # noqa: F401  (viper_frame: kept loaded, see above)

    NATIVE = True
except Exception:  # CPython (ImportError), no native emitter (SyntaxError), wrong .mpy arch (ValueError)
    NATIVE = False


def u16_array(data):
    """array('H') of the little-endian 16-bit values in data."""
    if byteorder == "little":
        return array("H", data)
    t = array("H", bytes(len(data)))
    for i in range(len(data) // 2):
        t[i] = data[2 * i] | (data[2 * i + 1] << 8)
    return t


def _sta_table():
    from sts.sta_data import TABLE

    drop("sts.sta_data")  # the table is kept here; the module's other constants go
    # The viper code reads the literal in place (no copy; none at all from ROMFS),
    # if it is 2-byte aligned (a bytes constant in ROMFS may sit anywhere).
    if NATIVE and byteorder == "little" and not viper_sta.misalignment(TABLE):
        return TABLE
    return u16_array(TABLE)


# The STA decryption table (layout: sts/sta.py): bytes for the viper path, else array('H').
STA_TABLE = _sta_table()
del _sta_table  # boot-only
_misty1 = None


def misty1_sboxes():
    """(S9 as array('H'), S7 as bytes) for MISTY1: made on the first EA11 use, then kept."""
    global _misty1
    if _misty1 is None:
        from sts import misty1_data

        drop("sts.misty1_data")
        _misty1 = (u16_array(misty1_data.S9), misty1_data.S7)
    return _misty1
