# ADE7953 single-phase metering IC over SPI (Analog Devices datasheet), the
# second IC behind the drivers/metering.py interface.  Channel A is metered.
# This module is the steady-state poll; start-up and calibration writes are
# in drivers/ade7953_setup.py, the register dump and calibration measurement
# in drivers/ade7953_cal.py: overlays loaded only for those calls.
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
# Datasheet rules kept here: AENERGYA is signed 24-bit (0xFFFFFF is -1 count,
# not a dead bus: a dead bus is seen on LINECYC, which cannot read all ones);
# the SPI interface is locked after set-up by clearing CONFIG bit 15
# (COMM_LOCK), which also marks a reset: the bit is back to 1 after one.
import overlay
from drivers.metering import FAULT_CHECKSUM, OK, MeteringIC, signed
from micropython import const

_LINECYC = const(0x101)
_CONFIG = const(0x102)
_PFA = const(0x10A)
_PERIOD = const(0x10E)
_TUNING = const(0x120)
_AWATT = const(0x212)
_IRMSA = const(0x21A)
_IRMSB = const(0x21B)  # channel B: the neutral conductor's current (same front end as A assumed)
_VRMS = const(0x21C)
_AENERGYA = const(0x21E)  # active energy channel A, read-with-reset (LCYCMODE.RSTREAD)
_LAST_RWDATA24 = const(0x2FF)

_CONFIG_RESET = const(0x8004)  # HPFEN, COMM_LOCK set: the interface is not locked yet
_PERIOD_CLOCK_CHZ = const(22375000)  # f = 223.75 kHz / (PERIOD + 1)


def register_bytes(addr):
    """Data bytes of the register at addr (0 for an address outside the map)."""
    group = (addr >> 8) & 0xF
    if group <= 3:
        return group + 1
    return 1 if group in (7, 8) else 0


def scaled(value, mul, shift):
    """floor(|value| * mul / 2**shift) with the sign of value; |value| < 2**24.

    The value is split into 12-bit chunks so every product stays below 2**30
    (a small int on a 32-bit port: no allocation)."""
    negative = value < 0
    if negative:
        value = -value
    high = (value >> 12) * mul  # < 2**12 * 2**18
    low = ((value & 0xFFF) * mul) >> 12  # < 2**30 before the shift
    result = (high + low) >> (shift - 12)
    return -result if negative else result


class Ade7953(MeteringIC):
    name = "ADE7953"
    _setup = "drivers.ade7953_setup"

    def __init__(self, spi, cs, clock, calibration=None, volt_counts=26000, amp_counts=100000,
                 watt_counts=154, wh_counts=1000, linecyc=100, configure_bus=False, baudrate=None):
        """Counts per V, A, W and Wh at the default 0x400000 gains depend on the
        board's front end (ade7953_setup.py); ValueError for settings the IC cannot keep."""
        self._spi = spi
        self._cs = cs
        self._clock = clock
        self._tx = (bytearray(4), bytearray(5), bytearray(6), bytearray(7))
        self._rx = (bytearray(4), bytearray(5), bytearray(6), bytearray(7))
        self._check_next = 0  # the calibration register the next poll reads back
        self._cal_ok = False
        self._start_readings()
        # counts per V/A/W, the (mul, shift) scales from them, counts per Wh, the LINECYC
        # sentinel, calibration values, and the registers the poll reads back with their values
        (self._counts, self._v_scale, self._i_scale, self._p_scale, self._wh_counts, self._linecyc, self._cal,
         self._check_addr, self._check_value) = overlay.run(
            self._setup, "settings", self, calibration, volt_counts, amp_counts, watt_counts, wh_counts, linecyc,
            configure_bus, baudrate)
        cs.value(1)

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
        self.power_w = scaled(signed(self._read(_AWATT), 24), self._p_scale[0], self._p_scale[1])
        pf = signed(self._read(_PFA), 16)  # 1 LSB = 2**-15
        self.pf_milli = (pf * 1000 + 16384) >> 15
        period = self._read(_PERIOD)
        self.freq_chz = _PERIOD_CLOCK_CHZ // (period + 1)
        if self._read(_LINECYC) != self._linecyc:
            return self._bus_fault("sentinel lost during poll")
        self.fault = None
        return OK
