# MeterState: the meter's durable state (credit, used TIDs, keys, pending key
# change sections, settings, lockout) and its event log, on littlefs.
#
# Files: "state.0"/"state.1" hold the two newest generations of the state
# record (written alternately by sequence number), "energy.0"/"energy.1" the
# two newest energy totals, "ev.<n>" the event log.  State records are written
# to "<name>.tmp" and renamed over the older slot; the frequent energy record
# is rewritten in place in its older slot (littlefs commits it atomically at
# close, and the other slot still holds the previous total).  See README.md.
import json
import struct

from store import events as ev
from store import lockout, record
from store.ledger import Ledger
from store.snapshot import decode as decode_snapshot
from store.snapshot import encode as encode_snapshot
from store.volume import TMP_SUFFIX, Volume

STATE_FILE = "state."
ENERGY_FILE = "energy."
CALIBRATION_FILE = "cal."  # metering IC calibration (console `cal`), two generations


def _load_slots(volume, prefix, kind, parse, on_corrupt):
    """Newest good (seq, value) of the two slots; corrupt slots are reported and removed."""
    best = None
    for slot in (0, 1):
        name = prefix + str(slot)
        raw = volume.read(name)
        if raw is None:
            continue
        seq, value = -1, None
        framed = record.decode(raw, kind)
        if framed is not None:
            seq = framed[0]
            try:
                value = parse(framed[1])
            except ValueError:
                value = None
        if value is None:
            on_corrupt(slot)
            volume.remove(name)
        elif best is None or seq > best[0]:
            best = (seq, value)
    return best


def _parse_energy(payload):
    if len(payload) != 8:
        raise ValueError("bad energy record")
    total = struct.unpack(">q", payload)[0]
    if total < 0:
        raise ValueError("negative energy total")
    return total


def _parse_calibration(payload):
    values = json.loads(bytes(payload).decode())
    if not isinstance(values, dict):
        raise ValueError("calibration must be a mapping")
    for name, value in values.items():
        if not isinstance(name, str) or not isinstance(value, int):
            raise ValueError("calibration values are register name -> int")
    return values


class MeterState(Ledger):
    def __init__(self, fs, clock, config=None):
        Ledger.__init__(self, clock, config)
        self.volume = Volume(fs)
        self._events = ev.EventLog(self.volume)
        self._energy_seq = 0
        self._cal_seq = 0
        self._calibration = {}
        self._last_save_s = 0
        self.storage_errors = 0
        self.booted = False

    # --- boot ---
    def boot(self, now_s=None):
        """Mount (formatting a blank device), clean leftovers, load the newest good
        records, log power-up and recoveries.  Returns a short report dict."""
        now = self._now(now_s)
        recoveries = []
        mounted = "mounted" if self.volume.folder_exists() else "created"
        self.volume.create_folder()
        for name in self.volume.names():
            if name.endswith(TMP_SUFFIX):
                self.volume.remove(name)
                recoveries.append((ev.RECOVERY_TMP_REMOVED, 0))
        state = _load_slots(self.volume, STATE_FILE, record.KIND_STATE, decode_snapshot,
                            lambda slot: recoveries.append((ev.RECOVERY_STATE_CORRUPT, slot)))
        energy = _load_slots(self.volume, ENERGY_FILE, record.KIND_ENERGY, _parse_energy,
                             lambda slot: recoveries.append((ev.RECOVERY_ENERGY_CORRUPT, slot)))
        if state is not None:
            self._seq, self._snap = state
        elif any(r[0] == ev.RECOVERY_STATE_CORRUPT for r in recoveries):
            recoveries.append((ev.RECOVERY_STATE_LOST, 0))
        if energy is not None:
            self._energy_seq = energy[0]
        calibration = _load_slots(self.volume, CALIBRATION_FILE, record.KIND_CALIBRATION, _parse_calibration,
                                  lambda slot: recoveries.append((ev.RECOVERY_CALIBRATION_CORRUPT, slot)))
        self._cal_seq, self._calibration = calibration if calibration is not None else (0, {})
        mark = self._snap.energy_mark_wh
        # The newer of the two tells the truth: a state write also records the total.
        self._energy_total = max(mark, energy[1] if energy is not None else 0)
        self._balance = self._snap.balance_wh - (self._energy_total - mark)
        self._saved_energy = self._energy_total
        self._last_save_s = now
        voided = self._events.load()
        if voided:
            recoveries.append((ev.RECOVERY_EVENTS_CORRUPT, voided))
        self.booted = True
        self.log(ev.POWER_UP, 0, self._seq, now)
        for code, detail in recoveries:
            self.log(ev.STORAGE_RECOVERY, code, detail, now)
        return {
            "mount": mounted,
            "provisioned": self.provisioned,
            "state_seq": self._seq,
            "energy_seq": self._energy_seq,
            "recoveries": [r[0] for r in recoveries],
            "credit_wh": self.credit_wh,
        }

    # --- writing records ---
    def _commit(self, snap):
        """Write snap as the next state generation.  True once durable; on a
        storage error nothing in RAM changes and it returns False."""
        snap.energy_mark_wh = self._energy_total
        self._seq += 1  # never reused, even if this write fails
        data = record.encode(record.KIND_STATE, self._seq, encode_snapshot(snap))
        try:
            self.volume.write_atomic(STATE_FILE + str(self._seq & 1), data)
        except OSError:
            self.storage_errors += 1
            return False
        self._snap = snap
        self._balance = snap.balance_wh
        self._saved_energy = self._energy_total
        return True

    def _save_energy(self, now_s):
        self._energy_seq += 1
        data = record.encode(record.KIND_ENERGY, self._energy_seq, struct.pack(">q", self._energy_total))
        try:
            # in place, not temp + rename: a third of the erases (README.md, wear)
            self.volume.write_in_place(ENERGY_FILE + str(self._energy_seq & 1), data)
        except OSError:
            self.storage_errors += 1
            return False
        self._saved_energy = self._energy_total
        self._last_save_s = now_s
        return True

    # --- metering IC calibration ---
    @property
    def calibration(self):
        """The saved calibration (register name -> value); empty if never calibrated."""
        return dict(self._calibration)

    def save_calibration(self, values):
        """Keep new calibration values durably; True when on flash."""
        self._cal_seq += 1
        data = record.encode(record.KIND_CALIBRATION, self._cal_seq, json.dumps(values).encode())
        try:
            self.volume.write_atomic(CALIBRATION_FILE + str(self._cal_seq & 1), data)
        except OSError:
            self.storage_errors += 1
            return False
        self._calibration = dict(values)
        return True

    # --- event log ---
    def log(self, kind, a=0, b=0, now_s=None):
        """Append an event; returns its sequence number, or -1 if storage failed."""
        try:
            return self._events.append(kind, a, b, self._now(now_s))
        except OSError:
            self.storage_errors += 1
            try:
                self._events.load()  # re-sync the position with what reached flash
            except OSError:
                pass
            return -1

    def events(self, n=10):
        """Up to n events, newest first: (seq, time_s, kind, a, b)."""
        return self._events.newest(n)

    # --- lockout ---
    def record_wrong_token(self, now_s=None):
        """Count a wrong meter-specific token; returns the lockout seconds it starts."""
        now = self._now(now_s)
        new = self._draft()
        new.lock = lockout.after_wrong(self._snap.lock[0], now)
        if not self._commit(new):
            return 0
        if new.lock[2]:
            self.log(ev.LOCKOUT, new.lock[0], new.lock[2], now)
        return new.lock[2]

    def clear_wrong_tokens(self):
        if self._snap.lock == (0, 0, 0):
            return True
        new = self._draft()
        new.lock = (0, 0, 0)
        return self._commit(new)

    def lockout_remaining_s(self, now_s=None):
        count, end, duration = self._snap.lock
        left, end = lockout.remaining(end, duration, self._now(now_s))
        if left == 0 and end:
            new = self._draft()  # expired: persist it so a reboot does not re-arm it
            new.lock = (count, 0, 0)
            self._commit(new)
        else:
            self._snap.lock = (count, end, duration)  # re-anchored in RAM only
        return left

    @property
    def wrong_tokens(self):
        return self._snap.lock[0]

    @property
    def lockout_end_s(self):
        return self._snap.lock[1]
