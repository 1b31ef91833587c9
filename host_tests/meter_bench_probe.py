# Measurement probe for tools/benches/bench_meter.py (not a test): runs the
# meter scenario inside a MicroPython VM and prints `@@BENCH label: value`.
import gc

MARK = "@@BENCH "
FIRMWARE = ("meter.system", "meter.app", "meter.ui", "meter.console", "meter.hardware", "meter.provision",
            "store.state", "sts.pipeline", "sts.sta", "sts.misty1",
            "drivers.keypad", "drivers.hd44780", "drivers.pcf8574", "drivers.relay", "drivers.atm90e26")


def _say(label, value, unit):
    print(MARK + "%s: %s %s" % (label, value, unit))


def test_probe():
    gc.collect()
    start = gc.mem_alloc()
    for name in FIRMWARE:
        __import__(name)
    gc.collect()
    _say("firmware modules imported", gc.mem_alloc() - start, "bytes of heap")

    import vfs

    if not hasattr(vfs, "VfsLfs2"):  # the wasm VM has no littlefs: the meter cannot boot there
        return
    from support.rig import Rig
    from support.vend import credit

    gc.collect()
    before_rig = gc.mem_alloc()
    rig = Rig(load_w=2000)
    gc.collect()
    _say("meter booted (state, drivers, UI; models excluded by difference)", gc.mem_alloc() - before_rig, "bytes")

    _key_to_lcd(rig)

    assert rig.enter_token(credit(7_000_000, 100)) == 1
    rig.advance(3600)
    gc.collect()
    _say("heap after scenario (live, whole VM incl. device models)", gc.mem_alloc() - start, "bytes")


def _key_to_lcd(rig):
    """Key press to LCD on the firmware's task schedule (support.schedule):
    the keypad model closes a contact (bouncing 5 ms, as membrane keypad
    datasheets allow) at a pseudo-random point of the 10 ms scan period; the
    time runs until the LCD model's glass shows the whole screen the key made,
    I2C bus time included (100 kHz).  Keys: a token typed from the main
    screen, '#' and its result, 'B', and a short code."""
    from support.schedule import Schedule
    from support.vend import credit

    run = Schedule(rig)
    seed = 12345
    times = []
    for key in credit(6_999_990, 10) + "#B#01#":
        seed = (seed * 75 + 74) % 65537
        shown = run.press(key, phase_us=seed % 10000)
        if shown is not None:
            times.append(shown)
        run.run_ms(4000 if key == "#" else 0)
    times.sort()
    for name, us in (("min", times[0]), ("median", times[len(times) // 2]), ("max", times[-1])):
        _say("key_to_lcd_ms_" + name, "%d.%d" % (us // 1000, us % 1000 // 100), "ms (%d key presses)" % len(times))
    run.press("*")
