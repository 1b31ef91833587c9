# System.run's task schedule on a rig's simulated clock, so tests and the bench
# see what a board would: the keypad task scans every KEYPAD_MS (its sleep
# starts when its scan ends), the UI task runs right after a scan that woke it
# (a key event, or UI_MS since its last run), metering every poll_ms.  Bus time
# is spent inside the device models (the LCD model moves the clock while it is
# written); the CPU time of the firmware is not counted (it is 0 here).
from clock import ticks_diff
from meter.system import KEYPAD_MS


class Schedule:
    def __init__(self, rig):
        self.rig = rig
        self.clock = rig.clock
        self._seen = self.clock.ticks_us()
        self._t = 0  # microseconds since the schedule started (never wraps)
        self._next_scan = 0
        self._next_poll = rig.system.config.poll_ms * 1000

    def now_us(self):
        t = self.clock.ticks_us()
        self._t += ticks_diff(t, self._seen)
        self._seen = t
        return self._t

    def _wait_until(self, t):
        left = t - self.now_us()
        if left > 0:
            self.clock.advance_us(left)
            self.now_us()

    def run_us(self, us):
        """Run every task that falls due in the next us microseconds."""
        system = self.rig.system
        end = self.now_us() + us
        while True:
            due = min(self._next_scan, self._next_poll)
            if due > end:
                self._wait_until(end)
                return
            self._wait_until(due)
            if due == self._next_poll:
                system.metering_step()
                self._next_poll = self.now_us() + system.config.poll_ms * 1000
                continue
            system.keypad_step()
            self._next_scan = self.now_us() + KEYPAD_MS * 1000
            if system.ui_due():
                system.ui_step()

    def run_ms(self, ms):
        self.run_us(ms * 1000)

    def press(self, key, hold_ms=100, gap_ms=150, phase_us=0):
        """A finger: phase_us of waiting, then press, hold, release, a pause.  Returns the key press
        to LCD time in microseconds: from the contact closing until the glass
        shows the whole screen the UI made of that key (None when the key did
        not change the screen)."""
        rig = self.rig
        lcd = rig.parts.lcd
        ui = rig.system.ui
        self.run_us(phase_us)
        before = list(ui.lines)
        pressed = self.now_us()
        pressed_ticks = self.clock.ticks_us()
        rig.parts.keypad.press(key)
        shown_us = None
        waited = 0
        while waited < hold_ms:
            self.run_ms(1)
            waited += 1
            if shown_us is None and ui.lines != before and lcd.visible_lines() == ui.lines:
                shown_us = ticks_diff(lcd.changed_us, pressed_ticks)
        rig.parts.keypad.release(key)
        self.run_ms(gap_ms)
        assert self.now_us() > pressed
        return shown_us

    def type(self, keys, **timing):
        return [self.press(key, **timing) for key in keys]
