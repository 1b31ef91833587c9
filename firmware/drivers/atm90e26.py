# ATM90E26 single-phase metering IC over SPI (Microchip/Atmel datasheet 46002):
# the steady-state poll.  Start-up and calibration writes are in
# drivers/atm90e26_setup.py, the register dump and calibration measurement in
# drivers/atm90e26_cal.py: overlays loaded only for those calls
# (drivers/metering.py).
#
# Bus: SPI mode 3 (CPOL=1, CPHA=1), MSB first, at most about 136 kHz
# (drivers/atm90e26_setup.py says why).  One access is 24 clocks with CS
# low: R/W bit (1 = read) + 7-bit address, then 16 data bits.  The board
# builds the SPI object; pass configure_bus=True to have the driver re-init it
# with this mode and baud rate (baudrate None: the datasheet's limit).
#
# Not re-checked against the PDF (taken from the register table as quoted by
# public drivers): Pmean 1 W/LSB, energy 0.1 pulse/LSB, CalStart 0x6886 =
# metering stopped.  Energy registers must be polled before they pass 0xFFFF
# (about 1 h at 2 kW with 3200 imp/kWh); poll every few seconds.
# SysStatus clears on read: its error bits are latched here until the blocks
# are written again.  FuncEn is set at start-up to a non-default value: the
# reset sentinel polled here.
import overlay
from drivers.metering import FAULT_CHECKSUM, OK, MeteringIC, signed
from micropython import const

_SYSSTATUS = const(0x01)
_FUNCEN = const(0x02)
_LASTDATA = const(0x06)
_CALSTART = const(0x20)
_APENERGY = const(0x40)  # forward active energy, 0.1 pulse per LSB, clear on read
_ANENERGY = const(0x41)  # reverse active energy, same
_IRMS = const(0x48)  # mA
_URMS = const(0x49)  # 0.01 V
_PMEAN = const(0x4A)  # W, two's complement
_FREQ = const(0x4C)  # 0.01 Hz
_POWERF = const(0x4D)  # 0.001, sign-magnitude
_IRMSN = const(0x68)  # N line current, mA (IgainN)

_POWER_ON = const(0x6886)  # CalStart/AdjStart after reset: metering stopped
_FUNCEN_DEFAULT = const(0x000C)
_CAL_ERR = const(0xC000)  # SysStatus CalErr[1:0]: CS1 mismatch
_ADJ_ERR = const(0x3000)  # SysStatus AdjErr[1:0]: CS2 mismatch


class Atm90e26(MeteringIC):
    name = "ATM90E26"
    _setup = "drivers.atm90e26_setup"

    def __init__(self, spi, cs, clock, calibration=None, meter_constant=3200, funcen=0x0030,
                 configure_bus=False, baudrate=None, plconst=None):
        """plconst: the PLconst at which the board gives meter_constant imp/kWh
        (None: the power-on value); ValueError for settings the IC cannot keep."""
        self._spi = spi
        self._cs = cs
        self._clock = clock
        self._tx = bytearray(3)
        self._rx = bytearray(3)
        self._sys_errors = 0  # SysStatus CalErr/AdjErr seen since the blocks were last written
        self._start_readings()
        # meter constant, its PLconst, FuncEn sentinel, calibration values, energy units
        self._mc, self._plconst_ref, self._funcen, self._cal, self._units = overlay.run(
            self._setup, "settings", self, calibration, meter_constant, funcen, configure_bus, baudrate, plconst)
        cs.value(1)

    # -- bus (writes are set-up only: drivers/atm90e26_setup.py) ------------
    def _read(self, addr):
        tx = self._tx
        tx[0] = 0x80 | addr
        tx[1] = 0
        tx[2] = 0
        self._cs.value(0)
        self._spi.write_readinto(tx, self._rx)
        self._cs.value(1)
        return (self._rx[1] << 8) | self._rx[2]

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

    # Resident, though only a fault needs it: the poll sets it on every poll
    # while a checksum fault lasts, which an overlay load must not do.
    def _checksum_text(self):
        errors = self._sys_errors
        if errors & _CAL_ERR and errors & _ADJ_ERR:
            return "CS1 and CS2 mismatch: metering and measurement stopped"
        if errors & _CAL_ERR:
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
            self.fault = self._checksum_text()
            return FAULT_CHECKSUM
        self.voltage_cv = self._read(_URMS)
        self.current_ma = self._read(_IRMS)
        self.neutral_ma = self._read(_IRMSN)
        self.power_w = signed(self._read(_PMEAN), 16)
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
