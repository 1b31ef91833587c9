# The virtual meter's board: `machine` fakes wired to the device models of
# host_tests/fakes (keypad matrix, HD44780 behind a PCF8574, ATM90E26 with a
# configurable load) and a flash image file.  Used by tools/sim.py (which runs
# firmware/main.py unchanged in the MicroPython unix VM) and by the scenario
# tests.  Never deployed to a real board.
#
# Options come from the environment when main.py imports this board:
#   SIM_FLASH (the whole board flash image), SIM_LAYOUT (board layout: rpi_pico |
#   esp32_devkitc, host_tests/fakes/board_layouts.py), SIM_DEPLOY_PLAN (files to
#   copy into a blank image's filesystem), SIM_PROVISION (JSON meter identity), SIM_LOAD_W,
#   SIM_SPEED (simulated seconds per real second), SIM_ENGINEERING (1 = jumper fitted),
#   SIM_RTC (none | battery | no-battery: the DS3231 on the LCD's bus), SIM_RTC_FILE
#   (where a battery-backed RTC's offset from world time is kept between runs).
import json
import os
import sys
import time

import machine
import overlay
from atm90e26_model import Atm90e26Model
from drivers.keypad import Keypad
from drivers.relay import MonostableRelay
from ds3231_model import Ds3231Model
from keypad_model import KeypadModel
from lcd_model import LcdModel
from meter.hw import Hardware
from store.volume import StorageFault, mount_flash

NAME = "virtual meter (sim)"
METER_CONFIG = {}  # filled from SIM_CONFIG (tools/sim.py --config PATH) when main.py imports this board
ROW_PINS = ("KR0", "KR1", "KR2", "KR3")
COL_PINS = ("KC0", "KC1", "KC2", "KC3")
RTC_MODES = ("none", "battery", "no-battery")
RELAY_PIN = "RELAY"
BUZZER_PIN = "BUZZER"
IC_CS_PIN = "IC_CS"
VOLTS = 230
REBOOT_EXIT_CODE = 75  # tells tools/sim.py to start the VM again (power on)
COVER_PIN = "COVER"
MAGNET_PIN = "MAGNET"
WATCHDOG_MS = 8000  # as on the boards (RP2040's maximum is 8388 ms)


def _env(name, default):
    value = os.getenv(name)
    return default if value is None or value == "" else value


class SimClock:
    """Simulated time: real time x speed, plus jumps made by `sim advance`.
    Sleeps are instant (they just move simulated time), so driver start-up
    delays cost nothing and the device models still see them pass."""

    def __init__(self, speed=1, start_s=None):
        self.speed = speed
        self._real0 = time.ticks_ms()
        self._offset_ms = 0
        self._offset_us = 0  # sub-millisecond remainder of advance_us
        self._start_s = int(time.time()) if start_s is None else start_s

    def _ms(self):
        return time.ticks_diff(time.ticks_ms(), self._real0) * self.speed + self._offset_ms

    def advance_ms(self, ms):
        self._offset_ms += ms

    def advance_us(self, us):
        self._offset_us += us
        self._offset_ms += self._offset_us // 1000
        self._offset_us %= 1000

    def ticks_ms(self):
        return self._ms() & 0x1FFFFFFF

    def ticks_us(self):
        return (self._ms() * 1000 + self._offset_us) & 0x1FFFFFFF

    def ticks_diff(self, end, start):
        return time.ticks_diff(end, start)

    def sleep_ms(self, ms):
        self._offset_ms += ms

    def sleep_us(self, us):
        self._offset_ms += (us + 999) // 1000

    def time(self):
        return self._start_s + self._ms() // 1000


class CuttableFlash:
    """A block device that loses power: after `cut_after(n)` operations every
    further call fails, like flash whose supply collapsed mid-write."""

    def __init__(self, bdev):
        self.bdev = bdev
        self.ops_left = -1  # -1: power is on
        self.on_power_lost = None  # called once when the supply collapses

    def cut_after(self, ops):
        self.ops_left = ops

    @property
    def dead(self):
        return self.ops_left == 0

    def _op(self):
        if self.ops_left == 0:
            if self.on_power_lost is not None:
                self.on_power_lost()
                self.on_power_lost = None
            raise OSError(5)  # EIO
        if self.ops_left > 0:
            self.ops_left -= 1

    def readblocks(self, block, buf, offset=0):
        self._op()
        return self.bdev.readblocks(block, buf, offset)

    def writeblocks(self, block, buf, offset=None):
        self._op()
        return self.bdev.writeblocks(block, buf, offset)

    def ioctl(self, op, arg):
        if op == 6:  # erase
            self._op()
        return self.bdev.ioctl(op, arg)


class SimParts:
    """The models behind the fakes, for the simulator and tests to drive."""

    def __init__(self, keypad, lcd, ic, flash, relay_pin, rtc=None, buzzer=None):
        self.keypad = keypad
        self.lcd = lcd
        self.ic = ic
        self.flash = flash
        self.relay_pin = relay_pin
        self.rtc = rtc  # Ds3231Model or None
        self.buzzer = buzzer  # the buzzer's machine.PWM (its `sounding` is what a person hears)
        self.board_flash = None  # board_flash.BoardFlash when the whole board's flash is modelled
        self.load_w = 0
        self.reverse_w = 0  # power fed back through the meter (tamper: reverse energy)
        self.neutral_ma = None  # neutral conductor current; None: the live current comes back
        self.cover_open = False  # the terminal cover, as the cover switch sees it
        self.magnet = False  # a magnet held to the meter
        relay_pin.listeners.append(lambda _pin, _level: self._apply_load())

    def set_load(self, watts):
        """The appliances plugged in; they draw power only through a closed relay."""
        self.load_w = watts
        self._apply_load()

    def set_reverse(self, watts):
        self.reverse_w = watts
        self._apply_load()

    def set_neutral(self, milliamps):
        self.neutral_ma = milliamps
        self._apply_load()

    def _apply_load(self):
        closed = self.relay_closed()
        watts = self.load_w - self.reverse_w if closed else 0
        self.ic.set_load(watts, VOLTS, abs(watts) / VOLTS, 1.0, 50.0)  # the model's API takes physical units
        self.ic.set_neutral(None if self.neutral_ma is None else (self.neutral_ma if closed else 0))

    def relay_closed(self):
        return self.relay_pin.value() == 1


def make_rtc_model(clock, rtc):
    """The DS3231 model for an RTC mode (RTC_MODES), or rtc itself when it is
    already a model (the same chip across a simulated power cut).  A battery
    RTC leaves the factory set to the world's time."""
    if rtc is None or isinstance(rtc, Ds3231Model):
        return rtc
    if rtc not in RTC_MODES:
        raise ValueError("rtc must be one of " + ", ".join(RTC_MODES))
    if rtc == "none":
        return None
    model = Ds3231Model(clock, battery=rtc == "battery")
    if model.battery:
        model.factory_set(clock.time())
    return model


def build_virtual(clock, bdev, load_w=0, engineering=False, lcd_present=True, progsize=32, rtc="battery"):
    """(Hardware, SimParts) of a virtual meter on bdev, a flash holding the
    store's littlefs (lcd_present=False: no display answers on the I2C bus, as
    with a missing or dead backpack; rtc: a mode of RTC_MODES or a
    Ds3231Model kept from before a power cut)."""
    machine.reset_registry()
    rows = [machine.Pin(p, machine.Pin.OUT, value=1) for p in ROW_PINS]
    cols = [machine.Pin(p, machine.Pin.IN, machine.Pin.PULL_UP) for p in COL_PINS]
    keypad_model = KeypadModel(rows, cols, clock, bounce_ms=5)  # membrane keypad datasheets: <= 5 ms
    i2c = machine.I2C(0)
    lcd_model = LcdModel(16, 2, clock, bus_hz=100000)  # PCF8574 at 100 kHz
    if lcd_present:
        lcd_model.attach(i2c, 0x27)
    rtc_model = make_rtc_model(clock, rtc)
    if rtc_model is not None:
        rtc_model.power_restore()
        rtc_model.attach(i2c)
    spi = machine.SPI(1, baudrate=125000, polarity=1, phase=1)
    cs = machine.Pin(IC_CS_PIN, machine.Pin.OUT, value=1)
    ic_model = Atm90e26Model(cs=cs, spi=spi, clock=clock)
    spi.attach(ic_model)
    relay_pin = machine.Pin(RELAY_PIN, machine.Pin.OUT, value=0)
    relay = MonostableRelay(relay_pin)
    cover = machine.Pin(COVER_PIN, machine.Pin.IN, machine.Pin.PULL_UP)  # switch to GND: 0 = cover on
    magnet = machine.Pin(MAGNET_PIN, machine.Pin.IN, machine.Pin.PULL_UP)  # sensor pulls low in a field
    flash = CuttableFlash(bdev)
    make = overlay.load("meter.hardware")  # the board builder, dropped as a real board file does
    try:
        ic = make.make_metering("atm90e26", spi, cs, clock)  # its module first, while the heap is least fragmented
        lcd, lcd_note = make.make_lcd(i2c, clock)
        try:
            fs = mount_flash(flash, progsize)
        except (OSError, StorageFault):
            fs = None  # the store reports the fault at boot
        rtc_driver, rtc_note = make.make_rtc(i2c)
        pwm = machine.PWM(machine.Pin(BUZZER_PIN, machine.Pin.OUT, value=0))
        buzzer, buzzer_note = make.make_buzzer(pwm, clock)
    finally:
        overlay.drop("meter.hardware")
    hw = Hardware(NAME, relay, fs, Keypad(rows, cols, clock), lcd, ic, engineering, rtc=rtc_driver, buzzer=buzzer)
    hw.start_watchdog = lambda: machine.WDT(timeout=WATCHDOG_MS, ticks=clock)
    hw.notes = ["keypad 4x4 on " + " ".join(ROW_PINS + COL_PINS), lcd_note, rtc_note,
                buzzer_note + " on " + BUZZER_PIN, "relay monostable on " + RELAY_PIN,
                "metering ATM90E26 on SPI1 cs=" + IC_CS_PIN]
    hw.cover, hw.magnet = cover, magnet
    hw.notes.append("tamper inputs: cover switch on %s, magnetic sensor on %s" % (COVER_PIN, MAGNET_PIN))
    parts = SimParts(keypad_model, lcd_model, ic_model, flash, relay_pin, rtc_model, pwm)
    cover.reader = lambda: parts.cover_open
    magnet.reader = lambda: not parts.magnet
    parts.set_load(load_w)
    return hw, parts


# ---- the board interface main.py uses ---------------------------------------
_parts = None
_clock = None


def _load_config():
    path = _env("SIM_CONFIG", "")
    if path:
        with open(path) as f:
            METER_CONFIG.update(json.load(f))


def make_clock():
    global _clock
    _load_config()  # main.py builds MeterConfig(**METER_CONFIG) after the hardware
    _clock = SimClock(int(_env("SIM_SPEED", "1")), int(_env("SIM_START_S", "0")) or None)
    return _clock


def build(clock):
    global _parts
    from board_flash import BoardFlash

    board_flash = BoardFlash(_env("SIM_FLASH", "sim-flash.img"), _env("SIM_LAYOUT", "rpi_pico"))
    region = board_flash.fs_region()
    progsize = board_flash.layout["progsize"]
    deploy_if_blank(region, progsize, _env("SIM_DEPLOY_PLAN", ""))
    hw, _parts = build_virtual(clock, region, int(_env("SIM_LOAD_W", "0")), _env("SIM_ENGINEERING", "0") == "1",
                               progsize=progsize, rtc=_restored_rtc(clock, _env("SIM_RTC", "battery")))
    _parts.board_flash = board_flash
    hw.read_provisioning = _read_provisioning
    hw.provisioning_done = lambda: None  # the simulator's file is the user's: keep it
    hw.reboot = _reboot
    hw.monotonic = time  # the watchdog counts real time, whatever the simulated clock does
    hw.start_watchdog = _start_watchdog
    machine.set_reset_cause(int(_env("SIM_RESET_CAUSE", str(machine.PWRON_RESET))))
    hw.reset_cause = overlay.run("meter.hardware", "reset_cause_name", machine)
    return hw


def deploy_if_blank(region, progsize, plan_path):
    """First power-up of a blank flash: what the stock _boot.py does (format
    littlefs on the port's filesystem region) and what `make deploy` does (copy
    the firmware files into it, listed in plan_path as `local<TAB>/device path`
    lines), so the deploy's wear is on the model too."""
    from store.volume import format_flash, is_blank

    if not plan_path or not is_blank(region):
        return
    import vfs

    format_flash(region, progsize)
    fs = vfs.VfsLfs2(region, progsize=progsize, mtime=False)
    buf = bytearray(512)
    with open(plan_path) as plan:
        for line in plan:
            local, device = line.rstrip("\n").split("\t")
            _make_parents(fs, device)
            with open(local, "rb") as src, fs.open(device, "wb") as dst:
                while True:
                    n = src.readinto(buf)
                    if not n:
                        break
                    dst.write(memoryview(buf)[:n])


def _make_parents(fs, path):
    parts = path.strip("/").split("/")[:-1]
    for i in range(len(parts)):
        try:
            fs.mkdir("/" + "/".join(parts[:i + 1]))
        except OSError:  # it exists
            pass


def _restored_rtc(clock, mode):
    """A battery RTC goes on with the offset it had in the last run (its file);
    one without a battery lost its time with the mains, as at a first power-up."""
    model = make_rtc_model(clock, mode)
    path = _env("SIM_RTC_FILE", "")
    if model is None or not model.battery or not path:
        return model
    try:
        with open(path) as f:
            words = f.read().split()
        if words[0] == "set":
            model.factory_set(clock.time() + int(words[1]))
        else:
            model = Ds3231Model(clock, battery=True)  # never set, or its oscillator stopped
    except (OSError, IndexError, ValueError):
        pass  # first run: as delivered (factory set)
    return model


def save_rtc(parts, clock):
    """Keep a battery RTC's offset from world time for the next run."""
    path = _env("SIM_RTC_FILE", "")
    rtc = parts.rtc
    if not path or rtc is None or not rtc.battery:
        return
    chip = rtc.unix_time()
    with open(path, "w") as f:
        f.write("unset\n" if chip is None or rtc.osf else "set %d\n" % (chip - clock.time()))


def _start_watchdog():
    """The watchdog in real time; tools/sim.py plays the timer: each feed
    touches SIM_WDT_FILE, and a file left untouched for the timeout is a reset."""
    wdt = machine.WDT(timeout=WATCHDOG_MS, ticks=time)
    path = _env("SIM_WDT_FILE", "")
    if path:
        wdt.listeners.append(lambda w: _write(path, "%d\n" % w.timeout_ms))
    wdt.feed()
    return wdt


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)


def _read_provisioning():
    path = _env("SIM_PROVISION", "")
    if not path:
        return None
    with open(path) as f:
        return json.load(f)


def _reboot():
    sys.exit(REBOOT_EXIT_CODE)


def console_stream():
    return overlay.run("meter.hardware", "console_stream")


def kbd_intr(char):
    """micropython.kbd_intr, and a note for tools/sim.py, which plays the
    port's UART: it turns a 0x03 into SIGINT only while char is 3."""
    import micropython

    micropython.kbd_intr(char)
    path = _env("SIM_KBD_FILE", "")
    if path:
        _write(path, "%d\n" % char)


def attach(system):
    from sim_commands import SimCommands

    system.console.extra["sim"] = SimCommands(system, _parts, _clock, REBOOT_EXIT_CODE).handle

    def power_lost():
        system.powered = False

    _parts.flash.on_power_lost = power_lost
    if _parts.board_flash is not None:
        watch_saves(system.state, _parts.board_flash)


SAVING_METHODS = ("apply", "consume", "flush", "log", "provision", "record_wrong_token", "clear_wrong_tokens",
                  "expire_kct", "set_tamper", "save_calibration")
VOLUME_WRITES = ("write_atomic", "write_in_place", "append", "rename", "remove", "create_folder")


def watch_saves(state, board_flash):
    """Bracket every store call that may write (and every write of its
    volumes, which other parts of the meter use too), so the flash model adds
    up the busy time of one save: the time the loop is blocked by flash work."""
    from store.volume import Volume

    def bracket(method):
        def call(*args, **kwargs):
            board_flash.begin_save()
            try:
                return method(*args, **kwargs)
            finally:
                board_flash.end_save()

        return call

    watched = [(state, SAVING_METHODS)]
    watched += [(value, VOLUME_WRITES) for value in state.__dict__.values() if isinstance(value, Volume)]
    for obj, names in watched:
        for name in names:
            method = getattr(obj, name, None)
            if method is not None:
                setattr(obj, name, bracket(method))
