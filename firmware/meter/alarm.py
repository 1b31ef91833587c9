# Sounds the meter makes, and when it keeps quiet.
# Low-credit alarm: once the credit is at or below the threshold it sounds for
# alarm_sound_s, then waits snooze_s and sounds again; any key silences it (and
# starts the snooze).  Never during the quiet hours (local time), and never
# when the time is unknown: a 3 a.m. alarm is worse than none.  The display
# says LOW CREDIT whatever the hour.
# Relay warning: one two-tone warning when the credit left would last only
# a few minutes (relay_warning_wh), under the same quiet rules.
# Key click and reject: answers to someone at the meter, at any hour.
from drivers import buzzer as sounds


def quiet_hour(hour, quiet_from_h, quiet_to_h):
    """True if hour (0..23) is inside the quiet span [quiet_from_h, quiet_to_h)."""
    if quiet_from_h == quiet_to_h:
        return False
    if quiet_from_h > quiet_to_h:  # across midnight, e.g. 22..6
        return hour >= quiet_from_h or hour < quiet_to_h
    return quiet_from_h <= hour < quiet_to_h


class Alarm:
    def __init__(self, buzzer, clock, config):
        self.buzzer = buzzer  # drivers.buzzer.Buzzer or None (no buzzer fitted)
        self.clock = clock
        self.config = config  # the sound's length, the warning level and the quiet hours are read from it
        # the customer's two settings (short codes 5NN, 6NN), kept in the memo record
        self.low_credit_wh = config.low_credit_wh  # the alarm's threshold (0: off)
        self.snooze_s = config.alarm_snooze_s
        self.low = False  # credit at or below the threshold
        self.silent_reason = ""  # why a low credit is not sounding now
        self.sounding = False  # the low-credit sound is on
        self._since_ms = 0  # when the sound started, or the snooze
        self._snoozed = False
        self._warned = False

    def _may_sound(self, local_s):
        if local_s < 0:
            self.silent_reason = "time unknown"
            return False
        config = self.config
        if quiet_hour(local_s // 3600 % 24, config.quiet_from_h, config.quiet_to_h):
            self.silent_reason = "quiet hours"
            return False
        return True

    def _elapsed_s(self):
        return self.clock.ticks_diff(self.clock.ticks_ms(), self._since_ms) // 1000

    def update(self, credit_wh, available_wh, relay_closed, local_s):
        """Each metering poll: start, stop or snooze the low-credit sound."""
        self.low = self.low_credit_wh > 0 and credit_wh <= self.low_credit_wh
        if not self.low:
            self._snoozed = False
            self.silent_reason = ""
            self._stop_sound()
        elif self.sounding:
            if self._elapsed_s() >= self.config.alarm_sound_s or not self._may_sound(local_s):
                self._snooze()
        elif self._snoozed and self._elapsed_s() < self.snooze_s:
            self.silent_reason = "snoozed"
        elif self._may_sound(local_s):
            self.silent_reason = ""
            self.sounding, self._snoozed = True, False
            self._since_ms = self.clock.ticks_ms()
            self._play(sounds.LOW_CREDIT, -1)
        if relay_closed and 0 < available_wh <= self.config.relay_warning_wh:
            if not self._warned and self._may_sound(local_s):
                self._warned = True
                self.sounding = False  # the warning replaces the alarm's beeps, which snooze
                self._snoozed = True
                self._since_ms = self.clock.ticks_ms()
                self._play(sounds.RELAY_WARNING, 1)
        elif available_wh > self.config.relay_warning_wh:
            self._warned = False

    def key(self):
        """A key was pressed: silence the alarm (True if it was sounding), or click."""
        if self.sounding:
            self._snooze()
            return True
        buzzer = self.buzzer
        if buzzer is not None and not buzzer.on:
            buzzer.play(sounds.KEY_CLICK)
        return False

    def reject(self):
        self._play(sounds.REJECT, 0)

    def _snooze(self):
        self._stop_sound()
        self._snoozed = True
        self._since_ms = self.clock.ticks_ms()

    def _stop_sound(self):
        if self.sounding and self.buzzer is not None and self.buzzer.pattern is sounds.LOW_CREDIT:
            self.buzzer.stop()
        self.sounding = False

    def _play(self, pattern, repeats):
        if self.buzzer is not None:
            self.buzzer.play(pattern, repeats)
