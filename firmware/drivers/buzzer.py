# Buzzer: distinct, non-blocking sound patterns.  A passive buzzer (a bare
# piezo or magnetic transducer) needs a square wave: drive it from a
# machine.PWM (freq(), duty_u16()); an active buzzer has its own oscillator:
# a plain output Pin switches it (the pattern's frequency is then ignored).
# tick() is called every few tens of ms and only changes the output at a step
# boundary; it allocates nothing (patterns are tuples of small ints).
from micropython import const

_HALF_DUTY = const(32768)  # 50 % duty: the loudest square wave for a passive buzzer

# A pattern: (frequency Hz, on ms, off ms) steps, flattened.  frequency 0 = silence.
LOW_CREDIT = (2000, 150, 100, 2000, 150, 100, 2000, 150, 1000)  # three short beeps, then a pause
RELAY_WARNING = (1500, 600, 200, 1000, 600, 200, 1500, 600, 200, 1000, 600, 1000)  # two-tone, long
KEY_CLICK = (4000, 20, 0)
REJECT = (400, 400, 100, 300, 500, 0)  # low, lower


class Buzzer:
    def __init__(self, output, clock, passive=True):
        self._out = output  # machine.PWM (passive) or machine.Pin (active)
        self._clock = clock
        self.passive = passive
        self._pattern = None
        self._step = 0  # index of the current step's first number
        self._sounding = False  # inside the "on" part of a step
        self._repeats = 0  # pattern runs left after this one (-1: until stop())
        self._due_ms = 0
        self._silence()

    @property
    def on(self):
        """A pattern is playing (the output may be in a pause between beeps)."""
        return self._pattern is not None

    @property
    def pattern(self):
        return self._pattern

    def play(self, pattern, repeats=0):
        """Start pattern now (replacing any other); repeats = extra runs, -1 = until stop()."""
        self._pattern = pattern
        self._repeats = repeats
        self._step = 0
        self._start_step(pattern, self._clock.ticks_ms())

    def stop(self):
        self._pattern = None
        self._silence()

    def tick(self):
        """Advance the pattern; call every 10-50 ms."""
        pattern = self._pattern
        if pattern is None:
            return
        now = self._clock.ticks_ms()
        while self._pattern is not None and self._clock.ticks_diff(now, self._due_ms) >= 0:
            if self._sounding:  # on-part over: the step's pause
                self._sounding = False
                self._silence()
                self._due_ms = (self._due_ms + pattern[self._step + 2]) & 0x1FFFFFFF
                continue
            self._step += 3
            if self._step >= len(pattern):
                if self._repeats == 0:
                    self.stop()
                    return
                if self._repeats > 0:
                    self._repeats -= 1
                self._step = 0
            self._start_step(pattern, self._due_ms)

    def _start_step(self, pattern, at_ms):
        freq = pattern[self._step]
        self._sounding = True
        if freq:
            self._sound(freq)
        else:
            self._silence()
        self._due_ms = (at_ms + pattern[self._step + 1]) & 0x1FFFFFFF

    def _sound(self, freq):
        if self.passive:
            self._out.freq(freq)
            self._out.duty_u16(_HALF_DUTY)
        else:
            self._out.value(1)

    def _silence(self):
        if self.passive:
            self._out.duty_u16(0)
        else:
            self._out.value(0)
