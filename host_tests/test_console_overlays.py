# lanes: cpython micropython-unix
# mp-heapsize: 160wK
# mp-compiled: yes
# The console's commands, the short codes and the engineer's restarts are
# overlays (firmware/overlay.py): each is loaded for its job and is no longer
# loaded after it, whether the job answered, was refused or raised.
import sys

import meter
import overlay
from meter import console as con
from support.rig import Rig
from support.vend import credit

OVERLAYS = ("meter.con_status", "meter.con_show", "meter.con_keys", "meter.con_help", "meter.engineer",
            "meter.shortcodes")


def _fresh_rig(**options):
    """A meter, with no overlay loaded (the cpython lane shares sys.modules with
    the files that import them, e.g. test_meter_docs)."""
    for name in OVERLAYS:
        overlay.drop(name)
    return Rig(**options)


def _left_loaded():
    """Overlay modules still reachable: from sys.modules or as an attribute of the package."""
    return [name for name in OVERLAYS if name in sys.modules or name[6:] in dir(meter)]


def _run(rig, line):
    reply = rig.console(line)
    assert reply and (reply[-1] == "OK" or reply[-1].startswith("ERR")), (line, reply)
    assert _left_loaded() == [], (line, _left_loaded())
    return reply


def test_every_command_is_dropped_after_it_ran():
    rig = _fresh_rig(engineering=True, load_w=500)
    assert _left_loaded() == []  # nothing of the console's commands is loaded at boot
    for line in ("help", "version", "status", "lcd", "key 12", "key !*", "log 3", "tids", "energy", "time",
                 "regdump", "config", "loglevel", "loglevel info", "relaytest", "cal voltage 230"):
        reply = _run(rig, line)
        assert reply[-1] == "OK", (line, reply)
    assert _run(rig, "token " + credit(5_600_000, 10))[0] == "result=1 Accept"
    assert "credit_wh=1000" in _run(rig, "status")


def test_a_command_that_fails_in_its_overlay_gets_one_err_line_and_is_dropped():
    rig = _fresh_rig()
    assert _run(rig, "cal voltage 231.5") == ["ERR calibration refused: engineering jumper not fitted"]
    assert _run(rig, "time set 2024-05-01T18:30") == ["ERR setting the time refused: engineering jumper not fitted"]
    assert _run(rig, "log many")[0].startswith("ERR bad arguments for log")
    assert _run(rig, "key 12x") == ["ERR not a keypad key: 'x'"]

    def broken():
        raise OSError(5)

    rig.meter.ic.regdump = broken  # a bus error in the middle of the command
    assert _run(rig, "regdump") == ["ERR regdump failed: OSError"]


def test_an_overlay_that_cannot_be_loaded_is_one_err_line():
    rig = _fresh_rig()
    known = con.overlay_of
    con.overlay_of = lambda name: "meter.no_such_overlay" if known(name) else None  # a file missing on the board
    try:
        reply = rig.console("status")
        assert len(reply) == 1 and reply[0].startswith("ERR status failed: ") and "Error" in reply[0], reply
        assert rig.console("fly")[-1].startswith("ERR unknown command 'fly'")
    finally:
        con.overlay_of = known
    assert "meter.no_such_overlay" not in sys.modules
    assert rig.console("version")[-1] == "OK"


def test_short_codes_are_dropped_after_each_code():
    rig = _fresh_rig()
    rig.enter_token(credit(5_600_010, 15))
    rig.type("#01#")
    assert rig.lcd() == ["Credit", "1.5kWh"] and _left_loaded() == []
    rig.press("*")
    rig.type("#09#")
    assert rig.lcd()[1] == "Accept" and _left_loaded() == []
    rig.press("*")
    rig.type("#500#")
    assert rig.lcd() == ["Low credit alarm", "off"] and _left_loaded() == []
    rig.press("*")
    rig.press("B")  # the credit key
    assert rig.lcd() == ["Credit", "1.5kWh"] and _left_loaded() == []


def test_repl_and_resume_are_dropped_after_they_ran():
    rig = _fresh_rig(engineering=True)
    restarts = []
    rig.system.hw.reboot = lambda: restarts.append(1)
    assert _run(rig, "resume") == ["ERR not in safe mode"]
    assert _run(rig, "repl")[-1] == "OK" and restarts == [1]
    assert _run(rig, "reboot") == ["ERR reboot not available"]  # this board gave the console no restart
    rig.system.console.reboot = lambda: restarts.append(2)
    assert _run(rig, "reboot") == ["rebooting", "OK"] and restarts == [1, 2]


def _without_heap_for(module):
    """overlay.run as on a heap too fragmented to load `module` (a stand-in)."""
    real = overlay.run

    def run(name, function, *args):
        if name == module:
            raise MemoryError("memory allocation failed (stand-in)")
        return real(name, function, *args)

    overlay.run = run
    return real


def test_no_heap_to_load_a_command_is_one_err_line_and_the_next_works():
    rig = _fresh_rig()
    real = _without_heap_for("meter.con_status")
    try:
        assert rig.console("status") == ["ERR status failed: MemoryError"]
    finally:
        overlay.run = real
    assert _run(rig, "status")[-1] == "OK"


def test_no_heap_to_load_a_short_code_says_try_again_and_the_ui_goes_on():
    rig = _fresh_rig()
    rig.enter_token(credit(5_600_020, 15))
    real = _without_heap_for("meter.shortcodes")
    try:
        rig.type("#01#")
        assert rig.lcd() == ["Code #01#", "busy: try again"]
        rig.press("*")
        rig.press("B")
        assert rig.lcd() == ["Code #01#", "busy: try again"]
    finally:
        overlay.run = real
    rig.press("*")
    rig.type("#01#")
    assert rig.lcd() == ["Credit", "1.5kWh"] and _left_loaded() == []
