# Model of an HD44780 LCD behind a PCF8574 I2C backpack, attached to the fake
# machine.I2C.  It decodes the port writes the way the glass would see them:
#   port bits P0=RS, P1=RW, P2=E, P3=backlight, P4..P7=D4..D7;
#   a nibble is latched on each falling edge of E (RW=0);
#   power-on state is 8-bit mode; the init sequence 3,3,3,2 must come first,
#   then a function set; anything else is recorded in `faults` and ignored.
# With a clock it checks the datasheet timings: 40 ms after power-on, 4.1 ms /
# 100 us between the init nibbles, 1.52 ms after clear/home, 37 us after other
# instructions.  bus_hz lets each write take its I2C time (the clock is advanced):
#   I2C-bus specification (NXP UM10204, "byte format" and "acknowledge"):
#   every byte is 8 data bits and an acknowledge, 9 clock periods (90 us at
#   100 kHz); a write is START, the address byte, the data bytes, STOP.  Its
#   timing table: standard mode needs tHD;STA 4.0 us after START, tSU;STO 4.0 us
#   before STOP and tBUF 4.7 us of free bus before the next START (fast mode
#   0.6 / 0.6 / 1.3 us).  PCF8574 (TI SCPS068, 5.6 and 5.7, 100 kHz maximum):
#   the port outputs are valid tpv <= 4 us after the acknowledge of each data
#   byte, so each written byte is one new port state.
# changed_us is the bus time at which the glass last changed (a character,
# a clear, display on/off, a shift): what a person would see.
# Steady-state decoding allocates nothing (faults do).
from clock import ticks_diff

_RS, _RW, _E, _BL = 0x01, 0x02, 0x04, 0x08
_INIT_NIBBLES = (0x3, 0x3, 0x3, 0x2)
_INIT_WAIT_US = (4100, 100, 37, 37)  # after each init nibble
_EXEC_US = 37
_DATA_US = 41
_SLOW_US = 1520  # clear, home
_POWER_ON_US = 40000


class LcdModel:
    def __init__(self, cols=16, rows=2, clock=None, bus_hz=None):
        self.cols = cols
        self.rows = rows
        self.clock = clock
        self._byte_ns = 9000000000 // bus_hz if bus_hz else 0  # 8 bits + ACK
        # START hold + STOP setup + bus free time (standard mode above, fast mode below)
        self._frame_ns = (12700 if bus_hz <= 100000 else 2500) if bus_hz else 0
        self.changed_us = 0
        self.faults = []
        self.i2c_writes = 0
        self.port_writes = 0
        self.commands = 0
        self.data_writes = 0
        self.reads = 0
        self.power_on()

    def attach(self, i2c, addr=0x27):
        i2c.attach(addr, self)
        return self

    def power_on(self):
        self._port = 0xFF  # PCF8574 outputs come up high (weak pull-ups)
        self._init_step = 0
        self.four_bit = False
        self.function_set = False
        self._pending = -1  # high nibble waiting for its low nibble
        self._busy_until = 0
        self._now = self.clock.ticks_us() if self.clock else 0
        self._busy_until = self._now + _POWER_ON_US if self.clock else 0
        self.two_lines = False
        self.ddram = bytearray(b" " * 0x80)
        self.cgram = bytearray(64)
        self.ac = 0
        self.in_cgram = False
        self.increment = True
        self.shift_on_write = False
        self.display_on = False
        self.cursor_on = False
        self.blink_on = False
        self.shift = 0
        self.backlight = True

    # -- the I2C side -----------------------------------------------------
    def i2c_write(self, data):
        self.i2c_writes += 1
        start = self.clock.ticks_us() if self.clock else 0
        for i in range(len(data)):
            self._now = start + (i + 2) * self._byte_ns // 1000  # address byte goes first
            self._port_write(data[i])
        if self.clock and self._byte_ns:
            self.clock.advance_us(self.write_us(len(data)))

    def write_us(self, n):
        """Bus time of one write of n data bytes (address byte, START/STOP, bus free)."""
        return ((n + 1) * self._byte_ns + self._frame_ns) // 1000

    def i2c_read(self, n):
        self.reads += 1
        return bytes([self._port]) * n

    def _fault(self, text):
        self.faults.append(text)

    def _port_write(self, value):
        self.port_writes += 1
        prev = self._port
        self._port = value
        self.backlight = bool(value & _BL)
        if value & _E and (prev ^ value) & (_RS | _RW):
            # RS/RW must be set up before E rises and stay put while it is high.
            self._fault("RS/RW changed while E was high or rising")
        elif prev & _E and not value & _E and not prev & _RW:
            if (prev ^ value) & 0xF1:
                self._fault("data or RS changed as E fell (no hold time)")
            self._latch(prev >> 4, prev & _RS)

    # -- the controller ---------------------------------------------------
    def _ready(self):
        if self.clock and ticks_diff(self._now, self._busy_until) < 0:
            self._fault("write %d us too early (controller busy)" % -ticks_diff(self._now, self._busy_until))
            return False
        return True

    def _latch(self, nibble, rs):
        if not self.four_bit:
            self._init_nibble(nibble, rs)
        elif self._pending < 0:
            if self._ready():
                self._pending = (nibble << 1) | (1 if rs else 0)
        else:
            high, high_rs = self._pending >> 1, self._pending & 1
            self._pending = -1
            if high_rs != (1 if rs else 0):
                self._fault("RS differs between the two nibbles of a byte")
                return
            byte = (high << 4) | nibble
            if rs:
                self._data(byte)
            else:
                self._instruction(byte)

    def _init_nibble(self, nibble, rs):
        step = self._init_step
        if rs or nibble != _INIT_NIBBLES[step]:
            self._fault("init sequence step %d: got %s nibble 0x%x" % (step, "data" if rs else "command", nibble))
            return
        if not self._ready():
            return
        self._busy_until = self._now + _INIT_WAIT_US[step]
        self._init_step = step + 1
        if self._init_step == len(_INIT_NIBBLES):
            self.four_bit = True

    def _instruction(self, byte):
        if not self.function_set and not 0x20 <= byte <= 0x3F:
            self._fault("instruction 0x%02x before the function set" % byte)
            return
        self.commands += 1
        self._busy_until = self._now + _EXEC_US
        if byte >= 0x80:
            self._set_ddram(byte & 0x7F)
        elif byte >= 0x40:
            self.in_cgram = True
            self.ac = byte & 0x3F
        elif byte >= 0x20:
            self._function(byte)
        elif byte >= 0x10:
            step = 1 if byte & 0x04 else -1
            if byte & 0x08:
                self.changed_us = self._now
                self.shift = (self.shift - step) % 40
            else:
                self._move(step)
        elif byte >= 0x08:
            self.changed_us = self._now
            self.display_on, self.cursor_on, self.blink_on = bool(byte & 4), bool(byte & 2), bool(byte & 1)
        elif byte >= 0x04:
            self.increment, self.shift_on_write = bool(byte & 2), bool(byte & 1)
        elif byte >= 0x02:
            self.ac, self.in_cgram, self.shift = 0, False, 0
            self._busy_until = self._now + _SLOW_US
        elif byte == 0x01:
            self.changed_us = self._now
            for i in range(len(self.ddram)):
                self.ddram[i] = 0x20
            self.ac, self.in_cgram, self.shift, self.increment = 0, False, 0, True
            self._busy_until = self._now + _SLOW_US
        else:
            self._fault("instruction 0x00 does nothing")

    def _function(self, byte):
        if byte & 0x10:
            self._fault("function set switches to 8-bit mode on a 4-bit bus")
            return
        two = bool(byte & 0x08)
        if self.function_set and two != self.two_lines:
            self._fault("line count changed after initialisation")
            return
        self.two_lines = two
        self.function_set = True

    def _set_ddram(self, addr):
        if self.two_lines and (0x28 <= addr < 0x40 or addr >= 0x68):
            self._fault("DDRAM address 0x%02x does not exist in 2-line mode" % addr)
            return
        if not self.two_lines and addr >= 0x50:
            self._fault("DDRAM address 0x%02x does not exist in 1-line mode" % addr)
            return
        self.ac = addr
        self.in_cgram = False

    def _move(self, step):
        if self.in_cgram:
            self.ac = (self.ac + step) & 0x3F
        elif not self.two_lines:
            self.ac = (self.ac + step) % 80
        else:
            line, pos = self.ac & 0x40, (self.ac & 0x3F) + step
            if pos >= 40:
                pos, line = 0, line ^ 0x40
            elif pos < 0:
                pos, line = 39, line ^ 0x40
            self.ac = line | pos

    def _data(self, byte):
        if not self.function_set:
            self._fault("data write before the function set")
            return
        self.data_writes += 1
        self._busy_until = self._now + _DATA_US
        if self.in_cgram:
            self.cgram[self.ac] = byte & 0x1F
        else:
            self.ddram[self.ac] = byte
            self.changed_us = self._now
        self._move(1 if self.increment else -1)
        if self.shift_on_write and not self.in_cgram:
            self.shift = (self.shift + (1 if self.increment else -1)) % 40

    # -- what a person sees -------------------------------------------------
    def row_addresses(self, row):
        """DDRAM addresses shown on one row of the glass, left to right."""
        line_base = 0x40 if row % 2 else 0x00
        first = self.cols if row >= 2 else 0
        width = 40 if self.two_lines else 80
        return [line_base + (first + c + self.shift) % width for c in range(self.cols)]

    def visible_lines(self):
        """Text per row; glyphs 0-7 as '\\x00'..'\\x07'; blank when the display is off."""
        if not self.display_on:
            return [" " * self.cols for _ in range(self.rows)]
        return ["".join(_char(self.ddram[a]) for a in self.row_addresses(r)) for r in range(self.rows)]

    def glyph(self, index):
        return bytes(self.cgram[index * 8:index * 8 + 8])

    def cursor(self):
        """(col, row) of the address counter when it points into the visible DDRAM, else None."""
        for r in range(self.rows):
            addrs = self.row_addresses(r)
            if self.ac in addrs and not self.in_cgram:
                return addrs.index(self.ac), r
        return None


def _char(code):
    if code < 0x10:
        return chr(code & 7)
    if code == 0x5C:
        return "\u00a5"  # the A00 character ROM has a yen sign here
    if 0x20 <= code <= 0x7D:
        return chr(code)
    return "?"
