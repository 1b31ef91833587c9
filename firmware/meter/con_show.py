# Console commands that show the meter (an overlay: see meter.con_dispatch): none of
# them changes credit, keys or the relay.  `time set` and `loglevel <level>` are
# the two settings here.  `status`, the one scripts poll, is meter.con_status.
from meter.con_dispatch import CommandError, need_jumper
from micropython import const
from store import events as ev

_MAX_LOG = const(100)  # `log`: the event ring holds fewer than this


def cmd_version(console, args):
    return ["version=" + console.meter.version]


def cmd_lcd(console, args):
    return list(console.ui.lines)


def cmd_log(console, args):
    if args and len(args[0]) > 6:  # int() of a long digit string costs the square of its length
        raise CommandError("usage: log [n] (n up to %d)" % _MAX_LOG)
    n = int(args[0]) if args else 10
    if n <= 0:
        raise CommandError("n must be positive")
    rows = console.meter.state.events(min(n, _MAX_LOG))
    kind_name, fields_text = ev.kind_name, ev.fields_text  # each ev name loads the log's overlay: once per command
    return ["%d t=%d %s %s" % (seq, t, kind_name(kind, a), fields_text(kind, a, b)) for seq, t, kind, a, b in rows]


def cmd_tids(console, args):
    tids = list(console.meter.state.tids)
    return ["count=%d" % len(tids)] + ["%d" % t for t in tids]


def cmd_energy(console, args):
    m = console.meter
    customer = m.customer
    return [
        "energy_total_wh=%d" % m.state.energy_total_wh,
        "energy_today_wh=" + customer.today_text(),
        "last_24h_wh=" + customer.last_24h_text(),
        "credit_wh=%d" % m.state.credit_wh,
    ] + customer.energy_lines()


def cmd_time(console, args):
    customer = console.meter.customer
    if args and args[0] == "set":
        need_jumper(console, "setting the time")
        if len(args) != 2:
            raise CommandError("usage: time set 2024-05-01T18:30:00 (local time)")
        customer.set_time(args[1])
    elif args:
        raise CommandError("usage: time | time set <local time>")
    wall = customer.wall
    return ["time=" + wall.iso(), "clock_source=" + wall.source, "utc_s=%d" % wall.utc(),
            "tz_offset_min=%d" % wall.tz_offset_min] + (["note=" + wall.note] if wall.note else [])


def cmd_regdump(console, args):
    ic = console.meter.ic
    if ic is None:
        raise CommandError("no metering IC")
    return ["%-10s 0x%02x 0x%04x" % row for row in ic.regdump()]


def cmd_config(console, args):
    return console.boot_report()


def cmd_loglevel(console, args):
    log = console.meter.log
    if args:
        log.set_level(args[0])
    return ["loglevel=" + log.level_name]
