# ATM90E26 engineer's tools: the register dump and the calibration
# measurement (the console's `regdump` and `cal`), an overlay
# (firmware/overlay.py) the running meter loads only for those commands, so
# that the set-up overlay loaded at every boot (drivers/atm90e26_setup.py)
# interns none of their names.  Functions take the driver object.
# Writing and checking the calibration values is set-up (apply_calibration):
# a calibrated board applies its saved values at boot.
#
# Datasheet rules used here: Urms is proportional to Ugain and Irms to IgainL;
# Ugain bit 15 is 0; metered power scales with (1 + Lgain/2**15), Lgain two's
# complement within +-50 %; Pmean is 1 W per LSB, LSB its 16-bit extension.
import overlay
from drivers.metering import signed
from micropython import const

_SETUP = "drivers.atm90e26_setup"  # holds the calibration blocks' register table

_FUNCEN = const(0x02)
_LSB = const(0x08)
_CALSTART = const(0x20)
_CS1 = const(0x2C)
_ADJSTART = const(0x30)
_CS2 = const(0x3B)
_IRMS = const(0x48)
_URMS = const(0x49)
_PMEAN = const(0x4A)

_UGAIN_MAX = const(0x7FFF)  # Ugain bit 15 must be 0
_LGAIN_LIMIT = const(0x4000)  # Lgain two's complement, gain 1 + Lgain/2**15 within +-50 %

_OTHER_REGS = const((
    ("SysStatus", 0x01), ("FuncEn", _FUNCEN), ("CalStart", _CALSTART), ("CS1", _CS1),
    ("AdjStart", _ADJSTART), ("CS2", _CS2), ("Irms", _IRMS), ("Urms", _URMS), ("Pmean", _PMEAN),
    ("Freq", 0x4C), ("PowerF", 0x4D), ("IrmsN", 0x68),
))


def regdump(ic):
    """Registers worth a look; the clear-on-read energy registers are left out."""
    setup = overlay.load(_SETUP)  # for its tables only: dropped at once, gone with this call
    overlay.drop(_SETUP)
    rows = []
    for name, addr in _OTHER_REGS:
        # SysStatus clears on read: show the latched error bits with it
        value = ic._read_status() | ic._sys_errors if name == "SysStatus" else ic._read(addr)
        rows.append((name, addr, value))
    for name, addr, _ in setup.METERING_BLOCK + setup.MEASUREMENT_BLOCK:
        rows.append((name, addr, ic._read(addr)))
    return rows


def _rescaled(gain, reference, measured, name, limit=0xFFFF):
    if not isinstance(reference, int) or reference <= 0:
        raise ValueError("%s: reference must be a positive int" % name)
    if measured <= 0:
        raise ValueError("%s: nothing measured to calibrate against" % name)
    new = (gain * reference + measured // 2) // measured
    if not 0 < new <= limit:
        raise ValueError("%s: 0x%X outside 1..0x%X; check the reference" % (name, new, limit))
    return new


def calibrate_voltage(ic, ref_cv):
    """Ugain that makes Urms read ref_cv (Urms is proportional to Ugain)."""
    return {"Ugain": _rescaled(ic._cal["Ugain"], ref_cv, ic._read(_URMS), "Ugain", _UGAIN_MAX)}


def calibrate_current(ic, ref_ma):
    """IgainL that makes Irms read ref_ma (Irms is proportional to IgainL)."""
    return {"IgainL": _rescaled(ic._cal["IgainL"], ref_ma, ic._read(_IRMS), "IgainL")}


def calibrate_power(ic, ref_w):
    """Lgain so that the active power reads ref_w.

    Metered power scales with (1 + Lgain/2**15), Lgain two's complement; the
    measured power uses Pmean plus its 16-bit LSB extension for resolution."""
    if not isinstance(ref_w, int) or ref_w == 0:
        raise ValueError("Lgain: reference must be a non-zero int (W)")
    pmean = signed(ic._read(_PMEAN), 16)
    measured = (pmean << 16) + ic._read(_LSB)  # W * 65536
    if measured == 0 or (measured < 0) != (ref_w < 0):
        raise ValueError("Lgain: measured power has no load or the wrong sign")
    factor = 0x8000 + signed(ic._cal["Lgain"], 16)
    measured = abs(measured)
    new = (factor * abs(ref_w) * 65536 + measured // 2) // measured - 0x8000
    if not -_LGAIN_LIMIT <= new <= _LGAIN_LIMIT:
        raise ValueError("Lgain: %d outside the legal +-50 %% (-16384..16384); check the reference" % new)
    return {"Lgain": new & 0xFFFF}
