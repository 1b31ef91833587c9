# Why the meter restarted, counted on flash, so a reset loop is seen and
# stopped: after QUICK_LIMIT abnormal resets (watchdog, crash, hard) in a row,
# none of them after a run of STABLE_S or more, the meter stays in SAFE MODE
# (relay open, console alive, the cause on the LCD) instead of cycling the
# relay.  Safe mode ends with a power-on reset (the mains cycled: a fresh
# start with a fresh count) or with the console's `resume` (engineering
# jumper).  A run of STABLE_S clears the count of quick resets.
#
# One small JSON file "resets" in the store's folder, written atomically
# (temporary file, then rename) only at boot and on the few events below.
import json

FILE = "resets"
QUICK_LIMIT = 4  # abnormal resets in a row that mean a reset loop
STABLE_S = 600  # a run this long ends a streak of quick resets
ABNORMAL = ("watchdog", "hard")  # causes that count towards a loop (hard: a crash or panic on ESP32)


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

    def _load(self):
        raw = None
        try:
            raw = self.volume.read(FILE)
            doc = json.loads(raw) if raw else {}
        except (OSError, ValueError):  # unreadable: start counting again
            doc = {}
        if not isinstance(doc, dict):
            doc = {}
        self.count = _int(doc.get("count"))
        self.streak = _int(doc.get("streak"))
        self.safe = _text(doc.get("safe"))
        self.planned = _text(doc.get("planned"))
        self.last_note = _text(doc.get("note"))

    def save(self):
        doc = {"count": self.count, "streak": self.streak, "safe": self.safe, "planned": self.planned,
               "note": self.note}
        try:
            self.volume.write_atomic(FILE, json.dumps(doc).encode())
            return True
        except OSError:  # storage dead: the meter runs on, the loop guard is weaker
            return False

    def boot(self, port_cause):
        """Count this boot.  port_cause is the port's reset cause as a name
        (power_on, watchdog, hard, soft, deepsleep, unknown); a cause announced
        by announce() before a deliberate restart wins (on RP2040 even
        machine.reset() reads as a watchdog reset).  Returns the cause."""
        self._load()
        cause = self.planned or port_cause
        self.cause = cause
        self.planned = ""
        self.note = ""
        if cause == "power_on":
            self.streak = 0
            self.safe = ""
        else:
            self.count += 1
        if cause in ABNORMAL:
            self.streak += 1
            if self.streak >= QUICK_LIMIT and not self.safe:
                self.safe = "%d %s resets" % (self.streak, cause)
        self.save()
        return cause

    def announce(self, cause, note=""):
        """Before a deliberate restart (reboot, repl) or a reset the supervisor
        lets happen (fault): the next boot reads this cause."""
        self.planned = cause
        self.note = note
        return self.save()

    def ran(self, uptime_s):
        """Called as the meter runs: a long enough run ends a streak."""
        if not self.stable and uptime_s >= STABLE_S:
            self.stable = True
            if self.streak:
                self.streak = 0
                self.save()

    def resume(self):
        """Leave safe mode (console `resume`): the next boot runs normally."""
        self.safe = ""
        self.streak = 0
        self.planned = "soft"
        return self.save()


def _int(value):
    return value if isinstance(value, int) and value >= 0 else 0


def _text(value):
    return value[:40] if isinstance(value, str) else ""
