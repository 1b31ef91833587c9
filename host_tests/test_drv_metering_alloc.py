# lanes: micropython-unix micropython-wasm32
# Steady-state metering poll allocates nothing (on the 32-bit VM small ints are
# 31-bit, so a big intermediate would show up here).  The fake machine.SPI
# copies bytes on every transfer, so the models are driven through a tiny
# allocation-free bus that feeds them byte by byte.
from ade7953_model import AENERGYA, Ade7953Model
from atm90e26_model import ANENERGY, APENERGY, Atm90e26Model
from drivers import metering
from drivers.ade7953 import Ade7953
from drivers.atm90e26 import Atm90e26
from fakeclock import FakeClock
from support.alloc import assert_no_alloc, bytes_allocated


class QuietPin:
    def __init__(self):
        self.level = 1
        self.listeners = []

    def value(self, level=None):
        if level is None:
            return self.level
        self.level = level
        for fn in self.listeners:
            fn(self, level)
        return None


class ByteBus:
    """SPI stand-in: every byte goes to the model, nothing is allocated."""

    def __init__(self, model):
        self.model = model

    def write_readinto(self, tx, rx):
        model = self.model
        for i in range(len(tx)):
            rx[i] = model.exchange_byte(tx[i])

    def init(self, **_kw):
        pass


def _atm90e26():
    cs = QuietPin()
    model = Atm90e26Model(cs=cs)
    drv = Atm90e26(ByteBus(model), cs, FakeClock())
    assert drv.begin(), drv.fault
    model.set_load(2000, 230, 8.7, 0.99, 50)
    model.set_neutral(6000)  # the second current channel is read every poll too
    return drv, model


def test_atm90e26_poll_allocates_nothing():
    drv, model = _atm90e26()
    regs = model.regs
    state = [0]

    def poll():
        regs[APENERGY] = 1067  # about a minute of 2 kW, counted by the "IC"
        regs[ANENERGY] = 3
        state[0] = drv.poll()

    assert_no_alloc(poll, warmup=2)
    assert state[0] == metering.OK
    assert drv.energy_wh > 0 and drv.power_w == 2000 and drv.neutral_ma == 6000


def test_atm90e26_fault_poll_allocates_nothing():
    drv, model = _atm90e26()
    model.set_fault("stuck_high")
    state = [0]

    def poll():
        state[0] = drv.poll()

    assert bytes_allocated(poll) == 0
    assert state[0] == metering.FAULT_BUS


def _ade7953():
    cs = QuietPin()
    model = Ade7953Model(cs=cs)
    drv = Ade7953(ByteBus(model), cs, FakeClock())
    assert drv.begin(), drv.fault
    model.set_load(2000, 230, 8.7, 0.99, 50)
    model.set_neutral(6000)  # the second current channel is read every poll too
    return drv, model


def test_ade7953_poll_allocates_nothing():
    drv, model = _ade7953()
    regs = model.regs
    state = [0]

    def poll():
        regs[AENERGYA] = 0x7F0000  # a large positive count: 24 bits, still a small int
        state[0] = drv.poll()

    assert_no_alloc(poll, warmup=2)
    assert state[0] == metering.OK
    assert drv.energy_wh > 0 and abs(drv.power_w - 2000) <= 1 and abs(drv.neutral_ma - 6000) <= 2


def test_ade7953_reverse_energy_poll_allocates_nothing():
    drv, model = _ade7953()
    regs = model.regs
    state = [0]

    def poll():
        regs[AENERGYA] = 0x800001  # most negative count the register holds
        state[0] = drv.poll()

    assert_no_alloc(poll, warmup=2)
    assert state[0] == metering.OK and drv.reverse_energy_wh > 0

    def minus_one():
        regs[AENERGYA] = 0xFFFFFF  # a legal -1 count, told from a dead bus by LINECYC
        state[0] = drv.poll()

    assert_no_alloc(minus_one, warmup=2)
    assert state[0] == metering.OK


def test_ade7953_fault_poll_allocates_nothing():
    drv, model = _ade7953()
    model.set_fault("stuck_high")
    state = [0]

    def poll():
        state[0] = drv.poll()

    assert bytes_allocated(poll) == 0
    assert state[0] == metering.FAULT_BUS
