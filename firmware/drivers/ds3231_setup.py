# DS3231 time setting: the rarely used half of drivers/ds3231.py, an overlay
# (firmware/overlay.py) loaded for one call and dropped after it.
# Datasheet (Maxim DS3231, "Figure 1. Timekeeping Registers", "Status Register
# (0Fh)"): the time registers 00h..06h are BCD, hours bit 6 = 0 is 24-hour
# mode, month bit 7 the century; OSF (status bit 7) is cleared by writing 0.
from micropython import const

_REG_SECONDS = const(0x00)
_REG_STATUS = const(0x0F)
_OSF = const(0x80)
_CENTURY = const(0x80)


def _to_bcd(value):
    return ((value // 10) << 4) | (value % 10)


def set_time(rtc, year, month, day, hour, minute, second, weekday):
    """Set the time (24-hour mode) and clear OSF; True if the chip took it."""
    if not 2000 <= year <= 2199:
        raise ValueError("DS3231 keeps years 2000..2199")
    buf = bytearray(8)  # pointer + 7 time registers
    buf[0] = _REG_SECONDS
    buf[1] = _to_bcd(second)
    buf[2] = _to_bcd(minute)
    buf[3] = _to_bcd(hour)  # bit 6 = 0: 24-hour mode
    buf[4] = weekday
    buf[5] = _to_bcd(day)
    buf[6] = _to_bcd(month) | (_CENTURY if year >= 2100 else 0)
    buf[7] = _to_bcd(year % 100)
    status = rtc._pointer
    try:
        rtc._i2c.writeto(rtc.addr, buf)
        # OSF is cleared by writing it 0; the other status bits are kept
        status[0] = _REG_STATUS
        rtc._i2c.writeto(rtc.addr, status)
        rtc._i2c.readfrom_into(rtc.addr, status)
        rtc._i2c.writeto(rtc.addr, bytes((_REG_STATUS, status[0] & ~_OSF & 0xFF)))
    except OSError as exc:
        rtc.last_error = exc.args[0] if exc.args else -1
        return False
    rtc.lost_power = False
    return True
