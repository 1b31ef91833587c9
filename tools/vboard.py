#!/usr/bin/env python3
"""A virtual MicroPython board on a pseudo-terminal, for mpremote, pyserial and the deploy tools.

    tools/vboard.py [--fs DIR] [--micropypath A:B] [--heapsize 192wK]

Prints the path of its serial port (a pty) on the first line of stdout, then serves
until SIGTERM/SIGINT. Behind the port runs the MicroPython unix VM (`.venv/bin/micropython`)
with DIR mounted as its root filesystem, so `/main.py` on the "device" is DIR/main.py.
Like a board, it runs /main.py at power-on and after a soft reboot from the friendly REPL
(Ctrl-D) or a program's exit (a meter's `reboot`); not after a soft reset in raw REPL
(mpremote), nor when a Ctrl-C ended the program, so the REPL is reachable even from a
program that disabled Ctrl-C (kbd_intr(-1) lets SIGINT end the unix VM).
Each --micropypath directory is mounted read-write at /.host<N> and put on sys.path after
the board's own ['', '.frozen', '/lib'] (for host fakes such as a `machine` module).

Why a wrapper is needed: the unix VM has the raw REPL
that mpremote speaks, but Ctrl-D there exits the process instead of soft-resetting. This
wrapper restarts the VM when it exits, prints "MPY: soft reboot" like a board, and puts
the new VM back into raw REPL when the client was in it. The VM runs on its own pty in
raw mode (otherwise the line discipline turns "\\n" into "\\r\\r\\n"). The VM keeps that pty
raw while it runs code, so a Ctrl-C from the client is turned into SIGINT here, but only
while the VM is busy (not sitting at a prompt): a SIGINT at the prompt would stay pending
and interrupt the next command instead.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import fcntl
import os
import select
import signal
import subprocess
import sys
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
RAW_REPL_BANNER = b"raw REPL; CTRL-B to exit\r\n"
SOFT_REBOOT = b"MPY: soft reboot\r\n"
CTRL_A, CTRL_B, CTRL_C = 0x01, 0x02, 0x03
# Output endings that mean the VM waits at a prompt: raw REPL (after a command, or on entry) and friendly REPL.
IDLE_PROMPTS = (b"\x04>", RAW_REPL_BANNER + b">", b">>> ", b"... ")
# Output kept for a client that is not reading; beyond this the oldest bytes are dropped, as a UART would.
MAX_PENDING_OUT = 256 * 1024
# Longest wait for a restarted VM to reach the raw REPL before its output is passed through as is.
RESTART_SWALLOW_S = 5.0

_SHIM = """
def _board_root(fs, host, run_main):
    import vfs, os, sys
    vfs.umount('/')
    vfs.mount(vfs.VfsPosix(fs), '/')
    for i in range(len(host)):
        vfs.mount(vfs.VfsPosix(host[i]), '/.host%%d' %% i)
    os.chdir('/')
    sys.path[:] = ['', '.frozen', '/lib'] + ['/.host%%d' %% i for i in range(len(host))]
    if not run_main:
        return
    try:
        source = open('main.py').read()
    except OSError:
        return
    try:
        exec(compile(source, 'main.py', 'exec'), {'__name__': '__main__'})
    except SystemExit:
        raise
    except BaseException as exc:  # as a board: report it, then the REPL
        sys.print_exception(exc)
_board_root(%(fs)r, %(host)r, %(run_main)r)
del _board_root
"""


def _set_nonblocking(fd):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


class VirtualBoard:
    """The unix VM behind a pty, restarted on exit like a board's soft reset."""

    def __init__(self, fs_dir, micropypath=(), heapsize=None, micropython=MICROPYTHON):
        self.fs_dir = os.path.abspath(fs_dir)
        self.micropypath = [os.path.abspath(p) for p in micropypath if p]
        self.heapsize = heapsize
        self.micropython = micropython
        self.port_master = self.port_slave = None
        self.vm = self.vm_master = None
        self.in_raw_repl = False
        self.boots = 0
        self._to_vm = bytearray()
        self._inject = bytearray()  # sent to a restarted VM ahead of (and instead of holding back) client input
        self._to_port = bytearray()
        self._swallow_deadline = None  # set while a restarted VM is being put back into raw REPL
        self._swallowed = bytearray()
        self._vm_tail = b""  # last bytes the VM printed, to tell "at a prompt" from "running code"
        self._stopping = False

    def open(self):
        """Create the port and start the VM; return the port's path."""
        os.makedirs(self.fs_dir, exist_ok=True)
        self.port_master, self.port_slave = os.openpty()
        # Holding the slave open keeps the master readable between clients (no EIO on close).
        tty.setraw(self.port_slave)
        _set_nonblocking(self.port_master)
        self._start_vm(run_main=True)  # power-on
        return os.ttyname(self.port_slave)

    def _vm_command(self, run_main):
        cmd = [self.micropython]
        if self.heapsize:
            cmd += ["-X", "heapsize=" + self.heapsize]
        return cmd + ["-i", "-c", _SHIM % {"fs": self.fs_dir, "host": self.micropypath, "run_main": run_main}]

    def _start_vm(self, run_main):
        master, slave = os.openpty()
        tty.setraw(slave)
        env = dict(os.environ)
        env.pop("MICROPYPATH", None)
        self.vm = subprocess.Popen(self._vm_command(run_main), stdin=slave, stdout=slave, stderr=slave, cwd=self.fs_dir,
                                   env=env, start_new_session=True)
        os.close(slave)
        _set_nonblocking(master)
        self.vm_master = master
        self.boots += 1

    def _restart_vm(self):
        if self.vm is not None:
            try:  # the pty closes a moment before the process is reaped: wait for its status
                self.vm.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        interrupted = self.vm is not None and self.vm.poll() == -signal.SIGINT  # a Ctrl-C ended the program
        self._stop_vm()
        self._queue_to_port(SOFT_REBOOT)
        self._start_vm(run_main=not self.in_raw_repl and not interrupted)
        if self.in_raw_repl:
            # A board soft-reset while in raw REPL comes back in raw REPL, without the banner.
            self._inject = bytearray(b"\r\x01")
            self._swallow_deadline = time.monotonic() + RESTART_SWALLOW_S
            self._swallowed = bytearray()

    def _stop_vm(self):
        if self.vm is not None and self.vm.poll() is None:
            self.vm.kill()
        if self.vm is not None:
            self.vm.wait()
        if self.vm_master is not None:
            os.close(self.vm_master)
        self.vm = self.vm_master = None
        self._inject = bytearray()
        self._vm_tail = b""

    def _queue_to_port(self, data):
        self._to_port += data
        if len(self._to_port) > MAX_PENDING_OUT:
            del self._to_port[: len(self._to_port) - MAX_PENDING_OUT]

    def vm_busy(self):
        # Nothing printed yet means the VM is still starting: no code of the client's is running.
        return bool(self._vm_tail) and not self._vm_tail.endswith(IDLE_PROMPTS)

    def _from_client(self, data):
        if CTRL_B in data:
            self.in_raw_repl = False
        if CTRL_C in data and self.vm_busy() and self.vm is not None:
            # A board's UART interrupt takes Ctrl-C out of the input stream and raises KeyboardInterrupt.
            os.kill(self.vm.pid, signal.SIGINT)
            data = data.replace(bytes([CTRL_C]), b"")
        self._to_vm += data

    def _from_vm(self, data):
        if self._swallow_deadline is not None:
            self._swallowed += data
            at = self._swallowed.find(RAW_REPL_BANNER)
            if at < 0:
                return
            data = bytes(self._swallowed[at:])
            self._swallow_deadline = None
        if RAW_REPL_BANNER in data:
            self.in_raw_repl = True
        self._vm_tail = (self._vm_tail + data)[-32:]
        self._queue_to_port(data)

    def _end_swallow_if_late(self):
        if self._swallow_deadline is not None and time.monotonic() > self._swallow_deadline:
            self._swallow_deadline = None
            self._vm_tail = bytes(self._swallowed[-32:])  # what the VM printed last: busy or at a prompt
            self._queue_to_port(bytes(self._swallowed))

    def step(self, timeout=0.1):
        """Move bytes once in each direction that is ready; restart the VM if it ended."""
        readers = [self.port_master, self.vm_master]
        writers = []
        if self._to_port:
            writers.append(self.port_master)
        # Hold client input back while a restarted VM is still on its way into raw REPL.
        if self._inject or (self._to_vm and self._swallow_deadline is None):
            writers.append(self.vm_master)
        readable, writable, _ = select.select(readers, writers, [], timeout)
        vm_ended = False
        if self.vm_master in readable:
            try:
                data = os.read(self.vm_master, 4096)
                vm_ended = not data
                self._from_vm(data)
            except BlockingIOError:
                pass
            except OSError:  # EIO: every holder of the VM's tty closed it, i.e. the VM exited
                vm_ended = True
        if self.port_master in readable:
            try:
                self._from_client(os.read(self.port_master, 4096))
            except (BlockingIOError, OSError):
                pass
        if self.vm_master in writable and not vm_ended:
            self._write_to_vm()
        if self.port_master in writable and self._to_port:
            try:
                del self._to_port[: os.write(self.port_master, self._to_port)]
            except (BlockingIOError, OSError):
                pass
        self._end_swallow_if_late()
        if vm_ended or self.vm.poll() is not None:
            self._restart_vm()

    def _write_to_vm(self):
        buffer = self._inject or self._to_vm
        try:
            del buffer[: os.write(self.vm_master, buffer)]
        except (BlockingIOError, OSError):
            pass

    def serve_forever(self):
        while not self._stopping:
            self.step()

    def stop(self, *_):
        self._stopping = True

    def close(self):
        self._stop_vm()
        for fd in (self.port_master, self.port_slave):
            if fd is not None:
                os.close(fd)
        self.port_master = self.port_slave = None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fs", default="vboard-fs", help="directory used as the device's root filesystem")
    parser.add_argument("--micropypath", default="", help="host directories (':'-separated) put on sys.path")
    parser.add_argument("--heapsize", default=None, help="VM heap, e.g. 192wK (like a 192 KB MCU heap)")
    parser.add_argument("--port-file", help="write the port's path here while running (make vboard: for PORT=auto)")
    args = parser.parse_args(argv)
    if not os.access(MICROPYTHON, os.X_OK):
        print("vboard: %s not found (run `make setup`)" % MICROPYTHON, file=sys.stderr)
        return 2
    board = VirtualBoard(args.fs, args.micropypath.split(":"), args.heapsize)
    signal.signal(signal.SIGTERM, board.stop)
    signal.signal(signal.SIGINT, board.stop)
    try:
        port = board.open()
        print(port, flush=True)
        if args.port_file:
            os.makedirs(os.path.dirname(os.path.abspath(args.port_file)), exist_ok=True)
            with open(args.port_file, "w") as f:
                f.write(port + "\n")
        print("vboard: device filesystem is %s; stop with Ctrl-C" % board.fs_dir, file=sys.stderr, flush=True)
        board.serve_forever()
    finally:
        board.close()
        if args.port_file and os.path.exists(args.port_file):
            os.remove(args.port_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
