# lanes: cpython micropython-unix
# The UI state machine alone: key events and ticks in, screen text out.
from fakeclock import FakeClock
from meter.ui import Ui

LONG = 0x100  # a key held long, as drivers/keypad.py reports it


class MeterDouble:
    def __init__(self):
        self.submitted = []
        self.codes = []
        self.user_keys = 0

    def submit(self, digits):
        self.submitted.append(digits)
        return [("Accept", "+1.0kWh"), ("Credit", "11.0kWh")]

    def short_code(self, number):
        self.codes.append(number)
        if number == 1:
            return [("Credit", "10.0kWh")]
        return None

    def idle_screens(self):
        return [("Credit 10.0kWh", ""), ("Power 0W", "")]

    def on_user_key(self, ch=""):
        self.user_keys += 1
        return False


def _ui():
    clock = FakeClock()
    meter = MeterDouble()
    return Ui(meter, clock), meter, clock


def _type(ui, keys):
    for ch in keys:
        ui.key(ord(ch))


def test_idle_screen_alternates():
    ui, _, clock = _ui()
    assert ui.lines[0].startswith("Credit 10.0kWh")
    clock.advance_ms(4000)
    ui.tick()
    assert ui.lines[0].startswith("Power 0W")
    assert len(ui.lines[0]) == 16 and len(ui.lines[1]) == 16


def test_digits_echo_in_groups_of_four_with_counter():
    ui, _, _ = _ui()
    _type(ui, "12345")
    assert ui.lines[0] == "1234 5          "
    assert ui.lines[1].endswith("5/20")
    _type(ui, "678901234567890")
    assert ui.lines[0] == "1234 5678 9012  "
    assert ui.lines[1] == "3456 7890  20/20"


def test_backspace_and_hold_star_clears():
    ui, _, _ = _ui()
    _type(ui, "123")
    ui.key(ord("*"))
    assert ui.lines[0].rstrip() == "12" and ui.lines[1].endswith("2/20")
    ui.key(ord("*") | LONG)
    assert ui.mode == 0 and ui.digits == ""
    assert ui.lines[0].startswith("Credit")


def test_21st_digit_refused_and_enter_needs_20():
    ui, meter, clock = _ui()
    _type(ui, "1234")
    ui.key(ord("#"))
    assert "need 20 digits" in ui.lines[1]
    assert meter.submitted == []
    _type(ui, "5678901234567890")
    _type(ui, "9")
    assert ui.digits == "12345678901234567890"
    assert "max 20 digits" in ui.lines[1]
    ui.key(ord("#"))  # checked at once: the result is the next screen (no "please wait")
    assert meter.submitted == ["12345678901234567890"]
    assert ui.lines[0].startswith("Accept")
    clock.advance_ms(4000)
    ui.tick()
    assert ui.lines[0].startswith("Credit") and ui.lines[1].startswith("11.0kWh")
    clock.advance_ms(4000)
    ui.tick()
    assert ui.lines[0].startswith("Credit 10.0kWh")  # back to idle


def test_entry_times_out_after_20_s():
    ui, _, clock = _ui()
    _type(ui, "123")
    clock.advance_ms(19900)
    ui.tick()
    assert ui.digits == "123"
    clock.advance_ms(200)
    ui.tick()
    assert ui.digits == "" and ui.lines[0].startswith("Credit")


def test_short_code_and_unknown_code():
    ui, meter, _ = _ui()
    _type(ui, "#01#")
    assert meter.codes == [1]
    assert ui.lines[0].startswith("Credit") and ui.lines[1].startswith("10.0kWh")
    ui.key(ord("*"))
    _type(ui, "#77#")
    assert ui.lines == ["Code #77#       ", "unknown code    "]


def test_backlight_times_out_and_wakes_on_key():
    ui, meter, clock = _ui()
    clock.advance_ms(30000)
    ui.tick()
    assert not ui.backlight
    ui.key(ord("D"))
    assert ui.backlight and meter.user_keys == 1


def test_quiet_idle_screen_is_rebuilt_once_a_second_not_every_tick():
    ui, meter, clock = _ui()
    calls = []
    screens = meter.idle_screens
    meter.idle_screens = lambda: calls.append(1) or screens()
    for _ in range(20):  # one second of 50 ms UI ticks
        clock.advance_ms(50)
        ui.tick()
    assert 1 <= len(calls) <= 2, len(calls)
    clock.advance_ms(3000)  # the rotation to the next screen draws at once
    ui.tick()
    assert ui.lines[0].startswith("Power 0W")


def test_holding_a_digit_types_it_once():
    ui, _, _ = _ui()
    ui.key(ord("5"))
    ui.key(ord("5") | LONG)  # the keypad reports the hold as well
    assert ui.digits == "5"
    ui.key(ord("#") | LONG)
    assert ui.digits == "5" and ui.mode == 1  # still typing: a held '#' submits nothing


def test_every_result_code_is_named_in_the_words_its_screen_shows():
    from meter import texts

    for code in range(1, 17):
        label, hint = texts.result_lines(code)
        assert texts.result_name(code) in label + " " + hint, code
    assert texts.result_name(13) == "check digits" and texts.result_name(99) == "Result"
