# Console commands that show the meter (an overlay: see meter.con_dispatch): none of
# them changes credit, keys or the relay.  `time set` and `loglevel <level>` are
# the two settings here (`time set` lives here, not with the boot's clock code in
# meter.customer_setup: the boot does not intern its names).  `status`, the one scripts poll, is meter.con_status.
import overlay
from meter import civil
from meter.con_dispatch import CommandError, need_jumper
from meter.wallclock import FLASH, RTC
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
    return overlay.run("meter.customer_text", "energy_lines", console.meter.customer)


def cmd_time(console, args):
    customer = console.meter.customer
    if args and args[0] == "set":
        need_jumper(console, "setting the time")
        if len(args) != 2:
            raise CommandError("usage: time set 2024-05-01T18:30:00 (local time)")
        _set_time(customer, args[1])
    elif args:
        raise CommandError("usage: time | time set <local time>")
    wall = customer.wall
    return ["time=" + wall.iso(), "clock_source=" + wall.source, "utc_s=%d" % wall.utc(),
            "tz_offset_min=%d" % wall.tz_offset_min] + (["note=" + wall.note] if wall.note else [])


def _set_time(customer, local_text):
    """`time set`: local time text -> the wall clock (and the RTC), kept in
    the memo record.  Returns the source now in use."""
    local_s = overlay.run("meter.timeparse", "parse_iso", local_text)
    wall = customer.wall
    source = _set_clock(wall, local_s - wall.tz_offset_min * 60)
    customer.save()
    customer.log.info("clock set to %s (%s)" % (wall.iso(), source))
    return source


def _set_clock(wall, utc_s):
    """Set the time (engineering jumper): writes the RTC when there is one.
    Returns the source now in use."""
    rtc = wall.rtc
    if rtc is not None:
        days, rest = divmod(utc_s, 86400)  # whole days, seconds into the day
        y, m, d = civil.civil_from_days(days)
        if rtc.set(y, m, d, rest // 3600, rest // 60 % 60, rest % 60, civil.weekday(days) + 1):
            wall.note = ""
            wall.anchor(utc_s, RTC)
            return RTC
    wall.anchor(utc_s, FLASH)  # kept in flash from now on
    return FLASH


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
