# A scripted user of `tools/sim.py --headless`: sends console lines, collects
# each reply up to its OK/ERR line (log lines such as "[info] ..." are kept
# apart).  Used by the virtual-meter tests.
import os
import queue
import subprocess
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG_PREFIXES = ("[error] ", "[warn] ", "[info] ", "[debug] ")


class SimSession:
    def __init__(self, flash, *options):
        cmd = [sys.executable, os.path.join(ROOT, "tools", "sim.py"), "--headless", "--flash", str(flash)]
        self.proc = subprocess.Popen(list(cmd) + list(options), cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = queue.Queue()
        self.log = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def cmd(self, line, timeout=60):
        """Reply lines of one command; the last is OK or ERR ..."""
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        out = []
        while True:
            got = self._next(timeout, out)
            if got.startswith(LOG_PREFIXES):
                self.log.append(got)
                continue
            out.append(got)
            if got == "OK" or got.startswith("ERR"):
                return out

    def _next(self, timeout, so_far):
        got = self.lines.get(timeout=timeout)
        if got is None:
            raise AssertionError("virtual meter ended; got %r" % so_far)
        return got

    def send_raw(self, data):
        """Bytes to the console exactly as given (no newline added)."""
        self.proc.stdin.buffer.write(data)
        self.proc.stdin.flush()

    def sync(self, timeout=60):
        """Skip every reply still on its way (e.g. to garbage sent with send_raw):
        asks for the version and returns the lines that came before its reply."""
        self.proc.stdin.write("\nversion\n")
        self.proc.stdin.flush()
        skipped = []
        while True:
            got = self._next(timeout, skipped)
            if got.startswith("version="):
                assert self.lines.get(timeout=timeout) == "OK"
                return skipped
            skipped.append(got)

    def status(self):
        reply = self.cmd("status")
        assert reply[-1] == "OK", reply
        return dict(line.split("=", 1) for line in reply[:-1])

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(20)
