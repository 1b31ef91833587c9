# Measurement probe for tools/benches/bench_metering.py (not a test): runs inside the
# MicroPython VMs and prints `@@BENCH label: value`.
import sys
import time

from drivers import metering
from support.alloc import allocates_under_lock, bytes_allocated
from support.checks import is_micropython
from test_drv_metering_alloc import _ade7953, _atm90e26

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
