# ADE7953 start-up and calibration writes: the cold half of
# drivers/ade7953.py, an overlay (firmware/overlay.py) loaded at boot and for
# one call at a time, dropped after it.  Functions take the driver object;
# none are kept by it.  The engineer's tools (register dump, calibration
# measurement) are in drivers/ade7953_cal.py, which a boot never loads.
#
# Scale factors (counts per V, A, W, Wh at the default 0x400000 gains) depend
# on the board's front end: the board passes them as ic_options (the defaults
# are examples, wh_counts especially must be measured for a board design).
# Not re-checked against the PDF: the 2 MHz SPI limit the model enforces, the
# VERSION value.  Start-up (begin): software reset, check the power-on values,
# lock the SPI interface in (clear CONFIG's COMM_LOCK), the tuning register,
# the LINECYC sentinel, then the calibration registers, each read back.
# Register addresses also used by the poll are repeated from ade7953.py:
# a private const costs nothing there, a shared one would stay resident.
from drivers.metering import check_register_value
from micropython import const

_UNLOCK = const(0x0FE)
_VERSION = const(0x702)
_LINECYC = const(0x101)
_CONFIG = const(0x102)
_TUNING = const(0x120)  # "set to 0x30 for the specified performance", after unlocking

_SWRST = const(0x0080)  # CONFIG bit 7: software reset
_CONFIG_RESET = const(0x8004)  # HPFEN, COMM_LOCK set: the interface is not locked yet
_CONFIG_LOCKED = const(0x0004)  # HPFEN, COMM_LOCK cleared: SPI locked in
_UNLOCK_KEY = const(0xAD)
_TUNING_VALUE = const(0x30)
_RESET_SETTLE_MS = const(100)
_MUL_LIMIT = const(1 << 18)  # keeps value * mul below 2**30 for 12-bit chunks

_SPI_POLARITY = const(1)
_SPI_PHASE = const(1)
_SPI_BAUDRATE = const(1000000)

# (name, address, default, bits)
CALIBRATION_REGS = (
    ("AIGAIN", 0x280, 0x400000, 24), ("AVGAIN", 0x281, 0x400000, 24), ("AWGAIN", 0x282, 0x400000, 24),
    ("AIRMSOS", 0x286, 0, 24), ("VRMSOS", 0x288, 0, 24), ("AWATTOS", 0x289, 0, 24), ("PHCALA", 0x108, 0, 16),
)


def scale_factor(num, den):
    """(mul, shift) so that v * num / den == (v * mul) >> shift, to about 2**-17.

    Computed once at set-up; ade7953.scaled() then converts 24-bit register
    values without building a number that would be a big int on a 32-bit MCU."""
    if num <= 0 or den <= 0:
        raise ValueError("scale needs positive numerator and denominator")
    shift = 30
    while shift > 12:
        mul = (num * (1 << shift) + den // 2) // den
        if mul < _MUL_LIMIT:
            return mul, shift
        shift -= 1
    raise ValueError("scale %d/%d too large" % (num, den))


def settings(ic, calibration, volt_counts, amp_counts, watt_counts, wh_counts, linecyc, configure_bus, baudrate):
    """The constructor's checked settings (Ade7953.__init__ names them);
    configures the bus if asked."""
    for label, value in (("volt_counts", volt_counts), ("amp_counts", amp_counts),
                         ("watt_counts", watt_counts), ("wh_counts", wh_counts)):
        if not isinstance(value, int) or not 0 < value < 1 << 24:
            raise ValueError("%s must be a positive int below 2**24" % label)
    check_register_value("linecyc", linecyc, 16)
    if linecyc == 0 or linecyc == 0xFFFF:
        raise ValueError("linecyc must differ from the power-on 0 and from a dead bus's 0xFFFF")
    if configure_bus:
        ic._spi.init(baudrate=baudrate or _SPI_BAUDRATE, polarity=_SPI_POLARITY, phase=_SPI_PHASE)
    values = {}
    for name, _, default, _ in CALIBRATION_REGS:
        values[name] = default
    if calibration:
        values.update(_checked(calibration))
    return ((volt_counts, amp_counts, watt_counts), scale_factor(100, volt_counts), scale_factor(1000, amp_counts),
            scale_factor(1, watt_counts), wh_counts, linecyc, values,
            [addr for _, addr, _, _ in CALIBRATION_REGS], [0] * len(CALIBRATION_REGS))


def begin(ic):
    ic._write(_CONFIG, _CONFIG_RESET | _SWRST)
    ic._clock.sleep_ms(_RESET_SETTLE_MS)
    config = ic._read(_CONFIG)
    version = ic._read(_VERSION)
    if config != _CONFIG_RESET or ic._read(_LINECYC) != 0 or version in (0, 0xFF):
        ic.fault = "no ADE7953 answer (CONFIG 0x%04X, VERSION 0x%02X after reset)" % (config, version)
        return False
    ic._write(_CONFIG, _CONFIG_LOCKED)  # lock SPI in before anything else
    ic._write(_UNLOCK, _UNLOCK_KEY)
    ic._write(_TUNING, _TUNING_VALUE)
    ic._write(_LINECYC, ic._linecyc)
    if ic._read(_CONFIG) != _CONFIG_LOCKED or ic._read(_TUNING) != _TUNING_VALUE \
            or ic._read(_LINECYC) != ic._linecyc:
        ic.fault = "set-up writes not confirmed"
        return False
    return _write_calibration(ic)


def _write_calibration(ic):
    i = 0
    for name, addr, _, _ in CALIBRATION_REGS:
        value = ic._cal[name]
        ic._write(addr, value)
        ic._check_value[i] = value
        i += 1
    for name, addr, _, _ in CALIBRATION_REGS:
        got = ic._read(addr)
        if got != ic._cal[name]:
            ic.fault = "%s reads 0x%06X, wrote 0x%06X" % (name, got, ic._cal[name])
            ic._cal_ok = False
            return False
    ic._cal_ok = True
    ic.fault = None
    return True


def identity(ic):
    return "ADE7953 silicon version %d, SPI mode 3, %d counts/Wh" % (ic._read(_VERSION), ic._wh_counts)


def _checked(values):
    checked = {}
    bits = {}
    for name, _, _, width in CALIBRATION_REGS:
        bits[name] = width
    for name, value in values.items():
        if name not in bits:
            raise ValueError("unknown ADE7953 calibration register %r" % (name,))
        checked[name] = check_register_value(name, value, bits[name])
    return checked


def apply_calibration(ic, values):
    """Store new calibration values and write them; True if they read back."""
    ic._cal.update(_checked(values))
    return _write_calibration(ic)
