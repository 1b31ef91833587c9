# Simulator-only console commands (`sim ...`), added to the console by the sim
# board.  They act on the simulated world — time, load, mains power — never on
# the meter's state directly.
from meter.console import CommandError

HELP = (
    "sim advance <seconds>     run simulated time now (energy integrates)",
    "sim flash                 the board flash: erases, programs, the store's region and wear, save busy time",
    "sim load <watts>          set the load on the meter",
    "sim power off [ops]       cut the mains now, or after <ops> more flash operations",
    "sim power on              boot again from the flash image",
    "sim relay                 the physical relay contact",
    "sim time                  simulated wall-clock seconds",
    "sim cover open|closed     the terminal cover (its switch)",
    "sim reverse <watts>       power fed back through the meter (0: none)",
    "sim neutral <milliamps>   current in the neutral conductor (auto: equal to the live current)",
    "sim magnet on|off         a magnet held to the meter's sensor",
    "sim hang <task> <seconds>  the task blocks the loop at its next step (metering keypad ui console storage)",
    "sim crash <task>           the task raises at its next step",
)
TASKS = ("metering", "keypad", "ui", "console", "storage")
MAX_STEP_S = 60


def _left_before_open_wh(customer):
    """Energy the relay still lets through (credit, emergency, friendly cap):
    the simulator's step size, not the meter's business (its names stay out of the board)."""
    state = customer.state
    if customer.friendly_now():
        return max(0, state.balance_wh + state.emergency_credit_wh + customer.config.friendly_cap_wh)
    return state.available_wh


def usage(name):
    """'usage: sim advance <seconds>' from HELP, for one subcommand."""
    forms = [line.split("  ")[0] for line in HELP if line.split()[1] == name]
    return "usage: " + " | ".join(forms) if forms else "unknown sim command %r (sim lists them)" % name


class SimCommands:
    def __init__(self, system, parts, clock, reboot_code):
        self.system = system
        self.parts = parts
        self.clock = clock
        self.reboot_code = reboot_code

    def handle(self, args):
        if not args:
            return HELP
        try:
            return self._dispatch(args[0], args[1:])
        except (ValueError, IndexError):  # a number missing or not a number: say how the command goes
            raise CommandError(usage(args[0])) from None

    def _dispatch(self, name, rest):
        if name == "advance":
            return self.advance(int(rest[0]))
        if name == "flash":
            return self.flash()
        if name == "load":
            watts = int(rest[0])
            if watts < 0 or watts > 100000:
                raise CommandError("load must be 0..100000 W")
            self.parts.set_load(watts)
            return ["load_w=%d" % watts]
        if name == "power":
            return self.power(rest)
        if name == "relay":
            return ["relay=" + ("closed" if self.parts.relay_closed() else "open")]
        if name == "time":
            return ["time_s=%d" % self.clock.time()]
        if name in ("cover", "magnet"):
            return self.switch(name, rest)
        if name == "reverse":
            watts = int(rest[0])
            if watts < 0 or watts > 100000:
                raise CommandError("reverse must be 0..100000 W")
            self.parts.set_reverse(watts)
            return ["reverse_w=%d" % watts]
        if name == "neutral":
            if rest[0] == "auto":
                self.parts.set_neutral(None)
                return ["neutral_ma=auto"]
            milliamps = int(rest[0])
            if milliamps < 0 or milliamps > 1000000:
                raise CommandError("neutral must be 0..1000000 mA, or auto")
            self.parts.set_neutral(milliamps)
            return ["neutral_ma=%d" % milliamps]
        if name in ("hang", "crash"):
            return self.fault(name, rest)
        raise CommandError("unknown sim command %r (sim lists them)" % name)

    def flash(self):
        board_flash = self.parts.board_flash
        if board_flash is None:
            raise CommandError("no board flash model on this virtual meter")
        lines = ["%s=%s" % pair for pair in board_flash.report()]
        fs = self.system.hw.fs
        if fs is not None:  # littlefs never moves static files: only free blocks take the rotating wear
            lines.append("fs_blocks_free=%d" % fs.statvfs("/")[3])
        return lines

    def switch(self, name, rest):
        words = ("open", "closed") if name == "cover" else ("on", "off")
        if len(rest) != 1 or rest[0] not in words:
            raise CommandError(usage(name))
        if name == "cover":
            self.parts.cover_open = rest[0] == "open"
        else:
            self.parts.magnet = rest[0] == "on"
        return ["%s=%s" % (name, rest[0])]

    def fault(self, kind, rest):
        """Arm a fault in a task: it happens at the task's next step, after this reply."""
        task = self.system.runtime.supervisor.task(rest[0]) if rest and rest[0] in TASKS else None
        if task is None:
            raise CommandError("task must be one of the running: " + " ".join(TASKS))
        if kind == "crash":
            task.fault = _crash
            return ["%s will crash" % task.name]
        seconds = int(rest[1])
        if not 0 < seconds <= 600:
            raise CommandError("seconds must be 1..600")
        task.fault = lambda: _block(seconds)
        return ["%s will block the loop for %d s" % (task.name, seconds)]

    def advance(self, seconds):
        if not 0 < seconds <= 366 * 86400:
            raise CommandError("seconds must be 1..31622400")
        if not self.system.powered:
            raise CommandError("the meter is off (sim power on)")
        left = seconds
        while left > 0:
            step = self._step_size(left)
            self.clock.advance_ms(step * 1000)
            self.system.step()
            left -= step
        self.save_time()
        return ["time_s=%d" % self.clock.time(), "credit_wh=%d" % self.system.state.credit_wh]

    def save_time(self):
        """Keep simulated time across a VM restart (power off/on), next to the image."""
        import os

        path = os.getenv("SIM_TIME_FILE")
        if path:
            with open(path, "w") as f:
                f.write("%d\n" % self.clock.time())
        from sim import save_rtc

        save_rtc(self.parts, self.clock)

    def _step_size(self, left):
        # One-second steps when the credit could run out soon (so the relay
        # opens on time); longer steps otherwise.  Energy is never lost either
        # way: the IC's registers accumulate between polls.
        load = self.parts.load_w
        meter = self.system.meter
        limit = meter.max_power_w()
        if meter.policy.reason not in ("credit", "no credit") or (limit > 0 and load > limit):
            return 1  # an overload, fault or test timer is running: poll every second
        if load <= 0 or not self.parts.relay_closed():
            return min(left, MAX_STEP_S)
        seconds_of_credit = _left_before_open_wh(meter.customer) * 3600 // load
        return max(1, min(left, MAX_STEP_S, seconds_of_credit // 2))

    def power(self, rest):
        if not rest or rest[0] not in ("off", "on"):
            raise CommandError("usage: sim power off [ops] | sim power on")
        if rest[0] == "off":
            ops = int(rest[1]) if len(rest) > 1 else 0
            self.parts.flash.cut_after(ops)
            if ops == 0:
                self.system.powered = False
                return ["power=off"]
            return ["power=off after %d flash operations" % ops]
        import sys

        self.save_time()
        sys.exit(self.reboot_code)  # tools/sim.py starts a fresh VM on the same image


def _crash():
    raise RuntimeError("injected crash (sim crash)")


def _block(seconds):
    import time

    time.sleep(seconds)  # blocks the whole loop, as a stuck driver would: the watchdog stops being fed
