# 4x4 matrix keypad: scanning, debounce, long press, ghost-key rejection and a
# small preallocated event queue.  poll() allocates nothing once running.
#
# Debounce: a change counts once the scans have seen the same keys for
# debounce_ms.  Membrane 4x4 keypads bounce for at most 5 ms (e.g. Parallax
# #27899 datasheet, "Bounce time: <= 5 ms"), so at the meter's 10 ms scan the
# default of 10 ms means two scans 10 ms apart agree: one bounce can never
# span them, and a press shows up 10-20 ms after the contact closes.
#
# Wiring: the driven lines (rows by default) are open-drain outputs, idle
# released; the sensed lines are inputs with pull-ups; a pressed key pulls its
# sensed line low while its driven line is low.  Open-drain rather than
# push-pull so two keys in one sensed line never short a high output to a low
# one.  Key index = row * 4 + column into KEYS, so a 3-column keypad also works.
import overlay
from micropython import const

KEYS = "123A456B789C*0#D"  # row-major, as printed on the usual 4x4 membrane keypad
_LONG = const(0x100)  # OR-ed into a key's event once it has been held for long_ms

_KEY_CODES = KEYS.encode()  # indexing bytes gives the code: nothing allocated
_KEY_NAMES = tuple(KEYS)  # the keys as 1-character strs, made once: stuck_key never builds a str
_FLAG_LONG = const(1)
_FLAG_STUCK = const(2)
_ROW_BITS = const(0xF)
_COL_BITS = const(0x1111)


class Keypad:
    """Scan a key matrix; get() returns events: ord(key), ord(key) | LONG, or -1.

    Conditions the meter reports: stuck_key (the key character held longer than
    stuck_ms, else None; raised once per episode, stuck_reports counts episodes)
    and dropped (events lost because the queue was full: the newest is dropped)."""

    def __init__(self, rows, cols, clock, debounce_ms=10, long_ms=1500, drive_rows=True, queue_len=8,
                 stuck_ms=30000, settle_us=0):
        # the settings checked and the lines set up once, at boot: drivers/keypad_setup.py
        self._drive, self._sense = overlay.run("drivers.keypad_setup", "wire", rows, cols, drive_rows, debounce_ms,
                                               long_ms, stuck_ms, queue_len)
        self._clock = clock
        self._debounce_ms = debounce_ms
        self._long_ms = long_ms
        self._stuck_ms = stuck_ms
        self._settle_us = settle_us
        self._rows_driven = bool(drive_rows)
        self._candidate = 0  # last raw (ghost-filtered) mask seen
        self._changed_at = clock.ticks_ms()
        self._stable = 0  # debounced mask of keys down
        self._down_since = [0] * 16
        self._flags = bytearray(16)
        self._queue = [0] * queue_len
        self._head = 0
        self._count = 0
        self.dropped = 0
        self.stuck_key = None
        self.stuck_reports = 0

    def _scan(self):
        """Raw mask of closed contacts: bit (row * 4 + col)."""
        mask = 0
        sense = self._sense
        n_sense = len(sense)
        rows_driven = self._rows_driven
        for d in range(len(self._drive)):
            line = self._drive[d]
            line.value(0)
            if self._settle_us:
                self._clock.sleep_us(self._settle_us)
            for s in range(n_sense):
                if not sense[s].value():
                    mask |= 1 << (d * 4 + s if rows_driven else s * 4 + d)
            line.value(1)
        return mask

    def _unghost(self, mask):
        """Without diodes, three keys at corners of a rectangle close the fourth
        corner too.  A key whose row and column both hold another key cannot be
        told from a ghost: keep its previous debounced state instead."""
        multi_rows = 0
        multi_cols = 0
        for i in range(4):
            bits = (mask >> (i * 4)) & _ROW_BITS
            if bits & (bits - 1):
                multi_rows |= _ROW_BITS << (i * 4)
            bits = mask & (_COL_BITS << i)
            if bits & (bits - 1):
                multi_cols |= _COL_BITS << i
        ambiguous = mask & multi_rows & multi_cols
        return (mask & ~ambiguous) | (self._stable & ambiguous)

    def poll(self):
        """One full scan; queue any new events.  Call every 5-20 ms."""
        now = self._clock.ticks_ms()
        raw = self._unghost(self._scan())
        if raw != self._candidate:
            self._candidate = raw
            self._changed_at = now
        elif raw != self._stable and self._clock.ticks_diff(now, self._changed_at) >= self._debounce_ms:
            pressed = raw & ~self._stable
            self._stable = raw
            for i in range(16):
                if pressed & (1 << i):
                    self._down_since[i] = now
                    self._flags[i] = 0
                    self._put(_KEY_CODES[i])
            if self.stuck_key is not None and not self._stuck_still_down():
                self.stuck_key = None  # condition cleared by release
        if self._stable:
            self._check_held(now)

    def _check_held(self, now):
        stable = self._stable
        for i in range(16):
            if not stable & (1 << i):
                continue
            flags = self._flags[i]
            if flags & _FLAG_STUCK:
                continue
            held = self._clock.ticks_diff(now, self._down_since[i])
            if not flags & _FLAG_LONG and held >= self._long_ms:
                self._flags[i] = flags | _FLAG_LONG
                self._put(_KEY_CODES[i] | _LONG)
            elif held >= self._stuck_ms:
                self._flags[i] = flags | _FLAG_STUCK
                self.stuck_key = _KEY_NAMES[i]
                self.stuck_reports += 1

    def _stuck_still_down(self):
        for i in range(16):
            if self._stable & (1 << i) and self._flags[i] & _FLAG_STUCK:
                return True
        return False

    def _put(self, event):
        size = len(self._queue)
        if self._count == size:
            self.dropped += 1
            return
        self._queue[(self._head + self._count) % size] = event
        self._count += 1

    def get(self):
        """The oldest queued event, or -1 when there is none."""
        if not self._count:
            return -1
        event = self._queue[self._head]
        self._head = (self._head + 1) % len(self._queue)
        self._count -= 1
        return event

    def pending(self):
        return self._count

    async def run(self, period_ms=10):
        """Scan forever as an asyncio task."""
        import asyncio  # lazily: the module stays importable without asyncio

        sleep_ms = getattr(asyncio, "sleep_ms", None)
        while True:
            self.poll()
            if sleep_ms is not None:
                await sleep_ms(period_ms)
            else:  # CPython
                await asyncio.sleep(period_ms / 1000)
