"""Interactive face of the virtual meter (tools/sim.py without --headless):
the LCD in a 16x2 box, relay and power, keys from the keyboard, and the meter's
serial console on a pseudo-terminal for tools/console.py.

Only one console command is in flight at a time; replies go back to whoever
asked (this screen's refresh, or the pty client)."""
import os
import queue
import select
import sys
import termios
import threading
import time
import tty

LOG_PREFIXES = ("[error] ", "[warn] ", "[info] ", "[debug] ")
KEYMAP = {"\r": "#", "\n": "#", "\x7f": "*", "\x08": "*", "x": "!*"}
HELP = "keys: 0-9 * # A-D   Enter=#  Backspace=*  x=hold *   +/- load 500 W   p=power cut  o=power on   q=quit"
REFRESH_S = 0.25


class Console:
    """Serialises console commands to the VM and routes each reply."""

    def __init__(self):
        self.requests = queue.Queue()
        self.replies = queue.Queue()
        self.log = []

    def on_line(self, line):  # called by the supervisor's reader thread
        if line.startswith(LOG_PREFIXES):
            self.log = (self.log + [line])[-4:]
        else:
            self.replies.put(line)

    def worker(self, supervisor):
        while True:
            line, deliver = self.requests.get()
            supervisor.send(line)
            out = []
            while True:
                try:
                    got = self.replies.get(timeout=30)
                except queue.Empty:
                    out.append("ERR no reply")
                    break
                out.append(got)
                if got == "OK" or got.startswith("ERR"):
                    break
            deliver(out)

    def ask(self, line, deliver):
        self.requests.put((line, deliver))


class Screen:
    def __init__(self, args, pty_path):
        self.args = args
        self.pty_path = pty_path
        self.lcd = ["", ""]
        self.status = {}
        self.relay = "?"
        self.busy = False
        self.mains_on = True  # after a cut the meter answers only `sim`: the screen must not show stale values

    def take(self, reply):
        if reply and reply[-1].startswith("ERR meter is off"):
            self.mains_on = False
        lines = reply[:-1]
        if len(lines) == 2 and "=" not in lines[0]:
            self.lcd = lines
        elif lines and lines[0].startswith("relay="):
            self.relay = lines[0].split("=", 1)[1]
        else:
            for line in lines:
                if "=" in line:
                    k, v = line.split("=", 1)
                    self.status[k] = v

    def draw(self, log):
        s = self.status
        out = ["\x1b[H\x1b[2J", "Virtual STS meter  (flash image: %s)" % self.args.flash, "",
               "  +" + "-" * 16 + "+"]
        if self.mains_on:
            out += ["  |%-16s|" % line[:16] for line in self.lcd]
            out += ["  +" + "-" * 16 + "+", ""]
            out.append("  relay contact: %-7s reason: %-14s power: %s W   load: %s W" % (
                self.relay, s.get("relay_reason", "?"), s.get("power_w", "?"), self.args.load_watts))
            out.append("  credit: %s Wh   energy: %s Wh   last result: %s   lockout: %s s" % (
                s.get("credit_wh", "?"), s.get("energy_wh", "?"), s.get("last_result", "?"), s.get("lockout_s", "?")))
            buzzer = s.get("buzzer", "?")
            out.append("  buzzer: %s   time: %s (%s)   friendly: %s" % (
                "SOUNDING" if buzzer == "on" else buzzer, s.get("time", "?"), s.get("clock_source", "?"),
                s.get("friendly", "?")))
        else:  # no supply: a dark display, the relay coil unpowered, nothing measured
            out += ["  |%-16s|" % "" for _ in self.lcd]
            out += ["  +" + "-" * 16 + "+", ""]
            out.append("  MAINS OFF: the meter is unpowered (o = power on)   relay contact: open   power: 0 W")
            out.append("  credit and history are on the flash image; they show again after power on")
        out += ["", "  " + HELP, "  get a token for this meter:  make token KWH=10",
                "  serial console on %s  (tools/console.py %s)" % (self.pty_path, self.pty_path), ""]
        out += ["  " + line for line in log]
        sys.stdout.write("\r\n".join(out) + "\r\n")
        sys.stdout.flush()


def _serve_pty(master, console):
    """Lines typed by a pty client go to the meter; replies come back."""
    buf = b""
    while True:
        try:
            data = os.read(master, 1024)
        except OSError:
            time.sleep(0.2)  # no client connected yet
            continue
        buf += data
        while b"\n" in buf or b"\r" in buf:
            cut = min(i for i in (buf.find(b"\n"), buf.find(b"\r")) if i >= 0)
            line, buf = buf[:cut].decode("utf-8", "replace"), buf[cut + 1:]
            if line.strip():
                console.ask(line, lambda out: os.write(master, ("\r\n".join(out) + "\r\n").encode()))


def run_interactive(args, supervisor_class):
    if not sys.stdin.isatty():
        sys.exit("sim: the interactive mode needs a terminal; use --headless for scripts")
    master, slave = os.openpty()
    tty.setraw(slave)  # a serial line: no echo, no newline translation
    pty_path = os.ttyname(slave)
    console = Console()
    sup = supervisor_class(args, console.on_line)
    sup.start()
    sup.wait_boot()
    threading.Thread(target=console.worker, args=(sup,), daemon=True).start()
    threading.Thread(target=_serve_pty, args=(master, console), daemon=True).start()
    screen = Screen(args, pty_path)
    saved = termios.tcgetattr(sys.stdin)
    tty.setcbreak(sys.stdin.fileno())
    try:
        next_refresh = 0.0
        while True:
            if time.monotonic() >= next_refresh and not screen.busy:
                screen.busy = True
                console.ask("lcd", screen.take)
                console.ask("status", screen.take)
                console.ask("sim relay", lambda out: (screen.take(out), setattr(screen, "busy", False)))
                next_refresh = time.monotonic() + REFRESH_S
            screen.draw(console.log)
            ready, _, _ = select.select([sys.stdin], [], [], REFRESH_S)
            if not ready:
                continue
            ch = os.read(sys.stdin.fileno(), 1).decode("latin-1")
            if ch in ("q", "\x03"):
                break
            if ch in "+-":
                args.load_watts = max(0, args.load_watts + (500 if ch == "+" else -500))
                console.ask("sim load %d" % args.load_watts, lambda out: None)
            elif ch == "p":
                screen.mains_on = False
                console.ask("sim power off", lambda out: None)
            elif ch == "o":
                sup.ready.clear()
                console.ask("sim power on", lambda out: setattr(screen, "mains_on", out[-1:] == ["OK"]))
            else:
                key = KEYMAP.get(ch, ch.upper())
                if key.lstrip("!") and key.lstrip("!") in "0123456789*#ABCD":
                    console.ask("key " + key, screen.take)
    finally:
        termios.tcsetattr(sys.stdin, termios.TCSADRAIN, saved)
        sup.stop()
        sys.stdout.write("\r\nvirtual meter stopped; credit and history are kept in %s\r\n" % args.flash)
    return 0
