# lanes: cpython micropython-unix
# The DS3231 model against the datasheet (Maxim DS3231: Figure 1 "Timekeeping
# Registers", "Address Map", "Clock and Calendar", "Control Register (0Eh)",
# "Status Register (0Fh)"), then the driver and the wall clock against the model.
import machine
from drivers.ds3231 import Ds3231, find_rtc
from ds3231_model import Ds3231Model
from fakeclock import FakeClock
from meter import civil
from meter.timeparse import parse_iso
from meter.wallclock import FLASH, RTC, TOKEN, UNKNOWN, WallClock, token_floor_s
from sts.keys import KeyState
from sts.tids import TidRecord

T0 = civil.to_seconds(2023, 12, 31, 23, 59, 58)  # a Sunday, two seconds before the new year


def _bus(battery=True, set_to=T0):
    clock = FakeClock(start_s=set_to)
    i2c = machine.I2C(0)
    model = Ds3231Model(clock, battery).attach(i2c)
    return clock, i2c, model


def _read_regs(i2c, start, n):
    i2c.writeto(0x68, bytes([start]))
    return i2c.readfrom(0x68, n)


# ---- the model: datasheet facts -------------------------------------------
def test_first_power_up_sets_osf_and_control_defaults():
    # Status Register: OSF is 1 the first time power is applied; EN32kHz powers up 1.
    # Control Register: power-on value 1Ch (RS2, RS1, INTCN set; EOSC 0).
    _clock, i2c, _model = _bus()
    assert _read_regs(i2c, 0x0E, 2) == bytes([0x1C, 0x88])


def test_time_registers_are_bcd_and_pointer_auto_increments():
    # Figure 1: 00h..06h BCD; Address Map: the pointer increments on each byte.
    clock, i2c, model = _bus()
    model.factory_set(T0)
    regs = _read_regs(i2c, 0x00, 7)
    assert regs[0] == 0x58 and regs[1] == 0x59 and regs[2] == 0x23  # 23:59:58
    assert regs[4] == 0x31 and regs[5] == 0x12 and regs[6] == 0x23  # 31.12.(20)23


def test_pointer_wraps_from_12h_to_00h():
    # Address Map: "when the address pointer reaches the end of the register space (12h), it wraps around to 00h".
    _clock, i2c, model = _bus()
    model.factory_set(T0)
    regs = _read_regs(i2c, 0x12, 2)
    assert regs[1] == 0x58  # the byte after 12h is the seconds register


def test_clock_counts_over_midnight_and_year_and_weekday_increments():
    # Clock and Calendar: the day-of-week register increments at midnight.
    clock, i2c, model = _bus()
    model.factory_set(T0)
    dow = _read_regs(i2c, 0x03, 1)[0]
    clock.advance_ms(3000)
    regs = _read_regs(i2c, 0x00, 7)
    assert bytes(regs) == bytes([0x01, 0x00, 0x00, dow % 7 + 1, 0x01, 0x01, 0x24])  # 2024-01-01 00:00:01


def test_century_bit_toggles_when_year_wraps():
    # Clock and Calendar: "The century bit (bit 7 of the month register) is toggled when the years register
    # overflows from 99 to 00."
    clock, i2c, model = _bus(set_to=civil.to_seconds(2099, 12, 31, 23, 59, 59))
    model.factory_set(clock.time())
    clock.advance_ms(2000)
    regs = _read_regs(i2c, 0x05, 2)
    assert regs[0] == 0x81 and regs[1] == 0x00


def test_osf_is_cleared_only_by_writing_zero():
    # Status Register: OSF "remains at logic 1 until written to logic 0"; a write cannot set it.
    _clock, i2c, model = _bus()
    i2c.writeto(0x68, bytes([0x0F, 0x88]))
    assert model.osf
    i2c.writeto(0x68, bytes([0x0F, 0x08]))
    assert not model.osf
    i2c.writeto(0x68, bytes([0x0F, 0x88]))
    assert not model.osf


def test_battery_keeps_time_across_power_cut_without_battery_it_is_lost():
    # Status Register: OSF is set when "the voltages present on both VCC and VBAT are insufficient".
    clock, _i2c, model = _bus(battery=True)
    model.factory_set(T0)
    model.power_cut()
    clock.advance_ms(3600 * 1000)
    model.power_restore()
    assert model.unix_time() == T0 + 3600 and not model.osf
    clock, _i2c, model = _bus(battery=False)
    model.factory_set(T0)
    model.power_cut()
    model.power_restore()
    assert model.osf and model.unix_time() is None  # undefined registers: no real date


# ---- the driver against the model -------------------------------------------
def test_driver_reads_time_and_refuses_it_while_osf_is_set():
    clock, i2c, model = _bus()
    rtc = Ds3231(i2c)
    assert find_rtc(i2c) == 0x68
    assert not rtc.read() and rtc.lost_power  # first power-up: not valid
    model.factory_set(T0)
    assert rtc.read() and not rtc.lost_power
    assert rtc.fields == [2023, 12, 31, 23, 59, 58]


def test_driver_set_writes_24_hour_time_and_clears_osf():
    clock, i2c, model = _bus()
    rtc = Ds3231(i2c)
    assert rtc.set(2024, 2, 29, 18, 30, 5, 4)
    assert not model.osf
    assert model.unix_time() == civil.to_seconds(2024, 2, 29, 18, 30, 5)
    assert rtc.read() and rtc.fields == [2024, 2, 29, 18, 30, 5]
    assert _read_regs(i2c, 0x0F, 1)[0] == 0x08  # EN32kHz kept, OSF cleared


def test_driver_decodes_12_hour_mode_and_rejects_illogical_dates():
    _clock, i2c, model = _bus()
    rtc = Ds3231(i2c)
    i2c.writeto(0x68, bytes([0x00, 0x00, 0x15, 0x40 | 0x20 | 0x11, 1, 0x05, 0x06, 0x24]))  # 11:15 PM
    i2c.writeto(0x68, bytes([0x0F, 0x08]))
    assert rtc.read() and rtc.fields[3:5] == [23, 15]
    i2c.writeto(0x68, bytes([0x04, 0x31, 0x02]))  # 31 February
    assert not rtc.read() and not rtc.lost_power


def test_driver_takes_the_last_day_of_each_month_and_refuses_the_day_after():
    # Figure 1: date 01-31, month 01-12, BCD (February 29 is left to the chip's leap-year rule)
    _clock, i2c, model = _bus()
    rtc = Ds3231(i2c)
    i2c.writeto(0x68, bytes([0x0F, 0x08]))  # OSF cleared: the time is valid
    for index, last in enumerate((31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)):
        month = index + 1
        for day, good in ((last, True), (last + 1, False)):
            i2c.writeto(0x68, bytes([0x04, (day // 10) << 4 | day % 10, (month // 10) << 4 | month % 10]))
            assert rtc.read() == good, (month, day)


def test_driver_reports_a_missing_chip_without_raising():
    i2c = machine.I2C(0)
    assert find_rtc(i2c) is None
    rtc = Ds3231(i2c)
    assert not rtc.read() and rtc.last_error == 19


# ---- the wall clock's sources ---------------------------------------------------
def test_wall_clock_trusts_rtc_then_flash_then_token():
    clock, i2c, model = _bus()
    model.factory_set(T0)
    wall = WallClock(clock, Ds3231(i2c), tz_offset_min=120)
    wall.start(stored_s=T0 - 100, token_s=T0 - 5000)
    assert wall.source == RTC and wall.utc() == T0
    assert wall.iso() == "2024-01-01T01:59:58+02:00"
    clock.advance_ms(10_500)
    assert wall.utc() == T0 + 10
    wall = WallClock(clock, None)
    wall.start(stored_s=T0 - 100, token_s=T0 - 5000)
    assert wall.source == FLASH and wall.utc() == T0 - 100
    wall.start(stored_s=-1, token_s=T0 - 5000)
    assert wall.source == TOKEN
    wall.start()
    assert wall.source == UNKNOWN and wall.utc() == -1 and wall.iso() == "unknown"
    assert wall.time() == clock.time()  # the board's own clock stands in for the log


def test_an_rtc_behind_the_stored_time_is_not_trusted():
    clock, i2c, model = _bus()
    model.factory_set(T0 - 3600)
    wall = WallClock(clock, Ds3231(i2c))
    wall.start(stored_s=T0)
    assert wall.source == FLASH and wall.utc() == T0 and "behind" in wall.note


def test_token_floor_from_newest_tid_and_raise():
    tids = TidRecord(8)
    keys = KeyState(7, bytes(8), 1, 2, 1, 123456, 255, 2014)
    assert token_floor_s(keys, tids) == -1
    tids.add(100)
    tids.add(5_000_000)
    assert token_floor_s(keys, tids) == civil.to_seconds(2014, 1, 1) + 5_000_000 * 60
    clock = FakeClock(start_s=0)
    wall = WallClock(clock)
    wall.start()
    assert wall.raise_to(1000) and wall.source == TOKEN and wall.utc() == 1000
    assert not wall.raise_to(900) and wall.utc() == 1000  # never backwards
    clock, i2c, model = _bus()
    model.factory_set(T0)
    wall = WallClock(clock, Ds3231(i2c))
    wall.start(token_s=T0 + 3600)  # a vending clock an hour ahead does not move a valid RTC
    assert wall.source == RTC and not wall.raise_to(T0 + 3600) and wall.utc() == T0


def test_civil_dates_round_trip_and_parse():
    for y, m, d in ((1970, 1, 1), (2000, 2, 29), (2023, 11, 14), (2100, 3, 1), (2035, 1, 1)):
        assert civil.civil_from_days(civil.days_from_civil(y, m, d)) == (y, m, d)
    assert civil.to_seconds(2023, 11, 14, 22, 13, 20) == 1_700_000_000
    assert civil.weekday(civil.days_from_civil(2023, 11, 14)) == 1  # a Tuesday
    assert parse_iso("2023-11-14T22:13:20") == 1_700_000_000
    for bad in ("2023-02-30T10:00", "yesterday", "2023-11-14T25:00"):
        try:
            parse_iso(bad)
            raise AssertionError(bad)
        except ValueError:
            pass
