# A whole virtual meter for scenario tests: the simulator's board (keypad,
# LCD and ATM90E26 models behind the machine fakes) on RAM flash, with a clock
# the test moves.  Everything above the bus is the real firmware.
# The 4 KB STA tables first, as firmware/main.py does: on a small heap they
# need contiguous memory, which is there before everything else is loaded.
import sts.resident  # noqa: F401  (isort: skip)
from support.vend import DEMO_PROVISION  # isort: skip  (builds the test's encrypt tables: 4 KB more)

import sim
from fakeclock import FakeClock
from meter.config import MeterConfig
from meter.log import Log
from meter.system import System
from sim_commands import SimCommands
from support.checks import is_micropython

NOW = 1_700_000_000  # 2023-11-14, a weekday afternoon (UTC)
KEY_STEP_MS = 10


def scratch_flash():
    """Flash for one rig.  Inside MicroPython a file-backed image (like a
    board's flash it costs no heap, so heap-capped runs measure the firmware);
    the file is unlinked at once and lives while it is open.  On CPython a
    RAM NOR flash model."""
    if not is_micropython():
        from norflash import NorFlash

        return NorFlash(16, 4096)
    import os

    from support.filedev import FileBlockDevice

    if hasattr(os, "urandom"):
        tag = "".join("%02x" % b for b in os.urandom(6))
    else:  # the wasm VM (one process, in-memory files): time is unique enough
        import time

        tag = "%d" % time.ticks_us()
    path = "/tmp/sts-rig-%s.img" % tag
    flash = FileBlockDevice(path, 64, 4096)
    os.remove(path)
    return flash


def _release_previous_meter():
    """A previous test's meter is still reachable through the fake machine's
    pin registry: drop it and collect, so a new meter starts on a clean heap."""
    import gc

    import machine

    machine.reset_registry()
    gc.collect()


class Rig:
    def __init__(self, load_w=0, flash=None, engineering=False, clock=None, lcd_present=True, rtc="battery",
                 provision=DEMO_PROVISION, reset_cause="power_on", **config):
        _release_previous_meter()
        self.clock = clock or FakeClock(start_s=NOW)
        self.flash = flash or scratch_flash()
        self.log_lines = []
        self.hw, self.parts = sim.build_virtual(self.clock, self.flash, load_w, engineering, lcd_present, rtc=rtc)
        self.rtc = self.parts.rtc  # the DS3231 model (None: no RTC); it outlives a power cut
        self.provisioning = []  # what the meter did with the file: "done" or "rejected: <reason>"
        self.hw.read_provisioning = lambda: provision
        self.hw.provisioning_done = lambda: self.provisioning.append("done")
        self.hw.provisioning_rejected = lambda reason: self.provisioning.append("rejected: " + reason)
        self.hw.reset_cause = reset_cause  # what the port's machine.reset_cause() says at this boot
        self.system = System(self.hw, self.clock, MeterConfig(**config), Log(self.log_lines.append))
        self.system.boot()
        self.sim = SimCommands(self.system, self.parts, self.clock, 75)

    def power_cut(self):
        """Lose everything but the flash (and time): returns (flash, clock) to
        boot a new Rig on (pass rtc=rig.rtc for the same RTC chip).  The fake
        machine's pin registry is dropped too, so the old meter's memory can
        really be reclaimed."""
        flash, clock = self.flash, self.clock
        if self.rtc is not None:
            self.rtc.power_cut()  # keeps counting on its battery, or loses its time without one
        self.hw = self.parts = self.system = self.sim = None
        _release_previous_meter()
        return flash, clock

    @property
    def meter(self):
        return self.system.meter

    @property
    def state(self):
        return self.system.state

    def lcd(self):
        """The two lines a person reads on the LCD model."""
        return [line.rstrip() for line in self.parts.lcd.visible_lines()]

    def _tick(self, ms):
        for _ in range(ms // KEY_STEP_MS):
            self.clock.advance_ms(KEY_STEP_MS)
            self.system.keypad_step()
        self.system.ui_step()

    def press(self, key, hold_ms=80):
        """A finger on the keypad matrix: press, hold, release."""
        self.parts.keypad.press(key)
        self._tick(hold_ms)
        self.parts.keypad.release(key)
        self._tick(60)

    def type(self, keys):
        for key in keys:
            self.press(key)

    def enter_token(self, digits):
        self.type(digits + "#")
        self.system.ui_step()  # the busy screen was drawn; now the token is decoded
        return self.meter.last_result

    def advance(self, seconds):
        """Run simulated time (metering polls, UI ticks) like `sim advance`."""
        return self.sim.advance(seconds)

    def console(self, line):
        return self.system.console.handle(line.encode())  # bytes, as the console's line reader gives them

    def reply(self, line):
        """A console command's `key=value` reply lines as a dict (the final OK left out)."""
        out = {}
        for text in self.console(line)[:-1]:
            key, _, value = text.partition("=")
            out[key] = value
        return out

    def status(self):
        return self.reply("status")
