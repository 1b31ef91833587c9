# HD44780 character LCD logic, independent of how bytes reach the controller
# (drivers.pcf8574.Pcf8574Transport for the usual I2C backpack).
#
# An absent or failing display never crashes the meter: any OSError from the
# transport marks the driver offline (online=False, errors counted, last_error
# holds the errno) and the call returns False.  While offline, output methods
# do nothing and return False; init() tries the display again and returns
# True once it answers, so the caller can retry it every few seconds.
# Bad arguments (row out of range, wrong glyph size) raise ValueError.
#
# The driver keeps a copy of what each row of the glass shows (codes per cell):
# write_line() sends only the cells that differ, moving the cursor to each run
# of changed cells.  On a 100 kHz backpack a character costs about 0.6 ms, so
# typing one digit costs ~1.3 ms of bus instead of ~21 ms for two whole rows.
# After a bus error, write() or init() the copy is refreshed; invalidate()
# forces the next write_line() of every row to send all its cells (a caller
# can do that now and then, in case noise corrupted the controller's RAM).
#
# Text: str characters 0x20-0x7D print as themselves (the A00 ROM shows 0x5C
# as a yen sign), "\x00".."\x07" are the custom glyphs, anything else becomes
# "?".  bytes are sent unchanged (ROM codes such as 0xDF for the degree sign).
#
# The start-up (init) and define_char run rarely: they are in
# drivers/hd44780_setup.py and drivers/hd44780_glyph.py, overlays loaded for
# the call (firmware/overlay.py).
import overlay
from micropython import const

_CLEAR = const(0x01)
_HOME = const(0x02)
_DISPLAY_CONTROL = const(0x08)
_DISPLAY_ON = const(0x04)
_CURSOR_ON = const(0x02)
_SET_DDRAM = const(0x80)
_SPACE = const(0x20)
_FULL_BLOCK = const(0xFF)  # every dot on in the A00 ROM: "\xff" shows it (display test)
_QUESTION = const(0x3F)
_LAST_PLAIN = const(0x7D)
_GLYPHS = const(8)
_CLEAR_MS = const(2)  # clear and home take 1.52 ms (HD44780U table 6), with margin


class HD44780:
    def __init__(self, transport, clock, cols=16, rows=2):
        if rows not in (1, 2, 4) or not 8 <= cols <= 40 or rows * cols > 80:
            raise ValueError("unsupported LCD geometry %dx%d" % (cols, rows))
        self._t = transport
        self._clock = clock
        self.cols = cols
        self.rows = rows
        # DDRAM start of each row: lines 3 and 4 continue lines 1 and 2.
        self._row_start = bytes((0x00, 0x40, cols, 0x40 + cols))
        self._display = _DISPLAY_CONTROL | _DISPLAY_ON
        self._addr = 0  # DDRAM address the next character goes to (restored after define_char)
        self._shown = bytearray(rows * cols)  # the code each cell shows, row-major
        self._known = bytearray(rows)  # 1: that row of _shown matches the controller
        self.online = False
        self.errors = 0
        self.last_error = 0

    def _fail(self, exc):
        self.invalidate()  # a byte may have been half sent: trust nothing shown
        self.online = False
        self.errors += 1
        self.last_error = exc.args[0] if exc.args else -1
        return False

    def init(self):
        """The 4-bit initialisation by instruction (hd44780_setup.py); True when the display answered."""
        return overlay.run("drivers.hd44780_setup", "init", self)

    def _blank(self):
        """The controller was just cleared: every cell shows a space."""
        shown = self._shown
        for i in range(len(shown)):
            shown[i] = _SPACE
        for row in range(self.rows):
            self._known[row] = 1

    def invalidate(self):
        """Forget what the glass shows: the next write_line() of each row sends every cell."""
        for row in range(self.rows):
            self._known[row] = 0

    def _command(self, byte, wait_ms=0):
        if not self.online:
            return False
        try:
            self._t.write_command(byte)
            if wait_ms:
                self._clock.sleep_ms(wait_ms)
        except OSError as exc:
            return self._fail(exc)
        return True

    def clear(self):
        self._addr = 0
        if not self._command(_CLEAR, _CLEAR_MS):
            return False
        self._blank()
        return True

    def home(self):
        self._addr = 0
        return self._command(_HOME, _CLEAR_MS)

    def _check_row(self, row):
        if not 0 <= row < self.rows:
            raise ValueError("row out of range")

    def move_to(self, col, row):
        self._check_row(row)
        if not 0 <= col < self.cols:
            raise ValueError("column out of range")
        self._addr = self._row_start[row] + col
        return self._command(_SET_DDRAM | self._addr)

    def _put(self, text, limit):
        """Send up to limit characters of text; the number sent."""
        t = self._t
        count = 0
        for ch in text:
            if count == limit:
                break
            t.write_data(_code(ch))
            count += 1
        self._addr = self._advance(self._addr, count)
        return count

    def _advance(self, addr, count):
        # The controller's address counter: in 2-line mode 0x27 runs on to 0x40
        # and 0x67 back to 0x00; in 1-line mode 0x4F runs on to 0x00.
        if self.rows == 1:
            return (addr + count) % 80
        line = addr & 0x40
        pos = (addr & 0x3F) + count
        while pos >= 40:
            pos -= 40
            line ^= 0x40
        return line | pos

    def write(self, text):
        """Write at the cursor (no wrapping to the next row is attempted)."""
        if not self.online:
            return False
        self.invalidate()  # cells written at the cursor are not tracked
        try:
            self._put(text, 80)
        except OSError as exc:
            return self._fail(exc)
        return True

    def write_line(self, row, text):
        """Make a whole row show text (truncated or padded with spaces to cols);
        only the cells that differ from what the row shows are sent."""
        self._check_row(row)
        if not self.online:
            return False
        t = self._t
        shown = self._shown
        cols = self.cols
        base = row * cols
        start = self._row_start[row]
        known = self._known[row]
        col = 0
        try:
            for ch in text:
                if col == cols:
                    break
                code = _code(ch)
                if not known or shown[base + col] != code:
                    self._cell(t, start + col, code)
                    shown[base + col] = code
                col += 1
            while col < cols:
                if not known or shown[base + col] != _SPACE:
                    self._cell(t, start + col, _SPACE)
                    shown[base + col] = _SPACE
                col += 1
        except OSError as exc:
            return self._fail(exc)
        self._known[row] = 1
        return True

    def _cell(self, t, addr, code):
        # Set the address only when the counter is not already there (the
        # cell after the last one written needs no command).
        if self._addr != addr:
            t.write_command(_SET_DDRAM | addr)
        t.write_data(code)
        self._addr = self._advance(addr, 1)

    def backlight(self, on):
        if not self.online:
            return False
        try:
            self._t.set_backlight(on)
        except OSError as exc:
            return self._fail(exc)
        return True

    def define_char(self, index, pattern):
        """Glyph index 0-7 from 8 row bytes (5 low bits each, top row first)."""
        return overlay.run("drivers.hd44780_glyph", "define_char", self, index, pattern)

    def show_cursor(self, on):
        self._display = _DISPLAY_CONTROL | _DISPLAY_ON | (_CURSOR_ON if on else 0)
        return self._command(self._display)


def _code(ch):
    """The ROM code sent for one character of str or bytes text."""
    if isinstance(ch, int):  # bytes: ROM codes as given
        return ch
    code = ord(ch)
    if (_GLYPHS <= code < _SPACE or code > _LAST_PLAIN) and code != _FULL_BLOCK:
        return _QUESTION
    return code
