#!/usr/bin/env python3
"""Client for the meter's serial console (a board's USB/UART or the virtual meter's pty).

    tools/console.py PORT                   interactive: history, Tab completes commands
    tools/console.py PORT --follow          the meter's output live (log lines too); type commands
    tools/console.py PORT status            one command, print the reply
    tools/console.py PORT --json status     the reply as JSON (every command)

PORT is anything pyserial opens: /dev/ttyACM0, a pty path, socket://127.0.0.1:7000, loop://,
or auto (the one MicroPython board plugged in, see tools/ports.py).
Every reply of the meter ends with a line `OK` or `ERR <reason>`; the client waits for it.
Lines starting with [error]/[warn]/[info]/[debug] are the meter's log, not part of a reply.
Ctrl-D or Ctrl-C leaves. Exit codes: 0 OK, 1 ERR reply, 2 usage, 3 no reply in time or port
trouble (the lines that did arrive are printed first).

--json: key=value replies (status, energy, version, ...) become one object; `log` a list of
events ({"seq", "t", "kind", "fields": {the kind's fields}}); `tids` {"count", "tids"}; `token`
{"result", "name", "lcd"}; any other reply {"ok", "lines", "error"}. A value becomes a JSON
number when it is written as one (`credit_wh=1200` -> 1200, `voltage_v=230.00` -> 230.0);
identity fields that are digit strings (pan, sgc, ti, ea) and numbers with leading zeros
stay text so no digit is lost.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import json
import os
import re
import sys
import threading
import time

import serial

import ports

HISTORY_FILE = os.path.expanduser("~/.sts_console_history")
TEXT_KEYS = ("pan", "sgc", "ti", "ea", "version")
_INT_RE = re.compile(r"(0|-?[1-9][0-9]*)$")
_DECIMAL_RE = re.compile(r"-?(0|[1-9][0-9]*)\.[0-9]+$")
_LOG_RE = re.compile(r"\[(error|warn|info|debug)\] ")
_EVENT_RE = re.compile(r"(\d+) t=(-?\d+) ([a-z][a-z0-9 ]*?)((?: [a-z_]+=-?\d+)*)$")
EOLS = {"lf": b"\n", "cr": b"\r", "crlf": b"\r\n"}


class ConsoleError(Exception):
    """The port could not be used or the reply was unusable."""


class ConsoleTimeout(ConsoleError):
    """No OK/ERR line arrived in time; .lines holds what did arrive."""

    def __init__(self, message, lines=()):
        super().__init__(message)
        self.lines = list(lines)


class Reply:
    def __init__(self, lines, ok, reason="", log=()):
        self.lines = lines  # the reply lines before the final OK/ERR line
        self.ok = ok
        self.reason = reason  # the text after ERR
        self.log = list(log)  # log lines the meter printed meanwhile

    def __repr__(self):
        return "Reply(ok=%r, lines=%r, reason=%r)" % (self.ok, self.lines, self.reason)


def is_log_line(text):
    return bool(_LOG_RE.match(text))


class ConsoleClient:
    def __init__(self, url, timeout=5.0, baudrate=115200, eol=b"\n"):
        self.timeout = timeout
        self.eol = eol
        try:
            self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05)
        except (serial.SerialException, ValueError) as exc:
            raise ConsoleError("cannot open %s: %s" % (url, exc)) from None
        self.url = url

    def close(self):
        self.port.close()

    def send(self, line):
        try:
            self.port.write(line.strip().encode("utf-8") + self.eol)
            self.port.flush()
        except serial.SerialException as exc:
            raise ConsoleError("%s: %s" % (self.url, exc)) from None

    def command(self, line):
        """Send one command line; return its Reply. Raises ConsoleTimeout, ConsoleError."""
        line = line.strip()
        try:
            self.port.reset_input_buffer()  # forget output that belongs to no command of ours
        except serial.SerialException as exc:
            raise ConsoleError("%s: %s" % (self.url, exc)) from None
        self.send(line)
        try:
            return self._read_reply(line)
        except serial.SerialException as exc:
            raise ConsoleError("%s: %s" % (self.url, exc)) from None

    def _read_reply(self, sent):
        deadline = time.monotonic() + self.timeout
        pending, lines, log = b"", [], []
        while True:
            chunk = self.port.read(256)
            pending += chunk
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                text = raw.decode("utf-8", "replace").rstrip("\r")
                if not lines and text == sent:
                    continue  # the console echoed the command back
                if is_log_line(text):
                    log.append(text)
                elif text == "OK":
                    return Reply(lines, True, log=log)
                elif text == "ERR" or text.startswith("ERR "):
                    return Reply(lines, False, text[4:], log)
                else:
                    lines.append(text)
            if not chunk and time.monotonic() > deadline:
                seen = "%d line(s), shown above" % len(lines) if lines else "nothing"
                raise ConsoleTimeout("no OK/ERR from %s within %.1f s after %r (got %s)" %
                                     (self.url, self.timeout, sent, seen), lines)

    def lines_forever(self, on_line, stop):
        """Call on_line with every line the meter sends until stop is set."""
        pending = b""
        while not stop.is_set():
            try:
                pending += self.port.read(256)
            except (serial.SerialException, OSError, TypeError):  # port closed under us: we are leaving
                return
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                on_line(raw.decode("utf-8", "replace").rstrip("\r"))


def typed(key, value):
    """A value as JSON wants it: integer, decimal, or text (see the module doc)."""
    if key in TEXT_KEYS:
        return value
    if _INT_RE.match(value):
        return int(value)
    if _DECIMAL_RE.match(value):
        return float(value)
    return value


def parse_status(lines):
    """key=value lines -> dict (see the module doc for which values become numbers)."""
    result = {}
    for text in lines:
        if "=" not in text:
            raise ConsoleError("status line is not key=value: %r" % text)
        key, value = text.split("=", 1)
        key = key.strip()
        result[key] = typed(key, value)
    return result


def parse_event(text):
    """'41 t=1764756000 token rejected code=13 tid=6795855' -> dict, or None."""
    match = _EVENT_RE.match(text)
    if not match:
        return None
    fields = {}
    for field in match.group(4).split():
        name, value = field.split("=")
        fields[name] = int(value)
    return {"seq": int(match.group(1)), "t": int(match.group(2)), "kind": match.group(3), "fields": fields}


def reply_json(command, reply):
    """The JSON document for one reply (see the module doc)."""
    name = command.split()[0].lower() if command.split() else ""
    lines = reply.lines
    if reply.ok and name == "log":
        events = [parse_event(text) for text in lines]
        if all(events):
            return events
    if reply.ok and name == "tids" and lines[:1] and lines[0].startswith("count="):
        return {"count": int(lines[0][6:]), "tids": [int(t) for t in lines[1:] if _INT_RE.match(t)]}
    if reply.ok and name == "token" and lines[:1] and lines[0].startswith("result="):
        code, _, text = lines[0][7:].partition(" ")
        return {"result": typed("result", code), "name": text, "lcd": lines[1:]}
    if reply.ok and lines and all(re.match(r"[a-z_][a-z0-9_]*=", text) for text in lines):
        return parse_status(lines)
    return {"ok": reply.ok, "lines": lines, "error": reply.reason or None}


def _print_reply(reply, as_json, command, show_log=False):
    if show_log:
        for text in reply.log:
            print(text, file=sys.stderr)
    if as_json:
        print(json.dumps(reply_json(command, reply), indent=2))
        return
    for text in reply.lines:
        print(text)
    print("OK" if reply.ok else "ERR " + reply.reason)


def command_words(help_lines):
    """{command: [its fixed argument words]} from the meter's `help` reply, for completion."""
    words = {}
    for text in help_lines:
        parts = text.split()
        if parts and re.match(r"[a-z]+$", parts[0]):
            options = [w for p in parts[1:] if "|" in p for w in p.strip("[]<>").split("|")]
            words.setdefault(parts[0], options)
    return words


def _setup_readline(client):
    """History from HISTORY_FILE; Tab completes command names and their fixed words."""
    try:
        import readline
    except ImportError:  # not on every platform; history and completion are conveniences
        return None
    try:
        readline.read_history_file(HISTORY_FILE)
    except OSError:
        pass
    words = {}
    if sys.stdin.isatty():  # completion is for a person typing; a script's session sends only its own lines
        try:
            words = command_words(client.command("help").lines)
        except ConsoleError:
            pass

    def complete(text, state):
        line = readline.get_line_buffer()
        head = line[:readline.get_begidx()].split()
        pool = sorted(words) if not head else words.get(head[0], []) if len(head) == 1 else []
        matches = [w + " " for w in pool if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.set_completer_delims(" ")
    readline.parse_and_bind("tab: complete")
    return readline


def interactive(client, as_json):
    readline = _setup_readline(client)
    print("console on %s: type a command (help lists them, Tab completes), Ctrl-D to leave" % client.url,
          file=sys.stderr)
    try:
        while True:
            try:
                line = input("meter> ")
            except EOFError:
                print(file=sys.stderr)
                return 0
            if line.strip() in ("exit", "quit"):
                return 0
            if not line.strip():
                continue
            try:
                _print_reply(client.command(line), as_json, line.strip(), show_log=True)
            except ConsoleTimeout as exc:
                for text in exc.lines:
                    print(text)
                print("console: %s" % exc, file=sys.stderr)
    finally:
        if readline is not None:
            try:
                readline.write_history_file(HISTORY_FILE)
            except OSError:
                pass


def follow(client):
    """Print everything the meter sends, live; send each line typed. Ends at EOF or Ctrl-C."""
    stop = threading.Event()

    def show(text):
        print(text, flush=True)

    reader = threading.Thread(target=client.lines_forever, args=(show, stop), daemon=True)
    reader.start()
    print("following %s: the meter's output as it comes; type a command, Ctrl-C to leave" % client.url,
          file=sys.stderr, flush=True)
    try:
        for line in sys.stdin:
            if line.strip():
                client.send(line)
        if not sys.stdin.isatty():
            while reader.is_alive():  # input came from a file or pipe: keep following until Ctrl-C
                reader.join(0.2)
    finally:
        stop.set()
        reader.join(1)
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     usage="%(prog)s PORT [--json] [--follow] [--timeout S] [COMMAND ...]")
    parser.add_argument("port", help="serial port, pyserial URL, or auto")
    parser.add_argument("command", nargs="*", help="one command to run (otherwise interactive)")
    parser.add_argument("--json", action="store_true", help="print replies as JSON")
    parser.add_argument("--follow", action="store_true", help="show the meter's output live, log lines included")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for OK/ERR")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--eol", choices=sorted(EOLS), default="lf", help="line ending sent after a command")
    if not argv:
        parser.print_usage(sys.stderr)
        print("console.py: give the port, e.g. tools/console.py /dev/ttyACM0 (or auto); the command is optional",
              file=sys.stderr)
        sys.exit(2)
    args = parser.parse_intermixed_args(argv)  # options may follow the port: PORT --json status
    if args.follow and args.command:
        parser.error("--follow takes no command: type commands while following")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        port = ports.resolve(args.port, say=lambda text: print("console: " + text, file=sys.stderr))
        client = ConsoleClient(port, args.timeout, args.baud, EOLS[args.eol])
    except (ConsoleError, ports.PortError) as exc:
        print("console: %s" % exc, file=sys.stderr)
        return 3
    try:
        if args.follow:
            return follow(client)
        if not args.command:
            return interactive(client, args.json)
        command = " ".join(args.command)
        reply = client.command(command)
        _print_reply(reply, args.json, command)
        return 0 if reply.ok else 1
    except ConsoleTimeout as exc:
        for text in exc.lines:
            print(text)
        print("console: %s" % exc, file=sys.stderr)
        return 3
    except ConsoleError as exc:
        print("console: %s" % exc, file=sys.stderr)
        return 3
    except KeyboardInterrupt:  # Ctrl-C: leave quietly, as Ctrl-D does
        print(file=sys.stderr)
        return 130
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
