# MeterState: the meter's durable state (credit, used TIDs, keys, pending key
# change sections, settings, lockout) and its event log, as small files on a
# mounted littlefs (README.md has the formats and the recovery rules).
#
#   meter.floor          replay floor (root): newest TID, written before a token's state
#   meterdata/state.0, .1    state record generations, temporary file then rename
#   meterdata/money          money record (credit + energy total + newest TID), in place
#   meterdatax/money         its second copy, in another folder (another metadata pair)
#   meterdata/ev.<n>         event log;  meterdata/cal.0, .1 metering IC calibration
import struct

import overlay
from micropython import const
from store import events as ev
from store import lockout, record, snapshot
from store.ledger import Ledger
from store.volume import Volume
from sts import results

# The record formats and file names store/recovery.py reads at boot.
KIND_MONEY = b"M"
KIND_FLOOR = b"F"
MONEY_FORMAT = ">qqiI"
FLOOR_FORMAT = ">iI"
NO_TID = const(-1)
STATE_FILE = "state."
MONEY_FILE = "money"
FLOOR_FILE = "meter.floor"
CALIBRATION_FILE = "cal."  # metering IC calibration (console `cal`), two generations
# Cold code lives in overlays, loaded for one job and dropped after it
# (firmware/overlay.py): boot and finding the event log's end (store/recovery.py),
# set-up (store/setup.py: provisioning, calibration), reading the event log and
# its names (store/evlog.py).

# Money record, kind "M", header seq = the money sequence number (mseq):
#   balance i64 | energy total u64 | newest accepted TID i32 (-1 none) | key id u32
# One small record: the credit and the energy total it was decided from are
# never written apart.  Kept as two copies in two folders (two littlefs
# metadata pairs): a rollback or corruption of one is outvoted by the other.
#
# Replay floor, kind "F", header seq = the mseq at which its TID was applied:
#   newest accepted TID i32 | key id u32
# A separate file outside both folders, written before the token's state, so
# it survives the loss or rollback of everything the token wrote after it.


def key_id(keys):
    """A fingerprint of the decoder key (0 = no key)."""
    if keys is None:
        return 0
    return record.checksum(keys.key, keys.sgc) or 1


def newest_tid(tids):
    """The highest TID in a TidRecord (kept sorted highest first), or -1."""
    for tid in tids:
        return tid
    return NO_TID


class FlooredTids:
    """The used-TID record as the token pipeline sees it after a rollback: a
    TID at or below the floor that the record does not hold is refused as Old
    (its credit may be in the balance already), except `once`, the one token
    whose credit the meter proved lost.  What the firmware uses of a TidRecord:
    check(), len() and iteration."""

    def __init__(self, tids, floor, once):
        self.tids, self.floor, self.once = tids, floor, once

    def __len__(self):
        return len(self.tids)

    def __iter__(self):
        return iter(self.tids)

    def check(self, tid):
        code = self.tids.check(tid)
        if code or tid == self.once or tid > self.floor:
            return code
        return results.USED if tid == self.floor else results.OLD


class MeterState(Ledger):
    def __init__(self, fs, clock, config=None):
        Ledger.__init__(self, clock, config)
        self.volume = Volume(fs)
        self._spare = Volume(fs, "meterdatax")  # the money record's second copy
        self._root = Volume(fs, "")
        self._events = ev.EventLog(self.volume)
        self._floor = (-1, 0, 0)  # (tid, mseq, key id) as on flash
        self._cal_seq = 0
        self._calibration = {}
        self.storage_errors = 0
        self.storage = "ok"  # ok | recovered (a fault was detected and handled) | fault
        self.booted = False

    # --- boot ---
    def boot(self, now_s=None):
        """Find the records, take the newest state the flash proves (never more
        credit), log power-up and every recovery.  Returns a short report dict:
        store/recovery.py boot()."""
        return overlay.run("store.recovery", "boot", self, now_s)

    @property
    def tids(self):
        """The used-TID record; after a rollback it also refuses TIDs at or
        below the replay floor that it lacks (FlooredTids)."""
        snap = self._snap
        if snap.floor < 0:
            return snap.tids
        return FlooredTids(snap.tids, snap.floor, snap.once)

    # --- writing records ---
    def _write_floor(self, tid, mseq, kid):
        self._root.write_in_place(FLOOR_FILE, record.encode(KIND_FLOOR, mseq, struct.pack(FLOOR_FORMAT, tid, kid)))
        self._floor = (tid, mseq, kid)

    def _write_money(self):
        """Both copies of the money record at the current money sequence
        number; True if at least one reached flash."""
        snap = self._snap
        data = record.encode(KIND_MONEY, self._mseq, struct.pack(MONEY_FORMAT, self.balance_wh, self.energy_total_wh,
                                                                newest_tid(snap.tids), key_id(snap.keys)))
        written = 0
        for volume in (self.volume, self._spare):
            try:
                volume.write_in_place(MONEY_FILE, data)
                written += 1
            except OSError:
                self.storage_errors += 1
        return written > 0

    def _commit(self, snap):
        """Write snap as the next state generation, the replay floor first and
        the money copies after.  True once the state record is durable; on a
        storage error nothing in RAM changes and it returns False."""
        snap.energy_mark_wh = self.energy_total_wh
        self._mseq += 1
        snap.mseq = self._mseq
        previous = self._floor
        tid, kid = newest_tid(snap.tids), key_id(snap.keys)
        self.state_seq += 1  # never reused, even if this write fails
        data = record.encode(record.KIND_STATE, self.state_seq, snapshot.encode(snap))
        try:
            if (tid, kid) != (previous[0], previous[2]):
                self._write_floor(tid, self._mseq, kid)
            self.volume.write_atomic(STATE_FILE + str(self.state_seq & 1), data)
        except OSError:
            self.storage_errors += 1
            if self._floor != previous:
                try:  # the token is not applied: take the floor back
                    self._write_floor(*previous)
                except OSError:
                    pass
            return False
        self._snap = snap
        self.balance_wh = snap.balance_wh
        self._saved_energy = self.energy_total_wh
        self._write_money()
        return True

    def _save_energy(self, now_s):
        self._mseq += 1  # never reused, even if this write fails
        if not self._write_money():
            return False
        self._saved_energy = self.energy_total_wh
        self._last_save_s = now_s
        return True

    # --- metering IC calibration ---
    @property
    def calibration(self):
        """The saved calibration (register name -> value); empty if never calibrated."""
        return dict(self._calibration)

    def save_calibration(self, values):
        """Keep new calibration values durably; True when on flash (store/setup.py)."""
        return overlay.run("store.setup", "save_calibration", self, values)

    # --- event log ---
    def log(self, kind, a=0, b=0, now_s=None):
        """Append an event; returns its sequence number, or -1 if storage failed."""
        try:
            return self._events.append(kind, a, b, self._now(now_s))
        except OSError:
            self.storage_errors += 1
            try:  # re-sync the position with what reached flash (best effort: the append already failed)
                overlay.run("store.recovery", "load_events", self._events)
            except (OSError, MemoryError):  # MemoryError: no heap to load the boot code now
                pass
            return -1

    def events(self, count=10):
        """Up to count events, newest first: (seq, time_s, kind, a, b)."""
        return overlay.run("store.evlog", "newest_events", self._events, count)

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

