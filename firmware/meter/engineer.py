# The console's engineer commands (an overlay: see meter.con_dispatch):
# calibration and the relay test (engineering jumper), and the restarts:
# `reboot`, and the supervisor's `repl` and `resume` (engineering jumper,
# meter.runtime).
from meter.con_dispatch import CommandError, need_jumper


def cmd_cal(console, args):
    need_jumper(console, "calibration")
    if len(args) != 2 or args[0] not in ("voltage", "current", "power"):
        raise CommandError("usage: cal voltage|current|power <reference>")
    return calibrate(console.meter, args[0], args[1])


def cmd_relaytest(console, args):
    need_jumper(console, "relay test")
    meter = console.meter
    now = meter.clock.time()
    meter.policy.start_test(now)
    meter.evaluate_relay(now)
    return ["relay=open (test)"]


def cmd_reboot(console, args):
    if console.reboot is None:
        raise CommandError("reboot not available")
    console.meter.power_down("reboot")  # a controlled restart loses nothing
    console.reboot()
    return ["rebooting"]


def calibrate(meter, kind, reference):
    """New gains from a reference reading, applied and persisted; returns
    before/after lines."""
    ic = meter.ic
    if ic is None:
        raise ValueError("no metering IC")
    if kind == "voltage":
        helper, ref = ic.calibrate_voltage, parse_decimal(reference, 2)
    elif kind == "current":
        helper, ref = ic.calibrate_current, parse_decimal(reference, 3)
    else:
        helper, ref = ic.calibrate_power, parse_decimal(reference, 0)
    before = dict(ic.calibration)
    new = helper(ref)
    if not ic.apply_calibration(new):
        raise ValueError("the metering IC refused the new values")
    if not meter.state.save_calibration(ic.calibration):
        raise ValueError("calibration applied but not saved (storage error)")
    meter.log.info("calibrated %s to %s" % (kind, reference))
    return ["%s: 0x%04x -> 0x%04x" % (name, before.get(name, 0), value) for name, value in sorted(new.items())]


def parse_decimal(text, decimals):
    """'230.5' -> 23050 for decimals=2, without floats; ValueError if not a number."""
    if text.count(".") > 1 or not text.replace(".", "").isdigit():
        raise ValueError("not a positive decimal number: " + text)
    whole, _, frac = text.partition(".")
    if len(frac) > decimals:
        raise ValueError("at most %d decimals" % decimals)
    frac = frac + "0" * (decimals - len(frac))
    return int(whole or "0") * 10**decimals + int(frac or "0")


def _restarter(console, title):
    """The runtime (meter.runtime), if the engineer may restart the meter."""
    need_jumper(console, title)
    runtime = console.runtime
    if runtime.system.hw.reboot is None:
        raise CommandError("restart not available")
    return runtime


def cmd_repl(console, args):
    """Save, restart, and stop at the next boot before the meter runs."""
    runtime = _restarter(console, "repl")
    runtime.system.meter.power_down("reboot")  # saved first: nothing is lost
    runtime.resets.announce("repl")
    runtime.system.hw.reboot()
    return ["rebooting to the REPL (relay open, the meter stopped)"]


def cmd_resume(console, args):
    """Leave safe mode: the next boot runs normally with a fresh count."""
    runtime = _restarter(console, "resume")
    if not runtime.safe:
        raise CommandError("not in safe mode")
    resets = runtime.resets  # the next boot runs normally (a soft reset, not a quick one)
    resets.safe = ""
    resets.streak = 0
    resets.planned = "soft"
    resets.save()
    runtime.system.hw.reboot()
    return ["rebooting (safe mode left)"]
