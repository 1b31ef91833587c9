# Measurement probe for tools/benches/bench_meter.py (not a test): runs the
# meter scenario inside a MicroPython VM and prints `@@BENCH label: value`.
import gc
import time

MARK = "@@BENCH "
FIRMWARE = ("meter.system", "meter.app", "meter.ui", "meter.console", "meter.hardware", "meter.provision",
            "store.state", "store.filedev", "sts.pipeline", "sts.sta", "sts.misty1",
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

    # key press -> LCD: the keypad model closes a contact; count simulated time
    # (scan period + debounce) and the real CPU time of scanning, UI and LCD writes.
    sim_ms = cpu_us = 0
    rig.parts.keypad.press("5")
    while rig.lcd()[0] != "5":
        rig.clock.advance_ms(10)
        sim_ms += 10
        t0 = time.ticks_us()
        rig.system.keypad_step()
        rig.system.ui_step()
        cpu_us += time.ticks_diff(time.ticks_us(), t0)
        if sim_ms > 1000:
            break
    rig.parts.keypad.release("5")
    _say("key press to LCD, simulated (scan + debounce)", sim_ms, "ms")
    _say("key press to LCD, CPU time of scan + UI + LCD write", cpu_us, "us")
    rig.press("*")

    assert rig.enter_token(credit(7_000_000, 100)) == 1
    rig.advance(3600)
    gc.collect()
    _say("heap after scenario (live, whole VM incl. device models)", gc.mem_alloc() - start, "bytes")
