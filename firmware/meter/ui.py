# The keypad-and-LCD user interface as a state machine.  Inputs: key events
# (from drivers.keypad) and ticks; output: `lines`, the screen contents, and
# `backlight`.  It knows nothing about hardware or tokens: it asks `meter`
# (meter.app.Meter or a test double) for the screens to show.
#
# Screens are (line0, line1) tuples, or meter.app's live screens indexed the same
# way whose lines are computed when drawn (a lockout countdown).
# Keys: digits type a token; '*' deletes, hold '*' clears; '#' submits 20
# digits, or starts a short code (#NN#) when nothing is typed; 'A' starts a
# short code; 'B' credit; 'C' last tokens; 'D' next screen.  A 20th digit
# does not submit by itself: the customer checks the digits and presses '#'
# (a 21st digit is refused).  '#' checks the token at once and shows its result:
# no "please wait" screen, because the check takes about 10 ms on an RP2040
# (well under 1 ms with the viper cipher) and such a screen would only flicker
# and delay the result by the ~20 ms it takes to write it.
from meter.texts import COLS, fit, two_columns
from micropython import const

_LONG = const(0x100)  # drivers/keypad.py: OR-ed into a key held long
_TOKEN_DIGITS = const(20)
_CODE_DIGITS = const(3)

_IDLE = const(0)
_ENTRY = const(1)
_CODE = const(2)
_MESSAGE = const(3)
_REDRAW_MS = const(1000)
_ROTATE_MS = const(4000)  # the idle screens follow each other this often


class Ui:
    def __init__(self, meter, clock, entry_timeout_ms=20000, result_ms=4000, backlight_ms=30000):
        self.meter = meter
        self.clock = clock
        self.entry_timeout_ms = entry_timeout_ms
        self.result_ms = result_ms
        self.backlight_ms = backlight_ms
        self.mode = _IDLE
        self.digits = ""
        self.note = ""  # transient hint on the entry screen ("max 20 digits")
        self.lines = [fit(""), fit("")]
        self.backlight = True
        self._queue = []  # message screens still to show
        self._screen = None
        self._since = clock.ticks_ms()  # when the current screen/mode started
        self._last_key = self._since
        self._idle_index = 0
        self._drawn_ms = self._since
        self._render()

    # ---- inputs -------------------------------------------------------
    def key(self, event):
        now = self.clock.ticks_ms()
        self._last_key = now
        self.backlight = True
        long_press = event & _LONG
        ch = chr(event & 0xFF)
        if self.meter.on_user_key(ch if not long_press and self.mode in (_IDLE, _MESSAGE) else ""):
            self._to_idle()  # the meter took the key (# to reconnect), not while a token is typed
            self._render()
            return
        if long_press and ch != "*":
            return  # only '*' means something when held (clear); the press itself was already typed
        if self.mode == _MESSAGE and ch in "*D":
            if ch == "*":
                self._to_idle()
            else:
                self._next_message(now)
            self._render()
            return
        if self.mode == _MESSAGE:  # any other key leaves the result for what it asks
            self._to_idle()
        if ch in "0123456789":
            self._digit(ch)
        elif ch == "*":
            self._delete(long_press)
        elif ch == "#":
            self._enter()
        elif ch == "A":
            self._start_code()
        elif ch == "B":
            self.show(self.meter.short_code(1))
        elif ch == "C":
            self.show(self.meter.short_code(9))
        elif ch == "D":
            self._idle_index += 1
            self._to_idle()
        self._render()

    def tick(self):
        now = self.clock.ticks_ms()
        elapsed = self.clock.ticks_diff(now, self._since)
        changed = True
        if self.mode in (_ENTRY, _CODE) and self.clock.ticks_diff(now, self._last_key) >= self.entry_timeout_ms:
            self._to_idle()
        elif self.mode == _MESSAGE and elapsed >= self.result_ms:
            self._next_message(now)
        elif self.mode == _IDLE and elapsed >= _ROTATE_MS:
            self._idle_index += 1
            self._since = now
        else:
            changed = False
        if self.backlight and self.mode == _IDLE and self.clock.ticks_diff(now, self._last_key) >= self.backlight_ms:
            self.backlight = False
        # A screen that did not change only carries live values (credit, power,
        # a countdown): redraw those once a second, so a quiet meter makes no garbage.
        if changed or self.clock.ticks_diff(now, self._drawn_ms) >= _REDRAW_MS:
            self._render()

    def show(self, screens):
        """Show screens one after another (result_ms each), then go idle."""
        if not screens:
            self._to_idle()
            return
        self._queue = list(screens)
        self.mode = _MESSAGE
        self._next_message(self.clock.ticks_ms())
        self.backlight = True
        self._last_key = self.clock.ticks_ms()

    # ---- key handling -------------------------------------------------
    def _digit(self, ch):
        if self.mode not in (_ENTRY, _CODE):
            self.mode = _ENTRY
            self.digits = ""
        limit = _TOKEN_DIGITS if self.mode == _ENTRY else _CODE_DIGITS
        if len(self.digits) >= limit:
            self.note = "max %d digits" % limit
            return
        self.digits += ch
        self.note = ""

    def _delete(self, long_press):
        self.note = ""
        if long_press or not self.digits or self.mode not in (_ENTRY, _CODE):
            self._to_idle()
        else:
            self.digits = self.digits[:-1]

    def _enter(self):
        if self.mode == _IDLE:
            self._start_code()
        elif self.mode == _CODE:
            if not self.digits:
                self._to_idle()
                return
            number = int(self.digits)
            self.digits = ""
            screens = self.meter.short_code(number)
            self.show(screens or [("Code #%02d#" % number, "unknown code")])
        elif self.mode == _ENTRY:
            if len(self.digits) < _TOKEN_DIGITS:
                self.note = "need %d digits" % _TOKEN_DIGITS
                return
            digits, self.digits = self.digits, ""
            self.show(self.meter.submit(digits))

    def _start_code(self):
        self.mode = _CODE
        self.digits = ""
        self.note = ""

    # ---- screens ------------------------------------------------------
    def _to_idle(self):
        self.mode = _IDLE
        self.digits = ""
        self.note = ""
        self._queue = []
        self._screen = None
        self._since = self.clock.ticks_ms()

    def _next_message(self, now):
        if not self._queue:
            self._to_idle()
            return
        self._screen = self._queue.pop(0)
        self._since = now

    def _render(self):
        self._drawn_ms = self.clock.ticks_ms()
        if self.mode == _ENTRY:
            first, rest = self.digits[:12], self.digits[12:]
            line1 = self.note or _grouped(rest)
            self._set(_grouped(first), two_columns(line1, "%d/%d" % (len(self.digits), _TOKEN_DIGITS)))
        elif self.mode == _CODE:
            self._set("Code #" + self.digits, self.note or "then press #")
        elif self.mode == _MESSAGE:
            self._set_screen(self._screen)
        else:
            screens = self.meter.idle_screens()
            self._set_screen(screens[self._idle_index % len(screens)])

    def _set_screen(self, screen):
        self._set(screen[0], screen[1] if len(screen) > 1 else "")

    def _set(self, line0, line1):
        self.lines[0] = fit(line0, COLS)
        self.lines[1] = fit(line1, COLS)


def _grouped(digits):
    """'123456789' -> '1234 5678 9' (groups of four, as printed on receipts)."""
    out = ""
    for i in range(0, len(digits), 4):
        if out:
            out += " "
        out += digits[i : i + 4]
    return out
