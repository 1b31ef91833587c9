# What the metering-IC models share: the load a test puts on the meter, time
# passing (read from a clock, or pushed by advance()), and the bus faults a
# test can inject.  Each chip model adds its register file and SPI framing,
# and implements _accumulate(ms) and _load_changed().
from clock import ticks_diff

FAULTS = (None, "garbage", "stuck_high", "stuck_low")


class MeteringModel:
    def _start(self, clock, noise_seed):
        self.clock = clock
        self.fault = None  # one of FAULTS: what MISO carries instead of answers
        self.writes = []  # (address, value) of every committed write
        self._corrupt = {}  # address -> xor mask applied to the next write there
        self._glitch = {}  # address -> xor mask applied to MISO on the next read there
        self._miso_xor = 0
        self._load = (0, 0, 0, 1000, 5000)  # mW, cV, mA, pf milli, cHz
        self.neutral_ma = None  # neutral conductor current; None: the live current comes back
        self._last_ms = clock.ticks_ms() if clock is not None else 0
        self._noise = noise_seed

    # -- test controls ---------------------------------------------------
    def set_load(self, watts, volts, amps, pf=1.0, hz=50.0):
        self._sync_time()
        self._load = (round(watts * 1000), round(volts * 100), round(amps * 1000), round(pf * 1000), round(hz * 100))
        self._load_changed()

    def set_neutral(self, milliamps):
        """Current in the neutral conductor (None: equal to the live current);
        a difference is a bypass of one conductor or earth leakage."""
        self.neutral_ma = milliamps
        self._load_changed()

    def _neutral(self):
        return self._load[2] if self.neutral_ma is None else self.neutral_ma

    def advance(self, seconds):
        self._accumulate(round(seconds * 1000))

    def set_fault(self, mode):
        if mode not in FAULTS:
            raise ValueError(mode)
        self.fault = mode

    def corrupt_next_write(self, addr, xor_mask):
        """Flip bits of the next value written to addr (a bit error on MOSI)."""
        self._corrupt[addr] = xor_mask

    def glitch_next_read(self, addr, xor_mask):
        """Flip bits of what the MCU receives on the next read of addr (MISO error)."""
        self._glitch[addr] = xor_mask

    # -- the wire -----------------------------------------------------------
    def spi_transfer(self, data):
        out = bytearray(len(data))
        for i in range(len(data)):
            out[i] = self.exchange_byte(data[i])
        return bytes(out)

    def _miso(self, out):
        """The byte the MCU really receives: out, unless a fault (or a bus the
        chip cannot follow: wrong SPI mode or speed) replaces it."""
        if self.fault == "garbage" or not self._bus_ok():
            self._noise = (self._noise * 1103515245 + 12345) & 0x7FFFFFFF
            return (self._noise >> 16) & 0xFF
        if self.fault == "stuck_high":
            return 0xFF
        if self.fault == "stuck_low":
            return 0
        return out

    def _sync_time(self):
        if self.clock is not None:
            now = self.clock.ticks_ms()
            self._accumulate(ticks_diff(now, self._last_ms))
            self._last_ms = now

    def _accumulate(self, ms):  # the chip model counts energy for ms milliseconds
        raise NotImplementedError

    def _load_changed(self):  # the chip model updates its measurement registers
        raise NotImplementedError

    def exchange_byte(self, mosi):  # the chip model's SPI framing, one byte each way
        raise NotImplementedError

    def _bus_ok(self):  # the chip model checks the bus settings it needs
        raise NotImplementedError
