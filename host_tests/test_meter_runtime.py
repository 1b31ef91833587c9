# lanes: cpython micropython-unix
# mp-heapsize: 163wK
# mp-compiled: yes
# Watchdog, supervisor, reset record and safe mode (issue 11, section 2), on the
# simulator's board: the supervisor feeds the watchdog model only while every
# task progresses; crashes restart a task (bounded); reset loops end in safe mode.
import machine
from meter import resets as rs
from meter import supervisor as sv
from support.rig import Rig
from support.vend import credit


def _tasks(rig, clock):
    sup = sv.Supervisor(clock, rig.system.log)
    steps = {"metering": [], "keypad": []}
    for name in steps:
        sup.add(name, 1000 if name == "metering" else 10, (lambda seen: lambda: seen.append(1))(steps[name]))
    return sup, steps


def test_the_watchdog_model_resets_unless_fed_within_its_timeout():
    rig = Rig()
    wdt = machine.WDT(timeout=8000, ticks=rig.clock)
    rig.clock.advance_ms(7999)
    assert not wdt.expired()
    wdt.feed()
    rig.clock.advance_ms(8001)
    assert wdt.expired()
    for bad in (-1, 0):
        try:
            machine.WDT(timeout=bad)
        except ValueError:
            continue
        raise AssertionError("WDT accepted timeout %d" % bad)


def test_supervisor_feeds_only_while_every_task_progresses():
    rig = Rig()
    sup, _steps = _tasks(rig, rig.clock)
    wdt = machine.WDT(timeout=8000, ticks=rig.clock)
    sup.start(wdt)
    stalls = []
    sup.on_stall = stalls.append
    for _ in range(30):  # 30 s of healthy running
        rig.clock.advance_ms(1000)
        for task in sup.tasks:
            sup.run_step(task)
        assert sup.check() and not wdt.expired()
    metering = sup.task("metering")
    for _ in range(30):  # the keypad runs on, metering is stuck (e.g. waiting forever)
        rig.clock.advance_ms(1000)
        sup.run_step(sup.task("keypad"))
        sup.check()
    assert stalls == ["metering"]  # said once, and recorded for the next boot
    assert wdt.expired()  # no feed for longer than the timeout: the board resets
    assert metering.limit_ms == 20000  # at least 20 s, even for a task that runs every second
    sup.run_step(metering)  # (on a board the reset came first) back before the reset:
    assert sup.check() and stalls == ["metering", None]  # fed again, the note withdrawn


def test_a_crashing_task_is_restarted_with_growing_pauses_then_left_down():
    rig = Rig()
    sup, _steps = _tasks(rig, rig.clock)
    task = sup.task("metering")
    pauses = []
    for _ in range(4):  # the 4th crash leaves the task down
        task.fault = lambda: 1 // 0
        try:
            sup.run_step(task)
        except ZeroDivisionError as exc:
            pauses.append(sup.crashed(task, exc))
        rig.clock.advance_ms(100)
    assert pauses == [1000, 2000, 4000, -1] and task.dead
    assert not sup.check()  # a task left down means no feed: a watchdog reset
    assert any("task metering crashed (1 of 4)" in line for line in rig.log_lines)


def test_crashes_far_apart_never_add_up():
    rig = Rig()
    sup, _steps = _tasks(rig, rig.clock)
    task = sup.task("metering")
    for _ in range(10):
        assert sup.crashed(task, RuntimeError("x")) == 1000
        rig.clock.advance_ms(600_001)  # more than 10 calm minutes between crashes
    assert not task.dead


def test_status_and_log_show_resets_and_a_watchdog_reset():
    rig = Rig()
    status = rig.status()
    assert status["resets"] == "0" and status["reset_cause"] == "power_on" and status["safe_mode"] == "no"
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, reset_cause="watchdog")
    status = again.status()
    assert status["resets"] == "1" and status["reset_cause"] == "watchdog"
    assert " watchdog a=1 b=1" in " ".join(again.console("log 3"))
    assert any("reset cause watchdog" in line for line in again.log_lines)


def test_a_planned_reboot_is_no_watchdog_reset_even_where_the_port_says_so():
    rig = Rig()
    rig.system.hw.reboot = lambda: None
    rig.system.console.reboot = rig.system.runtime._reboot
    assert rig.console("reboot")[-1] == "OK"
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, reset_cause="watchdog")  # rp2: machine.reset() reads as WDT
    assert again.status()["reset_cause"] == "reboot"
    assert again.system.runtime.resets.streak == 0


def test_quick_watchdog_resets_end_in_safe_mode_with_the_relay_open():
    rig = Rig(load_w=1000)
    rig.console("token " + credit(5_400_000, 10))
    assert rig.parts.relay_closed()
    for n in range(1, rs.QUICK_LIMIT + 1):
        flash, clock = rig.power_cut()
        rig = Rig(flash=flash, clock=clock, load_w=1000, reset_cause="watchdog")
        rig.advance(5)
        assert rig.parts.relay_closed() == (n < rs.QUICK_LIMIT), n
    status = rig.status()
    assert status["safe_mode"] == "4 watchdog resets" and status["relay"] == "open"
    before = rig.state.credit_wh
    assert 990 <= before <= 1000
    rig.advance(600)
    assert rig.state.credit_wh == before and not rig.parts.relay_closed()  # nothing runs, nothing is lost
    assert rig.lcd() == ["Fault: safe mode", "4 watchdog reset"]
    assert rig.console("token " + credit(5_400_001, 10))[-1].startswith("ERR token refused: safe mode")
    assert rig.console("resume") == ["ERR resume refused: engineering jumper not fitted"]
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, load_w=1000, reset_cause="watchdog")  # still in a loop: stays safe
    assert rig.status()["safe_mode"] != "no"
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, load_w=1000, reset_cause="power_on")  # the mains cycled: a fresh start
    rig.advance(5)
    assert rig.status()["safe_mode"] == "no" and rig.parts.relay_closed()


def test_resume_with_the_jumper_leaves_safe_mode():
    rig = Rig()
    for _ in range(rs.QUICK_LIMIT):
        flash, clock = rig.power_cut()
        rig = Rig(flash=flash, clock=clock, engineering=True, reset_cause="watchdog")
    assert rig.system.runtime.safe
    rig.system.hw.reboot = lambda: None
    assert rig.console("resume")[-1] == "OK"
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, reset_cause="watchdog")  # rp2 reads the restart as WDT
    status = rig.status()
    assert status["safe_mode"] == "no" and status["reset_cause"] == "soft"


def test_a_long_run_ends_a_streak_of_quick_resets():
    rig = Rig()
    for _ in range(rs.QUICK_LIMIT - 1):
        flash, clock = rig.power_cut()
        rig = Rig(flash=flash, clock=clock, reset_cause="watchdog")
    assert rig.system.runtime.resets.streak == rs.QUICK_LIMIT - 1
    rig.advance(610)  # a run of 10 minutes ends the streak
    rig.system.runtime.storage_step()
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, reset_cause="watchdog")
    assert rig.system.runtime.resets.streak == 1 and not rig.system.runtime.safe


def test_repl_needs_the_jumper_and_the_next_boot_does_not_run_the_meter():
    rig = Rig(load_w=500)
    assert rig.console("repl") == ["ERR repl refused: engineering jumper not fitted"]
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, engineering=True)
    rig.console("token " + credit(5_400_010, 10))
    assert rig.parts.relay_closed()
    restarts = []
    rig.system.hw.reboot = lambda: restarts.append(1)
    assert rig.console("repl")[-1] == "OK" and restarts == [1]
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, engineering=True, load_w=500, reset_cause="watchdog")
    assert rig.system.runtime.repl and not rig.parts.relay_closed()
    assert rig.lcd()[0] == "REPL (engineer)"
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock, load_w=500)  # machine.reset() from the REPL: the meter runs again
    rig.advance(5)
    assert not rig.system.runtime.repl and rig.parts.relay_closed() and rig.state.credit_wh >= 990


def test_a_task_that_fell_silent_is_named_at_the_next_boot():
    rig = Rig()
    rig.system.runtime._stalled("keypad")  # the supervisor stopped feeding for this task
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock, reset_cause="watchdog")
    assert " watchdog a=2 b=1" in " ".join(again.console("log 3"))
    assert any("reset cause watchdog" in line and line.endswith(": keypad") for line in again.log_lines)
