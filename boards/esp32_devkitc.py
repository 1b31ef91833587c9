# Board file: Espressif ESP32 DevKitC (ESP32-WROOM-32).  Deployed as /board.py.
# The contract every board file keeps is in boards/README.md; PINS is the one
# source for build(), the README pin table and the wiring picture.
#
# Pin choice: GPIO 6-11 carry the flash; 12 selects the flash voltage at reset
# (a pull-up there bricks the boot), so it is left free; 16/17 stay free for
# WROVER modules (PSRAM); 34-39 are input-only without internal pull-ups, so
# the two inputs placed there need external 10 k pull-ups to 3V3.  The strapping
# pins 2 and 15 carry keypad rows: open-drain lines that are released during
# reset, so they cannot change the boot mode.  No output pin is left for a
# buzzer (the rest are boot straps, UART0, flash or PSRAM): the low-credit
# alarm shows on the LCD only.
NAME = "esp32_devkitc"
TITLE = "ESP32 DevKitC (ESP32-WROOM-32)"
PINS = {
    "keypad_rows": (13, 15, 2, 4),  # open-drain outputs, one pulled low at a time
    "keypad_cols": (14, 27, 26, 25),  # inputs with the internal pull-ups
    "i2c_sda": 21,
    "i2c_scl": 22,
    "spi_sck": 18,
    "spi_mosi": 23,
    "spi_miso": 19,
    "meter_cs": 5,
    "relay_set": 32,
    "relay_reset": 33,
    "relay_feedback": 34,  # input-only: external pull-up, auxiliary contact to GND
    "eng_jumper": 35,  # input-only: external pull-up, jumper to GND = engineering mode
    "cover_switch": 36,  # input-only: external pull-up, terminal-cover switch to GND: closed = cover on
    "magnet_sensor": 39,  # input-only: external pull-up, magnetic sensor pulls low in a field (optional)
}
RELAY_KIND = "latching"
METERING_IC = "atm90e26"
I2C_ID = 0
I2C_FREQ = 100000  # the PCF8574's rated maximum
SPI_ID = 2  # VSPI
SPI_BAUD = 125000  # ATM90E26: SCLK high >= 3.67 us (<= ~136 kHz at 50 % duty); mode 3
INTERNAL_PULL_UPS = False  # for relay_feedback and eng_jumper: GPIO 34/35 have none


def kbd_intr(char):
    """micropython.kbd_intr for main.py (Ctrl-C off while the meter runs); imported
    here, not at the top, so host tools (tools/wiring.py) can load the pin data."""
    import micropython

    micropython.kbd_intr(char)

METER_CONFIG = {}  # overrides of the MeterConfig defaults (meter/settings.py) for this board
WATCHDOG_MS = 8000  # the port reconfigures the ESP-IDF task watchdog (any timeout > 0), which panics and resets
PROVISION_FILE = "provision.json"  # left by `make provision`, imported once at boot


def pins_and_buses():
    """Construct the buses and pins: the board dict described in boards/README.md.
    The relay coil pins come up inactive first, before anything else is touched."""
    from machine import I2C, SPI, Pin

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
        "relay_feedback": Pin(PINS["relay_feedback"], Pin.IN),
        "eng_jumper": Pin(PINS["eng_jumper"], Pin.IN),
        "buzzer": None,  # no free output pin (see the top of this file)
        "cover_switch": Pin(PINS["cover_switch"], Pin.IN),
        "magnet_sensor": Pin(PINS["magnet_sensor"], Pin.IN),
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
    # Optional: a data partition labelled "meter" in a custom partition table
    # (store/README.md) holds its own littlefs.  The stock image has none: then
    # the store keeps small files in /meter on the port's own littlefs.
    try:
        import esp32

        found = esp32.Partition.find(esp32.Partition.TYPE_DATA, label="meter")
    except ImportError:
        found = []
    if found:
        from store.volume import StorageFault, mount_flash

        try:
            return mount_flash(found[0], 32), "store on flash partition 'meter'"
        except (OSError, StorageFault) as exc:  # the store reports the fault at boot
            return None, "store partition 'meter' does not mount (%r): format it deliberately" % (exc,)
    from meter.hardware import port_store  # called by build_board: the overlay is loaded

    return port_store()
