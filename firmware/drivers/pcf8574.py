# PCF8574 I2C "backpack" behind an HD44780 LCD: the 4-bit nibble transport.
#
# Port bits: P0=RS, P1=RW, P2=E, P3=backlight, P4..P7=D4..D7.  The expander
# updates all eight outputs at once, so every nibble is sent as three port
# writes: RS/data with E low (setup), E high, E low (the LCD latches on the
# falling edge).  A byte is two nibbles, high first: one I2C transaction of 6
# bytes from a reused buffer.  I2C errors (OSError) propagate to the caller
# (drivers.hd44780 turns them into its offline state).
#
# The PCF8574 is specified for 100 kHz; at that speed one port write takes
# ~90 us, longer than the 37 us an LCD instruction needs, so no busy waits are
# needed between instructions (clear/home wait in the LCD driver).
from micropython import const

_LCD_ADDRESSES = const((0x27, 0x3F))  # PCF8574 / PCF8574A with A0-A2 open (the usual jumper setting)

_RS = const(0x01)
_E = const(0x04)
_BACKLIGHT = const(0x08)


def find_lcd(i2c):
    """The first of _LCD_ADDRESSES that answers on the bus, or None.

    A stuck bus (SDA held low) makes some ports raise from scan(): that is
    reported as None too, so the caller carries on without a display."""
    try:
        present = i2c.scan()
    except OSError:
        return None
    for addr in _LCD_ADDRESSES:
        if addr in present:
            return addr
    return None


class Pcf8574Transport:
    def __init__(self, i2c, addr):
        self._i2c = i2c
        self.addr = addr
        self._backlight = _BACKLIGHT
        self._byte = bytearray(6)
        self._nibble = bytearray(3)
        self._port = bytearray(1)

    def _fill(self, buf, at, nibble_bits):
        # nibble_bits: data in D4..D7 plus RS; E toggled here.
        bits = nibble_bits | self._backlight
        buf[at] = bits
        buf[at + 1] = bits | _E
        buf[at + 2] = bits

    def _send(self, byte, rs):
        buf = self._byte
        self._fill(buf, 0, (byte & 0xF0) | rs)
        self._fill(buf, 3, ((byte << 4) & 0xF0) | rs)
        self._i2c.writeto(self.addr, buf)

    def write_init_nibble(self, nibble):
        """One nibble on D4..D7 with RS=0 (the 8-bit-mode steps of the init sequence)."""
        self._fill(self._nibble, 0, (nibble << 4) & 0xF0)
        self._i2c.writeto(self.addr, self._nibble)

    def write_command(self, byte):
        self._send(byte, 0)

    def write_data(self, byte):
        self._send(byte, _RS)

    def set_backlight(self, on):
        """Switch P3; the other lines are left idle (E low)."""
        self._backlight = _BACKLIGHT if on else 0
        self._port[0] = self._backlight
        self._i2c.writeto(self.addr, self._port)
