# The customer-facing features around the meter (issue 12): the wall clock
# and its source, and the evidence figures (meter.evidence), kept across power
# cuts in the memo record.  The meter (meter.app) calls on_token() after a
# token and step() after each metering poll; System calls boot() once the
# store is mounted.
from meter import civil, texts
from meter.alarm import Alarm
from meter.evidence import Evidence
from meter.friendly import Friendly
from meter.memo import Memo
from meter.wallclock import token_floor_s

MAX_THRESHOLD_WH = 99000  # 99 kWh: the two digits of short code 5NN
MIN_SNOOZE_S = 600  # short code 6NN: NN x 10 minutes, 10 min .. 16 h 30
MAX_SNOOZE_S = 59400


def wh_text(wh):
    """A figure for the console: Wh, or 'unknown'."""
    return "%d" % wh if wh >= 0 else "unknown"


def tenths_text(tenths):
    return "%d.%d" % (tenths // 10, tenths % 10) if tenths >= 0 else "unknown"


class Customer:
    def __init__(self, meter, state, wall, config, log):
        self.meter = meter
        self.state = state
        self.wall = wall
        self.config = config
        self.log = log
        self.memo = None
        self.evidence = Evidence()
        self.alarm = Alarm(None, wall, config)  # System fits the board's buzzer
        self.friendly = Friendly(config)  # ValueError for a malformed window: caught at boot
        self.reconnect_wait = False  # a top-up arrived while off for no credit; waits for '#' (reconnect_key)
        self._saved_ms = 0

    def boot(self):
        """Once the store is mounted: restore the memo, start the wall clock."""
        self.memo = Memo(self.state.volume)
        doc = self.memo.load()
        stored = doc.get("t", -1)
        self.wall.start(stored if isinstance(stored, int) else -1, token_floor_s(self.state.keys, self.state.tids))
        self.evidence.restore(doc.get("ev"), self.state.energy_total_wh)
        prefs = doc.get("p")
        if isinstance(prefs, dict):
            self._apply_prefs(prefs.get("low_wh"), prefs.get("snooze_s"))
        self._saved_ms = self.wall.ticks_ms()

    def boot_lines(self):
        note = " (%s)" % self.wall.note if self.wall.note else ""
        return ["clock %s source=%s%s" % (self.wall.iso(), self.wall.source, note)]

    def on_token(self, verdict, code):
        """An accepted token: its issue minute is a floor for the clock; a
        credit token is the new top-up the figures count from."""
        floor = token_floor_s(self.state.keys, self.state.tids)
        if floor >= 0 and self.wall.raise_to(floor):
            self.log.info("clock raised to the token's issue time: %s" % self.wall.iso())
        elif floor > self.wall.utc():  # kept the RTC: one of the two clocks is wrong
            self.log.warn("token issued %d s after the RTC's time" % (floor - self.wall.utc()))
        token = verdict.token
        if token is not None and token.cls == 0 and verdict.credit_wh > 0:
            self.evidence.on_topup(verdict.credit_wh, self.state.energy_total_wh, self.wall.utc())
            if self.config.reconnect_key and not self.meter.policy.closed and self.meter.policy.reason == "no credit":
                self.reconnect_wait = True
        self.save()

    def step(self):
        """After each metering poll: follow the RTC, take the figures' marks,
        save the memo when due."""
        self.wall.resync()
        self.evidence.update(self.state.energy_total_wh, self.wall.utc(), self.wall.local())
        state = self.state
        left = state.available_wh + (self.friendly.cap_wh if self.friendly_now() else 0)
        self.alarm.update(state.credit_wh, left, self.meter.policy.closed, self.wall.local())
        now = self.wall.ticks_ms()
        if self.wall.ticks_diff(now, self._saved_ms) >= self.config.save_every_s * 1000:
            self.save()

    def save(self):
        """Keep the wall time (and the figures) in flash."""
        if self.memo is None:
            return False
        self._saved_ms = self.wall.ticks_ms()
        prefs = {"low_wh": self.alarm.threshold_wh, "snooze_s": self.alarm.snooze_s}
        return self.memo.save({"t": self.wall.utc(), "ev": self.evidence.to_doc(), "p": prefs})

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
        return state.balance_wh + state.emergency_credit_wh + self.friendly.cap_wh > 0

    def left_before_open_wh(self):
        """Energy the relay still lets through (credit, emergency, friendly cap)."""
        state = self.state
        if self.friendly_now():
            return max(0, state.balance_wh + state.emergency_credit_wh + self.friendly.cap_wh)
        return state.available_wh

    def owed_screen(self):
        """The main screen while the credit register is below zero (not emergency credit)."""
        owed = texts.kwh(-self.state.balance_wh)
        if self.friendly_now():
            return ("Friendly credit", "used " + owed)
        return ("Owed " + owed, "repaid by token")

    # ---- sounds and the customer's alarm settings ---------------------------
    def tick(self):
        """Every UI tick: move the buzzer's pattern on."""
        buzzer = self.alarm.buzzer
        if buzzer is not None:
            buzzer.tick()

    def on_key(self):
        return self.alarm.key()

    def on_reject(self):
        self.alarm.reject()

    def _apply_prefs(self, low_wh, snooze_s):
        if isinstance(low_wh, int) and 0 <= low_wh <= MAX_THRESHOLD_WH:
            self.alarm.threshold_wh = low_wh
        if isinstance(snooze_s, int) and MIN_SNOOZE_S <= snooze_s <= MAX_SNOOZE_S:
            self.alarm.snooze_s = snooze_s

    def set_alarm(self, low_wh=-1, snooze_s=-1):
        """Short codes 5NN / 6NN: new threshold or snooze, kept in flash.
        Returns False for a value out of range (nothing changed)."""
        if low_wh != -1 and not 0 <= low_wh <= MAX_THRESHOLD_WH:
            return False
        if snooze_s != -1 and not MIN_SNOOZE_S <= snooze_s <= MAX_SNOOZE_S:
            return False
        self._apply_prefs(low_wh, snooze_s)
        self.save()
        return True

    def set_time(self, local_text):
        """Console `time set`: local time text -> the wall clock (and the RTC)."""
        from meter.timeparse import parse_iso  # rarely used: not kept in RAM from boot

        local_s = parse_iso(local_text)
        source = self.wall.set(local_s - self.wall.tz_offset_min * 60)
        self.save()
        self.log.info("clock set to %s (%s)" % (self.wall.iso(), source))
        return source

    # ---- figures ----------------------------------------------------------------
    def days_left_tenths(self):
        return self.evidence.days_left_tenths(self.state.credit_wh, self.wall.utc())

    def local_text(self, utc_s):
        """'2023-11-14 22:13' in local time, or 'time unknown'."""
        if utc_s < 0:
            return "time unknown"
        return civil.iso(utc_s + self.wall.tz_offset_min * 60, 0)[:16].replace("T", " ")

    def today_text(self):
        return wh_text(self.evidence.today_wh())

    def last_24h_text(self):
        return wh_text(self.evidence.last_24h_wh())

    def usage_screen(self):
        """The idle screen of today's and yesterday's use (local days)."""
        ev = self.evidence
        if ev.today_wh() < 0:
            return ("Energy today", "time unknown")
        yesterday = ev.yesterday_wh()
        return (texts.two_columns("Today", texts.kwh(ev.today_wh())),
                texts.two_columns("Yest.", texts.kwh(yesterday) if yesterday >= 0 else "n/a"))

    def energy_lines(self):
        """The console's `energy` figures beyond the totals."""
        ev = self.evidence
        return [
            "energy_since_topup_wh=" + wh_text(ev.since_topup_wh()),
            "energy_yesterday_wh=" + wh_text(ev.yesterday_wh()),
            "last_topup_wh=" + wh_text(ev.topup[1] if ev.topup[0] >= 0 else -1),
            "last_topup_time=" + (self.local_text(ev.topup[2]).replace(" ", "T") if ev.topup[0] >= 0 else "none"),
            "days_left=" + tenths_text(self.days_left_tenths()),
        ]

    def status(self):
        ev = self.evidence
        return [
            ("time", self.wall.iso()),
            ("clock_source", self.wall.source),
            ("energy_since_topup_wh", wh_text(ev.since_topup_wh())),
            ("energy_yesterday_wh", wh_text(ev.yesterday_wh())),
            ("days_left", tenths_text(self.days_left_tenths())),
            ("friendly", 1 if self.friendly_now() else 0),
            ("buzzer", "on" if self.alarm.buzzer is not None and self.alarm.buzzer.on else "off"),
        ]
