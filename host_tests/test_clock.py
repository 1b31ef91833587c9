# lanes: cpython micropython-unix micropython-wasm32
from clock import SystemClock, ticks_diff
from fakeclock import FakeClock


def test_ticks_diff_handles_wraparound():
    period = 1 << 29
    assert ticks_diff(5, period - 5) == 10
    assert ticks_diff(period - 5, 5) == -10
    assert ticks_diff(1000, 400) == 600


def test_system_clock_ticks_move_forward():
    clock = SystemClock()
    start = clock.ticks_ms()
    clock.sleep_ms(2)
    assert clock.ticks_diff(clock.ticks_ms(), start) >= 1
    assert isinstance(clock.time(), int)


def test_fake_clock_only_moves_when_told():
    clock = FakeClock(start_s=500)
    assert clock.ticks_ms() == 0
    clock.advance_ms(1500)
    assert clock.ticks_ms() == 1500
    assert clock.time() == 501
    clock.sleep_us(250)
    assert clock.slept_us == 250
    assert clock.ticks_us() == 1500250
