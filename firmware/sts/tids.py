# The used-TID record (SPEC section 11): the N highest TIDs accepted, kept sorted
# newest (highest) first as 3-byte big-endian entries in one bytearray.
# Keeping the highest N (not the last N entered) makes the rules exact: a TID
# in the record is Used; once the record is full, a TID below its lowest entry
# is Old (it was either used and dropped, or is older than N newer tokens).
from micropython import const
from sts import results

DEFAULT_SIZE = const(64)  # >= 50 (SPEC [U]); 192 bytes of RAM and flash
_MAGIC = const(b"TR1")


def _read(buf, i):
    j = 3 * i
    return (buf[j] << 16) | (buf[j + 1] << 8) | buf[j + 2]


def _write(buf, i, tid):
    j = 3 * i
    buf[j] = tid >> 16
    buf[j + 1] = (tid >> 8) & 0xFF
    buf[j + 2] = tid & 0xFF


class TidRecord:
    def __init__(self, size=DEFAULT_SIZE):
        if not 1 <= size <= 4096:
            raise ValueError("TID record size out of range")
        self.size = size
        self._buf = bytearray(3 * size)
        self._count = 0

    def __len__(self):
        return self._count

    def __iter__(self):
        for i in range(self._count):
            yield _read(self._buf, i)

    def check(self, tid):
        """0 if tid may be accepted, else results.USED or results.OLD.  No allocation."""
        buf, i, n = self._buf, 0, self._count
        while i < n:
            stored = _read(buf, i)
            if stored == tid:
                return results.USED
            if stored < tid:  # sorted: every later entry is lower still
                return 0
            i += 1
        if n == self.size:
            return results.OLD
        return 0

    def add(self, tid):
        """Record an accepted tid (ignored if it is already there or would be Old)."""
        if not 0 <= tid < 1 << 24:
            raise ValueError("TID out of range")
        if self.check(tid):
            return
        buf, n = self._buf, self._count
        i = 0
        while i < n and _read(buf, i) > tid:
            i += 1
        last = n if n < self.size else n - 1  # a full record drops its lowest entry
        j = last
        while j > i:
            _write(buf, j, _read(buf, j - 1))
            j -= 1
        _write(buf, i, tid)
        if n < self.size:
            self._count = n + 1

    def clear(self):
        self._count = 0

    def to_bytes(self):
        """MAGIC, size (2 bytes), count (2 bytes), then the entries newest first."""
        head = bytes((self.size >> 8, self.size & 0xFF, self._count >> 8, self._count & 0xFF))
        return _MAGIC + head + bytes(self._buf[: 3 * self._count])

    @staticmethod
    def from_bytes(data):
        """Inverse of to_bytes(); ValueError for anything malformed."""
        if len(data) < 7 or bytes(data[:3]) != _MAGIC:
            raise ValueError("not a TID record")
        size = (data[3] << 8) | data[4]
        count = (data[5] << 8) | data[6]
        if count > size or len(data) != 7 + 3 * count:
            raise ValueError("TID record length mismatch")
        record = TidRecord(size)
        previous = 1 << 24
        for i in range(count):
            j = 7 + 3 * i
            tid = (data[j] << 16) | (data[j + 1] << 8) | data[j + 2]
            if tid >= previous:
                raise ValueError("TID record not sorted")
            previous = tid
            _write(record._buf, i, tid)
        record._count = count
        return record

    def __eq__(self, other):
        return isinstance(other, TidRecord) and self.size == other.size and list(self) == list(other)
