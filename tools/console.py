#!/usr/bin/env python3
"""Client for the meter's serial console (a board's USB/UART or the virtual meter's pty).

    tools/console.py PORT                   interactive, with line history
    tools/console.py PORT status            one command, print the reply
    tools/console.py --json PORT status     the status lines as one JSON object

PORT is anything pyserial opens: /dev/ttyACM0, a pty path, socket://127.0.0.1:7000, loop://.
Every reply of the meter ends with a line `OK` or `ERR <reason>`; the client waits for it.
Exit codes: 0 OK, 1 ERR reply, 2 usage, 3 no reply in time or port trouble.

In --json status output a value becomes a JSON integer when it is written as one
(`credit_wh=1200` -> 1200); identity fields that are digit strings (pan, sgc, ti, ea) and
numbers with leading zeros stay text so no digit is lost.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import json
import os
import re
import sys
import time

import serial

HISTORY_FILE = os.path.expanduser("~/.sts_console_history")
TEXT_KEYS = ("pan", "sgc", "ti", "ea", "version")
_INT_RE = re.compile(r"(0|-?[1-9][0-9]*)$")
EOLS = {"lf": b"\n", "cr": b"\r", "crlf": b"\r\n"}


class ConsoleError(Exception):
    """The port could not be used or the reply was unusable."""


class ConsoleTimeout(ConsoleError):
    """No OK/ERR line arrived in time."""


class Reply:
    def __init__(self, lines, ok, reason=""):
        self.lines = lines  # the reply lines before the final OK/ERR line
        self.ok = ok
        self.reason = reason  # the text after ERR

    def __repr__(self):
        return "Reply(ok=%r, lines=%r, reason=%r)" % (self.ok, self.lines, self.reason)


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

    def command(self, line):
        """Send one command line; return its Reply. Raises ConsoleTimeout, ConsoleError."""
        line = line.strip()
        try:
            self.port.reset_input_buffer()  # forget output that belongs to no command of ours
            self.port.write(line.encode("utf-8") + self.eol)
            self.port.flush()
            return self._read_reply(line)
        except serial.SerialException as exc:
            raise ConsoleError("%s: %s" % (self.url, exc)) from None

    def _read_reply(self, sent):
        deadline = time.monotonic() + self.timeout
        pending, lines = b"", []
        while True:
            chunk = self.port.read(256)
            pending += chunk
            while b"\n" in pending:
                raw, pending = pending.split(b"\n", 1)
                text = raw.decode("utf-8", "replace").rstrip("\r")
                if not lines and text == sent:
                    continue  # the console echoed the command back
                if text == "OK":
                    return Reply(lines, True)
                if text == "ERR" or text.startswith("ERR "):
                    return Reply(lines, False, text[4:])
                lines.append(text)
            if not chunk and time.monotonic() > deadline:
                seen = "%d reply line(s)" % len(lines) if lines else "nothing"
                raise ConsoleTimeout("no OK/ERR from %s within %.1f s after %r (got %s)" %
                                     (self.url, self.timeout, sent, seen))


def parse_status(lines):
    """key=value lines -> dict (see the module doc for which values become integers)."""
    result = {}
    for text in lines:
        if "=" not in text:
            raise ConsoleError("status line is not key=value: %r" % text)
        key, value = text.split("=", 1)
        key = key.strip()
        result[key] = int(value) if key not in TEXT_KEYS and _INT_RE.match(value) else value
    return result


def _print_reply(reply, as_json, command):
    if as_json:
        if command.split()[:1] == ["status"] and reply.ok:
            print(json.dumps(parse_status(reply.lines), indent=2))
        else:
            print(json.dumps({"ok": reply.ok, "lines": reply.lines, "error": reply.reason or None}))
        return
    for text in reply.lines:
        print(text)
    print("OK" if reply.ok else "ERR " + reply.reason)


def interactive(client, as_json):
    try:
        import readline
    except ImportError:  # not on every platform; history is a convenience
        readline = None
    if readline is not None:
        try:
            readline.read_history_file(HISTORY_FILE)
        except OSError:
            pass
    print("console on %s: type a command (help lists them), Ctrl-D to leave" % client.url, file=sys.stderr)
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
                _print_reply(client.command(line), as_json, line.strip())
            except ConsoleTimeout as exc:
                print("console: %s" % exc, file=sys.stderr)
    finally:
        if readline is not None:
            try:
                readline.write_history_file(HISTORY_FILE)
            except OSError:
                pass


def main(argv=None):
    parser = argparse.ArgumentParser(description="Serial console client for the meter.")
    parser.add_argument("port", help="serial port or pyserial URL")
    parser.add_argument("command", nargs="*", help="one command to run (otherwise interactive)")
    parser.add_argument("--json", action="store_true", help="print replies as JSON (status as an object)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for OK/ERR")
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--eol", choices=sorted(EOLS), default="lf", help="line ending sent after a command")
    args = parser.parse_intermixed_args(argv)  # options may follow the port: PORT --json status
    try:
        client = ConsoleClient(args.port, args.timeout, args.baud, EOLS[args.eol])
    except ConsoleError as exc:
        print("console: %s" % exc, file=sys.stderr)
        return 3
    try:
        if not args.command:
            return interactive(client, args.json)
        command = " ".join(args.command)
        reply = client.command(command)
        _print_reply(reply, args.json, command)
        return 0 if reply.ok else 1
    except ConsoleError as exc:
        print("console: %s" % exc, file=sys.stderr)
        return 3
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
