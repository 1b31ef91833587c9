# A clock the test drives: time moves only when the test says so, and sleeps
# advance it instantly (so LCD init delays etc. cost nothing in tests).
from clock import ticks_diff

_TICKS_MASK = (1 << 29) - 1


class FakeClock:
    def __init__(self, start_s=1_000_000, start_ticks_ms=0):
        self._us = start_ticks_ms * 1000
        self._wall_start_s = start_s
        self.slept_us = 0  # total time spent in sleep_* (tests check init delays)

    def advance_ms(self, ms):
        self._us += ms * 1000

    def advance_us(self, us):
        self._us += us

    def ticks_ms(self):
        return (self._us // 1000) & _TICKS_MASK

    def ticks_us(self):
        return self._us & _TICKS_MASK

    def ticks_diff(self, end, start):
        return ticks_diff(end, start)

    def sleep_ms(self, ms):
        self.sleep_us(ms * 1000)

    def sleep_us(self, us):
        self._us += us
        self.slept_us += us

    def time(self):
        return self._wall_start_s + self._us // 1000000
