# Latching (bistable) load relay: the driver of drivers/relay.py's interface
# for boards whose relay keeps its contacts without power.  A module of its
# own, imported only by the board builder when the board's relay is latching
# (meter/hardware.py), so a board with a monostable relay never loads it.
from drivers.relay import _Feedback
from micropython import const

_PULSE_MIN_MS = const(50)
_PULSE_MAX_MS = const(200)


class LatchingRelay(_Feedback):
    """Bistable relay: a pulse on set_pin closes it, a pulse on reset_pin opens
    it (two coils, or the two inputs of an H-bridge).  The coils are never
    driven together.  The contacts keep their position without power, so at
    construction the relay is pulsed open (open_at_start) unless the caller
    will reassert a stored state straight away and wants no flicker."""

    def __init__(self, set_pin, reset_pin, clock, pulse_ms=100, feedback=None, feedback_level=0,
                 active_high=True, open_at_start=True):
        if not _PULSE_MIN_MS <= pulse_ms <= _PULSE_MAX_MS:
            raise ValueError("latching pulse must be %d-%d ms" % (_PULSE_MIN_MS, _PULSE_MAX_MS))
        _Feedback.__init__(self, feedback, feedback_level)
        self._set_pin = set_pin
        self._reset_pin = reset_pin
        self._clock = clock
        self.pulse_ms = pulse_ms
        self._on = 1 if active_high else 0
        self.closed = False  # intended state
        self.position = None  # where the last pulse drove the contacts; None = unknown
        self.pulses = 0
        self._busy = False
        set_pin.init(set_pin.OUT, value=1 - self._on)
        reset_pin.init(reset_pin.OUT, value=1 - self._on)
        if open_at_start:
            self._pulse_blocking(False)

    def _start(self, closed):
        off = 1 - self._on
        if closed:
            self._reset_pin.value(off)  # never both coils at once
            self._set_pin.value(self._on)
        else:
            self._set_pin.value(off)
            self._reset_pin.value(self._on)

    def _finish(self, closed):
        off = 1 - self._on
        self._set_pin.value(off)
        self._reset_pin.value(off)
        self.position = closed
        self.pulses += 1

    def _pulse_blocking(self, closed):
        self._start(closed)
        try:
            self._clock.sleep_ms(self.pulse_ms)
        finally:
            self._finish(closed)

    def set(self, closed):
        """Change the contacts; blocks for one pulse, only when a pulse is needed."""
        self.closed = bool(closed)
        if self.position != self.closed and not self._busy:
            self._pulse_blocking(self.closed)

    def reassert(self):
        """Pulse the intended state again (after boot, or if the contacts may have moved)."""
        self._pulse_blocking(self.closed)

    async def set_async(self, closed):
        """Like set(), but other tasks run during the pulse.  A call made while
        a pulse is under way only updates the intent: the running call follows
        it with another pulse once the current one has finished."""
        import asyncio  # lazily, as for the keypad

        self.closed = bool(closed)
        if self._busy:
            return
        self._busy = True
        try:
            while self.position != self.closed:
                target = self.closed
                self._start(target)
                try:
                    sleep_ms = getattr(asyncio, "sleep_ms", None)
                    if sleep_ms is not None:
                        await sleep_ms(self.pulse_ms)
                    else:  # CPython
                        await asyncio.sleep(self.pulse_ms / 1000)
                finally:
                    self._finish(target)
        finally:
            self._busy = False
