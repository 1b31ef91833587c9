# A `machine` module for hosts (CPython and the MicroPython unix/wasm VMs, whose
# own `machine` has no Pin/I2C/SPI).  Pins, I2C and SPI here carry bytes and
# levels to device models (keypad matrix, HD44780 behind a PCF8574, ATM90E26...)
# so drivers are tested against the wire protocol.
#
# Attaching models:
#   pin.reader = fn()        -> level seen when firmware reads an input pin
#   pin.listeners.append(fn(pin, level))  called when firmware drives the pin
#   i2c.attach(addr, dev)    dev.i2c_write(bytes) and dev.i2c_read(n) -> bytes
#   spi.attach(dev)          dev.spi_transfer(bytes) -> bytes (same length),
#                            called only for the device whose dev.cs pin is low
#                            (dev.cs may be None: always selected)

_registry = {}


def reset_registry():
    """Forget all pins (tests that build a fresh board call this)."""
    _registry.clear()


def pin(pin_id):
    """The Pin object firmware created for pin_id (for tests and models)."""
    return _registry[pin_id]


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_FALLING = 4
    IRQ_RISING = 8

    def __init__(self, pin_id, mode=-1, pull=-1, value=None):
        self.id = pin_id
        self.mode = Pin.IN
        self.pull = None
        self._level = 0
        self.reader = None
        self.listeners = []
        old = _registry.get(pin_id)
        if old is not None:  # re-created by firmware: keep the models' hooks
            self.reader = old.reader
            self.listeners = old.listeners
            self._level = old._level
        _registry[pin_id] = self
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self.mode = mode
        if pull != -1:
            self.pull = pull
        if value is not None:
            self.value(value)

    def value(self, level=None):
        if level is None:
            if self.mode == Pin.IN and self.reader is not None:
                return 1 if self.reader() else 0
            if self.mode == Pin.IN and self.pull == Pin.PULL_UP:
                return 1
            return self._level
        self._level = 1 if level else 0
        for fn in self.listeners:
            fn(self, self._level)
        return None

    def __call__(self, level=None):
        return self.value(level)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=0):
        return None

    def __repr__(self):
        return "Pin(%r)" % (self.id,)


class PWM:
    """PWM output on a pin; a buzzer on it sounds while duty > 0 at an audible
    frequency.  Keeps only the current setting and a change count (no history:
    allocation checks run through it)."""

    def __init__(self, pin, freq=0, duty_u16=0):
        self.pin = pin
        self._freq = freq
        self._duty = duty_u16
        self.changes = 0

    def freq(self, value=None):
        if value is None:
            return self._freq
        if not 8 <= value <= 40_000_000:
            raise ValueError("frequency out of range")
        self._freq = value
        self.changes += 1
        return None

    def duty_u16(self, value=None):
        if value is None:
            return self._duty
        if not 0 <= value <= 65535:
            raise ValueError("duty out of range")
        self._duty = value
        self.changes += 1
        return None

    def deinit(self):
        self._duty = 0

    @property
    def sounding(self):
        return self._duty > 0 and 20 <= self._freq <= 20000


class I2C:
    def __init__(self, bus_id=0, scl=None, sda=None, freq=400000):
        self.id = bus_id
        self.freq = freq
        self.devices = {}

    def attach(self, addr, device):
        self.devices[addr] = device

    def scan(self):
        return sorted(self.devices)

    def _device(self, addr):
        dev = self.devices.get(addr)
        if dev is None:
            raise OSError(19)  # ENODEV, like a NACKed address on a board
        return dev

    def writeto(self, addr, buf, stop=True):
        self._device(addr).i2c_write(bytes(buf))
        return len(buf)

    def readfrom(self, addr, nbytes, stop=True):
        return bytes(self._device(addr).i2c_read(nbytes))

    def readfrom_into(self, addr, buf, stop=True):
        data = self._device(addr).i2c_read(len(buf))
        for i in range(len(buf)):
            buf[i] = data[i]


class SoftI2C(I2C):
    pass


class SPI:
    MSB = 0
    LSB = 1

    def __init__(self, bus_id=0, baudrate=1000000, polarity=0, phase=0, bits=8, firstbit=0, sck=None, mosi=None,
                 miso=None):
        self.id = bus_id
        self.devices = []
        self.init(baudrate=baudrate, polarity=polarity, phase=phase)

    def init(self, baudrate=1000000, polarity=0, phase=0, bits=8, firstbit=0, sck=None, mosi=None, miso=None):
        self.baudrate = baudrate
        self.polarity = polarity
        self.phase = phase

    def attach(self, device):
        self.devices.append(device)

    def _transfer(self, wbuf):
        out = None
        for dev in self.devices:
            cs = getattr(dev, "cs", None)
            if cs is None or cs.value() == 0:
                out = dev.spi_transfer(bytes(wbuf))
        if out is None:  # nobody selected: the bus floats high
            out = b"\xff" * len(wbuf)
        return out

    def write(self, buf):
        self._transfer(buf)

    def read(self, nbytes, write=0):
        return bytes(self._transfer(bytes([write]) * nbytes))

    def readinto(self, buf, write=0):
        data = self._transfer(bytes([write]) * len(buf))
        for i in range(len(buf)):
            buf[i] = data[i]

    def write_readinto(self, wbuf, rbuf):
        data = self._transfer(wbuf)
        for i in range(len(rbuf)):
            rbuf[i] = data[i]


class SoftSPI(SPI):
    pass


def unique_id():
    return b"\x12\x34\x56\x78"


def reset():
    raise SystemExit("machine.reset()")


# machine.reset_cause() codes (the esp32 port's values; rp2 has only PWRON and WDT)
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
_reset_cause = [PWRON_RESET]


def reset_cause():
    return _reset_cause[0]


def set_reset_cause(code):
    """What the next reset_cause() reports (the simulator sets it for a new VM)."""
    _reset_cause[0] = code


class _HostTicks:
    """time.ticks_ms/ticks_diff where the host has them (MicroPython), else from CPython's monotonic clock."""

    @staticmethod
    def ticks_ms():
        import time

        if hasattr(time, "ticks_ms"):
            return time.ticks_ms()
        return int(time.monotonic() * 1000)

    @staticmethod
    def ticks_diff(end, start):
        import time

        if hasattr(time, "ticks_diff"):
            return time.ticks_diff(end, start)
        return end - start


class WDT:
    """machine.WDT: started at construction, never stopped; each feed() restarts
    the countdown of timeout ms.  The model counts in `ticks` (a clock with
    ticks_ms/ticks_diff) and says when it would have reset the board; listeners
    fn(wdt) hear every feed (the simulator passes them to tools/sim.py)."""

    def __init__(self, id=0, timeout=5000, ticks=None):
        if id != 0:
            raise ValueError("WDT(%d) doesn't exist" % id)
        if timeout <= 0:
            raise ValueError("WDT timeout too short")
        self.timeout_ms = timeout
        self.ticks = ticks or _HostTicks
        self.feeds = 0
        self.listeners = []
        self._fed_ms = self.ticks.ticks_ms()

    def feed(self):
        self.feeds += 1
        self._fed_ms = self.ticks.ticks_ms()
        for fn in self.listeners:
            fn(self)

    def expired(self):
        """True once timeout ms have passed since the last feed: the board would have reset."""
        return self.ticks.ticks_diff(self.ticks.ticks_ms(), self._fed_ms) > self.timeout_ms
