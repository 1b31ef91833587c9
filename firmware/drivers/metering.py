# The small interface every metering-IC driver offers, so the meter app does
# not care which IC a board carries (ATM90E26 or ADE7953).
#
# Driver contract (see drivers/atm90e26.py, drivers/ade7953.py):
#   Driver(spi, cs, clock, calibration=None, **ic_options)
#   begin() -> bool          soft reset, identity check, write calibration
#   poll() -> status         one of the codes below; attributes current on OK:
#       energy_wh, reverse_energy_wh   cumulative since boot, integer Wh
#       power_w (signed: below 0 is reverse flow), voltage_cv (0.01 V),
#       current_ma (live), neutral_ma (neutral / second current channel),
#       freq_chz (0.01 Hz), pf_milli (signed, -1000..1000)
#   fault                    None, or short text about the last fault
#   name, identity(), regdump() -> [(name, address, value)]
#   calibrate_voltage(0.01 V), calibrate_current(mA), calibrate_power(W, signed)
#       -> {register name: new value}; apply_calibration(dict); calibration
# energy_wh only ever grows, by energy the IC confirmed: counts read from its
# clear-on-read registers are added even when the poll fails afterwards
# (they are gone from the IC), so a glitch loses nothing.
#
# Only the steady-state poll stays in the driver's module.  Start-up,
# calibration and reports run once in a while, so each driver keeps them in
# overlay modules (functions taking the driver object), loaded for the call
# and dropped after it (firmware/overlay.py): their code gives its heap back.
# Its _setup (e.g. drivers/atm90e26_setup.py) has what a boot runs: start-up,
# identity, settings, writing calibration values; its _cal the engineer's
# register dump and calibration measurement, which a boot never loads.
import overlay
from micropython import const

OK = const(0)
FAULT_BUS = const(1)  # no answer, all-ones/all-zeros or corrupted frames
_FAULT_RESET = const(2)  # the IC lost its set-up (reset/brown-out); begin() re-run (only this module returns it)
FAULT_CHECKSUM = const(3)  # calibration registers disagree with their checksum


# Resident: the idle screen shows it on every refresh while a fault lasts,
# when an overlay load must not be needed.
def status_name(status):
    if 0 <= status <= FAULT_CHECKSUM:
        return ("ok", "bus fault", "ic reset", "calibration checksum")[status]
    return "unknown status %d" % status


def signed(value, bits):
    """A two's complement register value of `bits` bits as an int."""
    return value - (1 << bits) if value & (1 << (bits - 1)) else value


def check_register_value(name, value, bits):
    """Raise ValueError unless value is an int that fits an unsigned register."""
    if not isinstance(value, int) or value < 0 or value >= (1 << bits):
        raise ValueError("%s: %r does not fit %d bits" % (name, value, bits))
    return value


class MeteringIC:
    """What every metering driver shares: energy counted from the IC's
    clear-on-read registers is folded into integer Wh as soon as a read is
    confirmed, with the sub-Wh remainder carried over; the fault bookkeeping;
    the calibration values (a driver keeps them in _cal); and the calls into
    the driver's overlay module (_setup).  A driver calls _start_readings() in
    its constructor, adds confirmed register counts to _pending_fwd/_pending_rev
    and calls _fold_energy(scale, per_wh) right after its energy reads,
    whatever the rest of the poll brings (Wh = counts * scale / per_wh)."""

    _cal: dict  # calibration register name -> value, filled by each driver's constructor
    _setup = ""  # the driver's overlay module: start-up, calibration, reports

    def _start_readings(self):
        self.energy_wh = 0
        self.reverse_energy_wh = 0
        self.fault = None
        self._pending_fwd = 0  # confirmed counts not yet folded into Wh
        self._pending_rev = 0
        self._rem_fwd = 0  # sub-Wh remainders, in units of 1/per_wh Wh
        self._rem_rev = 0
        self.power_w = 0
        self.voltage_cv = 0
        self.current_ma = 0
        self.freq_chz = 0
        self.pf_milli = 0
        self.neutral_ma = 0

    def _fold_energy(self, scale, per_wh):
        self._rem_fwd += self._pending_fwd * scale
        self._pending_fwd = 0
        whole = self._rem_fwd // per_wh
        self.energy_wh += whole
        self._rem_fwd -= whole * per_wh
        self._rem_rev += self._pending_rev * scale
        self._pending_rev = 0
        whole = self._rem_rev // per_wh
        self.reverse_energy_wh += whole
        self._rem_rev -= whole * per_wh

    def _bus_fault(self, text):
        self.fault = text
        return FAULT_BUS

    def _recover_from_reset(self):
        # The IC's energy registers restarted from zero with the reset; what it
        # had counted since the last poll is gone and is not guessed.  Resident:
        # a poll runs it whatever the heap holds, so its MemoryError handling
        # must be here anyway (the rest is one call, for both drivers).
        try:
            started = self.begin()
        except MemoryError:  # no room to load the set-up overlay now: the next poll tries again
            started = False
            self.fault = "no memory to load the set-up"
        if started:
            self.fault = "IC reset detected; set-up rewritten"
        else:
            self.fault = "IC reset detected; set-up failed: " + str(self.fault)
        return _FAULT_RESET

    @property
    def calibration(self):
        """The calibration register values in use (name -> value), a copy to persist."""
        return dict(self._cal)

    def begin(self):
        """Reset the IC, check it answers, write the set-up and calibration; True if it took them."""
        return overlay.run(self._setup, "begin", self)

    def identity(self):
        return overlay.run(self._setup, "identity", self)

    # The engineer's tools (the console's `regdump` and `cal`) are in a second
    # overlay named like _setup with _cal for _setup (drivers/atm90e26_cal.py):
    # a boot loads _setup only, and interns none of their names.
    def regdump(self):
        """(name, address, value) of the registers worth a look."""
        return overlay.run(self._setup.replace("_setup", "_cal"), "regdump", self)

    def apply_calibration(self, values):
        """Store new calibration values and write them; True if the IC took them
        (ValueError, nothing written, for values outside the datasheet's ranges).
        Set-up: a calibrated board applies its saved values at boot."""
        return overlay.run(self._setup, "apply_calibration", self, values)

    def calibrate_voltage(self, value):
        """{register: new setting} that makes the voltage read value (0.01 V)."""
        return overlay.run(self._setup.replace("_setup", "_cal"), "calibrate_voltage", self, value)

    def calibrate_current(self, value):
        """{register: new setting} that makes the current read value (mA)."""
        return overlay.run(self._setup.replace("_setup", "_cal"), "calibrate_current", self, value)

    def calibrate_power(self, value):
        """{register: new setting} that makes the active power read value (signed W)."""
        return overlay.run(self._setup.replace("_setup", "_cal"), "calibrate_power", self, value)
