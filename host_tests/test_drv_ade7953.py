# lanes: cpython micropython-unix
# ADE7953 driver against the register-file model behind the fake SPI bus.
import machine
from ade7953_model import AENERGYA, AVGAIN, AWGAIN, CONFIG, LINECYC, TUNING, Ade7953Model
from drivers import metering
from drivers.ade7953 import Ade7953, register_bytes
from drivers.ade7953_setup import CALIBRATION_REGS
from fakeclock import FakeClock
from support.checks import raises


class Sniffer:
    cs = None

    def __init__(self):
        self.frames = []

    def spi_transfer(self, data):
        self.frames.append(bytes(data))
        return b"\x00" * len(data)


def make(calibration=None, polarity=1, sniff=False, driver_options=None, **model_options):
    machine.reset_registry()
    cs = machine.Pin("ade_cs", machine.Pin.OUT, value=1)
    spi = machine.SPI(1, baudrate=1000000, polarity=polarity, phase=1)
    sniffer = Sniffer()
    if sniff:
        spi.attach(sniffer)
    model = Ade7953Model(cs=cs, spi=spi, **model_options)
    spi.attach(model)
    drv = Ade7953(spi, cs, FakeClock(), calibration=calibration, **(driver_options or {}))
    return drv, model, sniffer


def run(drv, model, seconds, step):
    for _ in range(seconds // step):
        model.advance(step)
        assert drv.poll() == metering.OK, drv.fault


def test_register_widths_follow_the_address():
    assert [register_bytes(a) for a in (0x004, 0x102, 0x21E, 0x31E, 0x702, 0x800, 0x500)] == [1, 2, 3, 4, 1, 1, 0]


def test_begin_resets_unlocks_and_writes_calibration():
    drv, model, sniffer = make(calibration={"AVGAIN": 0x410000, "PHCALA": 0x0005}, sniff=True)
    assert drv.begin(), drv.fault
    assert model.writes[0] == (CONFIG, 0x8084)  # software reset first
    assert model.writes[1] == (CONFIG, 0x0004) and model.comm_locked  # then SPI is locked in
    unlock = model.writes.index((0x0FE, 0xAD))
    assert model.writes[unlock + 1] == (TUNING, 0x30) and model.regs[TUNING] == 0x30
    assert model.regs[LINECYC] == 100 and model.regs[AVGAIN] == 0x410000 and model.regs[0x108] == 5
    for frame in sniffer.frames:  # address, R/W byte, then exactly the register's width
        assert frame[2] in (0x00, 0x80)
        assert len(frame) == 3 + register_bytes((frame[0] << 8) | frame[1])


def test_tuning_register_is_ignored_without_unlock():
    drv, model, _ = make()
    drv._write(TUNING, 0x30)
    assert model.regs.get(TUNING, 0) == 0


def test_values_decode_including_negative_power_and_pf():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(1840, 230.12, 8.004, 0.996, 50.0)
    assert drv.poll() == metering.OK
    assert abs(drv.voltage_cv - 23012) <= 1 and abs(drv.current_ma - 8004) <= 1
    assert abs(drv.power_w - 1840) <= 1 and abs(drv.pf_milli - 996) <= 1 and abs(drv.freq_chz - 5000) <= 2
    model.set_load(-1500, 229.5, 6.9, -0.947, 49.9)
    assert drv.poll() == metering.OK
    assert abs(drv.power_w + 1500) <= 1 and abs(drv.pf_milli + 947) <= 1 and abs(drv.freq_chz - 4990) <= 2


def test_2kw_for_five_hours_integrates_to_10_kwh():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    run(drv, model, 5 * 3600, 60)
    assert abs(drv.energy_wh - 10000) <= 1, drv.energy_wh
    assert drv.reverse_energy_wh == 0


def test_small_load_and_odd_counts_per_wh_have_no_drift():
    drv, model, _ = make(wh_counts=777, driver_options={"wh_counts": 777})
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
    run(drv, model, 1800, 60)
    assert abs(drv.energy_wh - 3000) <= 1, drv.energy_wh


def test_corrupted_energy_read_is_recovered_from_last_rwdata():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    model.glitch_next_read(AENERGYA, 0x000400)
    run(drv, model, 3600, 60)
    assert abs(drv.energy_wh - 2000) <= 1, drv.energy_wh


def test_reset_mid_run_is_reported_once_then_recovers():
    drv, model, _ = make(calibration={"AWGAIN": 0x400100})
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    run(drv, model, 1800, 60)
    before = drv.energy_wh
    model.trigger_reset()
    model.advance(60)
    assert metering.status_name(drv.poll()) == "ic reset"
    assert "reset" in drv.fault and drv.energy_wh == before
    assert model.regs[LINECYC] == 100 and model.regs[AWGAIN] == 0x400100
    model.advance(60)
    assert drv.poll() == metering.OK and drv.fault is None


def test_corrupted_calibration_is_a_checksum_fault():
    drv, model, _ = make()
    model.corrupt_next_write(AWGAIN, 0x000100)
    assert not drv.begin() and "AWGAIN" in drv.fault
    assert drv.poll() == metering.FAULT_CHECKSUM
    drv2, model2, _ = make()
    assert drv2.begin()
    model2.regs[AVGAIN] ^= 0x10  # a register changes inside the IC later on
    statuses = [drv2.poll() for _ in range(len(CALIBRATION_REGS))]
    assert metering.FAULT_CHECKSUM in statuses and statuses[-1] == metering.FAULT_CHECKSUM
    assert drv2.apply_calibration({}) and drv2.poll() == metering.OK


def test_calibration_helpers_move_readings_to_the_reference():
    board = {"volt_counts": 27300, "amp_counts": 96000, "watt_counts": 149, "wh_counts": 968}
    drv, model, _ = make(driver_options={"wh_counts": 1000}, **board)
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    assert drv.poll() == metering.OK
    assert abs(drv.voltage_cv - 23000) > 500 and abs(drv.power_w - 2000) > 40
    new = drv.calibrate_voltage(23000)
    new.update(drv.calibrate_current(8700))
    new.update(drv.calibrate_power(2000))
    assert sorted(new) == ["AIGAIN", "AVGAIN", "AWGAIN"]
    assert drv.apply_calibration(new), drv.fault
    assert drv.poll() == metering.OK
    assert abs(drv.voltage_cv - 23000) <= 2 and abs(drv.current_ma - 8700) <= 2 and abs(drv.power_w - 2000) <= 1
    assert drv.calibration["AWGAIN"] == new["AWGAIN"]
    # AWGAIN scales the energy register too: the energy counter follows the power fix
    start = drv.energy_wh
    run(drv, model, 3600, 60)
    assert abs(drv.energy_wh - start - 2000) <= 3, drv.energy_wh - start


def test_bad_input_gives_clear_errors():
    raises(ValueError, make, calibration={"AVGAIN": 1 << 24})
    raises(ValueError, make, calibration={"XGAIN": 1})
    raises(ValueError, make, driver_options={"wh_counts": 0})
    raises(ValueError, make, driver_options={"linecyc": 0})
    drv, model, _ = make()
    assert drv.begin() and drv.poll() == metering.OK
    raises(ValueError, drv.calibrate_voltage, 23000)  # no voltage applied
    model.set_load(2000, 230, 8.7)
    raises(ValueError, drv.calibrate_voltage, 2300000)  # gain would leave its range
    raises(ValueError, drv.calibrate_power, -2000)  # sign disagrees
    raises(ValueError, drv.calibrate_current, "8700")


def test_wrong_spi_mode_and_dead_bus_fail_begin():
    drv, model, _ = make(polarity=0)
    assert not drv.begin() and "no ADE7953" in drv.fault
    drv2, _, _ = make(polarity=0, driver_options={"configure_bus": True})
    assert drv2.begin(), drv2.fault
    drv2._spi.devices.clear()
    assert drv2.poll() == metering.FAULT_BUS


def test_identity_and_regdump_leave_energy_alone():
    drv, model, _ = make()
    assert drv.begin()
    model.set_load(2000, 230, 8.7)
    model.advance(1800)
    assert drv.name == "ADE7953" and "version 8" in drv.identity()
    rows = drv.regdump()
    assert ("LINECYC", LINECYC, 100) in rows and ("AWGAIN", AWGAIN, 0x400000) in rows
    assert all(addr != AENERGYA for _, addr, _ in rows)
    assert drv.poll() == metering.OK and abs(drv.energy_wh - 1000) <= 1
