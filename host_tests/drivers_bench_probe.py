# Measurement probe for tools/benches/bench_drivers.py (not a test file: pytest
# does not collect it).  Runs inside the MicroPython VMs; prints "@@BENCH" lines.
import gc
import time

import machine
from drivers.hd44780 import HD44780
from drivers.keypad import KEYS, Keypad
from drivers.pcf8574 import Pcf8574Transport
from fakeclock import FakeClock
from keypad_model import KeypadModel

MARK = "@@BENCH "


class CountingBus:
    """I2C stand-in that only counts bytes: the driver's own cost, no model."""

    def __init__(self):
        self.bytes = 0

    def writeto(self, addr, buf):
        self.bytes += len(buf)
        return len(buf)


def _keypad(raw_pins):
    machine.reset_registry()
    clock = FakeClock()
    rows = [machine.Pin("R%d" % i) for i in range(4)]
    cols = [machine.Pin("C%d" % i) for i in range(4)]
    model = None if raw_pins else KeypadModel(rows, cols, clock)
    return Keypad(rows, cols, clock), model, clock


def _lcd():
    bus = CountingBus()
    lcd = HD44780(Pcf8574Transport(bus, 0x27), FakeClock())
    lcd.init()
    return lcd, bus


def _per_call_us(fn, runs):
    fn()
    t0 = time.ticks_us()
    for _ in range(runs):
        fn()
    return time.ticks_diff(time.ticks_us(), t0) / runs


def _allocated(fn, runs):
    fn()
    gc.collect()
    gc.disable()
    before = gc.mem_alloc()
    for _ in range(runs):
        fn()
    after = gc.mem_alloc()
    gc.enable()
    return after - before


def _rtc_and_buzzer(runs):
    from drivers import buzzer as sounds
    from drivers.buzzer import Buzzer
    from drivers.ds3231 import Ds3231
    from support.regbus import REGISTERS, Ds3231RegisterBus

    regs = bytearray(REGISTERS)
    regs[0:7] = bytes([0x45, 0x59, 0x23, 0x03, 0x31, 0x12, 0x24])  # 2024-12-31 23:59:45
    regs[0x0F] = 0x08  # OSF clear
    rtc = Ds3231(Ds3231RegisterBus(regs))
    clock = FakeClock()
    buzzer = Buzzer(machine.PWM(machine.Pin("BZ", machine.Pin.OUT)), clock)
    buzzer.play(sounds.RELAY_WARNING, -1)

    def read():
        rtc.read()

    def tick():
        clock.advance_ms(50)
        buzzer.tick()

    return [
        ("rtc read (register bus)", _per_call_us(read, runs // 10), "us"),
        ("rtc read x100 allocated", _allocated(read, 100), "bytes"),
        ("buzzer tick, pattern playing", _per_call_us(tick, runs), "us"),
        ("buzzer tick x1000 allocated", _allocated(tick, 1000), "bytes"),
    ]


def test_probe(runs=2000):
    keypad, _, clock = _keypad(raw_pins=True)
    lcd, bus = _lcd()
    text = "Credit 1234.5kWh"

    def poll():
        keypad.poll()
        clock.advance_ms(10)

    def write_line():
        lcd.write_line(1, text)

    figures = [
        ("keypad poll, no key (bare fake pins)", _per_call_us(poll, runs), "us"),
        ("lcd write_line 16 chars (counting bus)", _per_call_us(write_line, runs // 10), "us"),
    ]
    held, model, clock2 = _keypad(raw_pins=False)
    model.hold_mask(1 << KEYS.index("5"))

    def poll_held():
        held.poll()
        clock2.advance_ms(10)

    figures.append(("keypad poll, key held (matrix model)", _per_call_us(poll_held, runs // 10), "us"))
    figures.append(("keypad poll x1000 allocated", _allocated(poll, 1000), "bytes"))
    figures.append(("keypad poll with key held x100 allocated", _allocated(poll_held, 100), "bytes"))
    figures.append(("lcd write_line x100 allocated", _allocated(write_line, 100), "bytes"))
    bus.bytes = 0
    write_line()
    figures.append(("lcd write_line i2c payload", bus.bytes, "bytes"))
    figures += _rtc_and_buzzer(runs)
    for label, value, unit in figures:
        if isinstance(value, float):
            value = "%.1f" % value
        print("%s%s: %s %s" % (MARK, label, value, unit))
