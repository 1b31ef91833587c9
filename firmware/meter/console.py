# The serial console's resident part: the state its commands work on and the
# error they raise.  What a line means is an overlay (firmware/overlay.py):
# meter.con_dispatch is loaded when a complete line has arrived and dropped
# after its reply, and runs each command from its own overlay (meter.con_*,
# meter.engineer).  A meter nobody talks to never loads them, nor their names.
# The bytes themselves are read and cut into lines by meter.linereader.
import overlay


class CommandError(Exception):
    """A command's refusal, sent as `ERR <reason>`.  Resident: a board's own
    commands (the simulator's `sim`) hold the class between lines."""


class Console:
    def __init__(self, meter, ui, boot_report, engineering=False, reboot=None):
        self.meter = meter
        self.ui = ui
        self.boot_report = boot_report  # callable -> list of lines
        self.engineering = engineering
        self.reboot = reboot
        self.extra = {}  # name -> handler(args) -> lines (the simulator adds `sim`)
        self.runtime = None  # meter.runtime.Runtime, once made: `repl`, `resume`, safe mode

    def handle(self, raw, powered=True):
        """Reply lines, incl. OK/ERR, for one line as meter.linereader gives it
        (bytes, or None: too long); powered False: only `sim` commands run."""
        try:
            return overlay.run("meter.con_dispatch", "handle", self, raw, powered)
        except MemoryError:  # no room for the dispatch now: the meter runs on, a later line may fit
            return ["ERR console busy: out of memory, try again"]
