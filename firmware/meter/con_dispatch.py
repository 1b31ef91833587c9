# The console's dispatch (an overlay: see meter.console): one command line in,
# reply lines out, always ending in `OK` or `ERR <reason>` so scripts can parse
# it.  It inspects the meter; it can never add credit, change keys or force the
# relay except through a token typed like on the keypad.  Calibration and the
# relay test need the board's engineering jumper (config `engineering`);
# without it they are refused.
#
# Each command is the function cmd_<name>(console, args) of an overlay module
# imported for that one command and dropped right after it, whatever it raised.
# The console is used rarely and typed by a person or a script: a module load
# per line (a few ms from flash) costs nothing they notice, and between lines
# the heap holds none of the console's code.
import overlay
from meter.console import MAX_LINE, CommandError
from micropython import const

_MAX_NAME = const(12)  # longer first words are no command (and would make an over-long attribute name)
_ACTING = const(("key", "token", "relaytest", "cal"))  # refused in safe mode


def need_jumper(console, title):
    """CommandError unless the engineering jumper is fitted; title: what is refused."""
    if not console.engineering:
        raise CommandError(title + " refused: engineering jumper not fitted")


def overlay_of(name):
    """The overlay module that runs command `name`, or None for no command.  A
    known name list first: importing a typed word would intern it for good."""
    for module, names in (("meter.con_status", " status "),
                          ("meter.con_show", " version lcd log tids energy time regdump config loglevel "),
                          ("meter.con_keys", " key token "),
                          ("meter.engineer", " cal relaytest reboot repl resume "),
                          ("meter.con_help", " help ")):
        if " " + name + " " in names:
            return module
    return None


def printable(raw):
    """str of raw (bytes) with C0 controls and DEL dropped and every byte
    >= 0x80 shown as '?': console commands are ASCII, and nothing echoed back
    can move a terminal's cursor.  (MicroPython's bytes.decode() ignores its
    `errors` argument: invalid UTF-8 must never reach it.)"""
    for byte in raw:
        if byte < 32 or byte > 126:
            break
    else:
        return raw.decode()
    out = bytearray()
    for byte in raw:
        if 32 <= byte <= 126:
            out.append(byte)
        elif byte == 9:
            out.append(32)
        elif byte > 126 and byte != 127:
            out.append(63)
    return out.decode()


def handle(console, raw, powered):
    """The reply lines for one line (Console.handle in meter.console)."""
    if raw is None:  # the line reader dropped a line over MAX_LINE
        return ["ERR line too long (max %d bytes)" % MAX_LINE]
    line = printable(raw)
    if not powered and not line.lstrip().startswith("sim"):
        return ["ERR meter is off (power cut)"]
    words = line.split()
    if not words:
        return ["OK"]
    name, args = words[0].lower(), words[1:]
    handler = module = None
    if len(name) <= _MAX_NAME:
        handler = console.extra.get(name)
        module = None if handler else overlay_of(name)
    if handler is None and module is None:
        return ["ERR unknown command '%s' (try: help)" % name[:_MAX_NAME]]
    runtime = console.runtime
    if runtime is not None and runtime.safe and name in _ACTING:
        return ["ERR %s refused: safe mode (%s)" % (name, runtime.safe)]
    try:
        out = handler(args) if handler else overlay.run(module, "cmd_" + name, console, args)
    except CommandError as exc:
        return ["ERR " + str(exc.args[0])]
    except (ValueError, IndexError) as exc:
        return ["ERR bad arguments for %s: %s (try: help)" % (name, exc)]
    except Exception as exc:  # a console must never die on one command
        return ["ERR %s failed: %s" % (name, type(exc).__name__)]
    return list(out) + ["OK"]
