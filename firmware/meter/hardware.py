# Turns a board's buses and pins into the drivers the meter uses, the same way
# for every board.  Board files (boards/*.py) only say what is wired where;
# this module finds the LCD, starts it, picks the metering driver, and keeps a
# description for the boot report.  A part that is missing or dead is
# reported and left out (None): the meter runs without it rather than crash.
# An overlay (firmware/overlay.py): board files run it to build the hardware
# (meter.hw.Hardware) and drop it; nothing the meter keeps refers to it, except
# the provisioning hooks, which the boot forgets once it has used them.
from drivers.buzzer import Buzzer
from drivers.ds3231 import Ds3231, find_rtc
from drivers.hd44780 import HD44780
from drivers.keypad import Keypad
from drivers.pcf8574 import Pcf8574Transport, find_lcd
from meter.hw import Hardware, watchdog_starter


def reset_cause_name(machine):
    """The port's machine.reset_cause() as a name.  rp2 knows only PWRON and
    WDT (and reports its machine.reset() as WDT: meter.resets corrects that)."""
    code = machine.reset_cause()
    for name, attr in (("power_on", "PWRON_RESET"), ("watchdog", "WDT_RESET"), ("hard", "HARD_RESET"),
                       ("soft", "SOFT_RESET"), ("deepsleep", "DEEPSLEEP_RESET")):
        if getattr(machine, attr, None) == code:
            return name
    return "unknown"


def make_lcd(i2c, clock, cols=16, rows=2):
    """Scan 0x27/0x3F, start the LCD; (lcd or None, report line)."""
    addr = find_lcd(i2c)
    if addr is None:
        return None, "lcd none found at 0x27/0x3f (running without a display)"
    lcd = HD44780(Pcf8574Transport(i2c, addr), clock, cols, rows)
    if not lcd.init():
        return None, "lcd at 0x%02x did not start (I2C error %s)" % (addr, lcd.last_error)
    return lcd, "lcd %dx%d at 0x%02x" % (cols, rows, addr)


def make_rtc(i2c):
    """Scan for a DS3231 at 0x68 on the LCD's bus; (rtc or None, report line)."""
    addr = find_rtc(i2c)
    if addr is None:
        return None, "rtc none found at 0x68 (wall time from flash and tokens)"
    return Ds3231(i2c, addr), "rtc ds3231 at 0x%02x" % addr


def make_buzzer(output, clock, passive=True):
    """The buzzer on a board's PWM output (passive) or Pin (active); (buzzer or None, report line)."""
    if output is None:
        return None, "buzzer none fitted (the low-credit alarm only shows on the LCD)"
    return Buzzer(output, clock, passive), "buzzer %s" % ("passive (PWM)" if passive else "active (on/off)")


def make_metering(kind, spi, cs, clock, calibration=None, **options):
    """The metering driver for `kind` ("atm90e26" or "ade7953")."""
    if kind == "atm90e26":
        from drivers.atm90e26 import Atm90e26

        return Atm90e26(spi, cs, clock, calibration, **options)
    if kind == "ade7953":
        from drivers.ade7953 import Ade7953

        return Ade7953(spi, cs, clock, calibration, **options)
    raise ValueError("unknown metering IC: %s" % kind)


def make_relay(parts, clock):
    """The load relay from a board's parts dict (boards/README.md), open.  Only
    the driver the board has is imported (the other's code takes no heap)."""
    pins, high, feedback = parts["relay_pins"], parts["relay_active_high"], parts["relay_feedback"]
    if parts["relay_kind"] == "latching":
        from drivers.latching_relay import LatchingRelay

        return LatchingRelay(pins[0], pins[1], clock, feedback=feedback, active_high=high)
    from drivers.relay import MonostableRelay

    return MonostableRelay(pins[0], active_high=high, feedback=feedback)


def board_hardware(parts, clock, fs, store_note, provision_file, reboot):
    """Hardware for a real board from its parts dict: relay first (open before
    anything else starts), then LCD, keypad and metering IC."""
    relay = make_relay(parts, clock)
    lcd, lcd_note = make_lcd(parts["i2c"], clock)
    rtc, rtc_note = make_rtc(parts["i2c"])
    buzzer, buzzer_note = make_buzzer(parts.get("buzzer"), clock, parts.get("buzzer_passive", True))
    pins = parts["pins"]
    notes = [
        "board " + parts["title"],
        lcd_note,
        rtc_note,
        buzzer_note,
        "relay %s on %s" % (parts["relay_kind"], " ".join(str(p) for p in parts["relay_pins"])),
        "metering %s cs=%s" % (parts["metering_ic"], pins["meter_cs"]),
        store_note,
    ]
    read, done, reject = provisioning_file(provision_file)
    hw = Hardware(
        parts["name"],
        relay,
        fs,
        Keypad(parts["keypad_rows"], parts["keypad_cols"], clock),
        lcd,
        make_metering(parts["metering_ic"], parts["spi"], parts["meter_cs"], clock),
        parts["eng_jumper"].value() == 0,
        notes,
        reboot,
        read,
        done,
        rtc,
        buzzer,
        reject,
    )
    hw.cover = parts.get("cover_switch")  # optional tamper inputs
    hw.magnet = parts.get("magnet_sensor")
    return hw


def build_board(machine, pins_and_buses, clock, fs, store_fs, provision_file, watchdog_ms):
    """A real board's Hardware, the same for every board file: `machine` is the
    port's module, handed in by the board (only boards/ import it); fs None means
    the board's own store (`store_fs()` -> (fs, note)).  The watchdog is started
    after boot and fed by meter.supervisor."""
    store_note = "store on the given filesystem"
    if fs is None:
        fs, store_note = store_fs()
    hw = board_hardware(pins_and_buses(), clock, fs, store_note, provision_file, machine.reset)
    hw.start_watchdog = watchdog_starter(machine, watchdog_ms)
    hw.reset_cause = reset_cause_name(machine)
    return hw


def port_store():
    """The store on the port's own littlefs as the stock _boot.py mounted it at
    "/" (never mounted, shrunk or formatted here: store/README.md)."""
    from store.volume import PortFs

    return PortFs("/"), "store in /meter on the board's filesystem"


def provisioning_file(path):
    """(read, done, reject) hooks for the file `make provision` leaves on the
    board.  reject(reason) renames it to <name>.rejected (the reason is logged
    by the caller), so a bad file never stops a boot twice."""

    def read():
        import json

        try:
            with open(path) as f:
                return json.load(f)
        except OSError:  # no file: nothing to import
            return None
        except ValueError:
            return {}  # unreadable JSON: the meter rejects it and logs why

    def done():
        import os

        try:
            os.remove(path)
        except OSError:
            pass

    def reject(reason):
        import os

        aside = path.rsplit(".", 1)[0] + ".rejected"
        try:
            try:
                os.remove(aside)  # an older rejected file
            except OSError:
                pass
            os.rename(path, aside)
        except OSError:
            done()

    return read, done, reject


def console_stream():
    """The REPL UART/USB as the console's (input, writer): raw bytes in (see
    meter.console), text out."""
    import sys

    from meter.console import PolledInput

    return PolledInput(sys.stdin.buffer), sys.stdout
