# DS3231 real-time clock on I2C (address 0x68), battery-backed.
#
# Datasheet facts used (Maxim DS3231, "Figure 1. Timekeeping Registers",
# "Clock and Calendar", "Control Register (0Eh)", "Status Register (0Fh)"):
# - registers 00h..06h: seconds, minutes, hours, day of week, date, month
#   (bit 7 = century), year, all BCD; hours bit 6 = 12-hour mode (bit 5 then
#   AM/PM), in 24-hour mode bit 5 is the 20-hours digit;
# - the register pointer auto-increments and wraps from 12h to 00h; the time is
#   copied to read buffers at every START, so one read is coherent;
# - status bit 7, OSF (oscillator stop flag), is 1 after the first power-up and
#   whenever the oscillator stopped (VCC and VBAT both too low: battery missing
#   or flat); it stays 1 until written 0.  With OSF set the time is not valid;
# - register contents are undefined at the first power-up ("Note" under
#   Figure 1), so the driver also refuses illogical dates.
# Reading allocates nothing: one write of the pointer, one 16-byte read into a
# reused buffer, fields decoded into a reused list.  Setting the time is rare:
# it is in drivers/ds3231_setup.py, an overlay loaded for the call.
import overlay
from micropython import const

_ADDRESS = const(0x68)
_REG_SECONDS = const(0x00)
_REG_STATUS = const(0x0F)  # the status byte's offset in a read from 00h
_OSF = const(0x80)
_CENTURY = const(0x80)
_HOUR_12 = const(0x40)
_PM = const(0x20)
_READ_LEN = const(16)  # 00h..0Fh: the time and the status in one transaction

_YEAR = const(0)  # indices into Ds3231.fields
_MONTH = const(1)
_DAY = const(2)
_HOUR = const(3)
_MINUTE = const(4)
_SECOND = const(5)

# Days in month m (1..12) = 28 + 2 bits at 2 * (m - 1): 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
# (a const int costs no heap; a table would stay in the module's dict).
_DAYS_OVER_28 = const(0b11_10_11_10_11_11_10_11_10_11_01_11)


def find_rtc(i2c):
    """0x68 if a DS3231 answers on the bus, else None (a failing scan too)."""
    try:
        return _ADDRESS if _ADDRESS in i2c.scan() else None
    except OSError:
        return None


def _bcd(byte):
    """BCD byte -> int, or -1 if a digit is not decimal (undefined registers)."""
    low, high = byte & 0x0F, byte >> 4
    if low > 9 or high > 9:
        return -1
    return high * 10 + low


class Ds3231:
    def __init__(self, i2c, addr=_ADDRESS):
        self._i2c = i2c
        self.addr = addr
        self._pointer = bytearray(1)
        self._regs = bytearray(_READ_LEN)
        self.fields = [2000, 1, 1, 0, 0, 0]  # year, month, day, hour, minute, second of the last good read
        self.lost_power = False  # OSF seen: the time is not valid until set
        self.last_error = 0  # errno of the last I2C failure (0 = none)

    def read(self):
        """Read the time into `fields`; True only when the chip answered, its
        oscillator never stopped (OSF clear) and the date is a real date."""
        regs = self._regs
        try:
            self._pointer[0] = _REG_SECONDS
            self._i2c.writeto(self.addr, self._pointer)
            self._i2c.readfrom_into(self.addr, regs)
        except OSError as exc:
            self.last_error = exc.args[0] if exc.args else -1
            return False
        self.lost_power = bool(regs[_REG_STATUS] & _OSF)
        if self.lost_power:
            return False
        hours = regs[2]
        if hours & _HOUR_12:  # 12-hour mode (we never set it, but honour it)
            hour = _bcd(hours & 0x1F)
            if hour < 1 or hour > 12:
                return False
            hour = hour % 12 + (12 if hours & _PM else 0)
        else:
            hour = _bcd(hours & 0x3F)
        year = _bcd(regs[6])
        month = _bcd(regs[5] & 0x1F)
        day = _bcd(regs[4] & 0x3F)
        minute = _bcd(regs[1] & 0x7F)
        second = _bcd(regs[0] & 0x7F)
        if year < 0 or not 1 <= month <= 12 or day < 1 or day > 28 + ((_DAYS_OVER_28 >> (2 * (month - 1))) & 3):
            return False
        if not 0 <= hour <= 23 or not 0 <= minute <= 59 or not 0 <= second <= 59:
            return False
        fields = self.fields
        fields[_YEAR] = 2000 + year + (100 if regs[5] & _CENTURY else 0)
        fields[_MONTH] = month
        fields[_DAY] = day
        fields[_HOUR] = hour
        fields[_MINUTE] = minute
        fields[_SECOND] = second
        return True

    def set(self, year, month, day, hour, minute, second, weekday=1):
        """Set the time (24-hour mode) and clear OSF; True if the chip took it.
        weekday 1..7 (the chip only counts it).  Rare: drivers/ds3231_setup.py."""
        return overlay.run("drivers.ds3231_setup", "set_time", self, year, month, day, hour, minute, second, weekday)
