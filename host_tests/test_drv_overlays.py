# lanes: cpython micropython-unix
# The drivers' cold code (start-up, calibration, reports, the LCD's init and
# glyphs, setting the RTC) lives in overlay modules (firmware/overlay.py):
# after each of those calls the overlay is gone from sys.modules and the driver
# keeps no reference into it, so its heap is given back.  The driver modules
# themselves stay loaded (the poll, scan, line write and RTC read are hot).
import sys

import machine
import overlay
from ade7953_model import Ade7953Model
from atm90e26_model import Atm90e26Model
from drivers import metering
from drivers.ade7953 import Ade7953
from drivers.atm90e26 import Atm90e26
from drivers.ds3231 import Ds3231
from drivers.hd44780 import HD44780
from drivers.pcf8574 import Pcf8574Transport
from ds3231_model import Ds3231Model
from fakeclock import FakeClock
from lcd_model import LcdModel
from support.loads import OverlayLoads


def _loaded(drv):
    """One of the driver's overlays (set-up, engineer's tools) is imported (other test
    files may import them for their tables: only what the driver's own calls leave
    behind is checked)."""
    return drv._setup in sys.modules or drv._setup.replace("_setup", "_cal") in sys.modules


class _Probe:
    def method(self):
        return lambda: self


def _no_function_kept(obj):
    # a function, closure or bound method stored on the driver would keep its overlay module alive
    probe = _Probe()
    kinds = (type(_Probe.method), type(probe.method()), type(probe.method))
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
    assert not _loaded(drv)
    drv.calibrate_power(2000)
    assert not _loaded(drv)
    assert drv.regdump()
    assert not _loaded(drv)  # the dump borrowed the set-up's register table: both dropped
    assert drv.identity()
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


def test_lcd_overlay_is_dropped_after_init_and_define_char():
    clock = FakeClock()
    i2c = machine.I2C(0)
    model = LcdModel(16, 2, clock, bus_hz=100000).attach(i2c, 0x27)
    lcd = HD44780(Pcf8574Transport(i2c, 0x27), clock)
    assert lcd.init() and "drivers.hd44780_setup" not in sys.modules
    assert lcd.define_char(1, (0x1F,) * 8) and "drivers.hd44780_glyph" not in sys.modules
    assert "drivers.hd44780_setup" not in sys.modules  # a glyph needs none of the start-up
    assert lcd.write_line(0, "\x01 ok")
    assert model.visible_lines()[0].startswith("\x01 ok") and model.faults == []
    assert _no_function_kept(lcd)


def test_rtc_overlay_is_dropped_after_setting_the_time():
    clock = FakeClock()
    i2c = machine.I2C(0)
    Ds3231Model(clock, battery=True).attach(i2c)
    rtc = Ds3231(i2c)
    assert rtc.set(2031, 5, 17, 13, 45, 0) and "drivers.ds3231_setup" not in sys.modules
    assert rtc.read() and rtc.fields == [2031, 5, 17, 13, 45, 0]
    assert _no_function_kept(rtc)


def test_a_reset_met_without_memory_for_the_overlay_is_reported_and_retried():
    drv, model = _ic(Atm90e26, Atm90e26Model, 125000, None)
    assert drv.begin(), drv.fault
    model.trigger_reset()  # the IC lost its set-up: the poll re-runs begin() from the overlay
    model.advance(1)
    real_run = overlay.run

    def no_memory(name, function, *args):
        raise MemoryError("memory allocation failed")

    overlay.run = no_memory
    try:
        status = drv.poll()
    finally:
        overlay.run = real_run
    assert metering.status_name(status) == "ic reset" and "no memory" in drv.fault
    model.advance(1)
    assert metering.status_name(drv.poll()) == "ic reset" and "set-up rewritten" in drv.fault  # the next poll
    model.advance(1)
    assert drv.poll() == metering.OK, drv.fault



def _raises_memory_error(call, *args):
    try:
        call(*args)
    except MemoryError:
        return True
    return False


def test_engineer_tools_without_heap_raise_memory_error_and_leave_nothing_loaded():
    # after boot the console's `regdump`/`cal` turn the MemoryError into one ERR line
    # (test_drv_overlays_meter.py); the driver itself keeps metering
    drv, model = _ic(Atm90e26, Atm90e26Model, 125000, None)
    assert drv.begin(), drv.fault
    model.set_load(2000, 230, 8.7, 0.99, 50)
    model.advance(1)
    before = drv.calibration
    for missing in (("drivers.atm90e26_cal",), ("drivers.atm90e26_setup",)):  # the dump's table is the set-up's
        with OverlayLoads(no_room_for=missing):
            assert _raises_memory_error(drv.regdump)
            assert _raises_memory_error(drv.calibrate_voltage, 23100) == (missing == ("drivers.atm90e26_cal",))
        assert not _loaded(drv) and drv.calibration == before
    assert drv.poll() == metering.OK and drv.voltage_cv == 23000, drv.fault
    assert drv.regdump() and not _loaded(drv)


def test_a_glyph_without_heap_raises_memory_error_and_the_display_goes_on():
    clock = FakeClock()
    i2c = machine.I2C(0)
    model = LcdModel(16, 2, clock, bus_hz=100000).attach(i2c, 0x27)
    lcd = HD44780(Pcf8574Transport(i2c, 0x27), clock)
    assert lcd.init()
    with OverlayLoads(no_room_for=("drivers.hd44780_glyph",)):
        assert _raises_memory_error(lcd.define_char, 1, (0x1F,) * 8)
    assert "drivers.hd44780_glyph" not in sys.modules and lcd.online
    assert lcd.write_line(0, "still here")
    assert model.visible_lines()[0].startswith("still here") and model.faults == []
