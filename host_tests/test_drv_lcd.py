# lanes: cpython micropython-unix
# HD44780 driver + PCF8574 transport against the LCD model on the fake I2C bus.
import machine
from drivers.hd44780 import HD44780
from drivers.pcf8574 import Pcf8574Transport, find_lcd
from fakeclock import FakeClock
from lcd_model import LcdModel
from support.checks import raises

LOCK_GLYPH = (0x0E, 0x11, 0x11, 0x1F, 0x1B, 0x1B, 0x1F, 0x00)


def make(cols=16, rows=2, addr=0x27, bus_hz=100000):
    clock = FakeClock()
    i2c = machine.I2C(0)
    model = LcdModel(cols, rows, clock, bus_hz=bus_hz).attach(i2c, addr)
    lcd = HD44780(Pcf8574Transport(i2c, addr), clock, cols, rows)
    return lcd, model, clock, i2c


def test_init_sequence_is_decoded_by_the_model():
    lcd, model, clock, i2c = make()
    assert lcd.init() is True and lcd.online
    assert model.faults == []
    assert model.four_bit and model.function_set and model.two_lines
    assert model.display_on and not model.cursor_on and model.increment
    assert model.visible_lines() == [" " * 16, " " * 16]
    assert clock.slept_us >= 40000 + 4100 + 1520


def test_init_too_soon_after_power_on_is_flagged():
    clock = FakeClock()
    i2c = machine.I2C(0)
    model = LcdModel(clock=clock).attach(i2c)
    transport = Pcf8574Transport(i2c, 0x27)
    transport.write_init_nibble(0x3)  # no 40 ms power-on wait
    assert model.faults and "too early" in model.faults[0]


def test_init_without_waits_is_flagged():
    clock = FakeClock()
    clock.advance_ms(100)
    i2c = machine.I2C(0)
    model = LcdModel(clock=clock).attach(i2c)
    clock.advance_ms(100)
    transport = Pcf8574Transport(i2c, 0x27)
    for nibble in (3, 3, 3, 2):
        transport.write_init_nibble(nibble)
    assert any("too early" in f for f in model.faults)


def test_command_before_init_sequence_is_rejected():
    clock = FakeClock()
    i2c = machine.I2C(0)
    model = LcdModel(clock=clock).attach(i2c)
    clock.advance_ms(100)
    Pcf8574Transport(i2c, 0x27).write_data(ord("A"))
    assert model.faults and "init sequence" in model.faults[0]
    assert model.ddram[0] == 0x20


def test_write_line_shows_exact_text_padded_and_truncated():
    lcd, model, clock, i2c = make()
    lcd.init()
    assert lcd.write_line(0, "Credit 12.50")
    assert lcd.write_line(1, "Enter token: 1234567890")
    assert model.visible_lines() == ["Credit 12.50    ", "Enter token: 123"]
    lcd.write_line(0, "OK")
    assert model.visible_lines()[0] == "OK" + " " * 14
    assert model.faults == []


def test_20x4_rows_land_on_their_ddram_addresses():
    lcd, model, clock, i2c = make(cols=20, rows=4)
    lcd.init()
    texts = ["row zero", "row one", "row two", "row three is longer than twenty"]
    for row, text in enumerate(texts):
        lcd.write_line(row, text)
    assert model.visible_lines() == [(t + " " * 20)[:20] for t in texts]
    assert bytes(model.ddram[0x14:0x1C]) == b"row two "
    assert bytes(model.ddram[0x54:0x5C]) == b"row thre"
    lcd.move_to(19, 3)
    lcd.write("!")
    assert model.visible_lines()[3][19] == "!"
    assert model.faults == []


def test_move_to_and_write_place_characters():
    lcd, model, clock, i2c = make()
    lcd.init()
    lcd.move_to(5, 1)
    lcd.write("kWh")
    assert model.visible_lines()[1] == "     kWh        "
    raises(ValueError, lcd.move_to, 16, 0)
    raises(ValueError, lcd.write_line, 2, "x")


def test_custom_char_is_stored_and_shown():
    lcd, model, clock, i2c = make()
    lcd.init()
    lcd.move_to(3, 0)
    assert lcd.define_char(2, LOCK_GLYPH)
    lcd.write("\x02 locked")  # continues where the text was before define_char
    assert model.glyph(2) == bytes(LOCK_GLYPH)
    assert model.visible_lines()[0] == "   \x02 locked" + " " * 5
    raises(ValueError, lcd.define_char, 8, LOCK_GLYPH)
    raises(ValueError, lcd.define_char, 0, LOCK_GLYPH[:7])
    raises(ValueError, lcd.define_char, 0, (0x20,) * 8)
    assert model.faults == []


def test_unprintable_characters_become_question_marks_and_bytes_pass_through():
    lcd, model, clock, i2c = make()
    lcd.init()
    lcd.write_line(0, "a\u00e9b\tc")
    lcd.write_line(1, b"25\xdfC")
    assert model.visible_lines()[0].startswith("a?b?c")
    assert bytes(model.ddram[0x40:0x44]) == b"25\xdfC"


def test_backlight_and_cursor():
    lcd, model, clock, i2c = make()
    lcd.init()
    assert model.backlight
    lcd.backlight(False)
    assert not model.backlight
    lcd.write_line(0, "dark")
    assert not model.backlight  # later writes keep it off
    lcd.backlight(True)
    assert model.backlight
    lcd.show_cursor(True)
    assert model.cursor_on and model.display_on
    lcd.move_to(4, 1)
    assert model.cursor() == (4, 1)
    lcd.show_cursor(False)
    assert not model.cursor_on


def test_clear_and_home_wait_long_enough():
    lcd, model, clock, i2c = make(bus_hz=400000)
    lcd.init()
    lcd.write_line(0, "something")
    lcd.clear()
    lcd.write("x")
    lcd.home()
    lcd.write("y")
    assert model.visible_lines()[0] == "y" + " " * 15
    assert model.faults == []


def test_find_lcd_scans_both_addresses():
    i2c = machine.I2C(0)
    assert find_lcd(i2c) is None
    LcdModel().attach(i2c, 0x3F)
    assert find_lcd(i2c) == 0x3F
    LcdModel().attach(i2c, 0x27)
    assert find_lcd(i2c) == 0x27  # both answer: the PCF8574's address first


def test_lcd_at_0x3f_works():
    lcd, model, clock, i2c = make(addr=0x3F)
    assert find_lcd(i2c) == 0x3F
    lcd.init()
    lcd.write_line(1, "hello")
    assert model.visible_lines()[1].startswith("hello")


def test_absent_lcd_is_a_clear_condition_not_a_crash():
    clock = FakeClock()
    i2c = machine.I2C(0)  # nothing at 0x27 or 0x3F
    assert find_lcd(i2c) is None
    lcd = HD44780(Pcf8574Transport(i2c, 0x27), clock)
    assert lcd.init() is False
    assert not lcd.online and lcd.errors == 1 and lcd.last_error == 19
    assert lcd.write_line(0, "x") is False
    assert lcd.clear() is False and lcd.backlight(True) is False
    assert lcd.errors == 1  # offline: no bus traffic, no further errors


def test_lcd_unplugged_mid_run_goes_offline_and_recovers():
    lcd, model, clock, i2c = make()
    lcd.init()
    del i2c.devices[0x27]
    assert lcd.write_line(0, "lost") is False
    assert not lcd.online and lcd.errors == 1
    model.power_on()
    i2c.attach(0x27, model)
    assert lcd.init() is True
    lcd.write_line(0, "back")
    assert model.visible_lines()[0].startswith("back")


def test_scan_failure_counts_as_absent():
    class StuckBus:
        def scan(self):
            raise OSError(110)

    assert find_lcd(StuckBus()) is None


class _BitFlipBus:
    """An I2C bus that corrupts one port bit on the way: the model must notice."""

    def __init__(self, inner, mask):
        self.inner = inner
        self.mask = mask

    def writeto(self, addr, buf):
        return self.inner.writeto(addr, bytes(b ^ self.mask for b in buf))


def test_a_wrong_bit_on_the_bus_fails():
    for mask in (0x01, 0x04, 0x10, 0x80):  # RS, E, D4, D7
        clock = FakeClock()
        i2c = machine.I2C(0)
        model = LcdModel(clock=clock, bus_hz=100000).attach(i2c)
        lcd = HD44780(Pcf8574Transport(_BitFlipBus(i2c, mask), 0x27), clock)
        lcd.init()
        lcd.write_line(0, "Credit 12.50")
        assert model.faults or model.visible_lines()[0] != "Credit 12.50    ", hex(mask)


def test_bad_geometry_is_refused():
    raises(ValueError, HD44780, None, None, 16, 3)
    raises(ValueError, HD44780, None, None, 41, 1)


# ---- bus time: the model's timing facts (datasheets), then the driver's cost ----
def test_model_bus_time_is_nine_clocks_a_byte_plus_start_stop():
    # UM10204: 8 bits + acknowledge per byte, address byte first; standard mode
    # tHD;STA 4.0 + tSU;STO 4.0 + tBUF 4.7 us around each write.
    for bus_hz, byte_ns, frame_ns in ((100000, 90000, 12700), (400000, 22500, 2500)):
        clock = FakeClock()
        i2c = machine.I2C(0)
        model = LcdModel(clock=clock, bus_hz=bus_hz).attach(i2c)
        before = clock.ticks_us()
        i2c.writeto(0x27, bytes(6))
        assert clock.ticks_us() - before == (7 * byte_ns + frame_ns) // 1000
        assert model.write_us(1) == (2 * byte_ns + frame_ns) // 1000


def test_model_port_follows_each_data_byte():
    # PCF8574: the outputs change after the acknowledge of each data byte, so
    # three bytes are three port states: E rises and falls inside one write.
    lcd, model, clock, i2c = make()
    lcd.init()
    writes = model.port_writes
    i2c.writeto(0x27, bytes((0x49, 0x4D, 0x49)))  # 'I' high nibble with RS: setup, E high, E low
    assert model.port_writes - writes == 3
    assert model._pending >= 0  # the falling edge latched a nibble


def test_a_character_costs_two_nibbles_of_three_port_writes_each():
    # HD44780 4-bit mode: a byte is two nibbles, each latched by an E pulse
    # (setup, E high, E low): 6 port bytes in one I2C write, 642.7 us at 100 kHz.
    lcd, model, clock, i2c = make()
    lcd.init()
    lcd.move_to(0, 0)
    writes, ports = model.i2c_writes, model.port_writes
    before = clock.ticks_us()
    lcd.write("A")
    assert (model.i2c_writes - writes, model.port_writes - ports) == (1, 6)
    assert clock.ticks_us() - before == model.write_us(6) == 642


def _bus_us(model, clock, fn):
    before = clock.ticks_us()
    writes = model.i2c_writes
    fn()
    return clock.ticks_us() - before, model.i2c_writes - writes


def test_write_line_sends_only_the_cells_that_changed():
    lcd, model, clock, i2c = make()
    lcd.init()
    full_us, full = _bus_us(model, clock, lambda: lcd.write_line(0, "Credit 0.0kWh"))
    assert full == 13  # after init the counter is at the row's first cell; the padding is already blank
    assert full_us == full * 642
    assert _bus_us(model, clock, lambda: lcd.write_line(0, "Credit 0.0kWh"))[1] == 0
    # one digit typed: one address command and one character
    lcd.write_line(0, "1234 5")
    assert _bus_us(model, clock, lambda: lcd.write_line(0, "1234 56"))[1] == 2
    # two runs of changes: the counter moves once per run, not per cell
    assert _bus_us(model, clock, lambda: lcd.write_line(0, "9234 57"))[1] == 4
    assert model.visible_lines()[0] == "9234 57" + " " * 9
    # the counter already points after the last cell written: no address command
    assert _bus_us(model, clock, lambda: lcd.write_line(0, "9234 5789"))[1] == 2
    assert model.visible_lines()[0] == "9234 5789" + " " * 7
    assert model.faults == []


def test_invalidate_and_write_make_the_next_line_complete():
    lcd, model, clock, i2c = make()
    lcd.init()
    lcd.write_line(1, "Relay on")
    lcd.invalidate()
    assert _bus_us(model, clock, lambda: lcd.write_line(1, "Relay on"))[1] == 1 + 16
    lcd.move_to(0, 1)
    lcd.write("X")  # text at the cursor is not tracked cell by cell
    lcd.write_line(1, "Relay on")
    assert model.visible_lines()[1] == "Relay on" + " " * 8


def test_a_controller_reset_behind_the_drivers_back_is_repaired_by_invalidate():
    lcd, model, clock, i2c = make()
    lcd.init()
    lcd.write_line(0, "Credit 9.0kWh")
    for i in range(len(model.ddram)):  # noise on the supply scrambled the controller's RAM
        model.ddram[i] = 0x2A
    lcd.write_line(0, "Credit 9.0kWh")
    assert model.visible_lines()[0] != "Credit 9.0kWh   "  # the driver believes it is shown
    lcd.invalidate()
    lcd.write_line(0, "Credit 9.0kWh")
    assert model.visible_lines()[0] == "Credit 9.0kWh   "


def test_after_a_bus_error_and_init_every_row_is_written_again():
    lcd, model, clock, i2c = make()
    lcd.init()
    lcd.write_line(0, "before")
    del i2c.devices[0x27]
    assert lcd.write_line(0, "lost") is False
    model.power_on()  # the display lost its contents too
    i2c.attach(0x27, model)
    assert lcd.init()
    lcd.write_line(0, "before")
    lcd.write_line(1, "")
    assert model.visible_lines() == ["before" + " " * 10, " " * 16]
    assert model.faults == []
