# The virtual meter's console gets bytes as a UART delivers them (tools/sim.py
# passes them on unchanged): random bytes, Ctrl-C/D/E, 4 KB lines and a 252-byte
# first word get ERR or are ignored, and the meter keeps metering (issue 11).
import random
import time

from sim_client import SimSession
from support.vend import credit


def _credit(sim):
    return int(sim.status()["credit_wh"])


def test_garbage_on_the_console_leaves_the_meter_metering(tmp_path):
    sim = SimSession(tmp_path / "flash.img", "--speed", "60")  # a real second is a simulated minute
    try:
        assert sim.cmd("token " + credit(6_300_000, 100))[0] == "result=1 Accept"  # 10 kWh
        sim.cmd("sim load 2000")
        rng = random.Random(11)
        sim.send_raw(bytes(rng.randrange(256) for _ in range(4096)) + b"\n")
        sim.send_raw(b"\x03\x04\x05\x1b[A\x1b[2J\n")
        sim.send_raw(b"a" * 252 + b"\n" + b"b" * 4096 + b"\n" + b"st\xffatus\n\xc3\n\xe2\x82\n")
        skipped = sim.sync()
        assert "ERR line too long (max 256 bytes)" in skipped
        assert "ERR unknown command 'aaaaaaaaaaaa' (try: help)" in skipped
        assert "ERR unknown command 'st?atus' (try: help)" in skipped
        assert not any("Traceback" in line for line in skipped + sim.log), skipped
        before = _credit(sim)
        time.sleep(3)  # the metering task runs on its own: about 100 Wh at 2 kW
        after = _credit(sim)
        assert 30 <= before - after <= 200, (before, after)
        assert sim.cmd("sim relay") == ["relay=closed", "OK"]
    finally:
        sim.close()


def test_ctrl_c_is_an_ordinary_byte_while_the_meter_runs(tmp_path):
    flash = tmp_path / "flash.img"
    sim = SimSession(flash)
    try:
        assert sim.cmd("\x03\x03\x03version\x03") == ["version=0.1.0", "OK"]  # control bytes dropped
        assert (tmp_path / "flash.img.kbd").read_text().strip() == "-1"  # main.py turned kbd_intr off
        assert sim.cmd("\x03")[-1] == "OK"  # alone on a line: an empty line
        assert sim.status()["relay"] == "open"
    finally:
        sim.close()


class _FakeVm:
    def __init__(self):
        self.events = []
        self.stdin = self

    def write(self, data):
        self.events.append(bytes(data))

    def flush(self):
        pass

    def send_signal(self, sig):
        self.events.append(sig)


def test_the_simulated_uart_turns_ctrl_c_into_sigint_only_while_kbd_intr_is_3(tmp_path):
    import importlib.util
    import signal
    import sys
    from types import SimpleNamespace

    if "tools" not in sys.path:
        sys.path.append("tools")  # tools/sim.py's own helpers (_venv)
    spec = importlib.util.spec_from_file_location("sim_tool", "tools/sim.py")  # not boards/sim.py
    sim_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sim_tool)

    args = SimpleNamespace(flash=str(tmp_path / "flash.img"))
    sup = sim_tool.Supervisor(args, lambda line: None)
    sup.proc = _FakeVm()
    sup.send(b"a\x03b\xff\n")  # no record yet: the port's default, Ctrl-C interrupts
    assert sup.proc.events == [b"a", signal.SIGINT, b"b\xff\n"]
    (tmp_path / "flash.img.kbd").write_text("-1\n")
    sup.proc = _FakeVm()
    sup.send(b"a\x03b\n")
    assert b"".join(e for e in sup.proc.events if isinstance(e, bytes)) == b"a\x03b\n"
    assert signal.SIGINT not in sup.proc.events
