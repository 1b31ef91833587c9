# The customer-facing features around the meter (issue 12): the wall clock
# and its source, and the evidence figures (meter.evidence), kept across power
# cuts in the memo record.  The meter (meter.app) calls step() after each
# metering poll; System calls boot() once the store is mounted.  What runs
# rarely lives in overlays: restoring at boot in meter.customer_setup, the
# console's texts in meter.customer_text (its commands load it), the
# customer's settings in meter.shortcodes and `time set` in meter.con_show,
# and what an accepted token changes here in the token's own overlay,
# meter.token_apply.
#
# The memo record: the last known wall time, the evidence figures' marks and
# the customer's alarm settings.  One small JSON record in two slots (newest
# sequence wins), rewritten in place like the store's energy record: littlefs
# commits it atomically at close and the other slot keeps the previous
# generation.  A corrupt slot is ignored (the figures restart; credit and
# energy are the store's, never in here).
import json

import overlay
from meter import texts
from meter.alarm import Alarm
from meter.evidence import Evidence
from meter.friendly import Friendly
from store import record

MEMO_KIND = b"U"  # the memo's record kind and slots (meter.customer_setup reads them at boot)
MEMO_SLOTS = ("memo.0", "memo.1")


class Customer:
    def __init__(self, meter, state, wall, config, log):
        self.meter = meter
        self.state = state
        self.wall = wall
        self.config = config
        self.log = log
        self.volume = None  # the store's volume, once booted: where the memo is kept
        self.memo_seq = 0  # the memo's generation
        self.evidence = Evidence()
        self.alarm = Alarm(None, wall, config)  # System fits the board's buzzer
        self.friendly = Friendly(config)  # ValueError for a malformed window: caught at boot
        self.reconnect_wait = False  # a top-up arrived while off for no credit; waits for '#' (reconnect_key)
        self.saved_ms = 0

    def boot(self):
        """Once the store is mounted: restore the memo, start the wall clock."""
        overlay.run("meter.customer_setup", "boot", self)

    def step(self):
        """After each metering poll: follow the RTC, take the figures' marks,
        save the memo when due."""
        self.wall.resync()
        self.evidence.update(self.state.energy_total_wh, self.wall.utc(), self.wall.local())
        state = self.state
        left = state.available_wh + (self.config.friendly_cap_wh if self.friendly_now() else 0)
        self.alarm.update(state.credit_wh, left, self.meter.policy.closed, self.wall.local())
        now = self.wall.ticks_ms()
        if self.wall.ticks_diff(now, self.saved_ms) >= self.config.save_every_s * 1000:
            self.save()

    def save(self):
        """Keep the wall time, the figures' marks and the alarm settings in
        flash (the memo record's next generation); False on a storage error."""
        volume = self.volume
        if volume is None:
            return False
        self.saved_ms = self.wall.ticks_ms()
        prefs = {"low_wh": self.alarm.low_credit_wh, "snooze_s": self.alarm.snooze_s}
        doc = {"t": self.wall.utc(), "ev": self.evidence.to_doc(), "p": prefs}
        self.memo_seq += 1
        data = record.encode(MEMO_KIND, self.memo_seq, json.dumps(doc).encode())
        try:
            volume.write_in_place(MEMO_SLOTS[self.memo_seq & 1], data)
        except OSError:
            return False
        return True

    def reconnect_by_key(self):
        """'#' pressed: end the wait for a reconnection (True if there was one)."""
        if not self.reconnect_wait:
            return False
        self.reconnect_wait = False
        self.log.info("reconnect requested at the meter")
        return True

    # ---- friendly credit ---------------------------------------------------------
    def friendly_now(self):
        return self.friendly.window(self.wall.local())

    def friendly_allows(self):
        """In a friendly window, with the debt still above the cap?"""
        if not self.friendly_now():
            return False
        state = self.state
        return state.balance_wh + state.emergency_credit_wh + self.config.friendly_cap_wh > 0

    def owed_screen(self):
        """The main screen while the credit register is below zero (not emergency credit)."""
        owed = texts.kwh(-self.state.balance_wh)
        if self.friendly_now():
            return ("Friendly credit", "used " + owed)
        return ("Owed " + owed, "repaid by token")

    # ---- sounds (the customer sets the alarm by short codes: meter.shortcodes) ----
    def tick(self):
        """Every UI tick: move the buzzer's pattern on."""
        buzzer = self.alarm.buzzer
        if buzzer is not None:
            buzzer.tick()

    def on_key(self):
        return self.alarm.key()

    def on_reject(self):
        self.alarm.reject()

    # ---- figures ----------------------------------------------------------------
    def days_left_tenths(self):
        return self.evidence.days_left_tenths(self.state.credit_wh, self.wall.utc())

    def usage_screen(self):
        """The idle screen of today's and yesterday's use (local days)."""
        ev = self.evidence
        if ev.today_wh() < 0:
            return ("Energy today", "time unknown")
        yesterday = ev.yesterday_wh()
        return (texts.two_columns("Today", texts.kwh(ev.today_wh())),
                texts.two_columns("Yest.", texts.kwh(yesterday) if yesterday >= 0 else "n/a"))
