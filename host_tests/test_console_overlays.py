# lanes: cpython micropython-unix
# mp-heapsize: 160wK
# mp-compiled: yes
# The console's dispatch and commands, the short codes and the engineer's
# restarts are overlays (firmware/overlay.py): each is loaded for its job and is
# no longer loaded after it, whether the job answered, was refused or raised.
import sys

import meter
import overlay
from support.loads import OverlayLoads
from support.rig import Rig
from support.vend import credit

OVERLAYS = ("meter.con_dispatch", "meter.con_status", "meter.con_show", "meter.con_keys", "meter.con_help",
            "meter.engineer", "meter.shortcodes")


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
    real = overlay.run

    def run(name, function, *args):  # con_status.mpy missing on the board
        return real("meter.no_such_overlay" if name == "meter.con_status" else name, function, *args)

    overlay.run = run
    try:
        reply = rig.console("status")
        assert len(reply) == 1 and reply[0].startswith("ERR status failed: ") and "Error" in reply[0], reply
        assert rig.console("fly")[-1].startswith("ERR unknown command 'fly'")
    finally:
        overlay.run = real
    assert "meter.no_such_overlay" not in sys.modules and _left_loaded() == []
    assert rig.console("version")[-1] == "OK"


class _Port:
    """The console's input as meter.console.PolledInput gives it: bytes waiting now."""

    def __init__(self):
        self.closed = False
        self.waiting = b""

    def read_available(self, limit):
        data, self.waiting = self.waiting[:limit], self.waiting[limit:]
        return data


class _Writer:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text


def _console_task(rig):
    port, writer = _Port(), _Writer()
    return port, writer, rig.system.console_reader((port, writer))


def test_the_dispatch_is_loaded_only_once_a_line_is_complete_and_dropped_after_its_reply():
    rig = _fresh_rig()
    port, writer, step = _console_task(rig)
    with OverlayLoads() as loads:
        rig.enter_token(credit(5_600_030, 10))
        rig.advance(600)  # ten minutes of metering, nobody at the console
        port.waiting = b"\xffsta"  # half a line, a stray byte first
        step()
        assert "meter.con_dispatch" not in loads.names and writer.text == "" and _left_loaded() == []
        port.waiting = b"tus\r\n"
        while step():
            pass
    assert loads.names.count("meter.con_dispatch") == 1 and _left_loaded() == []
    assert writer.text == "ERR unknown command '?status' (try: help)\n"
    port.waiting = b"lcd\r\n" + b"x" * 300 + b"\n"
    while step():
        pass
    assert writer.text.split("\n")[1:] == list(rig.system.ui.lines) + ["OK", "ERR line too long (max 256 bytes)", ""]
    assert _left_loaded() == []


def test_no_heap_to_load_the_dispatch_is_one_err_line_and_the_meter_runs_on():
    rig = _fresh_rig(load_w=2000)
    rig.console("token " + credit(5_600_040, 10))  # 1 kWh
    port, writer, step = _console_task(rig)
    with OverlayLoads(no_room_for=("meter.con_dispatch",)):
        port.waiting = b"status\nversion\n"
        while step():
            pass
        rig.advance(60)
    assert writer.text == "ERR console busy: out of memory, try again\n" * 2
    assert _left_loaded() == [] and rig.parts.relay_closed() and rig.state.credit_wh < 1000  # metering went on
    port.waiting = b"version\n"
    step()
    assert writer.text.endswith("version=%s\nOK\n" % rig.meter.version)


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


def test_no_heap_to_load_a_command_is_one_err_line_and_the_next_works():
    rig = _fresh_rig()
    with OverlayLoads(no_room_for=("meter.con_status",)):
        assert rig.console("status") == ["ERR status failed: MemoryError"]
    assert _run(rig, "status")[-1] == "OK"


def test_no_heap_to_load_a_short_code_says_try_again_and_the_ui_goes_on():
    rig = _fresh_rig()
    rig.enter_token(credit(5_600_020, 15))
    with OverlayLoads(no_room_for=("meter.shortcodes",)):
        rig.type("#01#")
        assert rig.lcd() == ["Code #01#", "busy: try again"]
        rig.press("*")
        rig.press("B")
        assert rig.lcd() == ["Code #01#", "busy: try again"]
    rig.press("*")
    rig.type("#01#")
    assert rig.lcd() == ["Credit", "1.5kWh"] and _left_loaded() == []
