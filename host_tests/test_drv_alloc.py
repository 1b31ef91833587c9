# lanes: micropython-unix micropython-wasm32
# Steady-state allocation of the keypad scan and the LCD line write (32-bit VM:
# small ints are 31-bit there, as on ESP32/RP2040).  Skipped on CPython.
import machine
from drivers.hd44780 import HD44780
from drivers.keypad import KEYS, Keypad
from drivers.pcf8574 import Pcf8574Transport
from fakeclock import FakeClock
from keypad_model import KeypadModel
from lcd_model import LcdModel
from support.alloc import assert_no_alloc

KEY_5 = 1 << KEYS.index("5")
KEY_STAR = 1 << KEYS.index("*")


def _keypad():
    machine.reset_registry()
    clock = FakeClock()
    rows = [machine.Pin("R%d" % i) for i in range(4)]
    cols = [machine.Pin("C%d" % i) for i in range(4)]
    model = KeypadModel(rows, cols, clock)
    return Keypad(rows, cols, clock), model, clock


def test_keypad_idle_poll_allocates_nothing():
    keypad, model, clock = _keypad()

    def poll():
        keypad.poll()
        clock.advance_ms(10)

    assert_no_alloc(poll, warmup=3)


def test_keypad_press_long_press_and_release_allocate_nothing():
    keypad, model, clock = _keypad()
    events = [0, 0]

    def one_press_cycle():
        model.hold_mask(KEY_STAR)
        for _ in range(200):  # 2 s: press event, then the long-press event
            keypad.poll()
            clock.advance_ms(10)
        model.hold_mask(0)
        for _ in range(10):
            keypad.poll()
            clock.advance_ms(10)
        events[0] = keypad.get()
        events[1] = keypad.get()

    assert_no_alloc(one_press_cycle)
    assert events == [ord("*"), ord("*") | 0x100]


def test_keypad_poll_with_a_key_held_allocates_nothing():
    keypad, model, clock = _keypad()
    model.hold_mask(KEY_5)
    for _ in range(10):
        keypad.poll()
        clock.advance_ms(10)

    def poll():
        keypad.poll()
        clock.advance_ms(10)

    assert_no_alloc(poll)
    assert keypad.get() == ord("5")


class _PassThroughBus:
    """Hands the driver's own buffer to the model (the fake I2C copies it)."""

    def __init__(self, model):
        self.model = model

    def writeto(self, addr, buf):
        self.model.i2c_write(buf)
        return len(buf)


def _lcd(cols=16, rows=2):
    clock = FakeClock()
    model = LcdModel(cols, rows, clock, bus_hz=100000)
    lcd = HD44780(Pcf8574Transport(_PassThroughBus(model), 0x27), clock, cols, rows)
    assert lcd.init()
    return lcd, model


def test_lcd_write_line_allocates_nothing():
    lcd, model = _lcd()
    text = "Credit 1234.5 kWh"

    def write():
        lcd.write_line(1, text)

    assert_no_alloc(write)
    assert model.visible_lines()[1] == text[:16]
    assert model.faults == []


def test_lcd_write_line_of_changed_cells_allocates_nothing():
    lcd, model = _lcd()
    texts = ("1234 5678 9012  ", "1234 5678 9013  ", "Credit 12.5kWh  ")
    sent = [0]

    def write_changes():
        before = model.data_writes
        for text in texts:  # one cell changes, then most of the row
            lcd.write_line(0, text)
        sent[0] = model.data_writes - before

    assert_no_alloc(write_changes)
    assert sent[0] > 2  # cells were really sent on every round
    assert model.visible_lines()[0] == texts[2]
    assert model.faults == []


def test_lcd_write_line_of_bytes_on_20x4_allocates_nothing():
    lcd, model = _lcd(20, 4)
    text = b"\x01 0123 4567 8901 2345"

    def write():
        lcd.write_line(3, text)

    assert_no_alloc(write)
    assert model.visible_lines()[3] == "\x01 0123 4567 8901 234"


def test_rtc_read_allocates_nothing():
    from drivers.ds3231 import Ds3231
    from support.regbus import REGISTERS, Ds3231RegisterBus

    regs = bytearray(REGISTERS)
    regs[0:7] = bytes([0x45, 0x59, 0x23, 0x03, 0x31, 0x12, 0x99])  # 2099-12-31 23:59:45
    regs[0x0F] = 0x08  # OSF clear
    rtc = Ds3231(Ds3231RegisterBus(regs))

    def read():
        rtc.read()

    assert_no_alloc(read)
    assert rtc.read() and rtc.fields == [2099, 12, 31, 23, 59, 45]


def test_buzzer_tick_allocates_nothing():
    from drivers import buzzer as sounds
    from drivers.buzzer import Buzzer

    machine.reset_registry()
    clock = FakeClock()
    pwm = machine.PWM(machine.Pin("BZ", machine.Pin.OUT))
    buzzer = Buzzer(pwm, clock)
    buzzer.play(sounds.RELAY_WARNING, -1)

    def tick():  # a second of 50 ms ticks: several step boundaries
        for _ in range(20):
            clock.advance_ms(50)
            buzzer.tick()

    assert_no_alloc(tick, warmup=3)
    assert buzzer.on and pwm.changes > 0
