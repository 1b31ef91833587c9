# The customer-facing features around the meter (issue 12): the wall clock
# and its source, kept across power cuts in the memo record.  The meter
# (meter.app) calls on_token() after a token and step() after each metering
# poll; System calls boot() once the store is mounted.
from meter.memo import Memo
from meter.wallclock import token_floor_s


class Customer:
    def __init__(self, meter, state, wall, config, log):
        self.meter = meter
        self.state = state
        self.wall = wall
        self.config = config
        self.log = log
        self.memo = None
        self._saved_ms = 0

    def boot(self):
        """Once the store is mounted: restore the memo, start the wall clock."""
        self.memo = Memo(self.state.volume)
        doc = self.memo.load()
        stored = doc.get("t", -1)
        self.wall.start(stored if isinstance(stored, int) else -1, token_floor_s(self.state.keys, self.state.tids))
        self._saved_ms = self.wall.ticks_ms()

    def boot_lines(self):
        note = " (%s)" % self.wall.note if self.wall.note else ""
        return ["clock %s source=%s%s" % (self.wall.iso(), self.wall.source, note)]

    def on_token(self, verdict, code):
        """An accepted token: its issue minute is a floor for the clock."""
        floor = token_floor_s(self.state.keys, self.state.tids)
        if floor >= 0 and self.wall.raise_to(floor):
            self.log.info("clock raised to the token's issue time: %s" % self.wall.iso())
        self.save()

    def step(self):
        """After each metering poll: follow the RTC, save the memo when due."""
        self.wall.resync()
        now = self.wall.ticks_ms()
        if self.wall.ticks_diff(now, self._saved_ms) >= self.config.save_every_s * 1000:
            self.save()

    def save(self):
        """Keep the wall time (and the figures) in flash."""
        if self.memo is None:
            return False
        self._saved_ms = self.wall.ticks_ms()
        return self.memo.save({"t": self.wall.utc()})

    def set_time(self, local_text):
        """Console `time set`: local time text -> the wall clock (and the RTC)."""
        from meter.timeparse import parse_iso  # rarely used: not kept in RAM from boot

        local_s = parse_iso(local_text)
        source = self.wall.set(local_s - self.wall.tz_offset_min * 60)
        self.save()
        self.log.info("clock set to %s (%s)" % (self.wall.iso(), source))
        return source

    def status(self):
        return [("time", self.wall.iso()), ("clock_source", self.wall.source)]
