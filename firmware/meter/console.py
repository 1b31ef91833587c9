# The serial console: one command line in, reply lines out, always ending in
# `OK` or `ERR <reason>` so scripts can parse it.  It inspects the meter; it can
# never add credit, change keys or force the relay except through a token typed
# like on the keypad.  Calibration and the relay test need the board's
# engineering jumper (config `engineering`); without it they are refused.
from meter import texts

HELP = (
    "help                 this list",
    "version              firmware version",
    "status               key=value lines",
    "lcd                  the LCD text as shown",
    "key <keys>           press keys, e.g. key 1234# (! before a key = hold)",
    "token <20 digits>    type and submit a token",
    "log [n]              last n events (default 10)",
    "tids                 the used-TID record",
    "energy               energy figures",
    "time [set <local>]   wall time and its source; set e.g. 2024-05-01T18:30 (engineering jumper)",
    "regdump              metering IC registers",
    "cal voltage|current|power <ref>  calibrate (engineering jumper)",
    "relaytest            open the relay briefly (engineering jumper)",
    "config               boot report (never shows the key)",
    "loglevel [level]     error|warn|info|debug",
    "reboot               restart the meter",
    "repl                 stop the meter for the REPL after a restart (engineering jumper)",
    "resume               leave safe mode and restart (engineering jumper)",
)


MAX_NAME = 12  # longer first words are no command (and would make an over-long attribute name)
MAX_KEYS = 64  # `key`: a token is 20 digits and a few control keys
MAX_LOG = 100  # `log`: the event ring holds fewer than this


class CommandError(Exception):
    pass


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
        handler = None
        if len(name) <= MAX_NAME:
            handler = self.extra.get(name) or getattr(self, "cmd_" + name, None)
        if handler is None:
            return ["ERR unknown command '%s' (try: help)" % name[:MAX_NAME]]
        refused = self.refuse(name) if self.refuse is not None else None
        if refused:
            return ["ERR " + refused]
        try:
            out = handler(args)
        except CommandError as exc:
            return ["ERR " + str(exc.args[0])]
        except (ValueError, IndexError) as exc:
            return ["ERR bad arguments for %s: %s (try: help)" % (name, exc)]
        except Exception as exc:  # a console must never die on one command
            return ["ERR %s failed: %s" % (name, type(exc).__name__)]
        return list(out) + ["OK"]

    # ---- commands -----------------------------------------------------
    def cmd_help(self, args):
        return HELP

    def cmd_version(self, args):
        return ["version=" + self.meter.version]

    def cmd_status(self, args):
        pairs = self.meter.status()
        if self.status_extra is not None:
            pairs = pairs + self.status_extra()
        return ["%s=%s" % kv for kv in pairs]

    def cmd_lcd(self, args):
        return list(self.ui.lines)

    def cmd_key(self, args):
        if len(args) != 1:
            raise CommandError("usage: key <keys>, e.g. key 1234#")
        keys = args[0]
        if len(keys) > MAX_KEYS:
            raise CommandError("at most %d keys at a time" % MAX_KEYS)
        for ch in keys.replace("!", ""):
            if ch.upper() not in "0123456789*#ABCD":
                raise CommandError("not a keypad key: %r" % ch)
        hold = False
        for ch in keys:
            if ch == "!":
                hold = True
                continue
            self.ui.key(ord(ch.upper()))
            if hold:
                self.ui.key(ord(ch.upper()) | 0x100)
                hold = False
            self.ui.tick()  # a submitted token is decoded now (busy -> result)
        return list(self.ui.lines)

    def cmd_token(self, args):
        if len(args) != 1 or len(args[0]) != 20 or not args[0].isdigit():
            raise CommandError("usage: token <20 digits>")
        self.ui.key(ord("*") | 0x100)  # start from an empty entry
        for ch in args[0] + "#":
            self.ui.key(ord(ch))
        self.ui.tick()
        code = self.meter.last_result
        return ["result=%d %s" % (code, texts.result_name(code))] + list(self.ui.lines)

    def cmd_log(self, args):
        if args and len(args[0]) > 6:  # int() of a long digit string costs the square of its length
            raise CommandError("usage: log [n] (n up to %d)" % MAX_LOG)
        n = int(args[0]) if args else 10
        if n <= 0:
            raise CommandError("n must be positive")
        return self.meter.event_lines(min(n, MAX_LOG))

    def cmd_tids(self, args):
        tids = list(self.meter.state.tids)
        return ["count=%d" % len(tids)] + ["%d" % t for t in tids]

    def cmd_energy(self, args):
        m = self.meter
        return [
            "energy_total_wh=%d" % m.state.energy_total_wh,
            "energy_today_wh=" + m.customer.today_text(),
            "last_24h_wh=" + m.customer.last_24h_text(),
            "credit_wh=%d" % m.state.credit_wh,
        ] + m.customer.energy_lines()

    def cmd_time(self, args):
        customer = self.meter.customer
        if args and args[0] == "set":
            self._need_engineering("setting the time")
            if len(args) != 2:
                raise CommandError("usage: time set 2024-05-01T18:30:00 (local time)")
            customer.set_time(args[1])
        elif args:
            raise CommandError("usage: time | time set <local time>")
        wall = customer.wall
        return ["time=" + wall.iso(), "clock_source=" + wall.source, "utc_s=%d" % wall.utc(),
                "tz_offset_min=%d" % wall.tz_offset_min] + (["note=" + wall.note] if wall.note else [])

    def cmd_regdump(self, args):
        if self.meter.ic is None:
            raise CommandError("no metering IC")
        return ["%-10s 0x%02x 0x%04x" % row for row in self.meter.ic.regdump()]

    def _need_engineering(self, what):
        if not self.engineering:
            raise CommandError(what + " refused: engineering jumper not fitted")

    def cmd_cal(self, args):
        self._need_engineering("calibration")
        if len(args) != 2 or args[0] not in ("voltage", "current", "power"):
            raise CommandError("usage: cal voltage|current|power <reference>")
        return self.meter.calibrate(args[0], args[1])

    def cmd_relaytest(self, args):
        self._need_engineering("relay test")
        self.meter.relay_test()
        return ["relay=open (test)"]

    def cmd_config(self, args):
        return self.boot_report()

    def cmd_loglevel(self, args):
        if args:
            self.meter.log.set_level(args[0])
        return ["loglevel=" + self.meter.log.level_name]

    def cmd_reboot(self, args):
        if self.reboot is None:
            raise CommandError("reboot not available")
        self.meter.power_down("reboot")  # a controlled restart loses nothing
        self.reboot()
        return ["rebooting"]

