# Model of a diode-less 4x4 key matrix wired to fake machine.Pin objects.
#
# Every row and column line is a node; a closed key contact joins its row and
# column.  When firmware reads an input line, the model finds every line joined
# to it through closed contacts and resolves the level the way the copper
# would: a line driven low wins (and a push-pull high on the same net is
# counted as a short), else a driven high, else a pull-up; a net with nothing
# driving it floats and reads 0 (counted), which a correct driver never sees.
# Held keys therefore show the same ghost keys a real matrix shows.
#
# Contact bounce: for bounce_ms after a press or release the contact is
# open/closed pseudo-randomly on each read (deterministic, seeded).
# Reads allocate nothing, so allocation tests can use the model.
from clock import ticks_diff

_OPEN_DRAIN = 2  # machine.Pin.OPEN_DRAIN in the fake
_IN = 0
_PULL_UP = 1


class KeypadModel:
    def __init__(self, rows, cols, clock=None, bounce_ms=0, seed=12345):
        self.lines = tuple(rows) + tuple(cols)  # node n: rows 0-3, then columns 4-7
        self._n_rows = len(rows)
        self.clock = clock
        self.bounce_ms = bounce_ms
        self._rng = seed & 0xFFFF
        self._levels = [0] * len(self.lines)
        self._held = 0  # mask of keys the finger holds (bit row * 4 + col)
        self._changed_at = [0] * 16
        self.shorts = 0
        self.floating_reads = 0
        self.reads = 0
        for node, pin in enumerate(self.lines):
            pin.listeners.append(self._level_listener(node))
            pin.reader = self._reader(node)

    def _level_listener(self, node):
        def on_drive(_pin, level):
            self._levels[node] = level

        return on_drive

    def _reader(self, node):
        def read():
            return self.level(node)

        return read

    def _now(self):
        return self.clock.ticks_ms() if self.clock is not None else 0

    def _bit(self, key):
        if isinstance(key, str):
            from drivers.keypad import KEYS

            index = KEYS.index(key)
        else:
            index = key
        return 1 << index

    def press(self, *keys):
        for key in keys:
            bit = self._bit(key)
            if not self._held & bit:
                self._held |= bit
                self._changed_at[_index(bit)] = self._now()

    def release(self, *keys):
        for key in keys:
            bit = self._bit(key)
            if self._held & bit:
                self._held &= ~bit
                self._changed_at[_index(bit)] = self._now()

    def hold_mask(self, mask):
        """Hold exactly the keys in mask (bit row * 4 + col); allocation-free."""
        now = self._now()
        for i in range(16):
            bit = 1 << i
            if (self._held ^ mask) & bit:
                self._changed_at[i] = now
        self._held = mask

    def release_all(self):
        for i in range(16):
            if self._held & (1 << i):
                self.release(i)

    def _random_bit(self):
        self._rng = (self._rng * 75 + 74) % 65537  # small LCG: stays a small int on 32-bit VMs
        return self._rng & 1

    def contacts(self):
        """Mask of contacts closed right now (bounce included)."""
        closed = 0
        now = self._now()
        for i in range(16):
            bit = 1 << i
            held = self._held & bit
            if self.bounce_ms and ticks_diff(now, self._changed_at[i]) < self.bounce_ms:
                if self._random_bit():
                    closed |= bit
            elif held:
                closed |= bit
        return closed

    def _net(self, node, closed):
        net = 1 << node
        grown = True
        while grown:
            grown = False
            for i in range(16):
                if not closed & (1 << i):
                    continue
                row, col = i >> 2, i & 3
                if row >= self._n_rows or self._n_rows + col >= len(self.lines):
                    continue
                pair = (1 << row) | (1 << (self._n_rows + col))
                if net & pair and (net & pair) != pair:
                    net |= pair
                    grown = True
        return net

    def level(self, node):
        self.reads += 1
        net = self._net(node, self.contacts())
        low = high = pulled = False
        for n in range(len(self.lines)):
            if not net & (1 << n):
                continue
            pin = self.lines[n]
            if pin.mode == _IN:
                pulled = pulled or pin.pull == _PULL_UP
            elif self._levels[n] == 0:
                low = True
            elif pin.mode != _OPEN_DRAIN:
                high = True
        if low:
            if high:
                self.shorts += 1
            return 0
        if high or pulled:
            return 1
        self.floating_reads += 1
        return 0


def _index(bit):
    i = 0
    while bit > 1:
        bit >>= 1
        i += 1
    return i
