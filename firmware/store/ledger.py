# The accounting half of MeterState (a mixin: state.py owns the storage):
# read-only views, provisioning, applying token verdicts, metered consumption
# and emergency credit.  Integers only (Wh, W, seconds).
import overlay
from micropython import const
from store import events as ev
from store.snapshot import Snapshot
from sts import tids

# result codes (sts/results.py) and ClearCredit registers (sts/pipeline.py)
_ACCEPT = const(1)
_KCT2_ACCEPTED = const(3)
_OVERFLOW = const(4)
_FUNCTION = const(8)
_NOT_READY = const(16)
_CLEAR_ELECTRICITY = const(0)
_CLEAR_ALL = const(0xFFFF)
_KCT_HOLD_S = const(600)  # held key change sections are dropped after 10 minutes


def _setting(config, name, default):
    """A config value from a dict or an object with attributes (MeterConfig)."""
    if config is None:
        return default
    if isinstance(config, dict):
        return config.get(name, default)
    return getattr(config, name, default)


class Ledger:
    # Class 0 subclasses and ClearCredit registers this meter has (the token
    # pipeline reads it from its view): electricity units only.
    supported = (0,)

    def __init__(self, clock, config):
        self._clock = clock
        self.credit_limit_wh = _setting(config, "credit_limit_wh", 999_999_900)
        self.emergency_credit_wh = _setting(config, "emergency_credit_wh", 0)
        self.save_every_wh = _setting(config, "save_every_wh", 10)
        self.save_every_s = _setting(config, "save_every_s", 900)
        self.tid_size = _setting(config, "tid_record_size", tids.DEFAULT_SIZE)
        self.pan_config = _setting(config, "pan", "")
        self.mfr_code = _setting(config, "mfr_code", 0)
        if self.save_every_wh < 1 or self.save_every_s < 1:
            raise ValueError("save_every_wh and save_every_s must be positive")
        self._snap = Snapshot(self.tid_size)
        # read-only for the rest of the firmware (plain attributes: no property code)
        self.state_seq = 0  # sequence number of the newest state record
        self._mseq = 0  # newest money sequence number used (state.py)
        self.balance_wh = 0  # signed credit register: negative while emergency credit is borrowed
        self.energy_total_wh = 0
        self._saved_energy = 0  # energy total known to be on flash
        self._last_save_s = 0

    # --- provided by the storage side (state.py) ---
    def _commit(self, snap):
        raise NotImplementedError

    def _save_energy(self, now_s):
        raise NotImplementedError

    def log(self, kind, a=0, b=0, now_s=None):
        raise NotImplementedError

    def _now(self, now_s):
        return self._clock.time() if now_s is None else now_s

    def _draft(self):
        """A copy of the current state to change and then _commit()."""
        new = self._snap.copy()
        new.balance_wh = self.balance_wh
        return new

    # --- read-only views ---
    @property
    def provisioned(self):
        return self._snap.keys is not None

    @property
    def credit_wh(self):
        return self.balance_wh if self.balance_wh > 0 else 0

    @property
    def emergency_active(self):
        """True once the credit reached zero and the emergency amount is being drawn."""
        return self.emergency_credit_wh > 0 and self.balance_wh <= 0

    @property
    def available_wh(self):
        """Energy the customer may still draw (credit plus unused emergency credit)."""
        left = self.balance_wh + self.emergency_credit_wh
        return left if left > 0 else 0

    @property
    def keys(self):
        return self._snap.keys

    @property
    def pending_kct(self):
        return self._snap.kct

    @property
    def settings(self):
        out = dict(self._snap.settings)
        out["tamper"] = self._snap.tamper
        return out

    @property
    def max_power_w(self):
        return self._snap.settings["max_power_w"]

    @property
    def tamper(self):
        return self._snap.tamper

    @property
    def pan(self):
        return self._snap.pan

    # --- provisioning ---
    def provision(self, keys, pan="", credit_wh=0, max_power_w=0, force=False, now_s=None):
        """Set-up: keys, PAN, settings.  Refuses (ValueError) on a provisioned
        meter unless force=True.  The opening credit counts only on a store that
        never held money; a re-provisioning keeps the credit, the energy total,
        the replay floor and, with the same decoder key, the used-TID record (so
        no used token is accepted again).  True when durable (store/setup.py)."""
        return overlay.run("store.setup", "provision", self, keys, pan, credit_wh, max_power_w, force, now_s)

    # --- tokens ---
    def apply(self, verdict, now_s=None):
        """Apply an accepted verdict (code 1/2/3) in one durable write; returns the
        final result code: the verdict's, OVERFLOW if the credit would pass the
        limit, FUNCTION for an unknown setting, NOT_READY if unprovisioned or the
        write failed (then nothing changed).  Other codes change nothing."""
        code = verdict.code
        if not _ACCEPT <= code <= _KCT2_ACCEPTED:
            return code
        if not self.provisioned:
            return _NOT_READY
        new = self._draft()
        cleared_tamper = 0
        if verdict.clear_register in (_CLEAR_ELECTRICITY, _CLEAR_ALL):
            new.balance_wh = 0
        if verdict.credit_wh:
            if verdict.credit_wh < 0 or new.balance_wh + verdict.credit_wh > self.credit_limit_wh:
                return _OVERFLOW
            new.balance_wh += verdict.credit_wh  # a borrowed emergency amount is repaid first
        if verdict.setting is not None:
            name, value = verdict.setting
            if name == "clear_tamper":
                cleared_tamper, new.tamper = new.tamper, 0
            elif name in new.settings:
                new.settings[name] = value
            else:
                return _FUNCTION
        if verdict.clear_tids:
            new.tids.clear()
            new.floor = new.once = -1  # TIDs start again under the new key
        if verdict.tid >= 0:
            new.tids.add(verdict.tid)
            if verdict.tid == new.once:
                new.once = -1  # the lost token's credit is back: once only
        if verdict.kct_pending is not None:
            new.kct = list(verdict.kct_pending)
        if verdict.new_keys is not None:
            new.keys = verdict.new_keys
        token = verdict.token
        if token is not None and getattr(token, "cls", -1) in (0, 2):
            new.lock = (0, 0, 0)  # an accepted meter-specific token ends the wrong-token run
        if not self._commit(new):
            return _NOT_READY
        self.log(ev.TOKEN_ACCEPTED, code, verdict.tid, now_s)
        if cleared_tamper:
            self.log(ev.TAMPER, 0, cleared_tamper, now_s)
        keys = verdict.new_keys
        if keys is not None:
            self.log(ev.KEY_CHANGE, keys.krn, keys.kt, now_s)
        return code

    def expire_kct(self, now_s=None):
        """Drop held key change sections older than 10 minutes (or stamped in the
        future: the clock restarted).  True if something was dropped and saved."""
        now = self._now(now_s)
        keep = [s for s in self._snap.kct if -_KCT_HOLD_S <= now - s[2] <= _KCT_HOLD_S]
        if len(keep) == len(self._snap.kct):
            return False
        new = self._draft()
        new.kct = keep
        return self._commit(new)

    def set_tamper(self, now_s=None, mask=1):
        """Latch tamper kinds (mask: their bits, meter/tamper.py) into the tamper
        setting; only a ClearTamperCondition token clears them.  Each newly
        latched kind is logged with its time (TAMPER a=1, b=the kinds)."""
        added = mask & ~self._snap.tamper & 0xFF
        if not added:
            return True
        new = self._draft()
        new.tamper = self._snap.tamper | added
        if not self._commit(new):
            return False
        self.log(ev.TAMPER, 1, added, now_s)
        return True

    # --- consumption ---
    def consume(self, wh, now_s=None):
        """Take metered energy off the credit.  Saved once save_every_wh are
        unsaved or save_every_s passed; returns True if it saved now."""
        if not isinstance(wh, int) or isinstance(wh, bool) or wh < 0:
            raise ValueError("consumed energy must be a non-negative integer (Wh)")
        self.energy_total_wh += wh
        self.balance_wh -= wh
        unsaved = self.energy_total_wh - self._saved_energy
        if unsaved <= 0:
            return False
        now = self._now(now_s)
        elapsed = now - self._last_save_s
        if unsaved >= self.save_every_wh or elapsed >= self.save_every_s or elapsed < 0:
            return self._save_energy(now)
        return False

    @property
    def unsaved_wh(self):
        return self.energy_total_wh - self._saved_energy

    def flush(self, now_s=None, reason=0, a=0, b=0):
        """Save unsaved consumption now (relay change, power down).  With an event
        kind as reason, also log that event (a, b) after the save.  True if all
        consumption is on flash."""
        now = self._now(now_s)
        ok = self.unsaved_wh <= 0 or self._save_energy(now)
        if reason:
            self.log(reason, a, b, now)
        return ok
