# The serial console: one command line in, reply lines out, always ending in
# `OK` or `ERR <reason>` so scripts can parse it.  It inspects the meter; it can
# never add credit, change keys or force the relay except through a token typed
# like on the keypad.  Calibration and the relay test need the board's
# engineering jumper (config `engineering`); without it they are refused.
#
# Only the dispatch is resident: each command is the function cmd_<name>(console,
# args) of an overlay module (firmware/overlay.py) that is imported for that one
# command and dropped right after it, whatever it raised.  The console is used
# rarely and typed by a person or a script: a module load per command (a few ms
# from flash) costs nothing they notice, and between commands the heap holds none
# of the command code (no idle timer to keep, nothing left loaded by mistake).
import overlay
from micropython import const

_MAX_NAME = const(12)  # longer first words are no command (and would make an over-long attribute name)


class CommandError(Exception):
    pass


def need_jumper(fitted, what):
    """CommandError unless the engineering jumper is fitted."""
    if not fitted:
        raise CommandError(what + " refused: engineering jumper not fitted")


def overlay_of(name):
    """The overlay module that runs command `name`, or None for no command.  A
    known name list first: importing a typed word would intern it for good."""
    for module, names in (("meter.con_status", " status "),
                          ("meter.con_show", " version lcd log tids energy time regdump config loglevel "),
                          ("meter.con_keys", " key token "),
                          ("meter.engineer", " cal relaytest reboot "),
                          ("meter.con_help", " help ")):
        if " " + name + " " in names:
            return module
    return None


class Console:
    def __init__(self, meter, ui, boot_report, engineering=False, reboot=None):
        self.meter = meter
        self.ui = ui
        self.boot_report = boot_report  # callable -> list of lines
        self.engineering = engineering
        self.reboot = reboot
        self.extra = {}  # name -> handler(args) -> lines (the simulator adds `sim`)
        self.status_extra = None  # fn() -> more (key, value) pairs for `status`
        self.refuse = None  # fn(command name) -> why it is refused now, or None

    def handle(self, line):
        """Run one command line; returns the reply lines incl. OK/ERR."""
        words = line.strip().split()
        if not words:
            return ["OK"]
        name, args = words[0].lower(), words[1:]
        handler = module = None
        if len(name) <= _MAX_NAME:
            handler = self.extra.get(name)
            module = None if handler else overlay_of(name)
        if handler is None and module is None:
            return ["ERR unknown command '%s' (try: help)" % name[:_MAX_NAME]]
        refused = self.refuse(name) if self.refuse is not None else None
        if refused:
            return ["ERR " + refused]
        try:
            out = handler(args) if handler else overlay.run(module, "cmd_" + name, self, args)
        except CommandError as exc:
            return ["ERR " + str(exc.args[0])]
        except (ValueError, IndexError) as exc:
            return ["ERR bad arguments for %s: %s (try: help)" % (name, exc)]
        except Exception as exc:  # a console must never die on one command
            return ["ERR %s failed: %s" % (name, type(exc).__name__)]
        return list(out) + ["OK"]
