# lanes: cpython micropython-unix
# Keypad driver against the matrix model (fake pins, diode-less ghosting, bounce).
import sys

import machine
from drivers.keypad import KEYS, Keypad
from fakeclock import FakeClock
from keypad_model import KeypadModel
from support.checks import raises

LONG = 0x100  # OR-ed into the event of a key held for long_ms (Keypad.get)
ROW_IDS = ("R0", "R1", "R2", "R3")
COL_IDS = ("C0", "C1", "C2", "C3")


def make(bounce_ms=0, drive_rows=True, **options):
    machine.reset_registry()
    clock = FakeClock()
    rows = [machine.Pin(p) for p in ROW_IDS]
    cols = [machine.Pin(p) for p in COL_IDS]
    model = KeypadModel(rows, cols, clock, bounce_ms=bounce_ms)
    keypad = Keypad(rows, cols, clock, drive_rows=drive_rows, **options)
    return keypad, model, clock


def run_for(keypad, clock, ms, step_ms=5):
    for _ in range(ms // step_ms):
        keypad.poll()
        clock.advance_ms(step_ms)


def drain(keypad):
    events = []
    while True:
        event = keypad.get()
        if event == -1:
            return events
        events.append(event)


def test_pins_are_configured_for_scanning():
    keypad, model, clock = make()
    for pid in ROW_IDS:
        assert machine.pin(pid).mode == machine.Pin.OPEN_DRAIN
    for pid in COL_IDS:
        pin = machine.pin(pid)
        assert pin.mode == machine.Pin.IN and pin.pull == machine.Pin.PULL_UP


def test_every_key_maps_to_its_label():
    keypad, model, clock = make()
    for key in KEYS:
        model.press(key)
        run_for(keypad, clock, 60)
        model.release(key)
        run_for(keypad, clock, 60)
        assert drain(keypad) == [ord(key)], key
    assert model.shorts == 0 and model.floating_reads == 0


def test_columns_driven_gives_the_same_keys():
    keypad, model, clock = make(drive_rows=False)
    assert machine.pin("C0").mode == machine.Pin.OPEN_DRAIN
    for key in "5D*":
        model.press(key)
        run_for(keypad, clock, 60)
        model.release(key)
        run_for(keypad, clock, 60)
    assert drain(keypad) == [ord("5"), ord("D"), ord("*")]


def test_bouncing_press_and_release_give_one_event():
    keypad, model, clock = make(bounce_ms=8, debounce_ms=30)
    for _ in range(5):
        model.press("7")
        run_for(keypad, clock, 200, step_ms=1)
        model.release("7")
        run_for(keypad, clock, 200, step_ms=1)
    assert drain(keypad) == [ord("7")] * 5


def test_bounce_alone_is_not_a_press():
    keypad, model, clock = make(bounce_ms=40, debounce_ms=30)
    model.press("1")
    run_for(keypad, clock, 10, step_ms=1)  # released while still bouncing
    model.release("1")
    run_for(keypad, clock, 200, step_ms=1)
    assert drain(keypad) == []


def test_debounce_needs_the_full_time():
    keypad, model, clock = make(debounce_ms=30)
    model.press("2")
    run_for(keypad, clock, 25)
    assert keypad.get() == -1
    run_for(keypad, clock, 15)
    assert keypad.get() == ord("2")


def test_long_press_reported_once_after_the_press():
    keypad, model, clock = make(long_ms=1500)
    model.press("*")
    run_for(keypad, clock, 1400)
    assert drain(keypad) == [ord("*")]
    run_for(keypad, clock, 3000)
    assert drain(keypad) == [ord("*") | LONG]
    model.release("*")
    run_for(keypad, clock, 100)
    assert drain(keypad) == []


def test_two_keys_in_a_row_are_both_real():
    keypad, model, clock = make()
    model.press("4", "6")
    run_for(keypad, clock, 60)
    assert sorted(drain(keypad)) == [ord("4"), ord("6")]


def test_three_keys_held_report_no_ghost():
    keypad, model, clock = make()
    # 1, 2 and 5 held: the matrix also closes the 4 <-> row 1/col 0 path.
    model.press("1", "2", "5")
    run_for(keypad, clock, 100)
    events = drain(keypad)
    assert ord("4") not in events
    assert model.shorts == 0


def test_ghost_rectangle_does_not_repeat_keys_already_held():
    keypad, model, clock = make()
    model.press("1")
    run_for(keypad, clock, 60)
    model.press("2")
    run_for(keypad, clock, 60)
    model.press("5")  # 1, 2, 5 + ghost 4 form a rectangle
    run_for(keypad, clock, 60)
    model.release("5")
    run_for(keypad, clock, 60)
    assert drain(keypad) == [ord("1"), ord("2")]


def test_model_shows_the_ghost_the_driver_hides():
    # The model really ghosts: read the matrix by hand with row 1 driven low.
    keypad, model, clock = make()
    model.press("1", "2", "5")
    machine.pin("R1").value(0)
    assert machine.pin("C0").value() == 0  # key 4 looks closed
    machine.pin("R1").value(1)


def test_stuck_key_is_one_condition():
    keypad, model, clock = make(stuck_ms=30000)
    model.press("0")
    run_for(keypad, clock, 31000, step_ms=10)
    assert keypad.stuck_key == "0"
    assert keypad.stuck_reports == 1
    run_for(keypad, clock, 30000, step_ms=10)
    assert keypad.stuck_reports == 1
    assert drain(keypad) == [ord("0"), ord("0") | LONG]
    model.press("8")  # other keys still work
    run_for(keypad, clock, 60)
    model.release("8")
    run_for(keypad, clock, 60)
    assert drain(keypad) == [ord("8")]
    model.release("0")
    run_for(keypad, clock, 60)
    assert keypad.stuck_key is None
    assert keypad.stuck_reports == 1


def test_queue_overflow_drops_newest_and_counts():
    keypad, model, clock = make(queue_len=3)
    for key in "12345":
        model.press(key)
        run_for(keypad, clock, 60)
        model.release(key)
        run_for(keypad, clock, 60)
    assert keypad.dropped == 2
    assert drain(keypad) == [ord("1"), ord("2"), ord("3")]
    model.press("9")
    run_for(keypad, clock, 60)
    assert drain(keypad) == [ord("9")]


def test_bad_configuration_is_a_clear_error():
    machine.reset_registry()
    clock = FakeClock()
    pins = [machine.Pin(i) for i in range(5)]
    raises(ValueError, Keypad, pins, pins[:4], clock)
    raises(ValueError, Keypad, pins[:4], pins[:4], clock, debounce_ms=2000)
    raises(ValueError, Keypad, pins[:4], pins[:4], clock, queue_len=0)


def test_run_coroutine_polls():
    import asyncio
    keypad, model, clock = make(debounce_ms=0)
    model.press("B")

    async def main():
        task = asyncio.create_task(keypad.run(period_ms=1))
        await asyncio.sleep(0.02)
        task.cancel()

    asyncio.run(main())
    assert keypad.get() == ord("B")


def _phases(n, seed=7):
    """n pseudo-random waits of 0-9 ms: presses fall anywhere in the scan period."""
    out = []
    for _ in range(n):
        seed = (seed * 75 + 74) % 65537
        out.append(seed % 10)
    return out


def test_default_debounce_at_a_10_ms_scan_takes_every_bouncing_press_once():
    # the datasheet's 5 ms of bounce on press and on release, presses of 40-130 ms
    keypad, model, clock = make(bounce_ms=5)
    for i, phase in enumerate(_phases(60)):
        clock.advance_ms(phase)
        model.press("5")
        run_for(keypad, clock, 40 + phase * 10, step_ms=10)
        model.release("5")
        run_for(keypad, clock, 60, step_ms=10)
        assert drain(keypad) == [ord("5")], i


def test_default_debounce_at_a_10_ms_scan_ignores_a_glitch():
    # contact closed for 4 ms and bouncing (5 ms) both ways: at most one scan sees it
    keypad, model, clock = make(bounce_ms=5)
    for i, phase in enumerate(_phases(60, seed=11)):
        clock.advance_ms(phase)
        model.press("8")
        clock.advance_ms(4)
        keypad.poll()
        model.release("8")
        run_for(keypad, clock, 60, step_ms=10)
        assert drain(keypad) == [], i


def test_set_up_runs_from_an_overlay_that_is_dropped_after_it():
    keypad, model, clock = make()
    assert "drivers.keypad_setup" not in sys.modules  # firmware/overlay.py: its heap is given back
    model.hold_mask(1 << KEYS.index("5"))  # scanned on the lines the overlay set up
    run_for(keypad, clock, 30)
    assert keypad.get() == ord("5")
    raises(ValueError, make, queue_len=0)
    assert "drivers.keypad_setup" not in sys.modules
