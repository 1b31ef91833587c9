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
import struct

from micropython import const
from store.record import checksum

ENTRY_SIZE = const(16)
PER_SEGMENT = const(7)  # 112-byte segments stay inline in littlefs metadata
SEGMENTS = const(10)  # ring of 63..70 events
PREFIX = "ev."
_U32 = 0xFFFFFFFF

POWER_UP = const(1)  # a: 0, b: state sequence number loaded
POWER_DOWN = const(2)  # a: reason code (app's choice)
TOKEN_ACCEPTED = const(3)  # a: result code, b: TID (-1 none)
TOKEN_REJECTED = const(4)  # a: result code, b: TID (-1 unknown)
KEY_CHANGE = const(5)  # a: new KRN, b: new KT
RELAY = const(6)  # a: 1 closed / 0 open, b: reason code (app's choice)
TAMPER = const(7)  # a: 1 detected / 0 cleared; b: the kinds (meter/tamper.py bits)
STORAGE_RECOVERY = const(8)  # a: RECOVERY_* code, b: detail
METERING_FAULT = const(9)  # a: fault code (app's choice)
LOCKOUT = const(10)  # a: wrong-token count, b: lockout seconds
CREDIT_CLEARED = const(11)  # a: register cleared
SETTING = const(12)  # a: SETTING_* code, b: new value
WATCHDOG = const(13)  # a: 1 loop blocked / 2 a task silent or down (meter.runtime), b: quick resets in a row
TASK_RESTART = const(14)  # a: task number (meter.runtime), b: crashes counted

KIND_NAMES = {
    0: "void",
    POWER_UP: "power up",
    POWER_DOWN: "power down",
    TOKEN_ACCEPTED: "token accepted",
    TOKEN_REJECTED: "token rejected",
    KEY_CHANGE: "key change",
    RELAY: "relay",
    TAMPER: "tamper",
    STORAGE_RECOVERY: "storage recovery",
    METERING_FAULT: "metering fault",
    LOCKOUT: "lockout",
    CREDIT_CLEARED: "credit cleared",
    SETTING: "setting",
    WATCHDOG: "watchdog",
    TASK_RESTART: "task restart",
}

# STORAGE_RECOVERY codes (event field a)
RECOVERY_TMP_REMOVED = const(1)  # b: 0; leftover of an interrupted write
RECOVERY_STATE_CORRUPT = const(2)  # b: slot; previous generation used
# 3: energy record corrupt (before the money record replaced it)
RECOVERY_EVENTS_CORRUPT = const(4)  # b: entries voided
# 5: device formatted (the store no longer formats anything)
RECOVERY_STATE_LOST = const(6)  # no good state record: unprovisioned
RECOVERY_CALIBRATION_CORRUPT = const(7)  # b: slot; previous calibration used
# 8..17: recovery.py (boot-only codes of the money records and the floor)

# names of the RECOVERY_* codes 1.., one string (a dict would hold heap all the time)
RECOVERY_NAMES = ("tmp_removed state_corrupt energy_corrupt events_corrupt formatted state_lost calibration_corrupt"
                  " store_lost folder_lost floor_lost floor_corrupt money_copy_lost money_copy_corrupt"
                  " money_copy_rolled_back money_contradicted tids_lost_floor_set token_credit_lost")


def recovery_name(code):
    names = RECOVERY_NAMES.split()
    return names[code - 1] if 1 <= code <= len(names) else str(code)

# SETTING codes (event field a)
SETTING_CODES = {"max_power_w": 1, "tariff_rate": 2, "mppul_w": 3, "clear_tamper": 4}


def kind_name(kind, a=0):
    """The event's name; a storage recovery also names what it found (field a)."""
    name = KIND_NAMES.get(kind, "event %d" % kind)
    if kind == STORAGE_RECOVERY and a:
        name += " " + recovery_name(a)
    return name


# What fields a and b hold, per kind, for the console's `log` (README: "Event log").
# None: the kind does not use the field (it is shown, as a=/b=, only if not 0).
FIELD_NAMES = {
    POWER_UP: (None, "seq"),
    POWER_DOWN: ("reason", None),
    TOKEN_ACCEPTED: ("code", "tid"),
    TOKEN_REJECTED: ("code", "tid"),
    KEY_CHANGE: ("krn", "kt"),
    RELAY: ("closed", "reason"),
    TAMPER: ("detected", "kinds"),
    STORAGE_RECOVERY: ("code", "detail"),
    METERING_FAULT: ("fault", None),
    LOCKOUT: ("wrong", "seconds"),
    CREDIT_CLEARED: ("register", None),
    SETTING: ("setting", "value"),
}


def fields_text(kind, a, b):
    """'code=13 tid=5100010': the event's fields by name."""
    names = FIELD_NAMES.get(kind, ("a", "b"))
    parts = []
    if names[0] is not None or a:
        parts.append("%s=%d" % (names[0] or "a", a))
    if names[1] is not None or b:
        parts.append("%s=%d" % (names[1] or "b", b))
    return " ".join(parts)


def _u32(value):
    return value & _U32 if value >= 0 else _U32  # -1 (and any negative) -> all ones


def _signed(value):
    return -1 if value == _U32 else value


def pack_entry(seq, time_s, kind, a, b):
    body = struct.pack(">IIIBB", _u32(time_s), _u32(a), _u32(b), kind & 0xFF, 0)
    crc = checksum(body, checksum(struct.pack(">I", seq & _U32))) & 0xFFFF
    return body + struct.pack(">H", crc)


def unpack_entry(seq, raw):
    """(seq, time_s, kind, a, b) or None if the entry fails its check."""
    if len(raw) != ENTRY_SIZE:
        return None
    body = raw[:14]
    crc = checksum(body, checksum(struct.pack(">I", seq & _U32))) & 0xFFFF
    if struct.unpack(">H", raw[14:16])[0] != crc:
        return None
    time_s, a, b, kind, _pad = struct.unpack(">IIIBB", body)
    return seq, time_s, kind, _signed(a), _signed(b)


class EventLog:
    def __init__(self, volume):
        self._volume = volume
        self._segment = 0  # newest segment number
        self._count = 0  # entries in the newest segment
        self.next_seq = 0

    def load(self):
        """Find the newest segment, drop segments beyond the ring, repair
        corrupt entries (they become void entries).  Returns how many entries
        were voided."""
        segments = self._segments()
        if segments:
            self._segment = segments[-1]
        for old in segments[:-SEGMENTS]:
            self._volume.remove(PREFIX + str(old))
        voided = 0
        for number in segments[-SEGMENTS:]:
            voided += self._repair(number)
        raw = self._volume.read(PREFIX + str(self._segment)) or b""
        self._count = min(len(raw) // ENTRY_SIZE, PER_SEGMENT)
        self.next_seq = self._segment * PER_SEGMENT + self._count
        return voided

    def _segments(self):
        numbers = []
        for name in self._volume.names():
            if name.startswith(PREFIX) and name[len(PREFIX):].isdigit():
                numbers.append(int(name[len(PREFIX):]))
        numbers.sort()
        return numbers

    def _repair(self, number):
        name = PREFIX + str(number)
        raw = self._volume.read(name) or b""
        whole = min(len(raw) // ENTRY_SIZE, PER_SEGMENT)
        fixed = bytearray()
        voided = 0 if len(raw) == whole * ENTRY_SIZE else 1
        for i in range(whole):
            seq = number * PER_SEGMENT + i
            entry = raw[i * ENTRY_SIZE:(i + 1) * ENTRY_SIZE]
            if unpack_entry(seq, entry) is None:
                entry = pack_entry(seq, 0, 0, 0, 0)
                voided += 1
            fixed += entry
        if voided:
            self._volume.write_atomic(name, bytes(fixed))
        return voided

    def append(self, kind, a, b, time_s):
        if self._count >= PER_SEGMENT:
            self._segment += 1
            self._count = 0
        seq = self._segment * PER_SEGMENT + self._count
        self._volume.append(PREFIX + str(self._segment), pack_entry(seq, time_s, kind, a, b))
        self._count += 1
        self.next_seq = seq + 1
        if self._count == 1:
            self._volume.remove(PREFIX + str(self._segment - SEGMENTS))
        return seq

    def newest(self, n):
        """Up to n events, newest first, as (seq, time_s, kind, a, b); void and
        unreadable entries are skipped."""
        out = []
        number = self._segment
        while len(out) < n and number >= 0 and number > self._segment - SEGMENTS:
            raw = self._volume.read(PREFIX + str(number)) or b""
            i = min(len(raw) // ENTRY_SIZE, PER_SEGMENT) - 1
            while i >= 0 and len(out) < n:
                event = unpack_entry(number * PER_SEGMENT + i, raw[i * ENTRY_SIZE:(i + 1) * ENTRY_SIZE])
                if event is not None and event[2] != 0:
                    out.append(event)
                i -= 1
            number -= 1
        return out
