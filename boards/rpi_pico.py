# Board file: Raspberry Pi Pico (RP2040).  Deployed as /board.py.
# The contract every board file keeps is in boards/README.md; PINS is the one
# source for build(), the README pin table and the wiring picture.
#
# Pin choice: I2C0 on GP4/GP5 and SPI0 on GP16-19 are hardware functions of
# those pins; GP23-25 and GP29 are used on the Pico itself (SMPS mode, VBUS
# sense, LED, VSYS/3) and are not on the header.
NAME = "rpi_pico"
TITLE = "Raspberry Pi Pico (RP2040)"
PINS = {
    "keypad_rows": (6, 7, 8, 9),  # open-drain outputs, one pulled low at a time
    "keypad_cols": (10, 11, 12, 13),  # inputs with the internal pull-ups
    "i2c_sda": 4,
    "i2c_scl": 5,
    "spi_sck": 18,
    "spi_mosi": 19,
    "spi_miso": 16,
    "meter_cs": 17,
    "relay_set": 14,
    "relay_reset": 15,
    "relay_feedback": 20,  # internal pull-up, auxiliary contact to GND
    "eng_jumper": 21,  # internal pull-up, jumper to GND = engineering mode
    "buzzer": 22,  # PWM to a passive buzzer through an NPN transistor (optional part)
    "cover_switch": 26,  # internal pull-up, terminal-cover switch to GND: closed = cover on
    "magnet_sensor": 27,  # internal pull-up, magnetic sensor output pulls low in a field (optional)
}
RELAY_KIND = "latching"
METERING_IC = "atm90e26"
I2C_ID = 0
I2C_FREQ = 100000  # the PCF8574's rated maximum
SPI_ID = 0
SPI_BAUD = 125000  # ATM90E26: SCLK high >= 3.67 us (<= ~136 kHz at 50 % duty); mode 3
INTERNAL_PULL_UPS = True


def kbd_intr(char):
    """micropython.kbd_intr for main.py (Ctrl-C off while the meter runs); imported
    here, not at the top, so host tools (tools/wiring.py) can load the pin data."""
    import micropython

    micropython.kbd_intr(char)

METER_CONFIG = {}  # overrides of the MeterConfig defaults (meter/settings.py) for this board
WATCHDOG_MS = 8000  # RP2040 maximum: 8388 ms (24-bit counter, 2 ticks per us; ports/rp2/machine_wdt.c)
PROVISION_FILE = "provision.json"  # left by `make provision`, imported once at boot


def pins_and_buses():
    """Construct the buses and pins: the board dict described in boards/README.md.
    The relay coil pins come up inactive first, before anything else is touched."""
    from machine import I2C, PWM, SPI, Pin

    relay_pins = (Pin(PINS["relay_set"], Pin.OUT, value=0), Pin(PINS["relay_reset"], Pin.OUT, value=0))
    return {
        "name": NAME,
        "title": TITLE,
        "pins": PINS,
        "keypad_rows": tuple(Pin(n) for n in PINS["keypad_rows"]),
        "keypad_cols": tuple(Pin(n) for n in PINS["keypad_cols"]),
        "i2c": I2C(I2C_ID, scl=Pin(PINS["i2c_scl"]), sda=Pin(PINS["i2c_sda"]), freq=I2C_FREQ),
        "spi": SPI(SPI_ID, baudrate=SPI_BAUD, polarity=1, phase=1, sck=Pin(PINS["spi_sck"]),
                   mosi=Pin(PINS["spi_mosi"]), miso=Pin(PINS["spi_miso"])),
        "meter_cs": Pin(PINS["meter_cs"], Pin.OUT, value=1),
        "metering_ic": METERING_IC,
        "relay_kind": RELAY_KIND,
        "relay_pins": relay_pins,
        "relay_active_high": True,
        "relay_feedback": Pin(PINS["relay_feedback"], Pin.IN, Pin.PULL_UP),
        "eng_jumper": Pin(PINS["eng_jumper"], Pin.IN, Pin.PULL_UP),
        "buzzer": PWM(Pin(PINS["buzzer"], Pin.OUT, value=0), freq=2000, duty_u16=0),
        "cover_switch": Pin(PINS["cover_switch"], Pin.IN, Pin.PULL_UP),
        "magnet_sensor": Pin(PINS["magnet_sensor"], Pin.IN, Pin.PULL_UP),
    }


# ---- the board interface firmware/main.py uses --------------------------------
def make_clock():
    from clock import SystemClock

    return SystemClock()


def build(clock, fs=None):
    """The meter's Hardware (meter.hw) from this board's parts; fs: the
    filesystem for the store (default: the board's own, see _store_fs).  The
    builder (meter.hardware) is an overlay: dropped once the hardware is built."""
    import machine
    import overlay

    return overlay.run("meter.hardware", "build_board", machine, pins_and_buses, clock, fs, _store_fs,
                       PROVISION_FILE, WATCHDOG_MS)


def attach(system):
    pass  # no board-specific console commands


def console_stream():
    import overlay

    return overlay.run("meter.hardware", "console_stream")


def _store_fs():
    # The rp2 port gives the whole user flash to its own littlefs (progsize 256)
    # and formats it at boot if it does not mount with that size: the store
    # keeps small files in /meter on it rather than carving a region out.
    from meter.hardware import port_store  # called by build_board: the overlay is loaded

    return port_store()
