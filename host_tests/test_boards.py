# lanes: cpython micropython-unix
# The real board files under the fake `machine`: they import, build their buses
# and pins as the README contract says, respect the chip's pin rules, and
# assemble the meter's Hardware with the relay open.
import os
import sys

import machine
import overlay
from atm90e26_model import Atm90e26Model
from drivers.keypad import Keypad
from drivers.latching_relay import LatchingRelay
from drivers.relay import MonostableRelay
from fakeclock import FakeClock
from norflash import NorFlash
from store.volume import mount_flash

REAL_BOARDS = ("esp32_devkitc", "rpi_pico")
BOARD_KEYS = ("name", "title", "pins", "keypad_rows", "keypad_cols", "i2c", "spi", "meter_cs", "metering_ic",
              "relay_kind", "relay_pins", "relay_active_high", "relay_feedback", "eng_jumper")
# Pin rules per chip: pins that must not be used, and input-only pins.
FORBIDDEN = {
    "esp32_devkitc": (0, 1, 3, 6, 7, 8, 9, 10, 11, 12, 16, 17),  # boot, UART0, flash, VDD_SDIO strap, PSRAM
    "rpi_pico": (23, 24, 25, 29),  # SMPS mode, VBUS sense, LED, VSYS/3: not on the header
}
INPUT_ONLY = {"esp32_devkitc": (34, 35, 36, 37, 38, 39), "rpi_pico": ()}
INPUT_FUNCTIONS = ("relay_feedback", "eng_jumper", "spi_miso", "keypad_cols", "cover_switch", "magnet_sensor")


def _board(name):
    machine.reset_registry()
    return __import__(name)


def _gpio_list(pins):
    used = []
    for function in sorted(pins):
        value = pins[function]
        used.extend(value if isinstance(value, tuple) else (value,))
    return used


def test_every_board_file_is_covered():
    for name in os.listdir("boards"):
        if name.endswith(".py") and not name.startswith("sim"):  # sim*.py: the virtual meter (tools/sim.py)
            assert name[:-3] in REAL_BOARDS, name


def test_boards_return_the_contract_dict():
    for name in REAL_BOARDS:
        board = _board(name)
        parts = board.pins_and_buses()
        for key in BOARD_KEYS:
            assert key in parts, (name, key)
        assert parts["name"] == board.NAME == name
        assert len(parts["keypad_rows"]) == 4 and len(parts["keypad_cols"]) == 4
        assert parts["relay_kind"] in ("latching", "monostable")
        assert parts["metering_ic"] in ("atm90e26", "ade7953")
        assert parts["i2c"].freq <= 100000, name  # PCF8574 rating
        spi = parts["spi"]
        assert (spi.polarity, spi.phase) == (1, 1) and spi.baudrate <= Atm90e26Model.MAX_BAUDRATE, name


def test_relay_pins_come_up_inactive_and_cs_deselected():
    for name in REAL_BOARDS:
        parts = _board(name).pins_and_buses()
        for pin in parts["relay_pins"]:
            assert pin.mode == machine.Pin.OUT and pin.value() == 0, name
        assert parts["meter_cs"].mode == machine.Pin.OUT and parts["meter_cs"].value() == 1


def test_no_gpio_is_used_twice_and_chip_rules_hold():
    for name in REAL_BOARDS:
        board = _board(name)
        used = _gpio_list(board.PINS)
        assert len(used) == len(set(used)), (name, used)
        for gpio in used:
            assert gpio not in FORBIDDEN[name], (name, gpio)
        inputs = _gpio_list({f: board.PINS[f] for f in INPUT_FUNCTIONS})
        for gpio in used:
            if gpio in INPUT_ONLY[name]:
                assert gpio in inputs, (name, gpio)
                assert gpio not in board.PINS["keypad_cols"], "keypad inputs need internal pull-ups"


def test_pins_match_the_pin_table():
    for name in REAL_BOARDS:
        board = _board(name)
        parts = board.pins_and_buses()
        assert tuple(p.id for p in parts["keypad_rows"]) == board.PINS["keypad_rows"]
        assert tuple(p.id for p in parts["keypad_cols"]) == board.PINS["keypad_cols"]
        assert parts["relay_pins"][0].id == board.PINS["relay_set"]
        assert parts["eng_jumper"].id == board.PINS["eng_jumper"]


def test_build_assembles_the_hardware_with_the_relay_open():
    for name in REAL_BOARDS:
        board = _board(name)
        jumper = machine.Pin(board.PINS["eng_jumper"])
        jumper.reader = lambda: 1  # pull-up, jumper not fitted
        feedback = machine.Pin(board.PINS["relay_feedback"])
        feedback.reader = lambda: 1  # auxiliary contact open
        hw = board.build(FakeClock(), fs=mount_flash(NorFlash()))
        assert hw.name == name
        assert isinstance(hw.relay, LatchingRelay) and hw.relay.position is False
        assert hw.relay.feedback_closed() is False and not hw.relay.feedback_mismatch()
        assert isinstance(hw.keypad, Keypad)
        assert hw.lcd is None and any("lcd" in note for note in hw.notes)  # nothing on the fake bus
        assert hw.ic is not None and hw.engineering is False
        assert hw.read_provisioning is not None


def test_fitted_jumper_means_engineering_mode():
    board = _board("rpi_pico")
    machine.Pin(board.PINS["eng_jumper"]).reader = lambda: 0
    assert board.build(FakeClock(), fs=mount_flash(NorFlash())).engineering is True


def test_optional_buzzer_is_on_its_pwm_pin_and_silent():
    board = _board("rpi_pico")
    parts = board.pins_and_buses()
    assert parts["buzzer"].pin.id == board.PINS["buzzer"] and not parts["buzzer"].sounding
    hw = board.build(FakeClock(), fs=mount_flash(NorFlash()))
    assert hw.buzzer is not None and any(note.startswith("buzzer passive") for note in hw.notes)
    esp32 = _board("esp32_devkitc")
    assert "buzzer" not in esp32.PINS and esp32.pins_and_buses()["buzzer"] is None
    hw = esp32.build(FakeClock(), fs=mount_flash(NorFlash()))
    assert hw.buzzer is None and any(note.startswith("buzzer none fitted") for note in hw.notes)


def test_a_monostable_board_does_not_load_the_latching_driver():
    # one small module per device: the latching relay's code takes no heap on a board without one
    latching = sys.modules.pop("drivers.latching_relay")  # imported by this file: put back after
    try:
        parts = {"relay_kind": "monostable", "relay_pins": [machine.Pin(5)], "relay_active_high": True,
                 "relay_feedback": None}
        relay = overlay.run("meter.hardware", "make_relay", parts, FakeClock())
        assert isinstance(relay, MonostableRelay) and not relay.closed
        assert "drivers.latching_relay" not in sys.modules
    finally:
        sys.modules["drivers.latching_relay"] = latching
    parts = dict(parts, relay_kind="latching", relay_pins=[machine.Pin(6), machine.Pin(7)])
    assert isinstance(overlay.run("meter.hardware", "make_relay", parts, FakeClock()), LatchingRelay)
