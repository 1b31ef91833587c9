# The console's two engineer commands that restart the meter (both need the
# engineering jumper); loaded only when typed.  See meter.runtime.
from meter.console import CommandError


def _need_jumper(runtime, what):
    hw = runtime.system.hw
    if not hw.engineering:
        raise CommandError(what + " refused: engineering jumper not fitted")
    if hw.reboot is None:
        raise CommandError("restart not available")


def repl(runtime):
    """Save, restart, and stop at the next boot before the meter runs."""
    _need_jumper(runtime, "repl")
    runtime.system.meter.power_down("reboot")  # saved first: nothing is lost
    runtime.resets.announce("repl")
    runtime.system.hw.reboot()
    return ["rebooting to the REPL (relay open, the meter stopped)"]


def resume(runtime):
    """Leave safe mode: the next boot runs normally with a fresh count."""
    _need_jumper(runtime, "resume")
    if not runtime.safe:
        raise CommandError("not in safe mode")
    runtime.resets.resume()
    runtime.system.hw.reboot()
    return ["rebooting (safe mode left)"]
