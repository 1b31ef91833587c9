# The serial console's resident part: what watches the UART every loop turn
# (LineReader, PolledInput), the state the commands work on (Console) and the
# error they raise.  What a line means is an overlay (firmware/overlay.py):
# meter.con_dispatch is loaded when a complete line has arrived and dropped
# after its reply, and runs each command from its own overlay (meter.con_*,
# meter.engineer).  A meter nobody talks to never loads them, nor their names.
#
# Input is bytes from the UART/USB, never text: MicroPython's text stdin raises
# UnicodeError on invalid UTF-8, so one stray byte would end the meter.  Every
# byte sequence becomes a line of bytes (made printable by the dispatch) or a
# dropped line.  PolledInput reads only what is already waiting (select.poll
# with a zero timeout, one byte at a time: a board's stdin.read(n) blocks until
# n bytes), so the loop is never held between the first byte and the end of a line.
import overlay
from micropython import const

MAX_LINE = const(256)  # longer lines are dropped whole, with one ERR
_CR = const(13)
_LF = const(10)


class LineReader:
    """Splits a byte stream into lines (CR, LF or CRLF end one).  A line longer
    than MAX_LINE is discarded up to its end and reported once as None;
    memory stays bounded by MAX_LINE whatever arrives."""

    def __init__(self):
        self._buf = bytearray()
        self._dropping = False
        self._after_cr = False

    def feed(self, data):
        """Lines completed by data: bytes for each line, None for a dropped one."""
        out = []
        buf = self._buf
        for byte in data:
            if byte == _LF and self._after_cr:  # the LF of a CRLF: the line already ended
                self._after_cr = False
                continue
            self._after_cr = byte == _CR
            if byte == _CR or byte == _LF:
                if self._dropping:
                    out.append(None)
                    self._dropping = False
                else:
                    out.append(bytes(buf))
                buf[:] = b""
            elif not self._dropping:
                if len(buf) >= MAX_LINE:
                    self._dropping = True
                    buf[:] = b""
                else:
                    buf.append(byte)
        return out


class PolledInput:
    """Bytes already received on a stream, without waiting for more."""

    def __init__(self, stream):
        import select

        self.stream = stream
        self.closed = False
        self._poll = select.poll()
        self._poll.register(stream, select.POLLIN)
        self._one = bytearray(1)

    def read_available(self, limit):
        """Up to limit bytes that are waiting now (b"" if none); sets closed at
        end of input (a pipe in the simulator; a board's console never ends)."""
        got = bytearray()
        one = self._one
        while len(got) < limit and self._poll.poll(0):  # data, or the end of input (then readinto gives 0)
            if not self.stream.readinto(one):
                self.closed = True
                break
            got.append(one[0])
        return got


class CommandError(Exception):
    """A command's refusal, sent as `ERR <reason>`.  Resident: a board's own
    commands (the simulator's `sim`) hold the class between lines."""


class Console:
    def __init__(self, meter, ui, boot_report, engineering=False, reboot=None):
        self.meter = meter
        self.ui = ui
        self.boot_report = boot_report  # callable -> list of lines
        self.engineering = engineering
        self.reboot = reboot
        self.extra = {}  # name -> handler(args) -> lines (the simulator adds `sim`)
        self.runtime = None  # meter.runtime.Runtime, once made: `repl`, `resume`, safe mode

    def handle(self, raw, powered=True):
        """Reply lines, incl. OK/ERR, for one line as LineReader gives it
        (bytes, or None: too long); powered False: only `sim` commands run."""
        try:
            return overlay.run("meter.con_dispatch", "handle", self, raw, powered)
        except MemoryError:  # no room for the dispatch now: the meter runs on, a later line may fit
            return ["ERR console busy: out of memory, try again"]
