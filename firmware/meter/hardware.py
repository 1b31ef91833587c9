# Turns a board's buses and pins into the drivers the meter uses, the same way
# for every board.  Board files (boards/*.py) only say what is wired where;
# this module finds the LCD, starts it, picks the metering driver, and keeps a
# description for the boot report.  A part that is missing or dead is
# reported and left out (None): the meter runs without it rather than crash.
from drivers.hd44780 import HD44780
from drivers.keypad import Keypad
from drivers.pcf8574 import Pcf8574Transport, find_lcd


class Hardware:
    def __init__(self, name, relay, bdev, keypad=None, lcd=None, ic=None, engineering=False):
        self.name = name
        self.relay = relay
        self.bdev = bdev
        self.keypad = keypad
        self.lcd = lcd
        self.ic = ic
        self.engineering = engineering
        self.notes = []  # boot report lines about the parts
        self.reboot = None
        self.read_provisioning = None  # callable -> dict or None (a pending provisioning file)
        self.provisioning_done = None  # callable: delete the file once imported

    def describe(self):
        return list(self.notes)


def make_keypad(rows, cols, clock, **options):
    return Keypad(rows, cols, clock, **options)


def make_lcd(i2c, clock, cols=16, rows=2):
    """Scan 0x27/0x3F, start the LCD; (lcd or None, report line)."""
    addr = find_lcd(i2c)
    if addr is None:
        return None, "lcd none found at 0x27/0x3f (running without a display)"
    lcd = HD44780(Pcf8574Transport(i2c, addr), clock, cols, rows)
    if not lcd.init():
        return None, "lcd at 0x%02x did not start (I2C error %s)" % (addr, lcd.last_error)
    return lcd, "lcd %dx%d at 0x%02x" % (cols, rows, addr)


def make_metering(kind, spi, cs, clock, calibration=None, **options):
    """The metering driver for `kind` ("atm90e26" or "ade7953")."""
    if kind == "atm90e26":
        from drivers.atm90e26 import Atm90e26

        return Atm90e26(spi, cs, clock, calibration, **options)
    if kind == "ade7953":
        from drivers.ade7953 import Ade7953

        return Ade7953(spi, cs, clock, calibration, **options)
    raise ValueError("unknown metering IC: %s" % kind)
