# The whole firmware, assembled from a board's hardware: boot order, the
# asyncio tasks (one per concern), and a synchronous step() the simulator and
# scenario tests use to run simulated time quickly.
#
# Boot order: the relay is already in its safe state (drivers do that at
# construction), then storage is mounted and the state recovered, the boot
# screen shown, the metering IC started, the boot report logged, tasks started.
import gc

import overlay
from meter import texts
from meter.app import VERSION, Meter
from meter.console import Console, LineReader
from meter.ui import Ui
from meter.wallclock import WallClock
from micropython import const
from store.state import MeterState

_CONSOLE_CHUNK = const(128)  # bytes taken from the console per loop turn: a bounded slice of work
# The task schedule (run() and the simulated-time schedule in the tests):
# the keypad is scanned every KEYPAD_MS; the UI task runs when the scan found a
# key event (at once: key press to LCD is scan + debounce + the bus time of the
# changed cells) and otherwise every UI_MS for timeouts and live values.
KEYPAD_MS = const(10)
UI_MS = const(50)


class System:
    def __init__(self, hw, clock, config, log):
        self.hw = hw  # meter.hw.Hardware: keypad, lcd, relay, ic, fs, engineering, name, notes
        # The wall clock (RTC, flash, token floor) stamps the state and the log.
        clock = WallClock(clock, getattr(hw, "rtc", None), config.tz_offset_min)
        self.clock = clock
        self.config = config
        self.log = log
        # Objects only: nothing here touches the flash or the buses (boot() does).
        self.state = MeterState(hw.fs, clock, config)
        self.meter = Meter(self.state, hw.ic, hw.relay, clock, config, log)
        self.customer = self.meter.customer
        self.customer.alarm.buzzer = getattr(hw, "buzzer", None)
        self.meter.tamper.cover = hw.cover  # tamper inputs: Pins, or None where not fitted
        self.meter.tamper.magnet = hw.magnet
        self.ui = Ui(self.meter, clock, config.entry_timeout_ms, config.result_ms, config.backlight_ms)
        self.console = Console(self.meter, self.ui, self.boot_report, hw.engineering, hw.reboot)
        self._shown = [None, None]
        self._backlight = None
        self._last_poll_ms = 0
        self._stuck_key = None
        self.ui_wanted = False  # a key event waits for the UI task
        self._ui_at = clock.ticks_ms()
        self._wake = None  # the UI task's asyncio.Event (made by run())
        self.powered = True  # False after a (simulated) mains cut: nothing runs
        self.runtime = None  # tasks, supervisor and watchdog, reset record, safe mode: make_runtime()

    def boot(self):
        """Boot order in firmware/DESIGN.md; the work after the store's boot
        is an overlay (meter.startup), dropped before the meter runs."""
        self._lcd_lines("STS meter v" + VERSION, "starting...")
        gc.collect()  # the imports' leftovers first: the store's boot-only recovery code needs 2.7 KB in one piece
        report = self.state.boot()
        if overlay.run("meter.startup", "boot", self, report):  # False: safe mode or the REPL, relay untouched
            self.meter.poll_metering()  # first reading, and the relay set from the stored credit
            self._last_poll_ms = self.clock.ticks_ms()
            self.render()
        self.log.info("ready")

    def make_runtime(self):
        """The runtime (meter.runtime), made once the store has booted: its
        recovery code is freed by then, and the heap has room for this."""
        if self.runtime is None:
            from meter.runtime import Runtime

            self.runtime = Runtime(self)
        return self.runtime

    def boot_report(self):
        """The configuration at a glance (the console's `boot-report`): lines."""
        return overlay.run("meter.startup", "boot_report", self)

    # ---- one step of each concern -------------------------------------------
    def keypad_step(self):
        """One scan (the KEYPAD_MS task); events wait in the keypad's queue for ui_step."""
        keypad = self.hw.keypad
        if keypad is None:
            return
        keypad.poll()
        if keypad.pending():
            self.ui_wanted = True
        if keypad.stuck_key != self._stuck_key:  # a key held down for good: say so once
            self._stuck_key = keypad.stuck_key
            if self._stuck_key is None:
                self.log.info("keypad: stuck key released")
            else:
                self.log.warn("keypad: key %s stuck (held down for 30 s or more)" % self._stuck_key)

    def ui_due(self):
        """True when the UI task should run: a key is waiting, or UI_MS has passed."""
        return self.ui_wanted or self.clock.ticks_diff(self.clock.ticks_ms(), self._ui_at) >= UI_MS

    def ui_step(self):
        """The keys typed since the last step, the UI's timers, then the LCD."""
        self.ui_wanted = False
        self._ui_at = self.clock.ticks_ms()
        self.customer.tick()  # the buzzer's pattern
        keypad = self.hw.keypad
        if keypad is not None:
            event = keypad.get()
            while event >= 0:
                self.ui.key(event)
                event = keypad.get()
        self.ui.tick()
        self.render()

    def metering_step(self):
        self.meter.poll_metering()

    def step(self):
        """Everything due now (used by the simulator's `sim advance`)."""
        runtime = self.make_runtime()
        if not self.powered or runtime.safe or runtime.repl:  # nothing of the meter runs
            return
        self.keypad_step()
        now = self.clock.ticks_ms()
        if self.clock.ticks_diff(now, self._last_poll_ms) >= self.config.poll_ms:
            self._last_poll_ms = now
            self.metering_step()
        self.ui_step()
        runtime.supervisor.all_progressed()  # everything just ran (a long `sim advance` is no hang)
        runtime.supervisor.check()

    def render(self):
        lines = self.ui.lines
        if lines[0] != self._shown[0] or lines[1] != self._shown[1]:
            self._lcd_lines(lines[0], lines[1])
        if self.ui.backlight != self._backlight and self.hw.lcd is not None:
            self._backlight = self.ui.backlight
            self.hw.lcd.backlight(self._backlight)

    def show_fault(self, line0, line1):
        """Last-resort screen when the meter cannot run (e.g. storage dead)."""
        self._lcd_lines(texts.fit(line0), texts.fit(line1))

    def _lcd_lines(self, line0, line1):
        self._shown[0], self._shown[1] = line0, line1
        lcd = self.hw.lcd
        if lcd is not None:
            lcd.write_line(0, line0)
            lcd.write_line(1, line1)

    # ---- asyncio tasks ------------------------------------------------------
    async def run(self, console_stream=None):
        """Every task, under the supervisor (meter.runtime); never returns."""
        import asyncio

        self._wake = asyncio.Event()
        start = self.hw.start_watchdog
        await self.make_runtime().run(console_stream, start() if start is not None else None)

    def scan_step(self):
        """The keypad task's step: a scan, then the UI task woken if it is due."""
        try:
            self.keypad_step()
        finally:
            wake = self._wake
            if wake is not None and self.ui_due():
                wake.set()  # the UI task runs next, before the next scan

    async def ui_wait(self):
        """The UI task's pause: until the keypad task wakes it (a key, or UI_MS)."""
        wake = self._wake
        if wake is None:
            return
        await wake.wait()
        wake.clear()

    def persist_step(self):
        self.state.consume(0, self.clock.time())  # saves if save_every_s has passed
        # Once a minute the next render writes every LCD cell (the driver sends
        # only changes otherwise): noise that corrupted the display's RAM heals.
        if self.hw.lcd is not None:
            self.hw.lcd.invalidate()
            self._shown[0] = None

    def console_reader(self, stream):
        """The console task's step on (PolledInput, writer): takes the bytes
        that have arrived (never waits for more, so a slow or endless line never
        holds the loop) and answers every complete line.  Returns a step that
        is truthy while bytes keep coming."""
        port, writer = stream
        lines = LineReader()

        def step():
            if port.closed:
                return False
            data = port.read_available(_CONSOLE_CHUNK)
            for line in lines.feed(data):
                for out in self.console.handle(line, self.powered):
                    writer.write(out + "\n")
            return len(data) > 0

        return step
