# lanes: cpython micropython-unix
# The drivers' cold code (start-up, calibration, reports) lives in overlay
# modules (firmware/overlay.py): after each of those calls the overlay is gone
# from sys.modules and the driver keeps no reference into it, so its heap is
# given back.  The driver modules themselves stay loaded (the poll is hot).
import sys

import machine
from ade7953_model import Ade7953Model
from atm90e26_model import Atm90e26Model
from drivers import metering
from drivers.ade7953 import Ade7953
from drivers.atm90e26 import Atm90e26
from fakeclock import FakeClock



def _loaded(drv):
    """The driver's overlay is imported (other test files may import it for its tables:
    only what the driver's own calls leave behind is checked)."""
    return drv._setup in sys.modules


def _closure(x):
    return lambda: x


def _no_function_kept(obj):
    # a function, closure or bound method stored on the driver would keep its overlay module alive
    kinds = (type(_closure), type(_closure(1)), type(obj.poll))
    return [name for name, value in obj.__dict__.items() if type(value) in kinds] == []


def _ic(driver, model_class, baudrate, calibration):
    machine.reset_registry()
    cs = machine.Pin("ic_cs", machine.Pin.OUT, value=1)
    spi = machine.SPI(1, baudrate=baudrate, polarity=1, phase=1)
    model = model_class(cs=cs, spi=spi)
    spi.attach(model)
    drv = driver(spi, cs, FakeClock(), calibration=calibration)
    assert not _loaded(drv)
    return drv, model


def _boot_and_calibrate(drv, model, voltage):
    # boot: begin(), then the calibration kept on flash; then the console's `cal`, `regdump`, boot report
    assert drv.begin(), drv.fault
    assert not _loaded(drv)
    assert drv.apply_calibration(drv.calibration)
    assert not _loaded(drv)
    model.set_load(2000, 230, 8.7, 0.99, 50)
    model.advance(1)
    assert drv.poll() == metering.OK, drv.fault
    new = drv.calibrate_voltage(voltage)
    assert not _loaded(drv)
    assert drv.apply_calibration(new)
    drv.calibrate_current(8700)
    drv.calibrate_power(2000)
    assert drv.regdump() and drv.identity()
    assert not _loaded(drv)
    assert drv.poll() == metering.OK, drv.fault
    assert not _loaded(drv)


def test_atm90e26_overlay_is_dropped_after_start_up_and_calibration():
    drv, model = _ic(Atm90e26, Atm90e26Model, 125000, {"Ugain": 0x6800})
    _boot_and_calibrate(drv, model, 23100)
    assert _no_function_kept(drv)


def test_ade7953_overlay_is_dropped_after_start_up_and_calibration():
    drv, model = _ic(Ade7953, Ade7953Model, 1000000, {"AVGAIN": 0x410000})
    _boot_and_calibrate(drv, model, 23100)
    assert _no_function_kept(drv)


def test_a_refused_calibration_drops_the_overlay_too():
    drv, model = _ic(Atm90e26, Atm90e26Model, 125000, None)
    assert drv.begin(), drv.fault
    try:
        drv.apply_calibration({"Ugain": 0x8000})  # bit 15: refused by the datasheet rule
        refused = False
    except ValueError:
        refused = True
    assert refused and not _loaded(drv)
