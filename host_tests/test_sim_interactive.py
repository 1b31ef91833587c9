# `make sim` as a person uses it: a terminal, a token typed on the keyboard,
# quit, start again, the credit is still there; the console pty answers.
import json
import os
import pty
import re
import select
import subprocess
import sys
import time

import serial

from support.vend import credit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The last fixed line a screen draws, complete (the pty path appears twice).
FOOTER = re.compile(r"serial console on (\S+)  \(tools/console\.py \1\)")


class Terminal:
    def __init__(self, flash):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tools", "sim.py"), "--flash", str(flash)],
                                     cwd=ROOT, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
        os.close(slave)
        self.screen = ""

    def read_until(self, *texts, timeout=30):
        """The latest whole screen showing every text (a screen can arrive in
        several reads: the footer line is required so it is complete)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
                last = self.screen[self.screen.rfind("\x1b[2J"):]
                if FOOTER.search(last) and all(text in last for text in texts):
                    return last
        raise AssertionError("%r not on screen; last screen:\n%s" % (texts, self.screen[-1500:]))

    def type(self, keys):
        for ch in keys:
            os.write(self.master, ch.encode())
            time.sleep(0.05)

    def quit(self):
        self.type("q")
        self.proc.wait(20)
        os.close(self.master)


def test_token_typed_on_keyboard_accepted_and_kept_after_restart(tmp_path):
    flash = tmp_path / "flash.img"
    term = Terminal(flash)
    try:
        term.read_until("|Credit 0.0kWh")
        term.type(credit(6_100_000, 125) + "\r")
        screen = term.read_until("|Accept +12.5kWh |")
        assert "|Credit 12.5kWh  |" in screen
        pty_path = FOOTER.search(screen).group(1)
        port = serial.Serial(pty_path, 115200, timeout=5)
        port.write(b"status\n")
        reply = b""
        while not reply.endswith(b"OK\r\n"):
            chunk = port.read(1)
            assert chunk, reply
            reply += chunk
        assert b"credit_wh=12500" in reply and b"relay=closed" in reply
        port.close()
        client = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "console.py"), pty_path, "--json",
                                 "status"], cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert client.returncode == 0, client.stdout + client.stderr
        status = json.loads(client.stdout)
        assert status["credit_wh"] == 12500 and status["relay"] == "closed" and status["sgc"] == "123456"
    finally:
        term.quit()
    again = Terminal(flash)
    try:
        again.read_until("|Credit 12.5kWh")
    finally:
        again.quit()


def test_mains_off_shows_a_dark_meter_not_the_last_readings(tmp_path):
    term = Terminal(tmp_path / "flash.img")
    try:
        term.read_until("|Credit 0.0kWh")
        term.type("p")
        screen = term.read_until("MAINS OFF")
        assert "Credit" not in screen and "relay contact: open" in screen and "power: 0 W" in screen
        time.sleep(1)  # refreshes after the cut keep it dark
        assert "Credit" not in term.read_until("MAINS OFF")
        term.type("o")
        screen = term.read_until("|Credit 0.0kWh")
        assert "MAINS OFF" not in screen
    finally:
        term.quit()
