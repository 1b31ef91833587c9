# Event log: a bounded ring of timestamped events kept in a few small segment
# files "ev.<n>".  Each append adds one 16-byte entry to the newest segment
# (littlefs commits an append atomically; small files live inline in the
# directory metadata, so an append costs a fraction of an erase).  When a
# segment is full the next one starts and the oldest beyond the ring is removed.
#
# Entry: time u32 | a u32 | b u32 | kind u8 | 0 | crc16, where the CRC covers the
# entry's own sequence number too, so an entry is only valid at its place.
# Order is by sequence number, never by time: a board without a battery-backed
# clock restarts its wall clock after a power cut.
#
# Only appending is resident.  Finding the log's end and repairing it at boot
# is store/recovery.py's load_events(); reading the log and the names of kinds
# and fields are in store/evlog.py, an overlay the running meter loads only for
# the console or a report: `ev.kind_name`, `ev.fields_text`, `ev.recovery_name`,
# `ev.FIELD_NAMES` and `ev.unpack_entry` still work, each use loads it for that
# use (module __getattr__ below).
import struct

from micropython import const
from store.record import checksum

ENTRY_SIZE = const(16)
PER_SEGMENT = const(7)  # 112-byte segments stay inline in littlefs metadata
SEGMENTS = const(10)  # ring of 63..70 events
PREFIX = "ev."
_U32 = const(0xFFFFFFFF)

POWER_UP = const(1)  # a: 0, b: state sequence number loaded
POWER_DOWN = const(2)  # a: reason code (app's choice)
TOKEN_ACCEPTED = const(3)  # a: result code, b: TID (-1 none)
TOKEN_REJECTED = const(4)  # a: result code, b: TID (-1 unknown)
KEY_CHANGE = const(5)  # a: new KRN, b: new KT
RELAY = const(6)  # a: 1 closed / 0 open, b: reason code (app's choice)
TAMPER = const(7)  # a: 1 detected / 0 cleared; b: the kinds (meter/tamper.py bits)
STORAGE_RECOVERY = const(8)  # a: recovery code (store/recovery.py RECOVERY_*), b: detail
METERING_FAULT = const(9)  # a: fault code (app's choice)
LOCKOUT = const(10)  # a: wrong-token count, b: lockout seconds
# 11 credit cleared (a: register), 12 setting (a: setting code, b: new value): kinds this
# firmware does not write (a ClearCredit or Set token is TOKEN_ACCEPTED); store/evlog.py names them.
WATCHDOG = const(13)  # a: 1 loop blocked / 2 a task silent or down (meter.startup), b: quick resets in a row
TASK_RESTART = const(14)  # a: task number (meter.runtime), b: crashes counted


def __getattr__(name):
    """Names this module does not hold come from the overlay store/evlog.py,
    loaded for this one use and dropped again (it holds no heap while the
    meter runs)."""
    from overlay import attribute

    return attribute("store.evlog", name)


def pack_entry(seq, now_s, kind, a, b):
    data = struct.pack(">IIIBB", _u32(now_s), _u32(a), _u32(b), kind & 0xFF, 0)
    return data + entry_crc(seq, data)


def entry_crc(seq, data):
    """An entry's last 2 bytes: CRC-16 of its first 14 bytes and its own
    sequence number (an entry is good if raw[14:] == entry_crc(seq, raw[:14]))."""
    return struct.pack(">H", checksum(data, checksum(struct.pack(">I", seq & _U32))) & 0xFFFF)


def _u32(value):
    return value & _U32 if value >= 0 else _U32  # -1 (and any negative) -> all ones


class EventLog:
    """Where the next entry goes.  Found at boot and after a failed append by
    store/recovery.py's load_events(log); read by store/evlog.py's newest_events(log, count)."""

    def __init__(self, volume):
        self._volume = volume
        self._segment = 0  # newest segment number
        self._count = 0  # entries in the newest segment
        self.next_seq = 0

    def append(self, kind, a, b, now_s):
        if self._count >= PER_SEGMENT:
            self._segment += 1
            self._count = 0
        seq = self._segment * PER_SEGMENT + self._count
        self._volume.append(PREFIX + str(self._segment), pack_entry(seq, now_s, kind, a, b))
        self._count += 1
        self.next_seq = seq + 1
        if self._count == 1:
            self._volume.remove(PREFIX + str(self._segment - SEGMENTS))
        return seq
