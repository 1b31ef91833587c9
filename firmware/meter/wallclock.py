# The meter's wall clock, and how far it can be trusted.  Sources, most
# trusted first:
#   rtc     a battery-backed RTC chip whose oscillator never stopped;
#   flash   the last time the meter knew, kept in flash: after a power cut the
#           clock goes on from there (a lower bound: the outage is not counted,
#           but time never goes backwards);
#   token   the issue minute of the newest accepted token (its TID): the meter
#           cannot be earlier than a token it accepted (a floor for the sources
#           below the RTC: a valid RTC is trusted more than a vending clock);
#   unknown none of them: features that need local time say so.
# Between readings the time runs on the board's tick counter.  It is also the
# clock the meter state and event log use (time()): where the wall time is
# unknown that falls back to the board's own time.time().  Choosing the
# source at boot and setting the time are rare: meter.customer_setup (an
# overlay) does them.
import overlay
from meter import civil
from micropython import const

RTC = "rtc"
FLASH = "flash"
TOKEN = "token"
UNKNOWN = "unknown"
_RESYNC_MS = const(600000)  # re-read the RTC every 10 minutes (the tick crystal drifts more)


def token_floor_s(keys, tids):
    """Unix seconds of the newest accepted TID (minutes since the key's base
    date, sts/tids.py), or -1 if there is none."""
    if keys is None or not len(tids) or keys.base_date not in (1993, 2014, 2035):  # sts.keys' base dates
        return -1
    return civil.to_seconds(keys.base_date, 1, 1) + 60 * max(tids)


class WallClock:
    def __init__(self, clock, rtc=None, tz_offset_min=0):
        self.base = clock
        self.rtc = rtc  # drivers.ds3231.Ds3231 or None
        self.tz_offset_min = tz_offset_min
        self.source = UNKNOWN
        self.note = ""  # why the RTC was not used, for the boot report
        self._utc = -1  # Unix seconds at _anchor_ms (-1: unknown)
        self._anchor_ms = 0
        self.synced_ms = 0

    # ---- what the state, the meter and the UI use of a board clock --------
    def ticks_ms(self):
        return self.base.ticks_ms()

    def ticks_diff(self, end, start):
        return self.base.ticks_diff(end, start)

    def time(self):
        """Wall seconds when known, else the board's own (restarted) clock."""
        now = self.utc()
        return now if now >= 0 else self.base.time()

    # ---- wall time --------------------------------------------------------
    @property
    def known(self):
        return self._utc >= 0

    def utc(self):
        """Unix seconds (UTC), or -1 when unknown."""
        if self._utc < 0:
            return -1
        now = self.base.ticks_ms()
        whole = self.base.ticks_diff(now, self._anchor_ms) // 1000
        if whole > 0:  # move the anchor on, so tick wrap-around never matters
            self._utc += whole
            self._anchor_ms = (self._anchor_ms + whole * 1000) & 0x1FFFFFFF
        return self._utc

    def local(self):
        """Local seconds (UTC + the configured offset), or -1 when unknown."""
        now = self.utc()
        return now + self.tz_offset_min * 60 if now >= 0 else -1

    def iso(self):
        now = self.local()
        return civil.iso(now, self.tz_offset_min) if now >= 0 else "unknown"

    def anchor(self, utc_s, source):
        self._utc = utc_s
        self._anchor_ms = self.base.ticks_ms()
        self.source = source

    def read_rtc(self):
        """The RTC's time as Unix seconds, or -1 (absent, silent or not valid)."""
        rtc = self.rtc
        if rtc is None or not rtc.read():
            return -1
        f = rtc.fields
        return civil.to_seconds(f[0], f[1], f[2], f[3], f[4], f[5])

    def start(self, stored_s=-1, token_s=-1):
        """At boot: choose the source (meter.customer_setup.start_clock)."""
        overlay.run("meter.customer_setup", "start_clock", self, stored_s, token_s)

    def resync(self):
        """Follow the RTC now and then (never backwards); notice an RTC that
        stopped.  Cheap to call every poll."""
        if self.rtc is None or self.source != RTC:
            return
        now = self.base.ticks_ms()
        if self.base.ticks_diff(now, self.synced_ms) < _RESYNC_MS:
            return
        self.synced_ms = now
        rtc_s = self.read_rtc()
        if rtc_s < 0:
            self.source = FLASH  # go on from what we had; the flash keeps it
            self.note = "RTC lost its time while running"
        elif rtc_s > self.utc():
            self.anchor(rtc_s, RTC)

    def raise_to(self, utc_s, source=TOKEN):
        """The meter learned it is at least utc_s (an accepted token's TID).
        A valid RTC is trusted more than a vending station's clock: kept."""
        if self.source != RTC and utc_s > self.utc():
            self.anchor(utc_s, source)
            return True
        return False
