# The content of one state record: everything a token can change, written as
# one JSON payload so a token's effects land in a single atomic write.
# Reading it back is boot-only: store/recovery.py decode_snapshot() validates
# every field (a record that passes its CRC but does not make sense is treated
# exactly like a corrupt one: never credit from it).
import json

from micropython import const
from sts.keys import KeyState  # noqa: F401  (the type of Snapshot.keys)
from sts.tids import TidRecord

FORMAT_VERSION = const(2)  # 2 added the money sequence number and the replay floor (1 still read)


class Snapshot:
    """Plain holder of the durable meter state (the store owns the instances)."""

    def __init__(self, tid_size):
        self.pan = ""
        self.balance_wh = 0  # signed: below zero while emergency credit is borrowed
        self.energy_mark_wh = 0  # energy total when this snapshot was taken
        # keys: None until provisioned
        self.keys = None  # type: KeyState | None
        self.tids = TidRecord(tid_size)
        self.kct = []  # [(subclass, (w0, w1, w2, w3), arrival_s)]
        self.settings = {"max_power_w": 0, "tariff_rate": 0, "mppul_w": 0}
        self.tamper = 0
        # lock: (wrong-token count, end_s, duration_s)
        self.lock = (0, 0, 0)  # type: tuple[int, int, int]
        self.mseq = 0  # money sequence number of this state (store/money.py)
        # after a detected rollback: TIDs at or below `floor` that the record
        # lacks are refused, except `once` (a token whose credit was proved lost)
        self.floor = -1
        self.once = -1

    def copy(self):
        other = Snapshot(1)
        other.pan, other.balance_wh, other.energy_mark_wh = self.pan, self.balance_wh, self.energy_mark_wh
        other.keys = self.keys  # KeyState is never mutated, only replaced
        other.tids = TidRecord.from_bytes(self.tids.to_bytes())
        other.kct = list(self.kct)
        other.settings = dict(self.settings)
        other.tamper, other.lock = self.tamper, self.lock
        other.mseq, other.floor, other.once = self.mseq, self.floor, self.once
        return other


def encode(snap):
    doc = {
        "v": FORMAT_VERSION,
        "pan": snap.pan,
        "bal": snap.balance_wh,
        "mark": snap.energy_mark_wh,
        "keys": snap.keys.to_dict() if snap.keys is not None else None,
        "tids": "".join("%02x" % b for b in snap.tids.to_bytes()),
        "kct": [[sub, list(words), arrival] for sub, words, arrival in snap.kct],
        "set": snap.settings,
        "tamper": snap.tamper,
        "lock": list(snap.lock),
        "mseq": snap.mseq,
        "floor": [snap.floor, snap.once],
    }
    return json.dumps(doc).encode()
