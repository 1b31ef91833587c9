# lanes: cpython micropython-unix
# mp-heapsize: 157wK
# mp-compiled: yes
# 168wK (was 160wK): with tamper detection loaded, the vending tables' 4 KB
# block no longer found room at import in this VM.
# Key press to LCD on the firmware's task schedule (support.schedule mirrors
# System.run): the keypad task wakes the UI task on a key event, and only the
# changed cells cross the 100 kHz I2C bus.  Simulated time, so exact.
from meter.system import KEYPAD_MS, UI_MS
from support.rig import Rig
from support.schedule import Schedule
from support.vend import credit

DEBOUNCE_MS = 10
BOUNCE_MS = 5  # the rig's keypad model, as membrane keypad datasheets allow
CHAR_US = 643  # one HD44780 byte through the PCF8574 at 100 kHz (test_drv_lcd)


def test_a_typed_digit_reaches_the_glass_without_waiting_for_the_ui_tick():
    rig = Rig()
    run = Schedule(rig)
    run.press("1")
    worst = 0
    for i, key in enumerate("234567890123"):
        shown = run.press(key, phase_us=i * 833)  # presses spread over the scan period
        worst = max(worst, shown)
    # first scan that sees the contact after its bounce, one more scan to
    # debounce, then the UI task at once: the digit and the counter (two
    # address commands, two to three characters)
    bound = (KEYPAD_MS + BOUNCE_MS + KEYPAD_MS + DEBOUNCE_MS) * 1000 + 5 * CHAR_US
    assert worst <= bound < UI_MS * 1000
    assert rig.lcd() == ["1234 5678 9012", "3          13/20"]


def test_a_whole_new_screen_costs_its_changed_cells_only():
    rig = Rig()
    run = Schedule(rig)
    token = credit(5_300_000, 10)
    run.type(token)
    lcd = rig.parts.lcd
    writes = lcd.i2c_writes
    run.press("*")  # delete the last digit: one cell and the counter change
    assert lcd.i2c_writes - writes <= 6
    writes = lcd.i2c_writes
    run.press(token[-1])
    run.press("#")  # the result replaces both rows
    assert rig.lcd() == ["Accept +1.0kWh", "Credit 1.0kWh"]
    assert lcd.i2c_writes - writes <= 2 * (16 + 2) + 4


def test_the_keypad_task_wakes_the_ui_task_on_a_key_event_only_or_when_due():
    rig = Rig()
    system = rig.system
    system.ui_step()
    assert not system.ui_due()
    rig.parts.keypad.press("7")
    for _ in range(3):
        rig.clock.advance_ms(KEYPAD_MS)
        system.keypad_step()
    assert system.ui_due()  # the key is debounced and queued: the UI task must run now
    system.ui_step()
    assert not system.ui_due() and rig.lcd()[0] == "7"
    rig.clock.advance_ms(UI_MS)
    assert system.ui_due()  # its own tick: timeouts and live values


def test_a_corrupted_display_heals_within_a_minute():
    rig = Rig()
    run = Schedule(rig)
    run.run_ms(100)
    shown = rig.lcd()
    lcd = rig.parts.lcd
    for i in range(len(lcd.ddram)):  # noise on the supply scrambled the display's RAM
        lcd.ddram[i] = 0x2A
    run.run_ms(1000)
    assert rig.lcd() != shown  # the driver sends only changes: it cannot know
    rig.system.persist_step()  # the 60 s task
    run.run_ms(100)
    assert rig.lcd() == [line.rstrip() for line in rig.system.ui.lines]
    assert "*" not in "".join(rig.lcd())
