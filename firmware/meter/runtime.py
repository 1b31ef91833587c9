# Keeps the meter running, or safely stopped: the asyncio tasks under the
# supervisor (meter.supervisor) that alone feeds the board's watchdog, the
# reset record (meter.resets), safe mode, and the engineer's two ways out on
# the console (their code: meter.engineer, an overlay), both needing the engineering jumper:
#   repl    saves, restarts, and the next boot stops before the meter runs
#           (relay open, Ctrl-C enabled, no watchdog): the MicroPython REPL
#   resume  leaves safe mode: clears the reset count and restarts normally
from meter.resets import ResetRecord
from meter.supervisor import Supervisor
from micropython import const
from store import events as ev

_PERSIST_MS = const(5000)  # the storage task's period (it saves only when a save is due)
_CONSOLE_IDLE_MS = const(20)  # how often an idle console looks for input


class Runtime:
    def __init__(self, system):
        self.system = system
        hw = system.hw
        self.resets = ResetRecord(system.state.volume)
        self.supervisor = Supervisor(hw.monotonic or system.clock, system.log, self._stalled, self._crashed)
        self.safe = ""  # the reason, while in safe mode
        self.repl = False  # the engineer asked for the REPL: the meter does not run this boot
        self.started_s = 0
        console = system.console
        console.runtime = self  # its commands (meter.engineer), `status` lines and safe-mode refusals
        if console.reboot is not None:
            console.reboot = self._reboot

    # ---- safe mode (the boot counts the reset: meter.startup, an overlay) ---
    def enter_safe(self, reason):
        """Relay open, the reason on the LCD, only the console (and the
        watchdog feeding) running.  Ends with a power cycle or `resume`."""
        system = self.system
        self.safe = reason
        system.hw.relay.set(False)
        system.show_fault("Fault: safe mode", reason)
        system.log.error("SAFE MODE (%s): relay open; power cycle, or `resume` with the engineering jumper" % reason)

    # ---- tasks --------------------------------------------------------------
    async def run(self, console_stream=None, watchdog=None):
        """All tasks under the supervisor; never returns.  Resident, not an
        overlay: by now the heap is fragmented, and a meter whose tasks could not
        start for want of one contiguous block would stop."""
        import asyncio

        sup = self.supervisor
        self.add_tasks(console_stream)
        if watchdog is not None:
            sup.start(watchdog)
        for task in sup.tasks:
            asyncio.create_task(sup.run(task))
        await sup.watch()

    def add_tasks(self, console_stream=None):
        """The supervisor's tasks and their steps, before any runs (what the meter
        holds while it runs: the heap bench makes them the same way)."""
        from meter.system import KEYPAD_MS, UI_MS

        system = self.system
        sup = self.supervisor
        powered = self.when_powered
        if not self.safe:
            sup.add("keypad", KEYPAD_MS, powered(system.scan_step))
            sup.add("ui", UI_MS, powered(system.ui_step), system.ui_wait)  # woken by the keypad task
            sup.add("metering", system.config.poll_ms, powered(system.metering_step))
            sup.add("storage", _PERSIST_MS, powered(self.storage_step))
        if console_stream is not None:
            sup.add("console", _CONSOLE_IDLE_MS, system.console_reader(console_stream))

    def when_powered(self, step):
        def run():
            if self.system.powered:  # the simulator's mains cut: nothing runs, nothing is due
                step()

        return run

    def storage_step(self):
        system = self.system
        system.persist_step()
        self.resets.ran(system.clock.time() - self.started_s)

    def _reboot(self):
        self.resets.announce("reboot")  # rp2 reports machine.reset() as a watchdog reset: say what it was
        self.system.hw.reboot()

    def _stalled(self, name):
        self.resets.announce("watchdog" if name else "", name or "")

    def _crashed(self, name, count):
        names = [task.name for task in self.supervisor.tasks]
        self.system.state.log(ev.TASK_RESTART, names.index(name) if name in names else -1, count)
