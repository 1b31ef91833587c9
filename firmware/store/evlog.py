# Reading the event log, an overlay (firmware/overlay.py): the newest entries
# (console `log`, short-code token history) and the names of kinds, fields and
# recovery codes.  A meter that only boots, takes tokens and meters never loads
# it, so its names are never interned there.  Appending (store/events.py) is
# what the running meter keeps; finding and repairing the segments at boot is
# store/recovery.py's load_events().  Functions only: nothing here outlives
# the job it was loaded for.
import struct

from micropython import const
from store import events as ev

_CREDIT_CLEARED = const(11)  # a: register cleared (kinds this firmware does not write: store/events.py)
_SETTING = const(12)  # a: setting code, b: new value

KIND_NAMES = {
    0: "void",
    ev.POWER_UP: "power up",
    ev.POWER_DOWN: "power down",
    ev.TOKEN_ACCEPTED: "token accepted",
    ev.TOKEN_REJECTED: "token rejected",
    ev.KEY_CHANGE: "key change",
    ev.RELAY: "relay",
    ev.TAMPER: "tamper",
    ev.STORAGE_RECOVERY: "storage recovery",
    ev.METERING_FAULT: "metering fault",
    ev.LOCKOUT: "lockout",
    _CREDIT_CLEARED: "credit cleared",
    _SETTING: "setting",
    ev.WATCHDOG: "watchdog",
    ev.TASK_RESTART: "task restart",
}

# names of the STORAGE_RECOVERY codes 1.. (store/recovery.py RECOVERY_*), one string
RECOVERY_NAMES = ("tmp_removed state_corrupt energy_corrupt events_corrupt formatted state_lost calibration_corrupt"
                  " store_lost folder_lost floor_lost floor_corrupt money_copy_lost money_copy_corrupt"
                  " money_copy_rolled_back money_contradicted tids_lost_floor_set token_credit_lost")

# SETTING codes (event field a): 1 max_power_w, 2 tariff_rate, 3 mppul_w, 4 clear_tamper

# What fields a and b hold, per kind, for the console's `log` (README: "Event log").
# None: the kind does not use the field (it is shown, as a=/b=, only if not 0).
FIELD_NAMES = {
    ev.POWER_UP: (None, "seq"),
    ev.POWER_DOWN: ("reason", None),
    ev.TOKEN_ACCEPTED: ("code", "tid"),
    ev.TOKEN_REJECTED: ("code", "tid"),
    ev.KEY_CHANGE: ("krn", "kt"),
    ev.RELAY: ("closed", "reason"),
    ev.TAMPER: ("detected", "kinds"),
    ev.STORAGE_RECOVERY: ("code", "detail"),
    ev.METERING_FAULT: ("fault", None),
    ev.LOCKOUT: ("wrong", "seconds"),
    _CREDIT_CLEARED: ("register", None),
    _SETTING: ("setting", "value"),
}


def recovery_name(code):
    names = RECOVERY_NAMES.split()
    return names[code - 1] if 1 <= code <= len(names) else str(code)


def kind_name(kind, a=0):
    """The event's name; a storage recovery also names what it found (field a)."""
    name = KIND_NAMES.get(kind, "event %d" % kind)
    if kind == ev.STORAGE_RECOVERY and a:
        name += " " + recovery_name(a)
    return name


def fields_text(kind, a, b):
    """'code=13 tid=5100010': the event's fields by name."""
    names = FIELD_NAMES.get(kind, ("a", "b"))
    parts = []
    if names[0] is not None or a:
        parts.append("%s=%d" % (names[0] or "a", a))
    if names[1] is not None or b:
        parts.append("%s=%d" % (names[1] or "b", b))
    return " ".join(parts)


def _signed(value):
    return -1 if value == 0xFFFFFFFF else value


def unpack_entry(seq, raw):
    """(seq, time_s, kind, a, b) or None if the entry fails its check."""
    if len(raw) != ev.ENTRY_SIZE or raw[14:] != ev.entry_crc(seq, raw[:14]):
        return None
    time_s, a, b, kind, _pad = struct.unpack(">IIIBB", raw[:14])
    return seq, time_s, kind, _signed(a), _signed(b)


def newest_events(log, count):
    """Up to count events of an EventLog, newest first, as (seq, time_s, kind, a, b);
    void and unreadable entries are skipped."""
    out = []
    size, per = ev.ENTRY_SIZE, ev.PER_SEGMENT
    last = log._segment
    number = last
    while len(out) < count and number >= 0 and number > last - ev.SEGMENTS:
        raw = log._volume.read(ev.PREFIX + str(number)) or b""
        i = min(len(raw) // size, per) - 1
        while i >= 0 and len(out) < count:
            event = unpack_entry(number * per + i, raw[i * size:(i + 1) * size])
            if event is not None and event[2] != 0:
                out.append(event)
            i -= 1
        number -= 1
    return out
