# Why the meter restarted, counted on flash, so a reset loop is seen and
# stopped: after QUICK_LIMIT abnormal resets (watchdog, crash, hard) in a row,
# none of them after a run of _STABLE_S or more, the meter stays in SAFE MODE
# (relay open, console alive, the cause on the LCD) instead of cycling the
# relay.  Safe mode ends with a power-on reset (the mains cycled: a fresh
# start with a fresh count) or with the console's `resume` (engineering
# jumper: meter.engineer clears the record).  A run of _STABLE_S clears the
# count of quick resets.
#
# One small JSON file "resets" in the store's folder, written atomically
# (temporary file, then rename) only at boot and on the few events below.
# Reading it and counting the boot run once, in the boot overlay
# (meter.startup.count_reset).
import json

from micropython import const

RESETS_FILE = "resets"
QUICK_LIMIT = const(4)  # abnormal resets in a row that mean a reset loop
_STABLE_S = const(600)  # a run this long ends a streak of quick resets


class ResetRecord:
    def __init__(self, volume):
        self.volume = volume  # store.volume.Volume (read / write_atomic)
        self.count = 0  # restarts other than power-on (watchdog, reboot, fault ...) since the record began
        self.cause = "power_on"  # this boot's cause
        self.streak = 0  # abnormal resets in a row, each after a short run
        self.safe = ""  # the safe-mode reason, "" when not in safe mode
        self.planned = ""  # a cause announced before a deliberate restart
        self.note = ""  # what the last run said before it ended (e.g. the stalled task)
        self.last_note = ""  # the previous run's note, shown at this boot
        self.stable = False

    def save(self):
        doc = {"count": self.count, "streak": self.streak, "safe": self.safe, "planned": self.planned,
               "note": self.note}
        try:
            self.volume.write_atomic(RESETS_FILE, json.dumps(doc).encode())
            return True
        except OSError:  # storage dead: the meter runs on, the loop guard is weaker
            return False

    def announce(self, cause, note=""):
        """Before a deliberate restart (reboot, repl) or a reset the supervisor
        lets happen (fault): the next boot reads this cause."""
        self.planned = cause
        self.note = note
        return self.save()

    def ran(self, uptime_s):
        """Called as the meter runs: a long enough run ends a streak."""
        if not self.stable and uptime_s >= _STABLE_S:
            self.stable = True
            if self.streak:
                self.streak = 0
                self.save()
