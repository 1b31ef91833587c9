"""Metering driver benchmark: one steady-state poll() of the ATM90E26 and ADE7953 drivers.

Prints, per IC: the mean poll time on the MicroPython unix VM with the bus
answered by the register-file model byte by byte ("with model") and by a
canned register table ("driver only", closer to the driver's own cost), and
the bytes one poll allocates on the 32-bit wasm VM (and whether it allocates
at all under heap_lock).  Run from the repo root:
    .venv/bin/python tools/benches/bench_metering.py
The probe runs inside the VMs from a temporary copy of the tree, so nothing is
added to host_tests/.
"""

import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.getcwd()
MARK = "@@BENCH "

PROBE = r'''
import sys
import time
from support.alloc import allocates_under_lock, bytes_allocated
from support.checks import is_micropython
from test_drv_metering_alloc import _ade7953, _atm90e26
from drivers import metering

MARK = "@@BENCH "


class CannedAtmBus:
    def __init__(self, table):
        self.table = table

    def write_readinto(self, tx, rx):
        value = self.table[tx[0] & 0x7F]
        rx[1] = value >> 8
        rx[2] = value & 0xFF


class CannedAdeBus:
    def __init__(self, table):
        self.table = table

    def write_readinto(self, tx, rx):
        value = self.table.get((tx[0] << 8) | tx[1], 0)
        n = len(tx) - 3
        for i in range(n):
            rx[3 + i] = (value >> (8 * (n - 1 - i))) & 0xFF


def _canned(ic):
    if ic == "atm90e26":
        drv, model = _atm90e26()
        table = [model._read_register(a) for a in range(128)]
        table[0x40] = table[0x41] = table[0x06] = 0  # energy 0, LastData echoes it
        drv._spi = CannedAtmBus(table)
    else:
        drv, model = _ade7953()
        table = dict(model.regs)
        table.update(model._measured)
        table[0x21E] = 0
        table[0x2FF] = 0
        drv._spi = CannedAdeBus(table)
    return drv


def _mean_us(drv, runs):
    best = None
    for _ in range(5):
        t0 = time.ticks_us()
        for _ in range(runs):
            drv.poll()
        dt = time.ticks_diff(time.ticks_us(), t0)
        best = dt if best is None or dt < best else best
    return best / runs


def test_probe():
    if not is_micropython():
        return
    wasm = sys.maxsize < (1 << 31)  # the 32-bit VM: allocation figures; the unix VM: timing
    for ic in ("atm90e26", "ade7953"):
        drv = (_atm90e26 if ic == "atm90e26" else _ade7953)()[0]
        canned = _canned(ic)
        assert drv.poll() == metering.OK and canned.poll() == metering.OK
        if wasm:
            print(MARK + "%s poll bytes allocated: %d B" % (ic, bytes_allocated(drv.poll)))
            print(MARK + "%s poll allocates under heap_lock: %d" % (ic, int(allocates_under_lock(drv.poll))))
        else:
            print(MARK + "%s poll with model: %.1f us" % (ic, _mean_us(drv, 200)))
            print(MARK + "%s poll driver only: %.1f us" % (ic, _mean_us(canned, 500)))
'''


def _tree():
    tmp = tempfile.mkdtemp(prefix="bench_metering_")
    for d in ("firmware", "host_tests"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d),
                        ignore=shutil.ignore_patterns("__pycache__", ".*"))
    with open(os.path.join(tmp, "host_tests", "metering_bench_probe.py"), "w") as f:
        f.write(PROBE)
    return tmp


def _collect(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    lines = [line[len(MARK):] for line in proc.stdout.splitlines() if line.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write("bench_metering: %s failed:\n%s%s\n" % (cmd[0], proc.stdout[-2000:], proc.stderr[-2000:]))
    return lines


def main():
    tmp = _tree()
    try:
        path = ":".join(os.path.join(tmp, p) for p in ("firmware", "host_tests", "host_tests/fakes"))
        unix = _collect([os.path.join(ROOT, ".venv", "bin", "micropython"), "-c",
                         "import metering_bench_probe as p; p.test_probe()"],
                        tmp, dict(os.environ, MICROPYPATH=path))
        wasm = _collect(["node", os.path.join(ROOT, "host_tests", "harness", "wasm_runner.mjs"), tmp,
                         "metering_bench_probe"], ROOT, dict(os.environ, NODE_PATH=os.path.join(ROOT, "node_modules")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for line in unix:
        print("micropython-unix " + line)
    for line in wasm:
        print("micropython-wasm32 " + line)
    return 0 if unix and wasm else 1


if __name__ == "__main__":
    sys.exit(main())
