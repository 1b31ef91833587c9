# ATM90E26 register-file model behind SPI frames (host tests only).
#
#   model = Atm90e26Model(cs=cs_pin, spi=spi)   # spi optional: checks mode 3
#   spi.attach(model)
#   model.set_load(watts, volts, amps, pf, hz); model.advance(seconds)
#
# One access is 24 clocks with CS low: R/W + 7-bit address, 16 data bits, MSB
# first.  A write is taken on the 24th clock; CS rising earlier drops it.
# Like the chip: soft reset (0x789A to SoftReset), CalStart/AdjStart protocol
# with CS1/CS2 verification (a mismatch stops metering/measurement and sets the
# SysStatus error bits), LastData, clear-on-read energy registers counting 0.1
# pulse per LSB, Urms/Irms/Pmean(+LSB)/Freq/PowerF in the datasheet encodings.
#
# The "board" is described by the gain values that would make readings exact
# (board_ugain, board_igain, board_lgain): readings scale with the written
# gain relative to those, so calibration helpers have something to correct.
# Faults: set_fault("garbage") noise on MISO, "stuck_high" 0xFF, "stuck_low"
# 0x00, None to clear; trigger_reset() puts every register back to defaults.
#
# Datasheet rules the model holds the MCU to (Atmel-46002 M90E26 datasheet):
# - SPI timing: SCLK high time at least 3.67 us, so a 50 % duty clock above
#   about 136 kHz is not followed (MISO is noise, writes are lost);
# - register table: Ugain (0x31) bit 15 must be 0; Lgain (0x23) is two's
#   complement and legal within +-50 % (|Lgain| <= 0x4000).  What the chip does
#   otherwise is not specified: the model ignores Ugain bit 15 and clamps
#   Lgain, and records each breach in `violations` for the tests to see;
# - SysStatus (0x01) is cleared by a read; APenergy/ANenergy/ATenergy are
#   cleared by a read;
# - the energy pulse constant is PLconst: pulses per kWh are inversely
#   proportional to it (meter_constant holds at the default PLconst);
# - two current channels: L (Irms 48H, IgainL 32H) and N (IrmsN 68H, IgainN
#   33H), 1 mA per LSB; reverse flow counts in ANenergy with Pmean negative.
from array import array

from metering_model import MeteringModel

SOFTRESET, SYSSTATUS, FUNCEN, SAGTH, SMALLPMOD, LASTDATA, LSB = 0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x08
CALSTART, CS1, ADJSTART, CS2 = 0x20, 0x2C, 0x30, 0x3B
APENERGY, ANENERGY, ATENERGY = 0x40, 0x41, 0x42
IRMS, URMS, PMEAN, QMEAN, FREQ, POWERF = 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D
IRMSN = 0x68  # N line current rms (N line measurement registers 68H-6DH)
METERING_REGS = range(0x21, 0x2C)
MEASUREMENT_REGS = range(0x31, 0x3B)

DEFAULTS = {
    FUNCEN: 0x000C, SAGTH: 0x1D6A, CALSTART: 0x6886, ADJSTART: 0x6886,
    0x21: 0x0015, 0x22: 0xD174, 0x27: 0x08BD, 0x29: 0x0AEC, 0x2B: 0x9422,
    0x31: 0x6720, 0x32: 0x7A13, 0x33: 0x7530,
}
PLCONST_DEFAULT = 0x0015D174


def block_checksum(regs, addresses):
    total = 0
    xor = 0
    for a in addresses:
        v = regs[a]
        total += (v >> 8) + (v & 0xFF)
        xor ^= (v >> 8) ^ (v & 0xFF)
    return (xor << 8) | (total & 0xFF)


SCLK_HIGH_MIN_NS = 3670
LGAIN_LIMIT = 0x4000


class Atm90e26Model(MeteringModel):
    MAX_BAUDRATE = 1_000_000_000 // (2 * SCLK_HIGH_MIN_NS)  # 50 % duty: about 136 kHz

    def __init__(self, cs=None, spi=None, clock=None, meter_constant=3200, board_ugain=0x6720,
                 board_igain=0x7A13, board_lgain=0, max_baudrate=MAX_BAUDRATE, board_igain_n=0x7530):
        self._start(clock, 0x1234567)
        self._cs = None
        self.spi = spi
        self.meter_constant = meter_constant  # pulses/kWh at the default PLconst
        self.board_ugain = board_ugain
        self.board_igain = board_igain
        self.board_lgain = board_lgain
        self.board_igain_n = board_igain_n
        self.max_baudrate = max_baudrate
        self.frames = 0  # completed 24-clock accesses
        self.violations = []  # datasheet rules the MCU broke, as text
        self.regs = array("H", bytes(256))  # 128 16-bit registers, as on the chip
        self._energy_acc = 0
        self._idx = 0
        self._cmd = 0
        self._hi = 0
        self._value = 0
        self.trigger_reset()
        self.cs = cs

    # -- wiring ----------------------------------------------------------
    @property
    def cs(self):
        return self._cs

    @cs.setter
    def cs(self, pin):
        self._cs = pin
        if pin is not None:
            pin.listeners.append(self._cs_edge)

    def _cs_edge(self, _pin, level):
        self._idx = 0  # either edge ends a frame; an unfinished write is dropped

    # -- test controls ---------------------------------------------------
    def trigger_reset(self):
        """Power-on/brown-out reset: every register back to its default."""
        for a in range(128):
            self.regs[a] = DEFAULTS.get(a, 0)
        self._energy_acc = 0
        self.metering_on = False
        self.measuring_on = False
        self._load_changed()

    def calibration_error(self):
        return bool(self.regs[SYSSTATUS] & 0xC000), bool(self.regs[SYSSTATUS] & 0x3000)

    # -- physics ---------------------------------------------------------
    def _load_changed(self):
        # Cached so a register read needs no big-int arithmetic (allocation tests).
        if not self.metering_on:
            self.metered_mw = 0
            return
        lgain = max(-LGAIN_LIMIT, min(LGAIN_LIMIT, self._signed(self.regs[0x23])))
        self.metered_mw = self._load[0] * (0x8000 + lgain) // (0x8000 + self.board_lgain)

    def _accumulate(self, ms):
        # 0.1-pulse counts = Wh * MC/100 * PLdefault/PLconst, in exact integers.
        if ms <= 0:
            return
        power = self.metered_mw
        plconst = (self.regs[0x21] << 16) | self.regs[0x22]
        if power == 0 or plconst == 0:
            return
        self._energy_acc += abs(power) * ms * self.meter_constant * PLCONST_DEFAULT
        unit = 360_000_000_000 * plconst
        counts = self._energy_acc // unit
        self._energy_acc -= counts * unit
        reg = APENERGY if power > 0 else ANENERGY
        self.regs[reg] = (self.regs[reg] + counts) & 0xFFFF
        self.regs[ATENERGY] = (self.regs[ATENERGY] + counts) & 0xFFFF

    @staticmethod
    def _signed(v):
        return v - 0x10000 if v & 0x8000 else v

    def _read_register(self, addr):
        regs = self.regs
        mw, cv, ma, pf, chz = self._load
        if APENERGY <= addr <= ATENERGY or addr == SYSSTATUS:  # (no tuple: reads must not allocate)
            value = regs[addr]
            regs[addr] = 0  # clear on read
            return value
        if addr == URMS:
            return min(0xFFFF, cv * (regs[0x31] & 0x7FFF) // self.board_ugain) if self.measuring_on else 0
        if addr == IRMS:
            return min(0xFFFF, ma * regs[0x32] // self.board_igain) if self.measuring_on else 0
        if addr == PMEAN:
            # W * 2**16 in two's complement: Pmean is the high word, LSB the low.
            mw = self.metered_mw
            watts = max(-0x8000, min(0x7FFF, mw // 1000))
            fraction = (mw - watts * 1000) * 65536 // 1000 if -0x8000 < watts < 0x7FFF else 0
            regs[LSB] = fraction & 0xFFFF
            return watts & 0xFFFF
        if addr == IRMSN:
            return min(0xFFFF, self._neutral() * regs[0x33] // self.board_igain_n) if self.measuring_on else 0
        if addr == FREQ:
            return chz
        if addr == POWERF:
            if not self.metering_on:
                return 0
            return 0x8000 | min(-pf, 1000) if pf < 0 else min(pf, 1000)
        return regs[addr]

    def _write_register(self, addr, value):
        self.writes.append((addr, value))
        regs = self.regs
        if addr == SOFTRESET:
            if value == 0x789A:
                self.trigger_reset()
            return
        if addr == SYSSTATUS or addr == LASTDATA or addr == LSB or addr >= 0x40:
            return  # read-only
        regs[addr] = value
        if addr == 0x31 and value & 0x8000:
            self.violations.append("Ugain 0x%04X: bit 15 must be 0" % value)
        if addr == 0x23 and abs(self._signed(value)) > LGAIN_LIMIT:
            self.violations.append("Lgain %d outside +-50 %%" % self._signed(value))
        self._load_changed()
        if addr == CALSTART:
            self.metering_on, bits = self._start_command(value, METERING_REGS, CS1)
            regs[SYSSTATUS] = (regs[SYSSTATUS] & ~0xC000) | (bits << 14)
            self._load_changed()
        elif addr == ADJSTART:
            self.measuring_on, bits = self._start_command(value, MEASUREMENT_REGS, CS2)
            regs[SYSSTATUS] = (regs[SYSSTATUS] & ~0x3000) | (bits << 12)

    def _start_command(self, value, block, cs_addr):
        """(running, error bits) after a CalStart/AdjStart write."""
        if value == 0x5678:
            return True, 0  # calibration mode: runs, checksum not yet checked
        if value == 0x8765 and block_checksum(self.regs, block) == self.regs[cs_addr]:
            return True, 0
        return False, 3

    # -- SPI -------------------------------------------------------------
    def _bus_ok(self):
        spi = self.spi
        if spi is None:
            return True
        return spi.polarity == 1 and spi.phase == 1 and spi.baudrate <= self.max_baudrate

    def exchange_byte(self, mosi):
        """One byte of a frame (the model's clock-level behaviour)."""
        if self._idx == 0:
            self._sync_time()
        idx = self._idx
        self._idx = idx + 1 if (self._cs is not None or idx < 2) else 0
        out = 0
        if idx == 0:
            self._cmd = mosi
            if mosi & 0x80:
                self._value = self._read_register(mosi & 0x7F)
                if mosi & 0x7F != LASTDATA:
                    self.regs[LASTDATA] = self._value
                self._miso_xor = self._glitch.pop(mosi & 0x7F, 0) if self._glitch else 0
        elif idx == 1:
            self._hi = mosi
            if self._cmd & 0x80:
                out = ((self._value ^ self._miso_xor) >> 8) & 0xFF
        elif idx == 2:
            self.frames += 1
            if self._cmd & 0x80:
                out = (self._value ^ self._miso_xor) & 0xFF
            elif self._bus_ok():
                addr = self._cmd & 0x7F
                value = ((self._hi << 8) | mosi) ^ self._corrupt.pop(addr, 0)
                self.regs[LASTDATA] = value
                self._write_register(addr, value)
        else:
            out = 0xFF
        return self._miso(out)
