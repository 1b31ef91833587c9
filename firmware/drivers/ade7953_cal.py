# ADE7953 engineer's tools: the register dump and the calibration
# measurement (the console's `regdump` and `cal`), an overlay
# (firmware/overlay.py) the running meter loads only for those commands, so
# that the set-up overlay a boot loads (drivers/ade7953_setup.py) interns none
# of their names.  Functions take the driver object.  Writing and checking
# the calibration values is set-up (apply_calibration): a calibrated board
# applies its saved values at boot.
#
# Readings are proportional to their gain register (0x400000 = 1.0), kept
# within 0x200000..0x600000; AWATT is signed 24-bit and AWGAIN also scales
# the energy register.  The board's counts per V, A, W are the driver's
# _counts (drivers/ade7953_setup.py).
import overlay
from drivers.metering import signed
from micropython import const

_SETUP = "drivers.ade7953_setup"  # holds the calibration registers' table

_LCYCMODE = const(0x004)
_VERSION = const(0x702)
_LINECYC = const(0x101)
_CONFIG = const(0x102)
_TUNING = const(0x120)
_AWATT = const(0x212)
_IRMSA = const(0x21A)
_VRMS = const(0x21C)

_GAIN_MIN = const(0x200000)
_GAIN_MAX = const(0x600000)

_REPORT_REGS = const((
    ("VERSION", _VERSION), ("CONFIG", _CONFIG), ("LCYCMODE", _LCYCMODE), ("LINECYC", _LINECYC),
    ("REG_0x120", _TUNING), ("VRMS", _VRMS), ("IRMSA", _IRMSA), ("IRMSB", 0x21B), ("AWATT", _AWATT), ("PFA", 0x10A),
    ("PERIOD", 0x10E),
))


def regdump(ic):
    """Registers worth a look; the read-with-reset energy register is left out."""
    setup = overlay.load(_SETUP)  # for its table only: dropped at once, gone with this call
    overlay.drop(_SETUP)
    rows = []
    for name, addr in _REPORT_REGS:
        rows.append((name, addr, ic._read(addr)))
    for name, addr, _, _ in setup.CALIBRATION_REGS:
        rows.append((name, addr, ic._read(addr)))
    return rows


def _new_gain(ic, name, target_counts, measured):
    # Readings are proportional to the gain register (0x400000 = 1.0).
    if measured <= 0:
        raise ValueError("%s: nothing measured to calibrate against" % name)
    new = (ic._cal[name] * target_counts + measured // 2) // measured
    if not _GAIN_MIN <= new <= _GAIN_MAX:
        raise ValueError("%s: 0x%X outside 0x200000..0x600000; check the reference" % (name, new))
    return {name: new}


def _positive(reference, label):
    if not isinstance(reference, int) or reference <= 0:
        raise ValueError("%s must be a positive int" % label)
    return reference


def calibrate_voltage(ic, ref_cv):
    target = _positive(ref_cv, "ref_cv") * ic._counts[0] // 100
    return _new_gain(ic, "AVGAIN", target, ic._read(_VRMS))


def calibrate_current(ic, ref_ma):
    target = _positive(ref_ma, "ref_ma") * ic._counts[1] // 1000
    return _new_gain(ic, "AIGAIN", target, ic._read(_IRMSA))


def calibrate_power(ic, ref_w):
    """AWGAIN so that AWATT reads ref_w; it also scales the energy register."""
    if not isinstance(ref_w, int) or ref_w == 0:
        raise ValueError("ref_w must be a non-zero int")
    measured = signed(ic._read(_AWATT), 24)
    if (measured < 0) != (ref_w < 0):
        raise ValueError("AWGAIN: measured power has the wrong sign")
    return _new_gain(ic, "AWGAIN", abs(ref_w) * ic._counts[2], abs(measured))
