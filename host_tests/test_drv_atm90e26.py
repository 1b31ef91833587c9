# lanes: cpython micropython-unix
# ATM90E26 driver against the register-file model behind the fake SPI bus.
import machine
from atm90e26_model import APENERGY, CALSTART, CS1, CS2, FUNCEN, PMEAN, Atm90e26Model, block_checksum
from drivers import metering
from drivers.atm90e26 import Atm90e26
from drivers.atm90e26_setup import MEASUREMENT_BLOCK, METERING_BLOCK, checksum
from fakeclock import FakeClock
from support.checks import raises


class Sniffer:
    """Sees every SPI transfer (cs None), answers nothing useful."""

    cs = None

    def __init__(self):
        self.sizes = []

    def spi_transfer(self, data):
        self.sizes.append(len(data))
        return b"\x00" * len(data)


def make(calibration=None, polarity=1, sniff=False, driver_options=None, **model_options):
    machine.reset_registry()
    cs = machine.Pin("atm_cs", machine.Pin.OUT, value=1)
    spi = machine.SPI(1, baudrate=125000, polarity=polarity, phase=1)
    sniffer = Sniffer()
    if sniff:
        spi.attach(sniffer)  # attached first so the model's answer wins
    model = Atm90e26Model(cs=cs, spi=spi, **model_options)
    spi.attach(model)
    drv = Atm90e26(spi, cs, FakeClock(), calibration=calibration, **(driver_options or {}))
    return drv, model, sniffer


def run(drv, model, seconds, step):
    for _ in range(seconds // step):
        model.advance(step)
        assert drv.poll() == metering.OK, drv.fault


def test_checksum_rule_on_datasheet_defaults():
    # bytes 00 15 D1 74 .. 08 BD .. 0A EC .. 94 22: XOR = 0x55, sum mod 256 = 0xCB
    assert checksum([v for _, _, v in METERING_BLOCK]) == 0x55CB
    assert checksum([0x1234, 0xFF01]) == ((0x12 ^ 0x34 ^ 0xFF ^ 0x01) << 8) | ((0x12 + 0x34 + 0xFF + 0x01) & 0xFF)


def test_begin_writes_both_blocks_and_checksums_the_chip_accepts():
    drv, model, sniffer = make(calibration={"Ugain": 0x6800, "Lgain": 0xFF00}, sniff=True)
    assert drv.begin(), drv.fault
    assert model.calibration_error() == (False, False)
    assert model.metering_on and model.measuring_on
    assert model.regs[FUNCEN] == 0x0030
    assert model.regs[0x31] == 0x6800 and model.regs[0x23] == 0xFF00
    assert model.regs[CS1] == block_checksum(model.regs, range(0x21, 0x2C))
    assert model.regs[CS2] == block_checksum(model.regs, range(0x31, 0x3B))
    writes = [w for w in model.writes]
    assert writes[0] == (0x00, 0x789A)  # soft reset first
    opened = writes.index((CALSTART, 0x5678))
    checked = writes.index((CALSTART, 0x8765))
    block_addresses = [a for a, _ in writes[opened + 1:checked]]
    for _, addr, _ in METERING_BLOCK:
        assert addr in block_addresses
    assert block_addresses.index(CS1) > block_addresses.index(0x2B)
    adj_opened = writes.index((0x30, 0x5678))
    adj_addresses = [a for a, _ in writes[adj_opened + 1:writes.index((0x30, 0x8765))]]
    assert [addr for _, addr, _ in MEASUREMENT_BLOCK] + [CS2] == [a for a in adj_addresses if a != CALSTART]
    assert set(sniffer.sizes) == {3}  # every access is one 24-clock frame


def test_corrupted_calibration_write_is_a_checksum_fault():
    drv, model, _ = make()
    model.corrupt_next_write(0x23, 0x0100)  # Lgain arrives with a flipped bit
    assert not drv.begin()
    assert "CS1" in drv.fault
    assert not model.metering_on and model.measuring_on
    assert model.calibration_error() == (False, False)  # SysStatus was read, so cleared...
    model.set_load(2000, 230, 8.7)
    model.advance(600)
    for _ in range(3):
        assert drv.poll() == metering.FAULT_CHECKSUM  # ...but the driver keeps the error
    assert drv.energy_wh == 0
    drv2, model2, _ = make()
    model2.corrupt_next_write(0x32, 0x0001)  # IgainL
    assert not drv2.begin() and "CS2" in drv2.fault
    assert drv2.poll() == metering.FAULT_CHECKSUM


def test_values_decode_including_negative_power_and_pf():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(1840, 230.12, 8.004, 0.996, 50.02)
    assert drv.poll() == metering.OK
    assert (drv.voltage_cv, drv.current_ma, drv.power_w, drv.pf_milli, drv.freq_chz) == (23012, 8004, 1840, 996, 5002)
    model.set_load(-1500.4, 229.5, 6.9, -0.947, 49.97)
    assert drv.poll() == metering.OK
    assert (drv.voltage_cv, drv.current_ma, drv.power_w, drv.pf_milli, drv.freq_chz) == (22950, 6900, -1501, -947, 4997)
    assert model.regs[PMEAN] == 0  # Pmean is computed on read, not stored


def test_2kw_for_five_hours_integrates_to_10_kwh():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(2000, 230, 8.7, 1.0, 50)
    run(drv, model, 5 * 3600, 60)
    assert abs(drv.energy_wh - 10000) <= 1, drv.energy_wh
    assert drv.reverse_energy_wh == 0


def test_small_load_has_no_rounding_drift():
    # 7 W gives under 2 counts per 30 s poll: truncating per poll would lose most of it.
    drv, model, _ = make(meter_constant=1000, driver_options={"meter_constant": 1000})
    assert drv.begin()
    model.set_load(7, 230, 0.03)
    run(drv, model, 10 * 3600, 30)
    assert abs(drv.energy_wh - 70) <= 1, drv.energy_wh


def test_reverse_energy_counts_separately():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(-1200, 230, 5.2, -1.0)
    run(drv, model, 3600, 120)
    assert abs(drv.reverse_energy_wh - 1200) <= 1 and drv.energy_wh == 0


def test_garbage_on_the_bus_is_a_bus_fault_and_energy_is_kept():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    run(drv, model, 1800, 60)
    before = drv.energy_wh
    for mode in ("garbage", "stuck_high", "stuck_low"):
        model.set_fault(mode)
        for _ in range(10):
            model.advance(60)
            assert drv.poll() == metering.FAULT_BUS
            assert drv.energy_wh == before and drv.fault
    model.set_fault(None)
    run(drv, model, 1800, 60)  # the IC kept counting through the 30 bad minutes
    assert abs(drv.energy_wh - 3000) <= 1, drv.energy_wh


def test_dead_bus_reads_all_ones():
    drv, model, _ = make()
    assert drv.begin()
    drv._spi.devices.clear()  # nothing answers: MISO floats high
    assert drv.poll() == metering.FAULT_BUS
    assert not drv.begin() and "no ATM90E26" in drv.fault


def test_corrupted_energy_read_is_recovered_from_lastdata():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    model.glitch_next_read(APENERGY, 0x4000)
    run(drv, model, 3600, 60)
    assert abs(drv.energy_wh - 2000) <= 1, drv.energy_wh


def test_reset_mid_run_is_reported_once_then_recovers():
    drv, model, _ = make(calibration={"Lgain": 0x0010})
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    run(drv, model, 3600, 60)
    before = drv.energy_wh
    model.trigger_reset()
    assert not model.metering_on
    model.advance(60)
    assert metering.status_name(drv.poll()) == "ic reset"
    assert "reset" in drv.fault and drv.energy_wh == before
    assert model.regs[FUNCEN] == 0x0030 and model.regs[0x23] == 0x0010 and model.metering_on
    model.advance(60)
    assert drv.poll() == metering.OK and drv.fault is None
    run(drv, model, 3600 - 60, 60)
    assert drv.energy_wh > before + 1900


def test_calibration_helpers_move_readings_to_the_reference():
    drv, model, _ = make(board_ugain=0x7000, board_igain=0x7400, board_lgain=-1500)
    assert drv.begin()
    model.set_load(2000, 230, 8.7, 1.0)
    assert drv.poll() == metering.OK
    assert abs(drv.voltage_cv - 23000) > 500 and abs(drv.power_w - 2000) > 50
    new = drv.calibrate_voltage(23000)
    new.update(drv.calibrate_current(8700))
    new.update(drv.calibrate_power(2000))
    assert sorted(new) == ["IgainL", "Lgain", "Ugain"]
    assert drv.apply_calibration(new), drv.fault
    assert drv.poll() == metering.OK
    assert abs(drv.voltage_cv - 23000) <= 1 and abs(drv.current_ma - 8700) <= 1
    assert abs(drv.power_w - 2000) <= 1
    assert drv.calibration["Ugain"] == new["Ugain"]
    start = drv.energy_wh
    run(drv, model, 3600, 60)
    assert abs(drv.energy_wh - start - 2000) <= 2
    # the persisted calibration gives the same readings after a restart
    drv2, model2, _ = make(calibration=drv.calibration, board_ugain=0x7000, board_igain=0x7400, board_lgain=-1500)
    assert drv2.begin()
    model2.set_load(2000, 230, 8.7, 1.0)
    assert drv2.poll() == metering.OK and abs(drv2.voltage_cv - 23000) <= 1


def test_bad_input_gives_clear_errors():
    raises(ValueError, make, calibration={"Nope": 1})
    raises(ValueError, make, calibration={"Ugain": 0x10000})
    raises(ValueError, make, driver_options={"meter_constant": 0})
    raises(ValueError, make, driver_options={"funcen": 0x000C})
    drv, model, _ = make()
    assert drv.begin()
    assert drv.poll() == metering.OK
    raises(ValueError, drv.calibrate_voltage, 0)
    raises(ValueError, drv.calibrate_current, 5000)  # no current flowing
    raises(ValueError, drv.calibrate_power, 100)  # no load
    raises(ValueError, drv.apply_calibration, {"Ugain": -1})
    assert drv.calibration["Ugain"] == 0x6720  # a rejected dict changes nothing


def test_wrong_spi_mode_fails_until_the_driver_configures_the_bus():
    drv, model, _ = make(polarity=0)
    assert not drv.begin()
    drv2, model2, _ = make(polarity=0, driver_options={"configure_bus": True})
    assert drv2._spi.polarity == 1 and drv2._spi.phase == 1 and drv2._spi.baudrate <= Atm90e26Model.MAX_BAUDRATE
    assert drv2.begin(), drv2.fault


def test_identity_and_regdump_leave_energy_alone():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    model.advance(1800)
    assert drv.identity().startswith("ATM90E26") and drv.name == "ATM90E26"
    rows = drv.regdump()
    names = [r[0] for r in rows]
    assert ("FuncEn", 0x02, 0x0030) in rows and "Ugain" in names and "CS1" in names
    assert all(addr not in (0x40, 0x41, 0x42) for _, addr, _ in rows)
    assert drv.poll() == metering.OK and abs(drv.energy_wh - 1000) <= 1
    assert metering.status_name(2) == "ic reset"  # FAULT_RESET, private to drivers/metering.py
