# HD44780 custom glyphs: define_char, an overlay (firmware/overlay.py) loaded
# for the call and dropped after it; kept out of drivers/hd44780_setup.py,
# which every boot loads, because the meter's screens use the ROM characters.
# Glyphs live in CGRAM (8 of them, codes 0-7, 8 rows of 5 dots each).
from micropython import const

_SET_CGRAM = const(0x40)
_SET_DDRAM = const(0x80)
_GLYPHS = const(8)


def define_char(lcd, index, pattern):
    """Glyph index 0-7 from 8 row bytes (5 low bits each, top row first)."""
    if not 0 <= index < _GLYPHS:
        raise ValueError("glyph index must be 0-7")
    if len(pattern) != 8:
        raise ValueError("a glyph is 8 row bytes")
    for row_bits in pattern:
        if not 0 <= row_bits <= 0x1F:
            raise ValueError("glyph rows are 5 bits")
    if not lcd.online:
        return False
    t = lcd._t
    try:
        t.write_command(_SET_CGRAM | (index << 3))
        for row_bits in pattern:
            t.write_data(row_bits)
        t.write_command(_SET_DDRAM | lcd._addr)  # back to DDRAM where the text was
    except OSError as exc:
        return lcd._fail(exc)
    return True
