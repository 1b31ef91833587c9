# CRC-16 of an STS block (SPEC section 3): reflected polynomial 0xA001, initial
# 0xFFFF, over class + the top 48 bits of the block as 7 big-endian bytes.  The
# stored field is the register with its bytes swapped.  Currency credit tokens
# (class 0, subclasses 4..7) feed one extra 0x01 byte (CRC_C).
# Table-driven and allocation-free: everything stays a 16-bit small int.
# crc_field runs as native code (sts/viper_frame.py) where the port has the
# viper emitter, else as crc_field_python below; NATIVE says which.


def _build_table():
    table = bytearray(512)  # 256 entries, 16-bit, high byte first
    for n in range(256):
        reg = n
        for _ in range(8):
            reg = (reg >> 1) ^ 0xA001 if reg & 1 else reg >> 1
        table[2 * n] = reg >> 8
        table[2 * n + 1] = reg & 0xFF
    return bytes(table)


_TABLE = _build_table()


def _step(reg, byte):
    i = ((reg ^ byte) & 0xFF) << 1
    return (reg >> 8) ^ ((_TABLE[i] << 8) | _TABLE[i + 1])


def uses_crc_c(cls, subclass):
    """True for the currency credit subclasses, which use CRC_C."""
    return cls == 0 and 4 <= subclass <= 7


def crc_field_python(cls, words):
    """The 16-bit CRC field for class cls and block words[0..2] (words[3] ignored)."""
    reg = _step(0xFFFF, cls)
    w = words[0]
    reg = _step(_step(reg, w >> 8), w & 0xFF)
    w = words[1]
    reg = _step(_step(reg, w >> 8), w & 0xFF)
    w = words[2]
    reg = _step(_step(reg, w >> 8), w & 0xFF)
    if cls == 0 and 4 <= (words[0] >> 12) <= 7:
        reg = _step(reg, 1)
    return ((reg & 0xFF) << 8) | (reg >> 8)


try:
    from sts import viper_frame as _viper

    NATIVE = True
except Exception:  # CPython (ImportError), no native emitter (SyntaxError), wrong .mpy arch (ValueError)
    NATIVE = False

if not NATIVE:
    crc_field = crc_field_python
else:

    def crc_field(cls, words):
        """The 16-bit CRC field for class cls and block words[0..2] (native code)."""
        return _viper.crc_field(cls, words, _TABLE)


def crc_ok(cls, words):
    return crc_field(cls, words) == words[3]


def seal(cls, words):
    """Vending side: write the CRC field into words[3]."""
    words[3] = crc_field(cls, words)
