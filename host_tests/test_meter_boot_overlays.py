# lanes: cpython micropython-unix
# mp-heapsize: 166wK
# mp-compiled: yes
# Boot-only code runs in overlays (firmware/overlay.py): the board builder
# (meter.hardware), the meter's parameters and their checks (meter.settings),
# the boot itself and its report (meter.startup, also the console's `config`), the provisioning file's
# parser (meter.provision).  Each does its job (checked), is not in
# sys.modules after it, and nothing the booted meter keeps refers to it (a
# function kept would keep its module's code in the heap).
import sys

import machine
from fakeclock import FakeClock
from meter import resets as rs
from meter.config import MeterConfig
from meter.log import Log
from meter.system import System
from store.volume import mount_flash
from support.checks import SkipTest, is_micropython, raises
from support.rig import Rig, scratch_flash
from support.vend import DEMO_PROVISION

BOOT_OVERLAYS = ("meter.hardware", "meter.settings", "meter.startup", "meter.provision")


def _loaded():
    return [name for name in BOOT_OVERLAYS if name in sys.modules]


def _kept_overlay_functions(*objects):
    """Functions reachable from the attributes of objects whose globals are an
    overlay module's (what would keep that module's code alive)."""
    found = []
    for obj in objects:
        for name, value in obj.__dict__.items():
            module = getattr(value, "__globals__", {}).get("__name__")
            if module in BOOT_OVERLAYS:
                found.append((name, module))
    return found


def test_a_boot_that_provisions_leaves_no_boot_overlay_loaded():
    rig = Rig()  # a blank flash and the demo provisioning file: parsed, imported, then deleted
    assert rig.state.provisioned and rig.state.pan == DEMO_PROVISION["pan"] and rig.provisioning == ["done"]
    assert "[info] provisioned meter %s" % DEMO_PROVISION["pan"] in rig.log_lines
    assert rig.log_lines[-1] == "[info] ready" and any(line.startswith("[info] firmware v") for line in rig.log_lines)
    assert _loaded() == []
    assert rig.hw.read_provisioning is None and rig.hw.provisioning_done is None  # boot-only hooks forgotten
    rejected = Rig(provision={"pan": "1"})
    assert rejected.provisioning[0].startswith("rejected: provisioning keys") and _loaded() == []


def test_a_boot_into_safe_mode_leaves_no_boot_overlay_loaded():
    rig = Rig()
    for _ in range(rs.QUICK_LIMIT):  # quick watchdog resets in a row end in safe mode
        flash, clock = rig.power_cut()
        rig = Rig(flash=flash, clock=clock, reset_cause="watchdog")
    assert rig.system.runtime.safe == "%d watchdog resets" % rs.QUICK_LIMIT and rig.log_lines[-1] == "[info] ready"
    assert rig.lcd() == ["Fault: safe mode", "%d watchdog reset" % rs.QUICK_LIMIT]
    assert _loaded() == [] and rig.hw.read_provisioning is None


def test_the_config_command_runs_the_overlay_and_drops_it():
    rig = Rig()
    reply = rig.console("config")
    assert reply[-1] == "OK" and reply[0].startswith("firmware v") and reply[0].endswith(" on virtual meter (sim)")
    assert "meter pan=%s mfr_code=0" % DEMO_PROVISION["pan"] in reply
    assert any(line.startswith("keys ea=07 krn=1") for line in reply)
    assert not any(DEMO_PROVISION["decoder_key"].lower() in line.lower() for line in reply)
    assert _loaded() == []


def test_the_config_keeps_its_values_not_its_defaults_table():
    config = MeterConfig(low_credit_wh=2000, friendly_hours=("18:00-06:00",), tamper_action_cover="log")
    assert config.low_credit_wh == 2000 and config.poll_ms == 1000 and config.friendly_hours == ["18:00-06:00"]
    assert config.tamper_action_cover == "log" and config.friendly_weekdays == []
    raises(ValueError, MeterConfig, tamper_action_cover="explode")
    raises(ValueError, MeterConfig, friendly_hours="18:00-06:00")
    assert _loaded() == []


def test_a_real_board_build_and_boot_keep_nothing_of_the_builder():
    machine.reset_registry()
    board = __import__("rpi_pico")
    hw = board.build(FakeClock(), fs=mount_flash(scratch_flash()))
    assert hw.name == "rpi_pico" and hw.read_provisioning is not None and _loaded() == []
    assert hw.start_watchdog().timeout_ms == board.WATCHDOG_MS
    lines = []
    system = System(hw, FakeClock(), MeterConfig(), Log(lines.append))
    system.boot()  # no provisioning file in the working directory, no IC model on the bus
    assert lines[-1] == "[info] ready" and "[info] board " + board.TITLE in lines
    assert _loaded() == []
    assert _kept_overlay_functions(hw, system, system.runtime, system.console) == []


def test_the_running_tasks_are_started_from_the_overlay_and_it_is_dropped():
    if not is_micropython():
        raise SkipTest("asyncio.sleep_ms and the Supervisor's task loop are MicroPython's (test_meter_tasks)")
    import asyncio

    rig = Rig()
    started = []

    async def briefly():
        runner = asyncio.create_task(rig.system.run())
        await asyncio.sleep_ms(50)
        started.extend(task.name for task in rig.system.runtime.supervisor.tasks)
        started.append(_loaded())
        runner.cancel()

    asyncio.run(briefly())
    assert started == ["keypad", "ui", "metering", "storage", []]
