# Set-up jobs of the store, an overlay (firmware/overlay.py): provisioning
# and saving the metering IC's calibration.  The running meter calls them
# rarely (boot, console), so they are loaded for the job and dropped after it.
# `self` is the MeterState.  Functions only: nothing here outlives its job.
import json

from store import events as ev
from store import record
from store.snapshot import Snapshot
from store.state import CALIBRATION_FILE


def provision(self, keys, pan, credit_wh, max_power_w, force, now_s):
    """MeterState.provision (store/ledger.py says what it keeps)."""
    if self.provisioned and not force:
        raise ValueError("meter already provisioned")
    if keys is None or not isinstance(credit_wh, int) or credit_wh < 0 or credit_wh > self.credit_limit_wh:
        raise ValueError("bad provisioning data")
    old = self._snap
    new = Snapshot(self.tid_size)
    new.keys, new.pan = keys, str(pan or self.pan_config)
    new.balance_wh = self.balance_wh + (credit_wh if self._mseq == 0 else 0)
    new.floor, new.once = old.floor, old.once
    if old.keys is not None and old.keys.key == keys.key:
        new.tids = old.tids
    new.settings["max_power_w"] = max_power_w
    if not self._commit(new):
        return False
    self.log(ev.KEY_CHANGE, keys.krn, keys.kt, now_s)
    return True


def save_calibration(self, values):
    """MeterState.save_calibration: the new values in the older slot, temporary
    file then rename; True when on flash."""
    self._cal_seq += 1
    data = record.encode(record.KIND_CALIBRATION, self._cal_seq, json.dumps(values).encode())
    try:
        self.volume.write_atomic(CALIBRATION_FILE + str(self._cal_seq & 1), data)
    except OSError:
        self.storage_errors += 1
        return False
    self._calibration = dict(values)
    return True
