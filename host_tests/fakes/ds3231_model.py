# Model of a DS3231 RTC at the I2C register level, attached to the fake
# machine.I2C.  From the datasheet (Maxim DS3231, Figure 1 "Timekeeping
# Registers", "Address Map", "Clock and Calendar", "Control Register (0Eh)",
# "Status Register (0Fh)"); host_tests/test_rtc.py states each fact as a test:
# - 19 registers 00h..12h; a write's first byte sets the register pointer,
#   further bytes are written at the pointer, which auto-increments and wraps
#   from 12h to 00h; a read continues from the pointer;
# - 00h..06h hold seconds, minutes, hours, day, date, month/century, year in
#   BCD; they are copied to read buffers at every START, so a read is coherent;
# - the clock counts while VCC or VBAT is present; the day-of-week register
#   increments at midnight; the century bit toggles when the year wraps 99->00;
# - at the first power-up (and when neither VCC nor VBAT kept the oscillator
#   running) OSF (status bit 7) is 1 and the time registers are undefined
#   (modelled as zeros: an illogical date that does not count); control powers
#   up as 1Ch, status as 88h (OSF, EN32kHz); OSF stays 1 until written 0.
# Time comes from the test clock's whole seconds (clock.time()).
from meter.civil import civil_from_days, days_from_civil

_REGS = 0x13
_EPOCH_2000_DAYS = 10957  # days from 1970-01-01 to 2000-01-01


def _bcd(v):
    return ((v // 10) << 4) | (v % 10)


def _unbcd(b):
    return (b >> 4) * 10 + (b & 0x0F)


class Ds3231Model:
    def __init__(self, clock, battery=True):
        self.clock = clock
        self.battery = battery
        self.powered = True
        self.regs = bytearray(_REGS)
        self.pointer = 0
        self.writes = 0
        self.reads = 0
        self._base_s = None  # seconds since 2000-01-01 at clock time _base_at (None: not counting)
        self._base_at = 0
        self._base_dow = 1
        self._first_power_up()

    def attach(self, i2c, addr=0x68):
        i2c.attach(addr, self)
        return self

    # ---- power ----------------------------------------------------------
    def _first_power_up(self):
        for i in range(_REGS):
            self.regs[i] = 0
        self.regs[0x0E] = 0x1C
        self.regs[0x0F] = 0x88
        self._base_s = None

    def power_cut(self):
        """Mains (VCC) gone.  With a battery the oscillator keeps counting;
        without one the chip is dead until power returns."""
        self._sync()
        self.powered = False
        if not self.battery:
            self._first_power_up()

    def power_restore(self):
        self.powered = True

    # ---- the I2C side ---------------------------------------------------
    def i2c_write(self, data):
        self.writes += 1
        self._sync()  # START: time copied to the user buffers
        if not data:
            return
        self.pointer = data[0] % _REGS
        touched_time = False
        for byte in data[1:]:
            if self.pointer == 0x0F:
                # OSF can only be cleared by writing it 0, never set by a write
                byte = (byte & 0x7F) | (self.regs[0x0F] & byte & 0x80)
                byte = (byte & ~0x04) | (self.regs[0x0F] & 0x04)  # BSY is read-only
            self.regs[self.pointer] = byte
            touched_time = touched_time or self.pointer <= 0x06
            self.pointer = (self.pointer + 1) % _REGS
        if touched_time:
            self._rebase()

    def i2c_read(self, n):
        self.reads += 1
        self._sync()
        out = bytearray(n)
        for i in range(n):
            out[i] = self.regs[self.pointer]
            self.pointer = (self.pointer + 1) % _REGS
        return bytes(out)

    # ---- counting -------------------------------------------------------
    def _decode(self):
        """Seconds since 2000-01-01 of the time registers, or None if illogical."""
        r = self.regs
        if r[2] & 0x40:  # 12-hour mode
            hour = _unbcd(r[2] & 0x1F) % 12 + (12 if r[2] & 0x20 else 0)
        else:
            hour = _unbcd(r[2] & 0x3F)
        year = 2000 + _unbcd(r[6]) + (100 if r[5] & 0x80 else 0)
        month, day = _unbcd(r[5] & 0x1F), _unbcd(r[4] & 0x3F)
        minute, second = _unbcd(r[1] & 0x7F), _unbcd(r[0] & 0x7F)
        if not 1 <= month <= 12 or day < 1 or civil_from_days(days_from_civil(year, month, day)) != (year, month, day):
            return None
        if hour > 23 or minute > 59 or second > 59:
            return None
        days = days_from_civil(year, month, day) - _EPOCH_2000_DAYS
        return days * 86400 + hour * 3600 + minute * 60 + second

    def _rebase(self):
        self._base_s = self._decode()
        self._base_at = self.clock.time()
        self._base_dow = self.regs[3] & 0x07

    def _sync(self):
        if self._base_s is None:
            return
        elapsed = self.clock.time() - self._base_at
        now = self._base_s + elapsed
        days, rest = divmod(now, 86400)
        base_days = self._base_s // 86400
        year, month, day = civil_from_days(days + _EPOCH_2000_DAYS)
        r = self.regs
        twelve = r[2] & 0x40
        hour = rest // 3600
        if twelve:
            h12 = hour % 12 or 12
            r[2] = 0x40 | (0x20 if hour >= 12 else 0) | _bcd(h12)
        else:
            r[2] = _bcd(hour)
        r[0], r[1] = _bcd(rest % 60), _bcd(rest // 60 % 60)
        r[3] = (self._base_dow - 1 + days - base_days) % 7 + 1
        r[4] = _bcd(day)
        r[5] = _bcd(month) | (0x80 if year >= 2100 else 0)
        r[6] = _bcd(year % 100)

    # ---- test controls ----------------------------------------------------
    def factory_set(self, unix_s):
        """Set the time as a factory programmer would (registers, OSF cleared)."""
        s = unix_s - _EPOCH_2000_DAYS * 86400
        self._base_s, self._base_at, self._base_dow = s, self.clock.time(), 1
        self._sync()
        self.regs[0x0F] &= 0x7F

    def unix_time(self):
        """The chip's time as Unix seconds (None while it is not counting)."""
        self._sync()
        s = self._decode()
        return None if s is None else s + _EPOCH_2000_DAYS * 86400

    @property
    def osf(self):
        return bool(self.regs[0x0F] & 0x80)
