# ATM90E26 single-phase metering IC over SPI (Microchip/Atmel datasheet 46002).
#
# Bus: SPI mode 3 (CPOL=1, CPHA=1), MSB first; SCLK high time at least 3.67 us
# (datasheet SPI timing), i.e. at most about 136 kHz at a 50 % duty cycle: the
# driver asks for 125 kHz to leave room for duty-cycle skew.  One access is 24
# clocks with CS low: R/W bit (1 = read) + 7-bit address, then
# 16 data bits.  The board builds the SPI object; pass configure_bus=True to
# have the driver re-init it with this mode and baud rate.
#
# Start-up (begin): soft reset, check the power-on sentinels, set FuncEn to a
# non-default value (the reset sentinel polled later), write the metering
# calibration block 0x21-0x2B + CS1 and the measurement block 0x31-0x3A + CS2.
# The checksums are computed here from the calibration values, never stored.
# Not re-checked against the PDF (taken from the register table as quoted by
# public drivers): Pmean 1 W/LSB, energy 0.1 pulse/LSB, CalStart 0x6886 =
# metering stopped.  Energy registers must be polled before they pass 0xFFFF
# (about 1 h at 2 kW with 3200 imp/kWh); poll every few seconds.
# Datasheet rules kept here: Ugain bit 15 is 0; Lgain stays within +-50 %;
# SysStatus clears on read (its error bits are latched here until the blocks
# are written again); the meter constant follows PLconst (pulses per kWh are
# inversely proportional to it), so energy units come from the PLconst
# actually programmed, and a PLconst that gives no exact unit is refused.
from drivers.metering import FAULT_CHECKSUM, OK, MeteringIC, check_register_value
from micropython import const

_SOFTRESET = const(0x00)
_SYSSTATUS = const(0x01)
_FUNCEN = const(0x02)
_LASTDATA = const(0x06)
_LSB = const(0x08)
_CALSTART = const(0x20)
_CS1 = const(0x2C)
_ADJSTART = const(0x30)
_CS2 = const(0x3B)
_APENERGY = const(0x40)  # forward active energy, 0.1 pulse per LSB, clear on read
_ANENERGY = const(0x41)  # reverse active energy, same
_IRMS = const(0x48)  # mA
_URMS = const(0x49)  # 0.01 V
_PMEAN = const(0x4A)  # W, two's complement
_FREQ = const(0x4C)  # 0.01 Hz
_POWERF = const(0x4D)  # 0.001, sign-magnitude
_IRMSN = const(0x68)  # N line current, mA (IgainN)

_RESET_CODE = const(0x789A)
_CAL_START = const(0x5678)  # open a calibration block for writing
_CAL_CHECK = const(0x8765)  # check the block against its checksum, run if good
_POWER_ON = const(0x6886)  # CalStart/AdjStart after reset: metering stopped
_FUNCEN_DEFAULT = const(0x000C)
_CAL_ERR = const(0xC000)  # SysStatus CalErr[1:0]: CS1 mismatch
_ADJ_ERR = const(0x3000)  # SysStatus AdjErr[1:0]: CS2 mismatch
_RESET_SETTLE_MS = const(5)
_UGAIN_MAX = const(0x7FFF)  # Ugain bit 15 must be 0
_LGAIN_LIMIT = const(0x4000)  # Lgain two's complement, gain 1 + Lgain/2**15 within +-50 %
_FOLD_LIMIT = const(1 << 30)  # 0xFFFF * scale + per_wh stays a small int

SPI_POLARITY = 1
SPI_PHASE = 1
SPI_BAUDRATE = 125000
PLCONST_DEFAULT = 0x0015D174

# (name, address, power-on default) per datasheet register table.
METERING_BLOCK = (
    ("PLconstH", 0x21, 0x0015), ("PLconstL", 0x22, 0xD174), ("Lgain", 0x23, 0x0000),
    ("Lphi", 0x24, 0x0000), ("Ngain", 0x25, 0x0000), ("Nphi", 0x26, 0x0000),
    ("PStartTh", 0x27, 0x08BD), ("PNolTh", 0x28, 0x0000), ("QStartTh", 0x29, 0x0AEC),
    ("QNolTh", 0x2A, 0x0000), ("MMode", 0x2B, 0x9422),
)
MEASUREMENT_BLOCK = (
    ("Ugain", 0x31, 0x6720), ("IgainL", 0x32, 0x7A13), ("IgainN", 0x33, 0x7530),
    ("Uoffset", 0x34, 0x0000), ("IoffsetL", 0x35, 0x0000), ("IoffsetN", 0x36, 0x0000),
    ("PoffsetL", 0x37, 0x0000), ("QoffsetL", 0x38, 0x0000), ("PoffsetN", 0x39, 0x0000),
    ("QoffsetN", 0x3A, 0x0000),
)
_OTHER_REGS = (
    ("SysStatus", _SYSSTATUS), ("FuncEn", _FUNCEN), ("CalStart", _CALSTART), ("CS1", _CS1),
    ("AdjStart", _ADJSTART), ("CS2", _CS2), ("Irms", _IRMS), ("Urms", _URMS), ("Pmean", _PMEAN),
    ("Freq", _FREQ), ("PowerF", _POWERF), ("IrmsN", _IRMSN),
)


def checksum(values):
    """CS1/CS2 of a block: high byte = XOR of all bytes, low byte = sum mod 256."""
    total = 0
    xor = 0
    for v in values:
        total += (v >> 8) + (v & 0xFF)
        xor ^= (v >> 8) ^ (v & 0xFF)
    return (xor << 8) | (total & 0xFF)


def _signed16(v):
    return v - 0x10000 if v & 0x8000 else v


def _gcd(a, b):
    while b:
        a, b = b, a % b
    return a


def energy_units(plconst, meter_constant, plconst_ref):
    """(scale, per_wh): Wh = counts * scale / per_wh for PLconst `plconst` when
    the board gives `meter_constant` imp/kWh at `plconst_ref`.

    One LSB is 0.1 pulse and pulses per kWh scale as plconst_ref / plconst.
    ValueError if that ratio has no small exact form (set-up time only)."""
    if plconst <= 0:
        raise ValueError("PLconst must be positive")
    num = 100 * plconst
    den = meter_constant * plconst_ref
    g = _gcd(num, den)
    num //= g
    den //= g
    if 0xFFFF * num + den >= _FOLD_LIMIT:
        raise ValueError("PLconst 0x%08X: %d imp/kWh at 0x%08X gives no exact energy unit; "
                         "keep PLconst or scale it by a simple ratio" % (plconst, meter_constant, plconst_ref))
    return num, den


class Atm90e26(MeteringIC):
    name = "ATM90E26"

    def __init__(self, spi, cs, clock, calibration=None, meter_constant=3200, funcen=0x0030,
                 configure_bus=False, baudrate=SPI_BAUDRATE, plconst=PLCONST_DEFAULT):
        if not isinstance(meter_constant, int) or not 0 < meter_constant < 1 << 20:
            raise ValueError("meter_constant: pulses per kWh, a positive int")
        check_register_value("funcen", funcen, 16)
        if funcen == _FUNCEN_DEFAULT:
            raise ValueError("funcen must differ from the power-on value to detect resets")
        self._spi = spi
        self._cs = cs
        self._clock = clock
        self._mc = meter_constant
        self._plconst_ref = plconst  # the PLconst at which the board gives meter_constant
        self._funcen = funcen
        if configure_bus:
            spi.init(baudrate=baudrate, polarity=SPI_POLARITY, phase=SPI_PHASE)
        self._tx = bytearray(3)
        self._rx = bytearray(3)
        self._cal = {}
        for name, _, default in METERING_BLOCK + MEASUREMENT_BLOCK:
            self._cal[name] = default
        if calibration:
            self._cal.update(self._checked(calibration))
        self._units = energy_units(self._plconst(self._cal), meter_constant, plconst)
        self._sys_errors = 0  # SysStatus CalErr/AdjErr seen since the blocks were last written
        cs.value(1)
        self._start_energy()
        self.power_w = 0
        self.voltage_cv = 0
        self.current_ma = 0
        self.freq_chz = 0
        self.pf_milli = 0
        self.neutral_ma = 0

    # -- bus -------------------------------------------------------------
    def _read(self, addr):
        tx = self._tx
        tx[0] = 0x80 | addr
        tx[1] = 0
        tx[2] = 0
        self._cs.value(0)
        self._spi.write_readinto(tx, self._rx)
        self._cs.value(1)
        return (self._rx[1] << 8) | self._rx[2]

    def _write(self, addr, value):
        tx = self._tx
        tx[0] = addr & 0x7F
        tx[1] = (value >> 8) & 0xFF
        tx[2] = value & 0xFF
        self._cs.value(0)
        self._spi.write_readinto(tx, self._rx)
        self._cs.value(1)

    def _verified_read(self, addr):
        """Read addr and confirm it through LastData, -1 if that fails.

        For clear-on-read registers a corrupted first read would lose counts, so
        when LastData disagrees it is read again: two equal LastData answers are
        the chip's own copy of the value and are taken instead."""
        value = self._read(addr)
        echo = self._read(_LASTDATA)
        if echo == 0xFFFF:  # a floating MISO; a real count never gets this high between polls
            return -1
        if echo == value or self._read(_LASTDATA) == echo:
            return echo
        return -1

    def _read_status(self):
        """SysStatus, whose error bits are latched: the chip clears it on read."""
        status = self._read(_SYSSTATUS)
        if status != 0xFFFF:
            self._sys_errors |= status & (_CAL_ERR | _ADJ_ERR)
        return status

    @staticmethod
    def _plconst(values):
        return (values["PLconstH"] << 16) | values["PLconstL"]

    # -- start-up --------------------------------------------------------
    def begin(self):
        self._write(_SOFTRESET, _RESET_CODE)
        self._clock.sleep_ms(_RESET_SETTLE_MS)
        funcen = self._read(_FUNCEN)
        calstart = self._read(_CALSTART)
        if funcen != _FUNCEN_DEFAULT or calstart != _POWER_ON:
            self.fault = "no ATM90E26 answer (FuncEn 0x%04X, CalStart 0x%04X after reset)" % (funcen, calstart)
            return False
        self._write(_FUNCEN, self._funcen)
        if self._read(_LASTDATA) != self._funcen or self._read(_FUNCEN) != self._funcen:
            self.fault = "FuncEn write not confirmed"
            return False
        return self._write_calibration()

    def _write_calibration(self):
        for start, block, cs_addr in ((_CALSTART, METERING_BLOCK, _CS1), (_ADJSTART, MEASUREMENT_BLOCK, _CS2)):
            self._write(start, _CAL_START)
            values = []
            for name, addr, _ in block:
                self._write(addr, self._cal[name])
                values.append(self._cal[name])
            self._write(cs_addr, checksum(values))
        self._write(_CALSTART, _CAL_CHECK)
        self._write(_ADJSTART, _CAL_CHECK)
        self._sys_errors = 0
        self._read_status()
        if self._sys_errors:
            self.fault = self._checksum_text(self._sys_errors)
            return False
        self.fault = None
        return True

    @staticmethod
    def _checksum_text(status):
        if status & _CAL_ERR and status & _ADJ_ERR:
            return "CS1 and CS2 mismatch: metering and measurement stopped"
        if status & _CAL_ERR:
            return "CS1 mismatch: metering stopped"
        return "CS2 mismatch: measurement stopped"

    # -- steady state ----------------------------------------------------
    def poll(self):
        funcen = self._read(_FUNCEN)
        if funcen != self._funcen:
            if funcen == _FUNCEN_DEFAULT and self._read(_CALSTART) == _POWER_ON:
                return self._recover_from_reset()
            return self._bus_fault("sentinel FuncEn wrong")
        fwd = self._verified_read(_APENERGY)
        rev = self._verified_read(_ANENERGY) if fwd >= 0 else -1
        if fwd >= 0:  # confirmed counts are gone from the IC: count them now
            self._pending_fwd += fwd
        if rev >= 0:
            self._pending_rev += rev
        self._fold_energy(self._units[0], self._units[1])
        if rev < 0:
            return self._bus_fault("energy read not confirmed")
        if self._read_status() == 0xFFFF:
            return self._bus_fault("SysStatus all ones")
        if self._sys_errors:
            self.fault = self._checksum_text(self._sys_errors)
            return FAULT_CHECKSUM
        self.voltage_cv = self._read(_URMS)
        self.current_ma = self._read(_IRMS)
        self.neutral_ma = self._read(_IRMSN)
        self.power_w = _signed16(self._read(_PMEAN))
        self.freq_chz = self._read(_FREQ)
        pf = self._read(_POWERF)
        magnitude = pf & 0x7FFF
        if magnitude > 1000:
            magnitude = 1000
        self.pf_milli = -magnitude if pf & 0x8000 else magnitude
        if self._read(_FUNCEN) != self._funcen:  # the bus must still answer after the reads
            return self._bus_fault("sentinel lost during poll")
        self.fault = None
        return OK

    # -- reporting -------------------------------------------------------
    def identity(self):
        self._read_status()
        return "ATM90E26 SPI mode 3 <=%d Hz, %d imp/kWh at PLconst 0x%08X, FuncEn 0x%04X, SysStatus errors 0x%04X" % (
            SPI_BAUDRATE, self._mc, self._plconst_ref, self._read(_FUNCEN), self._sys_errors)

    def regdump(self):
        """Registers worth a look; the clear-on-read energy registers are left out."""
        rows = []
        for name, addr in _OTHER_REGS:
            # SysStatus clears on read: show the latched error bits with it
            value = self._read_status() | self._sys_errors if addr == _SYSSTATUS else self._read(addr)
            rows.append((name, addr, value))
        for name, addr, _ in METERING_BLOCK + MEASUREMENT_BLOCK:
            rows.append((name, addr, self._read(addr)))
        return rows

    # -- calibration -----------------------------------------------------
    def _checked(self, values):
        checked = {}
        for name, value in values.items():
            if name not in self._cal:
                raise ValueError("unknown ATM90E26 calibration register %r" % (name,))
            checked[name] = check_register_value(name, value, 16)
        if checked.get("Ugain", 0) > _UGAIN_MAX:
            raise ValueError("Ugain 0x%04X: bit 15 must be 0 (datasheet)" % checked["Ugain"])
        lgain = _signed16(checked.get("Lgain", 0))
        if not -_LGAIN_LIMIT <= lgain <= _LGAIN_LIMIT:
            raise ValueError("Lgain %d: outside the legal +-50 %% (-16384..16384)" % lgain)
        return checked

    def apply_calibration(self, values):
        """Store new calibration values and write both blocks; True if the IC accepts them.

        ValueError (nothing written) for values outside the datasheet's ranges
        or a PLconst the energy units cannot follow exactly."""
        checked = self._checked(values)
        merged = dict(self._cal)
        merged.update(checked)
        units = energy_units(self._plconst(merged), self._mc, self._plconst_ref)
        old_per_wh = self._units[1]
        self._rem_fwd = self._rem_fwd * units[1] // old_per_wh  # sub-Wh remainders into the new unit
        self._rem_rev = self._rem_rev * units[1] // old_per_wh
        self._cal = merged
        self._units = units
        return self._write_calibration()

    @staticmethod
    def _rescaled(gain, reference, measured, name, limit=0xFFFF):
        if not isinstance(reference, int) or reference <= 0:
            raise ValueError("%s: reference must be a positive int" % name)
        if measured <= 0:
            raise ValueError("%s: nothing measured to calibrate against" % name)
        new = (gain * reference + measured // 2) // measured
        if not 0 < new <= limit:
            raise ValueError("%s: 0x%X outside 1..0x%X; check the reference" % (name, new, limit))
        return new

    def calibrate_voltage(self, ref_cv):
        """Ugain that makes Urms read ref_cv (Urms is proportional to Ugain)."""
        return {"Ugain": self._rescaled(self._cal["Ugain"], ref_cv, self._read(_URMS), "Ugain", _UGAIN_MAX)}

    def calibrate_current(self, ref_ma):
        """IgainL that makes Irms read ref_ma (Irms is proportional to IgainL)."""
        return {"IgainL": self._rescaled(self._cal["IgainL"], ref_ma, self._read(_IRMS), "IgainL")}

    def calibrate_power(self, ref_w):
        """Lgain so that the active power reads ref_w.

        Metered power scales with (1 + Lgain/2**15), Lgain two's complement; the
        measured power uses Pmean plus its 16-bit LSB extension for resolution."""
        if not isinstance(ref_w, int) or ref_w == 0:
            raise ValueError("Lgain: reference must be a non-zero int (W)")
        pmean = _signed16(self._read(_PMEAN))
        measured = (pmean << 16) + self._read(_LSB)  # W * 65536
        if measured == 0 or (measured < 0) != (ref_w < 0):
            raise ValueError("Lgain: measured power has no load or the wrong sign")
        factor = 0x8000 + _signed16(self._cal["Lgain"])
        measured = abs(measured)
        new = (factor * abs(ref_w) * 65536 + measured // 2) // measured - 0x8000
        if not -_LGAIN_LIMIT <= new <= _LGAIN_LIMIT:
            raise ValueError("Lgain: %d outside the legal +-50 %% (-16384..16384); check the reference" % new)
        return {"Lgain": new & 0xFFFF}
