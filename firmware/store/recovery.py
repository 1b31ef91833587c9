# What the store finds at boot (store/README.md, recovery rules): the records
# of each kind, which copy is newest, what went backwards and what was lost,
# and where the event log ends (also after a failed append: MeterState.log).
# An overlay (firmware/overlay.py): MeterState.boot() runs boot() here and
# drops the module after it, so this code holds no heap while the meter runs.
# `self` is the MeterState.  Functions only, no instance outlives the boot.
import json
import struct

from micropython import const
from store import events as ev
from store import record
from store.snapshot import FORMAT_VERSION, Snapshot
from store.state import (
    CALIBRATION_FILE,
    FLOOR_FILE,
    FLOOR_FORMAT,
    KIND_FLOOR,
    KIND_MONEY,
    MONEY_FILE,
    MONEY_FORMAT,
    NO_TID,
    STATE_FILE,
    key_id,
    newest_tid,
)
from store.volume import TMP_SUFFIX
from sts.keys import KeyState
from sts.tids import TidRecord

_SEASON_WRITES = const(300)  # > two compactions of a 4 KiB root block by ~40-byte commits
_COPY_MAIN = const(1)
_COPY_SPARE = const(2)
_COPY_STATE = const(3)
_FAULT = const("fault")  # MeterState.storage: the records are lost or there is no filesystem

# STORAGE_RECOVERY codes (event field a; their names, in this order: store/evlog.py RECOVERY_NAMES).
# Private: no dict entry, and no name left interned after this overlay is dropped.
_RECOVERY_TMP_REMOVED = const(1)  # b: 0; leftover of an interrupted write
_RECOVERY_STATE_CORRUPT = const(2)  # b: slot; previous generation used
# 3: energy record corrupt (before the money record replaced it)
_RECOVERY_EVENTS_CORRUPT = const(4)  # b: entries voided
# 5: device formatted (the store no longer formats anything)
_RECOVERY_STATE_LOST = const(6)  # no good state record: unprovisioned
_RECOVERY_CALIBRATION_CORRUPT = const(7)  # b: slot; previous calibration used
_RECOVERY_STORE_LOST = const(8)  # b: money seq the floor proves; no money record left: fault
_RECOVERY_FOLDER_LOST = const(9)  # b: 1 meterdata/, 2 meterdatax/ (bits): a folder of a store that was there is gone
_RECOVERY_FLOOR_LOST = const(10)  # replay floor file missing (rewritten)
_RECOVERY_FLOOR_CORRUPT = const(11)  # replay floor file fails its check (rewritten)
_RECOVERY_MONEY_LOST = const(12)  # b: copy 1 meterdata/, 2 meterdatax/ missing (rewritten)
_RECOVERY_MONEY_CORRUPT = const(13)  # b: copy; fails its check (rewritten)
_RECOVERY_MONEY_BEHIND = const(14)  # b: copy; older than a cut explains: it was rolled back (rewritten)
_RECOVERY_MONEY_CONTRADICTED = const(15)  # b: source; an older copy proves more energy: charged
_RECOVERY_REPLAY_FLOOR = const(16)  # b: TID; the used-TID record lost entries: TIDs <= b refused
_RECOVERY_TOKEN_LOST = const(17)  # b: TID; its credit is provably not in the balance: accepted once more
_REPAIRED_BY_A_WRITE = const((_RECOVERY_MONEY_BEHIND, _RECOVERY_MONEY_LOST, _RECOVERY_MONEY_CORRUPT,
                              _RECOVERY_MONEY_CONTRADICTED, _RECOVERY_FLOOR_LOST, _RECOVERY_FLOOR_CORRUPT))


def boot(self, now_s):
    """MeterState.boot(): find the records, take the newest state the flash
    proves (never more credit), write down what boot concluded, log power-up
    and every recovery.  Returns the report dict."""
    self._last_save_s = self._now(now_s)
    if self.volume.fs is None:  # the board has no filesystem for us
        self.storage = _FAULT
        mounted, recoveries = "none", [(_RECOVERY_STORE_LOST, 0)]
    else:
        mounted, recoveries, repair = analyse(self)
        if self.storage == "ok" and [r for r in recoveries if r[0] != _RECOVERY_TMP_REMOVED]:
            self.storage = "recovered"
        if repair is not None and self.provisioned:  # write the conclusions (floor, copies) down now
            self._commit(repair)
    self.booted = True
    now = self._last_save_s
    self.log(ev.POWER_UP, 0, self.state_seq, now)
    for code, detail in recoveries:
        self.log(ev.STORAGE_RECOVERY, code, detail, now)
    return {
        "mount": mounted,
        "provisioned": self.provisioned,
        "state_seq": self.state_seq,
        "money_seq": self._mseq,
        "recoveries": [r[0] for r in recoveries],
        "credit_wh": self.credit_wh,
        "storage": self.storage,
    }


def analyse(self):
    """Load everything; returns (mount, [(recovery code, detail)], state draft to write or None)."""
    recoveries = []
    mounted = _find_folders(self, recoveries)
    for volume in (self.volume, self._spare):
        for name in volume.names():
            if name.endswith(TMP_SUFFIX):
                volume.remove(name)
                recoveries.append((_RECOVERY_TMP_REMOVED, 0))
    state = _load_slots(self.volume, STATE_FILE, record.KIND_STATE, decode_snapshot, recoveries,
                        _RECOVERY_STATE_CORRUPT)
    if state is not None:
        self.state_seq, self._snap = state
    elif any(r[0] == _RECOVERY_STATE_CORRUPT for r in recoveries):
        recoveries.append((_RECOVERY_STATE_LOST, 0))
    money = _load_money(self, state, recoveries)
    if money is None and self._floor[1] > 1:  # the floor proves money was stored (1: a cut first write)
        recoveries.append((_RECOVERY_STORE_LOST, self._floor[1]))
        self.storage = _FAULT
    self._mseq = max(money.seq if money else 0, self._floor[1], self._snap.mseq)
    if money is not None:
        self.balance_wh, self.energy_total_wh = money.balance, money.energy
    self._saved_energy = self.energy_total_wh
    repair = _check_floor(self, money, recoveries)
    calibration = _load_slots(self.volume, CALIBRATION_FILE, record.KIND_CALIBRATION, _parse_calibration,
                              recoveries, _RECOVERY_CALIBRATION_CORRUPT)
    self._cal_seq, self._calibration = calibration if calibration is not None else (0, {})
    voided = load_events(self._events)
    if voided:
        recoveries.append((_RECOVERY_EVENTS_CORRUPT, voided))
    return mounted, recoveries, repair


class Money:
    """One money state: where it was read from is `source` (for the log)."""

    def __init__(self, seq, balance, energy, tid=NO_TID, kid=0, source=0):
        self.seq, self.balance, self.energy, self.tid, self.kid, self.source = seq, balance, energy, tid, kid, source


def decode_money(raw, source=0):
    """Money from a record, or None if it fails its check or makes no sense."""
    framed = record.decode(raw, KIND_MONEY)
    if framed is None or len(framed[1]) != struct.calcsize(MONEY_FORMAT):
        return None
    balance, energy, tid, kid = struct.unpack(MONEY_FORMAT, framed[1])
    if energy < 0 or tid < NO_TID:
        return None
    return Money(framed[0], balance, energy, tid, kid, source)


def decode_floor(raw):
    """(tid, mseq, key id) or None."""
    framed = record.decode(raw, KIND_FLOOR)
    if framed is None or len(framed[1]) != struct.calcsize(FLOOR_FORMAT):
        return None
    tid, kid = struct.unpack(FLOOR_FORMAT, framed[1])
    if tid < NO_TID:
        return None
    return tid, framed[0], kid


def choose(sources):
    """The money state to boot from, out of every good copy found: the newest
    by sequence number, made conservative against any copy that contradicts it
    (an older copy with a higher energy total or TID means some record went
    backwards).  Returns (money, contradicted) or (None, False) if none."""
    best = None
    for money in sources:
        if best is None or money.seq > best.seq:
            best = money
    if best is None:
        return None, False
    energy, tid = best.energy, best.tid
    for money in sources:
        if money.energy > energy:
            energy = money.energy
        if money.kid == best.kid and money.tid > tid:
            tid = money.tid
    if energy == best.energy and tid == best.tid:
        return best, False
    # charge the higher energy total: never more credit than any copy proves
    return Money(best.seq, best.balance - (energy - best.energy), energy, tid, best.kid, best.source), True


def _load_slots(volume, prefix, kind, parse, recoveries, code):
    """Newest good (seq, value) of the two slots; a corrupt slot is reported
    (recovery code, slot) and removed."""
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
            recoveries.append((code, slot))
            volume.remove(name)
        elif best is None or seq > best[0]:
            best = (seq, value)
    return best


def _int(value, low=None):
    if not isinstance(value, int) or isinstance(value, bool) or (low is not None and value < low):
        raise ValueError("bad integer field")
    return value


def decode_snapshot(payload):
    """Snapshot from a state record's payload, or ValueError if any field is
    missing or wrong (store/snapshot.py encode() writes it)."""
    try:
        doc = json.loads(payload)
        version = doc["v"]
        if version not in (1, FORMAT_VERSION):
            raise ValueError("unknown state format")
        text = doc["tids"]
        tids = TidRecord.from_bytes(bytes(int(text[i:i + 2], 16) for i in range(0, len(text), 2)))
        snap = Snapshot(1)
        snap.tids = tids
        snap.pan = str(doc["pan"])
        snap.balance_wh = _int(doc["bal"])
        snap.energy_mark_wh = _int(doc["mark"], 0)
        snap.keys = None if doc["keys"] is None else KeyState.from_dict(doc["keys"])
        kct = []
        for sub, words, arrival in doc["kct"]:
            if len(words) != 4:
                raise ValueError("bad KCT section")
            kct.append((_int(sub, 0), tuple(_int(w, 0) for w in words), _int(arrival)))
        snap.kct = kct
        for name in ("max_power_w", "tariff_rate", "mppul_w"):  # Snapshot.settings
            snap.settings[name] = _int(doc["set"][name], 0)
        snap.tamper = _int(doc["tamper"], 0) & 0xFF  # latched tamper kinds (meter/tamper.py bits)
        count, end, duration = doc["lock"]
        snap.lock = (_int(count, 0), _int(end), _int(duration, 0))
        if version > 1:
            snap.mseq = _int(doc["mseq"], 0)
            floor, once = doc["floor"]
            snap.floor, snap.once = _int(floor, -1), _int(once, -1)
    except (KeyError, TypeError, IndexError) as exc:
        raise ValueError("bad state record: %r" % (exc,)) from None
    return snap


def _parse_calibration(payload):
    values = json.loads(bytes(payload).decode())
    if not isinstance(values, dict):
        raise ValueError("calibration must be a mapping")
    for name, value in values.items():
        if not isinstance(name, str) or not isinstance(value, int):
            raise ValueError("calibration values are register name -> int")
    return values


def _folder_exists(volume):
    try:
        volume.fs.stat(volume.folder)
        return True
    except OSError:
        return False


def _create_folder(volume):
    try:
        volume.fs.mkdir(volume.folder)
    except OSError:  # it exists
        pass


def _find_folders(self, recoveries):
    """"created" for a new store, "mounted" for one that was there.  A store
    that was there and lost a folder is a fault, never a fresh meter: the
    floor file outside the folders (written first) is the evidence."""
    main, spare = _folder_exists(self.volume), _folder_exists(self._spare)
    raw = self._root.read(FLOOR_FILE)
    floor = decode_floor(raw)
    if not main and not spare and raw is None:
        self._write_floor(-1, 0, 0)  # first: the evidence that a store exists
        _create_folder(self.volume)
        _create_folder(self._spare)
        # Season the root: littlefs falls back to an older commit of a damaged
        # metadata block, or to the other block of its pair.  Rewriting the floor
        # until the root pair has been compacted into both of its blocks leaves
        # no older root without the folders and the floor to fall back to.
        for _ in range(_SEASON_WRITES):
            self._write_floor(-1, 0, 0)
        return "created"
    if floor is None:
        recoveries.append((_RECOVERY_FLOOR_CORRUPT if raw is not None else _RECOVERY_FLOOR_LOST, 0))
    else:
        self._floor = floor
    if not main or not spare:
        recoveries.append((_RECOVERY_FOLDER_LOST, (0 if main else _COPY_MAIN) | (0 if spare else _COPY_SPARE)))
        if not main:
            self.storage = _FAULT
        _create_folder(self.volume)
        _create_folder(self._spare)
    return "mounted"

def _load_money(self, state, recoveries):
    """The money state to boot from: the newest of the two copies and the
    state record (each one whole and checked), charged any higher energy
    another copy proves.  A copy missing, corrupt or behind is logged."""
    sources = []
    if state is not None:
        snap = self._snap
        sources.append(Money(snap.mseq, snap.balance_wh, snap.energy_mark_wh, newest_tid(snap.tids),
                             key_id(snap.keys), _COPY_STATE))
    copies = []
    for volume, copy in ((self.volume, _COPY_MAIN), (self._spare, _COPY_SPARE)):
        raw = volume.read(MONEY_FILE)
        money = decode_money(raw, copy)
        copies.append((copy, raw, money))
        if money is not None:
            sources.append(money)
    best, contradicted = choose(sources)
    if best is None:
        return None
    for copy, raw, money in copies:
        if money is None:
            recoveries.append((_RECOVERY_MONEY_CORRUPT if raw is not None else _RECOVERY_MONEY_LOST, copy))
        elif money.seq < best.seq - 1:  # a cut leaves a copy at most one behind
            recoveries.append((_RECOVERY_MONEY_BEHIND, copy))
    if contradicted:
        recoveries.append((_RECOVERY_MONEY_CONTRADICTED, best.source))
    return best

def _check_floor(self, money, recoveries):
    """Compare the used-TID record with what the money record and the floor
    prove was accepted.  Returns a state draft to write (or None)."""
    snap = self._snap
    listed = newest_tid(snap.tids)
    floor_tid, floor_seq = self._floor[0], self._floor[1]
    proved = money.tid if money is not None else -1  # accepted, and in the balance
    floor, once = snap.floor, snap.once
    if floor_tid > proved and floor_tid > listed:
        mseq = money.seq if money is not None else 0
        if floor_seq > mseq + 1:  # more than the token's own write is missing
            floor, once = max(floor, floor_tid), floor_tid  # its credit is provably not in the balance
            recoveries.append((_RECOVERY_TOKEN_LOST, floor_tid))
        elif floor_seq <= mseq:  # the money has the token, the record forgot it
            proved = floor_tid
        # floor_seq == mseq + 1: the power went during that token: never applied
    if proved > listed and proved > floor:
        floor = proved
        recoveries.append((_RECOVERY_REPLAY_FLOOR, floor))
    behind = [r for r in recoveries if r[0] in _REPAIRED_BY_A_WRITE]
    if floor == snap.floor and once == snap.once and not behind:
        return None
    new = self._draft()
    new.floor, new.once = floor, once
    self._snap.floor, self._snap.once = floor, once  # in force now, even if the write fails
    return new


def load_events(log):
    """Find the newest segment of an EventLog (store/events.py), drop segments
    beyond the ring, repair corrupt entries (they become void entries).
    Returns how many entries were voided."""
    volume = log._volume
    segments = sorted(int(name[len(ev.PREFIX):]) for name in volume.names()
                      if name.startswith(ev.PREFIX) and name[len(ev.PREFIX):].isdigit())
    if segments:
        log._segment = segments[-1]
    for old in segments[:-ev.SEGMENTS]:
        volume.remove(ev.PREFIX + str(old))
    voided = 0
    size = ev.ENTRY_SIZE
    for number in segments[-ev.SEGMENTS:]:  # a segment with a bad entry is rewritten, cut to whole entries
        name = ev.PREFIX + str(number)
        raw = volume.read(name) or b""
        whole = min(len(raw) // size, ev.PER_SEGMENT)
        fixed = bytearray()
        bad = 0 if len(raw) == whole * size else 1
        for i in range(whole):
            seq = number * ev.PER_SEGMENT + i
            entry = raw[i * size:(i + 1) * size]
            if entry[14:] != ev.entry_crc(seq, entry[:14]):
                entry = ev.pack_entry(seq, 0, 0, 0, 0)  # a void entry
                bad += 1
            fixed += entry
        if bad:
            volume.write_atomic(name, bytes(fixed))
        voided += bad
    raw = volume.read(ev.PREFIX + str(log._segment)) or b""
    log._count = min(len(raw) // size, ev.PER_SEGMENT)
    log.next_seq = log._segment * ev.PER_SEGMENT + log._count
    return voided
