# HD44780 start-up: the rarely used half of drivers/hd44780.py, an overlay
# (firmware/overlay.py) loaded for one call and dropped after it.  Functions
# take the driver object; none are kept by it.  Custom glyphs (define_char),
# which no boot defines, are in drivers/hd44780_glyph.py.
from micropython import const

_CLEAR = const(0x01)
_ENTRY_LEFT_TO_RIGHT = const(0x06)  # increment, no display shift
_DISPLAY_CONTROL = const(0x08)
_DISPLAY_ON = const(0x04)
_FUNCTION_4BIT = const(0x20)
_TWO_LINES = const(0x08)

# Datasheet timings (HD44780U, fig. 24 and table 6), with margin.
_POWER_ON_MS = const(50)  # > 40 ms after Vcc reaches 2.7 V
_FIRST_NIBBLE_MS = const(5)  # > 4.1 ms
_NIBBLE_US = const(150)  # > 100 us
_CLEAR_MS = const(2)  # clear and home take 1.52 ms


def init(lcd):
    """The 4-bit initialisation by instruction; True when the display answered."""
    t = lcd._t
    clock = lcd._clock
    try:
        clock.sleep_ms(_POWER_ON_MS)
        t.write_init_nibble(0x3)
        clock.sleep_ms(_FIRST_NIBBLE_MS)
        t.write_init_nibble(0x3)
        clock.sleep_us(_NIBBLE_US)
        t.write_init_nibble(0x3)
        clock.sleep_us(_NIBBLE_US)
        t.write_init_nibble(0x2)
        clock.sleep_us(_NIBBLE_US)
        t.write_command(_FUNCTION_4BIT | (_TWO_LINES if lcd.rows > 1 else 0))
        t.write_command(_DISPLAY_CONTROL)  # display off while clearing
        t.write_command(_CLEAR)
        clock.sleep_ms(_CLEAR_MS)
        t.write_command(_ENTRY_LEFT_TO_RIGHT)
        lcd._display = _DISPLAY_CONTROL | _DISPLAY_ON
        t.write_command(lcd._display)
    except OSError as exc:
        return lcd._fail(exc)
    lcd._addr = 0
    lcd._blank()
    lcd.online = True
    return True
