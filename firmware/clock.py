# The one clock the meter logic uses.  Code never calls time.ticks_* directly:
# it takes a clock, so tests and the virtual meter can drive time themselves.
import time

from micropython import const

# CPython has no ticks_*: the host fallback counts from monotonic_ns (looked up
# by name: the board stubs rightly do not know it).
_monotonic_ns = getattr(time, "monotonic_ns", lambda: 0)
_TICKS_PERIOD = const(1 << 29)  # MicroPython's ticks wrap at 2**29 on every port
_TICKS_HALF = const(_TICKS_PERIOD >> 1)


def ticks_diff(end, start):
    """end - start for wrapping tick counters, like time.ticks_diff."""
    return ((end - start + _TICKS_HALF) & (_TICKS_PERIOD - 1)) - _TICKS_HALF


class SystemClock:
    """Ticks and wall time from the `time` module (MicroPython or CPython)."""

    def __init__(self):
        self._has_ticks = hasattr(time, "ticks_ms")

    def ticks_ms(self):
        if self._has_ticks:
            return time.ticks_ms()
        return (_monotonic_ns() // 1000000) & (_TICKS_PERIOD - 1)

    def ticks_us(self):
        if self._has_ticks:
            return time.ticks_us()
        return (_monotonic_ns() // 1000) & (_TICKS_PERIOD - 1)

    def ticks_diff(self, end, start):
        return ticks_diff(end, start)

    def sleep_ms(self, ms):
        if hasattr(time, "sleep_ms"):
            time.sleep_ms(ms)
        else:
            time.sleep(ms / 1000)

    def sleep_us(self, us):
        if hasattr(time, "sleep_us"):
            time.sleep_us(us)
        else:
            time.sleep(us / 1000000)

    def time(self):
        """Wall-clock seconds (for event-log timestamps); integer."""
        return int(time.time())
