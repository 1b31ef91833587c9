# lanes: cpython micropython-unix
# Datasheet facts, first as tests OF THE DEVICE MODELS (raw SPI frames, no
# driver: each test cites where the fact comes from), then the drivers held
# to the same facts against those models.
#   ATM90E26: Atmel-46002 M90E26 datasheet (register table, SPI timing).
#   ADE7953: Analog Devices ADE7953 data sheet Rev. B (Tables 13-18, register
#   format notes, communication interface).
import machine
from ade7953_model import AENERGYA, CONFIG, Ade7953Model
from atm90e26_model import APENERGY, SYSSTATUS, Atm90e26Model
from drivers import metering
from drivers.ade7953 import Ade7953
from drivers.atm90e26 import Atm90e26
from fakeclock import FakeClock
from support.checks import raises


class Bus:
    """What the models check of the MCU's SPI settings."""

    def __init__(self, baudrate, polarity=1, phase=1):
        self.baudrate, self.polarity, self.phase = baudrate, polarity, phase


def atm_frame(model, addr, value=0, read=True):
    out = [model.exchange_byte((0x80 if read else 0) | addr), model.exchange_byte(value >> 8),
           model.exchange_byte(value & 0xFF)]
    return (out[1] << 8) | out[2]


def atm_write(model, addr, value):
    atm_frame(model, addr, value, read=False)


def ade_frame(model, addr, width, value=0, read=True):
    model.exchange_byte(addr >> 8)
    model.exchange_byte(addr & 0xFF)
    model.exchange_byte(0x80 if read else 0)
    result = 0
    for i in range(width):
        result = (result << 8) | model.exchange_byte((value >> (8 * (width - 1 - i))) & 0xFF)
    return result


# ---- ATM90E26 model ---------------------------------------------------------
def test_atm_model_sysstatus_is_cleared_by_a_read():
    # Register table, SysStatus (01H): CalErr/AdjErr report a checksum mismatch
    # and the register is cleared after it is read.
    model = Atm90e26Model()
    atm_write(model, 0x20, 0x8765)  # CalStart: check CS1 (left at 0: wrong)
    assert atm_frame(model, SYSSTATUS) & 0xC000 == 0xC000
    assert atm_frame(model, SYSSTATUS) == 0
    assert not model.metering_on  # the stopped block stays stopped: only the flag is cleared


def test_atm_model_energy_registers_are_cleared_by_a_read():
    # Register table, APenergy (40H)/ANenergy (41H): "cleared after read".
    model = Atm90e26Model()
    atm_write(model, 0x20, 0x5678)
    model.set_load(2000, 230, 8.7)
    model.advance(60)
    first = atm_frame(model, APENERGY)
    assert first > 0 and atm_frame(model, APENERGY) == 0


def test_atm_model_pulse_constant_follows_plconst():
    # PLconst (21H/22H) is the energy pulse threshold: pulses per kWh are
    # inversely proportional to it.  Doubling it halves the counts of 1 kWh.
    counts = []
    for plconst in (0x0015D174, 2 * 0x0015D174):
        model = Atm90e26Model(meter_constant=3200)
        atm_write(model, 0x20, 0x5678)
        atm_write(model, 0x21, plconst >> 16)
        atm_write(model, 0x22, plconst & 0xFFFF)
        model.set_load(1000, 230, 4.35)
        model.advance(3600)
        counts.append(atm_frame(model, APENERGY))
    assert counts == [32000, 16000]  # 3200 imp/kWh at the default, 0.1 pulse per LSB


def test_atm_model_records_ugain_bit15_and_lgain_outside_half():
    # Register table: Ugain (31H) bit 15 must be 0; Lgain (23H) within +-50 %.
    model = Atm90e26Model()
    atm_write(model, 0x31, 0x7FFF)
    atm_write(model, 0x23, 0x4000)
    atm_write(model, 0x23, 0xC000)  # -0x4000
    assert model.violations == []
    atm_write(model, 0x31, 0x83C5)
    atm_write(model, 0x23, 0x4001)
    atm_write(model, 0x23, 0xBFFF)
    assert len(model.violations) == 3 and "Ugain" in model.violations[0]


def test_atm_model_needs_sclk_high_of_3_67_us():
    # SPI timing: SCLK high time >= 3.67 us; at a 50 % duty cycle that is
    # at most 1 / (2 * 3.67 us) = 136.2 kHz.
    assert 136_000 <= Atm90e26Model.MAX_BAUDRATE <= 136_300
    slow = Atm90e26Model(spi=Bus(136_000))
    assert atm_frame(slow, 0x02) == 0x000C  # FuncEn's power-on value
    fast = Atm90e26Model(spi=Bus(160_000))
    assert [atm_frame(fast, 0x02) for _ in range(4)] != [0x000C] * 4


# ---- ATM90E26 driver against those facts ---------------------------------------
def atm_driver(calibration=None, **options):
    machine.reset_registry()
    cs = machine.Pin("atm_cs", machine.Pin.OUT, value=1)
    spi = machine.SPI(1)  # mode 0 at 1 MHz: the driver sets mode 3 and its own speed (configure_bus)
    model = Atm90e26Model(cs=cs, spi=spi)
    spi.attach(model)
    drv = Atm90e26(spi, cs, FakeClock(), calibration=calibration, configure_bus=True, **options)
    assert drv.begin(), drv.fault
    return drv, model


def test_atm_driver_clock_is_within_the_sclk_high_time():
    drv, model = atm_driver()
    assert 0 < drv._spi.baudrate <= Atm90e26Model.MAX_BAUDRATE and model.violations == []
    for name in ("rpi_pico", "esp32_devkitc"):
        assert __import__(name).SPI_BAUD <= Atm90e26Model.MAX_BAUDRATE, name


def test_atm_driver_refuses_ugain_bit15_and_lgain_beyond_half():
    drv, model = atm_driver()
    err = raises(ValueError, drv.apply_calibration, {"Ugain": 0x83C5})
    assert "bit 15" in str(err)
    err = raises(ValueError, drv.apply_calibration, {"Lgain": 0x4001})
    assert "50 %" in str(err)
    assert raises(ValueError, Atm90e26, drv._spi, drv._cs, FakeClock(), {"Lgain": 0xBFFF})
    assert drv.apply_calibration({"Lgain": 0xC000, "Ugain": 0x7FFF})  # the limits themselves are legal
    assert model.violations == []
    assert drv.calibration["Ugain"] == 0x7FFF


def test_atm_calibration_that_would_leave_the_legal_range_refuses():
    drv, model = atm_driver()
    model.set_load(2000, 30, 8.7)  # the voltage reads far too low: Ugain would need bit 15
    model.advance(1)
    assert "outside" in str(raises(ValueError, drv.calibrate_voltage, 23000))
    model.set_load(1000, 230, 4.35)
    model.advance(1)
    assert "50 %" in str(raises(ValueError, drv.calibrate_power, 2100))  # +110 %
    assert drv.calibrate_power(1400) == {"Lgain": 0x3333}  # +40 %: fine
    assert model.violations == []


def test_atm_energy_units_follow_the_plconst_the_driver_programs():
    drv, model = atm_driver()
    doubled = 2 * 0x0015D174
    assert drv.apply_calibration({"PLconstH": doubled >> 16, "PLconstL": doubled & 0xFFFF})
    model.set_load(1000, 230, 4.35)
    for _ in range(60):
        model.advance(60)
        assert drv.poll() == metering.OK, drv.fault
    assert drv.energy_wh == 1000  # not 500: the pulse constant halved with PLconst
    err = raises(ValueError, drv.apply_calibration, {"PLconstL": 0xD175})
    assert "PLconst" in str(err)
    assert drv.calibration["PLconstL"] == doubled & 0xFFFF  # nothing changed


def test_atm_checksum_error_survives_the_clear_on_read_and_reporting():
    drv, model = atm_driver()
    model.regs[0x2C] ^= 1  # CS1 no longer matches (a flipped bit inside the chip)
    atm_write(model, 0x20, 0x8765)
    assert "SysStatus errors 0xC000" in drv.identity()  # the read that cleared it is remembered
    assert drv.poll() == metering.FAULT_CHECKSUM
    assert drv.poll() == metering.FAULT_CHECKSUM
    assert ("SysStatus", 0x01, 0xC000) in drv.regdump()


# ---- ADE7953 model ------------------------------------------------------------
def test_ade_model_energy_register_is_signed_24_bit():
    # Register notes: signed registers are two's complement; AENERGYA (0x21E)
    # is signed, so one count of reverse energy reads 0xFFFFFF.
    model = Ade7953Model(wh_counts=1000)
    model.set_load(-3.6, 230, 0.016, pf=-1.0)
    model.advance(1)  # 3.6 W for 1 s = 1 mWh = one count at 1000 counts/Wh
    assert ade_frame(model, AENERGYA, 3) == 0xFFFFFF


def test_ade_model_config_resets_unlocked_and_locks_once():
    # Table 18 (CONFIG, 0x102): resets to 0x8004; bit 15 COMM_LOCK set = not
    # locked.  Clearing it locks the interface in use until a reset.
    model = Ade7953Model()
    assert ade_frame(model, CONFIG, 2) == 0x8004 and not model.comm_locked
    ade_frame(model, CONFIG, 2, 0x0004, read=False)
    assert ade_frame(model, CONFIG, 2) == 0x0004 and model.comm_locked
    ade_frame(model, CONFIG, 2, 0x8004, read=False)
    assert model.comm_locked  # the lock is not undone by a write
    model.interface_noise()
    assert ade_frame(model, CONFIG, 2) == 0x0004  # locked: still answering on SPI


def test_ade_model_unlocked_interface_is_lost_to_pin_noise():
    model = Ade7953Model()
    model.interface_noise()
    assert [ade_frame(model, CONFIG, 2) for _ in range(4)] != [0x8004] * 4
    model.trigger_reset()
    assert ade_frame(model, CONFIG, 2) == 0x8004


# ---- ADE7953 driver against those facts --------------------------------------
def ade_driver():
    machine.reset_registry()
    cs = machine.Pin("ade_cs", machine.Pin.OUT, value=1)
    spi = machine.SPI(1, baudrate=1000000, polarity=1, phase=1)
    model = Ade7953Model(cs=cs, spi=spi)
    spi.attach(model)
    drv = Ade7953(spi, cs, FakeClock())
    assert drv.begin(), drv.fault
    return drv, model


def test_ade_driver_locks_the_interface_and_keeps_it_through_noise():
    drv, model = ade_driver()
    assert model.comm_locked
    model.interface_noise()
    model.set_load(1000, 230, 4.35)
    model.advance(1)
    assert drv.poll() == metering.OK, drv.fault


def test_ade_all_ones_energy_is_minus_one_count_not_a_dead_bus():
    drv, model = ade_driver()
    model.set_load(-3.6, 230, 0.016, pf=-1.0)
    for _ in range(20):
        model.advance(1)
        assert drv.poll() == metering.OK, drv.fault
    assert drv._rem_rev == 20 and drv.energy_wh == 0  # 20 counts of reverse energy, in mWh
    model.set_fault("stuck_high")  # a real dead bus is still one
    model.advance(1)
    assert drv.poll() == metering.FAULT_BUS


def test_ade_reset_is_seen_by_the_lock_bit_coming_back():
    drv, model = ade_driver()
    model.trigger_reset()
    assert metering.status_name(drv.poll()) == "ic reset"
    assert model.comm_locked and drv.poll() == metering.OK


# ---- the second current channel and reverse flow (tamper detection) --------
def test_atm_model_has_an_n_line_current_channel():
    # N line measurement registers: IrmsN (68H), 1 mA per LSB, scaled by IgainN (33H).
    model = Atm90e26Model()
    atm_write(model, 0x30, 0x5678)  # measurement running
    model.set_load(2300, 230, 10.0)
    assert atm_frame(model, 0x68) == 10000  # the live current comes back on N
    model.set_neutral(6000)
    assert atm_frame(model, 0x68) == 6000 and atm_frame(model, 0x48) == 10000


def test_drivers_report_neutral_current_and_reverse_power():
    drv, model = atm_driver()
    model.set_load(-800, 230, 3.48)
    model.set_neutral(1200)
    model.advance(60)
    assert drv.poll() == metering.OK, drv.fault
    assert drv.power_w == -800 and drv.current_ma == 3480 and drv.neutral_ma == 1200
    assert drv.reverse_energy_wh == 13  # 800 W for 60 s
    drv, model = ade_driver()
    model.set_load(-800, 230, 3.48)
    model.set_neutral(1200)
    model.advance(60)
    assert drv.poll() == metering.OK, drv.fault
    assert drv.power_w < -790 and abs(drv.current_ma - 3480) <= 2 and abs(drv.neutral_ma - 1200) <= 2
