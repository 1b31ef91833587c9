# ADE7953 single-phase metering IC over SPI (Analog Devices datasheet), the
# second IC behind the drivers/metering.py interface.  Channel A is metered.
#
# Bus: SPI mode 3, MSB first (driver default 1 MHz; the board may go slower).
# One access with CS low: 16-bit register address, then 0x80 (read) or 0x00
# (write), then 1-4 data bytes; the width follows from the address
# (0x0xx 8 bit, 0x1xx 16 bit, 0x2xx 24 bit, 0x3xx 32 bit, 0x7xx/0x8xx 8 bit).
# The 24-bit register versions are used so every value stays a small int.
#
# The ADE7953 has no writable CS1/CS2-style checksum, so calibration is
# verified by reading every register back at begin() and one register per
# poll afterwards (round robin): a mismatch is FAULT_CHECKSUM.  Reads of the
# clear-on-read energy register are confirmed through LAST_RWDATA_24.
# Scale factors (counts per V, A, W, Wh at the default 0x400000 gains) depend
# on the board's front end: pass them as ic_options (the defaults are examples,
# wh_counts especially must be measured for a board design).  Not re-checked
# against the PDF: the 2 MHz SPI limit the model enforces, the VERSION value.
# Datasheet rules kept here: AENERGYA is signed 24-bit (0xFFFFFF is -1 count,
# not a dead bus: a dead bus is seen on LINECYC, which cannot read all ones);
# the SPI interface is locked after set-up by clearing CONFIG bit 15
# (COMM_LOCK), which also marks a reset: the bit is back to 1 after one.
from drivers.metering import FAULT_CHECKSUM, OK, MeteringIC, check_register_value, scale_factor, scaled
from micropython import const

_LCYCMODE = const(0x004)
_UNLOCK = const(0x0FE)
_VERSION = const(0x702)
_LINECYC = const(0x101)
_CONFIG = const(0x102)
_PFA = const(0x10A)
_PERIOD = const(0x10E)
_TUNING = const(0x120)  # "set to 0x30 for the specified performance", after unlocking
_AWATT = const(0x212)
_IRMSA = const(0x21A)
_IRMSB = const(0x21B)  # channel B: the neutral conductor's current (same front end as A assumed)
_VRMS = const(0x21C)
_AENERGYA = const(0x21E)  # active energy channel A, read-with-reset (LCYCMODE.RSTREAD)
_LAST_RWDATA24 = const(0x2FF)

_SWRST = const(0x0080)  # CONFIG bit 7: software reset
_CONFIG_RESET = const(0x8004)  # HPFEN, COMM_LOCK set: the interface is not locked yet
_CONFIG_LOCKED = const(0x0004)  # HPFEN, COMM_LOCK cleared: SPI locked in
_UNLOCK_KEY = const(0xAD)
_TUNING_VALUE = const(0x30)
_RESET_SETTLE_MS = const(100)
_PERIOD_CLOCK_CHZ = const(22375000)  # f = 223.75 kHz / (PERIOD + 1)
_GAIN_MIN = const(0x200000)
_GAIN_MAX = const(0x600000)

SPI_POLARITY = 1
SPI_PHASE = 1
SPI_BAUDRATE = 1000000

# (name, address, default, bits)
CALIBRATION_REGS = (
    ("AIGAIN", 0x280, 0x400000, 24), ("AVGAIN", 0x281, 0x400000, 24), ("AWGAIN", 0x282, 0x400000, 24),
    ("AIRMSOS", 0x286, 0, 24), ("VRMSOS", 0x288, 0, 24), ("AWATTOS", 0x289, 0, 24), ("PHCALA", 0x108, 0, 16),
)
_REPORT_REGS = (
    ("VERSION", _VERSION), ("CONFIG", _CONFIG), ("LCYCMODE", _LCYCMODE), ("LINECYC", _LINECYC),
    ("REG_0x120", _TUNING), ("VRMS", _VRMS), ("IRMSA", _IRMSA), ("IRMSB", _IRMSB), ("AWATT", _AWATT), ("PFA", _PFA),
    ("PERIOD", _PERIOD),
)


def register_bytes(addr):
    """Data bytes of the register at addr (0 for an address outside the map)."""
    group = (addr >> 8) & 0xF
    if group <= 3:
        return group + 1
    return 1 if group in (7, 8) else 0


def _signed(value, bits):
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


class Ade7953(MeteringIC):
    name = "ADE7953"

    def __init__(self, spi, cs, clock, calibration=None, volt_counts=26000, amp_counts=100000,
                 watt_counts=154, wh_counts=1000, linecyc=100, configure_bus=False, baudrate=SPI_BAUDRATE):
        for label, value in (("volt_counts", volt_counts), ("amp_counts", amp_counts),
                             ("watt_counts", watt_counts), ("wh_counts", wh_counts)):
            if not isinstance(value, int) or not 0 < value < 1 << 24:
                raise ValueError("%s must be a positive int below 2**24" % label)
        check_register_value("linecyc", linecyc, 16)
        if linecyc == 0 or linecyc == 0xFFFF:
            raise ValueError("linecyc must differ from the power-on 0 and from a dead bus's 0xFFFF")
        self._spi = spi
        self._cs = cs
        self._clock = clock
        if configure_bus:
            spi.init(baudrate=baudrate, polarity=SPI_POLARITY, phase=SPI_PHASE)
        self._counts = (volt_counts, amp_counts, watt_counts)
        self._v_scale = scale_factor(100, volt_counts)
        self._i_scale = scale_factor(1000, amp_counts)
        self._p_scale = scale_factor(1, watt_counts)
        self._wh_counts = wh_counts
        self._linecyc = linecyc
        self._tx = (bytearray(4), bytearray(5), bytearray(6), bytearray(7))
        self._rx = (bytearray(4), bytearray(5), bytearray(6), bytearray(7))
        self._cal = {}
        for name, _, default, _ in CALIBRATION_REGS:
            self._cal[name] = default
        if calibration:
            self._cal.update(self._checked(calibration))
        self._check_addr = [addr for _, addr, _, _ in CALIBRATION_REGS]
        self._check_value = [0] * len(CALIBRATION_REGS)
        self._check_next = 0
        self._cal_ok = False
        cs.value(1)
        self._start_energy()
        self.power_w = 0
        self.voltage_cv = 0
        self.current_ma = 0
        self.freq_chz = 0
        self.pf_milli = 0
        self.neutral_ma = 0

    # -- bus -------------------------------------------------------------
    def _access(self, addr, value, read):
        n = register_bytes(addr)
        tx = self._tx[n - 1]
        rx = self._rx[n - 1]
        tx[0] = addr >> 8
        tx[1] = addr & 0xFF
        tx[2] = 0x80 if read else 0x00
        for i in range(n):
            tx[3 + i] = (value >> (8 * (n - 1 - i))) & 0xFF
        self._cs.value(0)
        self._spi.write_readinto(tx, rx)
        self._cs.value(1)
        result = 0
        for i in range(n):
            result = (result << 8) | rx[3 + i]
        return result

    def _read(self, addr):
        return self._access(addr, 0, True)

    def _write(self, addr, value):
        self._access(addr, value, False)

    def _verified_read24(self, addr):
        """Read a 24-bit register, confirmed through LAST_RWDATA_24; -1 on failure."""
        value = self._read(addr)
        echo = self._read(_LAST_RWDATA24)
        if echo == value or self._read(_LAST_RWDATA24) == echo:
            return echo
        return -1

    # -- start-up --------------------------------------------------------
    def begin(self):
        self._write(_CONFIG, _CONFIG_RESET | _SWRST)
        self._clock.sleep_ms(_RESET_SETTLE_MS)
        config = self._read(_CONFIG)
        version = self._read(_VERSION)
        if config != _CONFIG_RESET or self._read(_LINECYC) != 0 or version in (0, 0xFF):
            self.fault = "no ADE7953 answer (CONFIG 0x%04X, VERSION 0x%02X after reset)" % (config, version)
            return False
        self._write(_CONFIG, _CONFIG_LOCKED)  # lock SPI in before anything else
        self._write(_UNLOCK, _UNLOCK_KEY)
        self._write(_TUNING, _TUNING_VALUE)
        self._write(_LINECYC, self._linecyc)
        if self._read(_CONFIG) != _CONFIG_LOCKED or self._read(_TUNING) != _TUNING_VALUE \
                or self._read(_LINECYC) != self._linecyc:
            self.fault = "set-up writes not confirmed"
            return False
        return self._write_calibration()

    def _write_calibration(self):
        i = 0
        for name, addr, _, _ in CALIBRATION_REGS:
            value = self._cal[name]
            self._write(addr, value)
            self._check_value[i] = value
            i += 1
        for name, addr, _, _ in CALIBRATION_REGS:
            got = self._read(addr)
            if got != self._cal[name]:
                self.fault = "%s reads 0x%06X, wrote 0x%06X" % (name, got, self._cal[name])
                self._cal_ok = False
                return False
        self._cal_ok = True
        self.fault = None
        return True

    # -- steady state ----------------------------------------------------
    def poll(self):
        sentinel = self._read(_LINECYC)
        if sentinel != self._linecyc:
            # all three back at power-on values (CONFIG's is neither all ones nor all zeros)
            if sentinel == 0 and self._read(_TUNING) == 0 and self._read(_CONFIG) == _CONFIG_RESET:
                return self._recover_from_reset()
            return self._bus_fault("sentinel LINECYC wrong")
        energy = self._verified_read24(_AENERGYA)
        alive = self._read(_LINECYC) == self._linecyc
        # 0xFFFFFF is a legal -1 count; only with LINECYC lost too is it a floating MISO
        if energy >= 0 and (alive or energy != 0xFFFFFF):
            if energy & 0x800000:
                self._pending_rev += 0x1000000 - energy
            else:
                self._pending_fwd += energy
        self._fold_energy(1, self._wh_counts)  # read-with-reset counts are gone from the IC: count them now
        if energy < 0 or not alive:
            return self._bus_fault("energy read not confirmed")
        if not self._cal_ok:
            return FAULT_CHECKSUM
        k = self._check_next
        self._check_next = (k + 1) % len(self._check_addr)
        if self._read(self._check_addr[k]) != self._check_value[k]:
            self._cal_ok = False
            self.fault = "calibration register changed in the IC"
            return FAULT_CHECKSUM
        self.voltage_cv = scaled(self._read(_VRMS), self._v_scale[0], self._v_scale[1])
        self.current_ma = scaled(self._read(_IRMSA), self._i_scale[0], self._i_scale[1])
        self.neutral_ma = scaled(self._read(_IRMSB), self._i_scale[0], self._i_scale[1])
        self.power_w = scaled(_signed(self._read(_AWATT), 24), self._p_scale[0], self._p_scale[1])
        pf = _signed(self._read(_PFA), 16)  # 1 LSB = 2**-15
        self.pf_milli = (pf * 1000 + 16384) >> 15
        period = self._read(_PERIOD)
        self.freq_chz = _PERIOD_CLOCK_CHZ // (period + 1)
        if self._read(_LINECYC) != self._linecyc:
            return self._bus_fault("sentinel lost during poll")
        self.fault = None
        return OK

    # -- reporting -------------------------------------------------------
    def identity(self):
        return "ADE7953 silicon version %d, SPI mode 3, %d counts/Wh" % (self._read(_VERSION), self._wh_counts)

    def regdump(self):
        """Registers worth a look; the read-with-reset energy register is left out."""
        rows = []
        for name, addr in _REPORT_REGS:
            rows.append((name, addr, self._read(addr)))
        for name, addr, _, _ in CALIBRATION_REGS:
            rows.append((name, addr, self._read(addr)))
        return rows

    # -- calibration -----------------------------------------------------
    def _checked(self, values):
        checked = {}
        bits = {}
        for name, _, _, width in CALIBRATION_REGS:
            bits[name] = width
        for name, value in values.items():
            if name not in bits:
                raise ValueError("unknown ADE7953 calibration register %r" % (name,))
            checked[name] = check_register_value(name, value, bits[name])
        return checked

    def apply_calibration(self, values):
        """Store new calibration values and write them; True if they read back."""
        self._cal.update(self._checked(values))
        return self._write_calibration()

    def _new_gain(self, name, target_counts, measured):
        # Readings are proportional to the gain register (0x400000 = 1.0).
        if measured <= 0:
            raise ValueError("%s: nothing measured to calibrate against" % name)
        new = (self._cal[name] * target_counts + measured // 2) // measured
        if not _GAIN_MIN <= new <= _GAIN_MAX:
            raise ValueError("%s: 0x%X outside 0x200000..0x600000; check the reference" % (name, new))
        return {name: new}

    @staticmethod
    def _positive(reference, label):
        if not isinstance(reference, int) or reference <= 0:
            raise ValueError("%s must be a positive int" % label)
        return reference

    def calibrate_voltage(self, ref_cv):
        target = self._positive(ref_cv, "ref_cv") * self._counts[0] // 100
        return self._new_gain("AVGAIN", target, self._read(_VRMS))

    def calibrate_current(self, ref_ma):
        target = self._positive(ref_ma, "ref_ma") * self._counts[1] // 1000
        return self._new_gain("AIGAIN", target, self._read(_IRMSA))

    def calibrate_power(self, ref_w):
        """AWGAIN so that AWATT reads ref_w; it also scales the energy register."""
        if not isinstance(ref_w, int) or ref_w == 0:
            raise ValueError("ref_w must be a non-zero int")
        measured = _signed(self._read(_AWATT), 24)
        if (measured < 0) != (ref_w < 0):
            raise ValueError("AWGAIN: measured power has the wrong sign")
        return self._new_gain("AWGAIN", abs(ref_w) * self._counts[2], abs(measured))
