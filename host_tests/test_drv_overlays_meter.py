# lanes: cpython micropython-unix
# mp-heapsize: 159wK
# mp-compiled: yes
# The whole meter (test rig: boot, console) leaves none of the drivers'
# overlay modules loaded: the IC's begin() and the calibration kept on flash
# at boot, the LCD's init, the console's `cal` and `regdump` (the engineer's
# tools: drivers/*_cal.py), setting the RTC.
import sys

import overlay
from support.loads import OverlayLoads
from support.rig import Rig
from support.vend import credit


def _driver_overlays():
    return [name for name in sys.modules if name.startswith("drivers.")
            and (name.endswith("_setup") or name.endswith("_cal") or name.endswith("_glyph"))]


def _ok(reply):
    assert reply[-1] == "OK", reply
    return reply[:-1]


def test_boot_calibration_and_reports_leave_no_driver_overlay_loaded():
    for name in _driver_overlays():  # the cpython lane shares sys.modules with tests that import the tables
        overlay.drop(name)
    rig = Rig(engineering=True)
    assert _driver_overlays() == []
    rig.advance(2)
    assert _ok(rig.console("cal voltage 232.30")) and _ok(rig.console("regdump")) and _ok(rig.console("config"))
    assert _ok(rig.console("time set 2031-05-17T13:45"))  # the battery-backed RTC is set too
    assert _driver_overlays() == []
    calibrated = rig.meter.ic.calibration
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, engineering=True)
    assert again.meter.ic.calibration == calibrated  # the saved calibration, applied at boot
    assert _driver_overlays() == []


def test_no_heap_for_the_engineer_tools_is_one_err_line_and_the_meter_runs_on():
    for name in _driver_overlays():
        overlay.drop(name)
    rig = Rig(engineering=True, load_w=2000)
    assert rig.console("token " + credit(5_600_040, 10))[0] == "result=1 Accept"  # 1 kWh: the relay closes
    rig.advance(2)
    calibrated = rig.meter.ic.calibration
    with OverlayLoads(no_room_for=("drivers.atm90e26_cal",)):
        assert rig.console("regdump") == ["ERR regdump failed: MemoryError"]
        assert rig.console("cal voltage 232.30") == ["ERR cal failed: MemoryError"]
    assert _driver_overlays() == [] and rig.meter.ic.calibration == calibrated  # nothing half done
    energy = rig.meter.ic.energy_wh
    rig.advance(60)
    assert rig.meter.ic.energy_wh > energy and rig.meter.ic.fault is None  # metering went on
    assert _ok(rig.console("regdump")) and _driver_overlays() == []  # and the next try works
