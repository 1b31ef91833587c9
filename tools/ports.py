#!/usr/bin/env python3
"""Find the board's serial port, and check it before anything is built or sent.

    tools/ports.py                 list serial ports, MicroPython boards marked (make ports)
    tools/ports.py --check PORT    resolve PORT (auto: the one board found) and check that
                                   MicroPython's raw REPL answers there
    tools/ports.py --reset PORT    soft-reboot the board so main.py runs; print its boot output
                                   up to the meter's ready line (make reset)

PORT=auto picks the one serial port whose USB VID:PID is a MicroPython board or a USB-UART
bridge that boards use; with none or several it lists what it found and stops. A running
virtual board (make vboard) is found the same way for BOARD=host. A path that does not
exist or is not a serial port fails at once with what is at that path; a device that does
not answer the raw REPL (Ctrl-A) fails within RAW_REPL_TIMEOUT_S.

The port listing comes from pyserial (serial.tools.list_ports); tests give their own as a
JSON file in $METER_PORT_LISTING: [{"device": ..., "vid": ..., "pid": ..., "description": ...}].
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import json
import os
import stat
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VBOARD_PORT_FILE = os.path.join(ROOT, "build", "vboard.port")  # written by a running tools/vboard.py
RAW_REPL_TIMEOUT_S = 3.0
RAW_REPL_BANNER = b"raw REPL; CTRL-B to exit"
# USB vendor (and product) ids of MicroPython boards and the USB-UART bridges on dev boards.
KNOWN_USB = (
    (0x2E8A, None, "Raspberry Pi (RP2040/RP2350)"),
    (0x303A, None, "Espressif (native USB)"),
    (0x10C4, 0xEA60, "Silicon Labs CP210x USB-UART"),
    (0x1A86, 0x7523, "WCH CH340 USB-UART"),
    (0x1A86, 0x55D4, "WCH CH9102 USB-UART"),
    (0x0403, None, "FTDI USB-UART"),
    (0xF055, None, "MicroPython (pyboard)"),
)


class PortError(Exception):
    """The port cannot be used; the message says what was found instead."""


class PortInfo:
    def __init__(self, device, vid=None, pid=None, description=""):
        self.device, self.vid, self.pid = device, vid, pid
        self.description = "" if description in (None, "n/a") else description

    def usb_id(self):
        return "%04X:%04X" % (self.vid, self.pid or 0) if self.vid is not None else "no USB id"

    def board_kind(self):
        """What KNOWN_USB calls this port, or None."""
        for vid, pid, kind in KNOWN_USB:
            if self.vid == vid and pid in (None, self.pid):
                return kind
        return None

    def __str__(self):
        return "%s (%s, %s)" % (self.device, self.board_kind() or self.description or "serial port", self.usb_id())


def list_ports():
    """Every serial port the system shows: pyserial's listing, or the test listing."""
    listing = os.environ.get("METER_PORT_LISTING")
    if listing:
        with open(listing) as f:
            return [PortInfo(p["device"], p.get("vid"), p.get("pid"), p.get("description", "")) for p in json.load(f)]
    from serial.tools import list_ports as pyserial_ports

    return [PortInfo(p.device, p.vid, p.pid, p.description) for p in pyserial_ports.comports()]


def running_vboard():
    """The port of a running virtual board (make vboard), or None."""
    try:
        with open(VBOARD_PORT_FILE) as f:
            path = f.read().strip()
    except OSError:
        return None
    return path if path and os.path.exists(path) else None


def _listing_text(ports):
    return "; ".join(str(p) for p in ports) if ports else "no serial ports at all"


def find_board(ports, board=""):
    """The one candidate port, or PortError listing what there is."""
    if board == "host":
        path = running_vboard()
        if path:
            return PortInfo(path, description="virtual board (make vboard)")
        raise PortError("no virtual board running: start one with `make vboard` (or give PORT=...)")
    candidates = [p for p in ports if p.board_kind()]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise PortError("no MicroPython board found (serial ports: %s); plug one in or give PORT=..." %
                        _listing_text(ports))
    raise PortError("%d boards found, choose one with PORT=...: %s" % (len(candidates), _listing_text(candidates)))


def check_path(path, ports):
    """PortError unless path is an existing character device (a tty); says what is there."""
    if "://" in path:
        return  # a pyserial URL (socket://, loop://): nothing to look at on disk
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise PortError("%s does not exist (serial ports: %s)" % (path, _listing_text(ports))) from None
    except OSError as exc:
        raise PortError("%s: %s" % (path, exc.strerror)) from None
    if not stat.S_ISCHR(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a regular file" if stat.S_ISREG(mode) else "no device"
        raise PortError("%s is %s, not a serial port (serial ports: %s)" % (path, kind, _listing_text(ports)))
    if not os.access(path, os.R_OK | os.W_OK):
        raise PortError("%s: no permission to open it (on Linux: add yourself to the dialout group)" % path)


def resolve(port, board="", ports=None, say=None):
    """The device path to use for PORT ('' or 'auto': search). Raises PortError."""
    if port in ("", "auto"):
        found = find_board(list_ports() if ports is None else ports, board)
        if say:
            say("using %s" % found)
        return found.device
    check_path(port, list_ports() if ports is None else ports)
    return port


def probe_raw_repl(port, timeout=RAW_REPL_TIMEOUT_S):
    """PortError unless MicroPython's raw REPL answers on port within timeout seconds."""
    import serial

    try:
        conn = serial.serial_for_url(port, baudrate=115200, timeout=0.05, write_timeout=timeout)
    except (serial.SerialException, ValueError) as exc:
        raise PortError("cannot open %s: %s" % (port, exc)) from None
    got = b""
    try:
        deadline = time.monotonic() + timeout
        conn.write(b"\r\x03\x03")  # interrupt a running program; let it stop (a board may restart)
        settle = time.monotonic() + 0.3
        while time.monotonic() < settle:
            got += conn.read(256)
        # Enter raw REPL; ask again every half second: a board (or the virtual board's VM)
        # that restarted after the Ctrl-C may still be starting and lose the first Ctrl-A.
        ask = 0.0
        while RAW_REPL_BANNER not in got and time.monotonic() < deadline:
            if time.monotonic() >= ask:
                conn.write(b"\r\x03\r\x01" if ask else b"\r\x01")  # Ctrl-C again: the first may have been lost too
                ask = time.monotonic() + 0.5
            got += conn.read(256)
        if RAW_REPL_BANNER in got:
            conn.write(b"\x02")  # back to the friendly REPL, as found
            return
    except serial.SerialException as exc:
        raise PortError("%s: %s" % (port, exc)) from None
    finally:
        conn.close()
    text = got.decode("ascii", "replace").strip()
    seen = "it answered: %r" % text[-120:] if text else "it sent nothing"
    raise PortError("no MicroPython raw REPL on %s within %.0f s (%s). A running meter ignores Ctrl-C; "
                    "is this the board, and is MicroPython at its prompt?" % (port, timeout, seen))


def soft_reboot(port, say=print, timeout=30.0):
    """Ctrl-C, Ctrl-B (friendly REPL), Ctrl-D: a board reboots softly and runs main.py. Passes on
    what it prints until the meter's ready line or timeout; returns that text."""
    import serial

    try:
        conn = serial.serial_for_url(port, baudrate=115200, timeout=0.1)
    except (serial.SerialException, ValueError) as exc:
        raise PortError("cannot open %s: %s" % (port, exc)) from None
    got, pending = b"", b""
    try:
        conn.write(b"\r\x03\x03")
        time.sleep(0.3)
        conn.write(b"\r\x02")
        time.sleep(0.3)
        conn.reset_input_buffer()
        conn.write(b"\x04")
        deadline = time.monotonic() + timeout
        while b"[info] ready" not in got and time.monotonic() < deadline:
            chunk = conn.read(4096)
            got += chunk
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                say(line.decode("utf-8", "replace").rstrip("\r"))
    except serial.SerialException as exc:
        raise PortError("%s: %s" % (port, exc)) from None
    finally:
        conn.close()
    return got.decode("utf-8", "replace")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", metavar="PORT", help="resolve PORT (auto: search) and probe the raw REPL")
    parser.add_argument("--reset", metavar="PORT", help="soft-reboot the board on PORT and show its boot output")
    parser.add_argument("--board", default="", help="host: look for the running virtual board")
    args = parser.parse_args(argv)
    if args.reset is not None:
        try:
            soft_reboot(resolve(args.reset, args.board, say=lambda text: print("ports: " + text)))
        except PortError as exc:
            print("ports: error: %s" % exc, file=sys.stderr)
            return 1
        return 0
    if args.check is None:
        ports = list_ports()
        for p in ports:
            print("%s %s" % ("*" if p.board_kind() else " ", p))
        vboard = running_vboard()
        if vboard:
            print("* %s (virtual board, make vboard: BOARD=host)" % vboard)
        if not ports and not vboard:
            print("no serial ports found")
        print("(* = a MicroPython board or USB-UART bridge: what PORT=auto picks when it is the only one)")
        return 0
    try:
        port = resolve(args.check, args.board, say=lambda text: print("ports: " + text))
        probe_raw_repl(port)
    except PortError as exc:
        print("ports: error: %s" % exc, file=sys.stderr)
        return 1
    print("ports: MicroPython answers on %s" % port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
