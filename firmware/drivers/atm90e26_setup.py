# ATM90E26 start-up and calibration writes: the cold half of
# drivers/atm90e26.py, an overlay (firmware/overlay.py) loaded at boot and for
# one call at a time, dropped after it.  Functions take the driver object;
# none are kept by it.  The engineer's tools (register dump, calibration
# measurement) are in drivers/atm90e26_cal.py, which a boot never loads.
#
# Bus speed: SCLK high time at least 3.67 us (datasheet SPI timing), i.e. at
# most about 136 kHz at a 50 % duty cycle: the driver asks for 125 kHz to
# leave room for duty-cycle skew.
# Start-up (begin): soft reset, check the power-on sentinels, set FuncEn to a
# non-default value (the reset sentinel polled later), write the metering
# calibration block 0x21-0x2B + CS1 and the measurement block 0x31-0x3A + CS2.
# The checksums are computed here from the calibration values, never stored.
# Datasheet rules kept here: Ugain bit 15 is 0; Lgain stays within +-50 %;
# the meter constant follows PLconst (pulses per kWh are inversely
# proportional to it), so energy units come from the PLconst actually
# programmed, and a PLconst that gives no exact unit is refused.
# Register addresses also used by the poll are repeated from atm90e26.py:
# a private const costs nothing there, a shared one would stay resident.
from drivers.metering import check_register_value, signed
from micropython import const

_SOFTRESET = const(0x00)
_FUNCEN = const(0x02)
_LASTDATA = const(0x06)
_CALSTART = const(0x20)
_CS1 = const(0x2C)
_ADJSTART = const(0x30)
_CS2 = const(0x3B)

_RESET_CODE = const(0x789A)
_CAL_START = const(0x5678)  # open a calibration block for writing
_CAL_CHECK = const(0x8765)  # check the block against its checksum, run if good
_POWER_ON = const(0x6886)  # CalStart/AdjStart after reset: metering stopped
_FUNCEN_DEFAULT = const(0x000C)
_RESET_SETTLE_MS = const(5)
_UGAIN_MAX = const(0x7FFF)  # Ugain bit 15 must be 0
_LGAIN_LIMIT = const(0x4000)  # Lgain two's complement, gain 1 + Lgain/2**15 within +-50 %
_FOLD_LIMIT = const(1 << 30)  # 0xFFFF * scale + per_wh stays a small int

_SPI_POLARITY = const(1)
_SPI_PHASE = const(1)
_SPI_BAUDRATE = const(125000)
_PLCONST_DEFAULT = const(0x0015D174)

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


def checksum(values):
    """CS1/CS2 of a block: high byte = XOR of all bytes, low byte = sum mod 256."""
    total = 0
    xor = 0
    for v in values:
        total += (v >> 8) + (v & 0xFF)
        xor ^= (v >> 8) ^ (v & 0xFF)
    return (xor << 8) | (total & 0xFF)


def energy_units(values, meter_constant, plconst):
    """(scale, per_wh): Wh = counts * scale / per_wh for the PLconst programmed
    from calibration `values` (PLconstH:PLconstL) when the board gives
    `meter_constant` imp/kWh at PLconst `plconst`.

    One LSB is 0.1 pulse and pulses per kWh scale as plconst / programmed.
    ValueError if that ratio has no small exact form (set-up time only)."""
    programmed = (values["PLconstH"] << 16) | values["PLconstL"]
    if programmed <= 0:
        raise ValueError("PLconst must be positive")
    num = 100 * programmed
    den = meter_constant * plconst
    gcd, rest = num, den  # Euclid, in line: a helper function would be one more interned name
    while rest:
        gcd, rest = rest, gcd % rest
    num //= gcd
    den //= gcd
    if 0xFFFF * num + den >= _FOLD_LIMIT:
        raise ValueError("PLconst 0x%08X: %d imp/kWh at 0x%08X gives no exact energy unit; "
                         "keep PLconst or scale it by a simple ratio" % (programmed, meter_constant, plconst))
    return num, den


def settings(ic, calibration, meter_constant, funcen, configure_bus, baudrate, plconst):
    """The constructor's checked settings: (meter constant, its PLconst,
    FuncEn, calibration values, energy units); configures the bus if asked."""
    if not isinstance(meter_constant, int) or not 0 < meter_constant < 1 << 20:
        raise ValueError("meter_constant: pulses per kWh, a positive int")
    check_register_value("funcen", funcen, 16)
    if funcen == _FUNCEN_DEFAULT:
        raise ValueError("funcen must differ from the power-on value to detect resets")
    if plconst is None:
        plconst = _PLCONST_DEFAULT
    if configure_bus:
        ic._spi.init(baudrate=baudrate or _SPI_BAUDRATE, polarity=_SPI_POLARITY, phase=_SPI_PHASE)
    values = {}
    for name, _, default in METERING_BLOCK + MEASUREMENT_BLOCK:
        values[name] = default
    if calibration:
        values.update(_checked(values, calibration))
    return meter_constant, plconst, funcen, values, energy_units(values, meter_constant, plconst)


def _write(ic, addr, value):
    """One register write (the poll only reads: this is set-up code)."""
    tx = ic._tx
    tx[0] = addr & 0x7F
    tx[1] = (value >> 8) & 0xFF
    tx[2] = value & 0xFF
    ic._cs.value(0)
    ic._spi.write_readinto(tx, ic._rx)
    ic._cs.value(1)


def begin(ic):
    _write(ic, _SOFTRESET, _RESET_CODE)
    ic._clock.sleep_ms(_RESET_SETTLE_MS)
    funcen = ic._read(_FUNCEN)
    calstart = ic._read(_CALSTART)
    if funcen != _FUNCEN_DEFAULT or calstart != _POWER_ON:
        ic.fault = "no ATM90E26 answer (FuncEn 0x%04X, CalStart 0x%04X after reset)" % (funcen, calstart)
        return False
    _write(ic, _FUNCEN, ic._funcen)
    if ic._read(_LASTDATA) != ic._funcen or ic._read(_FUNCEN) != ic._funcen:
        ic.fault = "FuncEn write not confirmed"
        return False
    return _write_calibration(ic)


def _write_calibration(ic):
    for start, block, cs_addr in ((_CALSTART, METERING_BLOCK, _CS1), (_ADJSTART, MEASUREMENT_BLOCK, _CS2)):
        _write(ic, start, _CAL_START)
        values = []
        for name, addr, _ in block:
            _write(ic, addr, ic._cal[name])
            values.append(ic._cal[name])
        _write(ic, cs_addr, checksum(values))
    _write(ic, _CALSTART, _CAL_CHECK)
    _write(ic, _ADJSTART, _CAL_CHECK)
    ic._sys_errors = 0
    ic._read_status()
    if ic._sys_errors:
        ic.fault = ic._checksum_text()
        return False
    ic.fault = None
    return True


def identity(ic):
    ic._read_status()
    return "ATM90E26 SPI mode 3 <=%d Hz, %d imp/kWh at PLconst 0x%08X, FuncEn 0x%04X, SysStatus errors 0x%04X" % (
        _SPI_BAUDRATE, ic._mc, ic._plconst_ref, ic._read(_FUNCEN), ic._sys_errors)


def _checked(known, values):
    checked = {}
    for name, value in values.items():
        if name not in known:
            raise ValueError("unknown ATM90E26 calibration register %r" % (name,))
        checked[name] = check_register_value(name, value, 16)
    if checked.get("Ugain", 0) > _UGAIN_MAX:
        raise ValueError("Ugain 0x%04X: bit 15 must be 0 (datasheet)" % checked["Ugain"])
    lgain = signed(checked.get("Lgain", 0), 16)
    if not -_LGAIN_LIMIT <= lgain <= _LGAIN_LIMIT:
        raise ValueError("Lgain %d: outside the legal +-50 %% (-16384..16384)" % lgain)
    return checked


def apply_calibration(ic, values):
    """Store new calibration values and write both blocks; True if the IC accepts them.

    ValueError (nothing written) for values outside the datasheet's ranges
    or a PLconst the energy units cannot follow exactly."""
    merged = dict(ic._cal)
    merged.update(_checked(merged, values))
    units = energy_units(merged, ic._mc, ic._plconst_ref)
    old_per_wh = ic._units[1]
    ic._rem_fwd = ic._rem_fwd * units[1] // old_per_wh  # sub-Wh remainders into the new unit
    ic._rem_rev = ic._rem_rev * units[1] // old_per_wh
    ic._cal = merged
    ic._units = units
    return _write_calibration(ic)
