# lanes: cpython micropython-unix
# mp-heapsize: 159wK
# mp-compiled: yes
# The whole meter (test rig: boot, console) leaves none of the drivers'
# overlay modules loaded: the IC's begin() and the calibration kept on flash
# at boot, the LCD's init, the console's `cal` and `regdump`, setting the RTC.
import sys

import overlay
from support.rig import Rig


def _driver_overlays():
    return [name for name in sys.modules if name.startswith("drivers.") and name.endswith("_setup")]


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
