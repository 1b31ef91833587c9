# lanes: cpython micropython-unix
# Relay drivers against the relay model (coil pulses -> contacts -> feedback pin).
import machine
from clock import SystemClock
from drivers.latching_relay import LatchingRelay
from drivers.relay import MonostableRelay
from fakeclock import FakeClock
from relay_model import RelayModel
from support.checks import raises


def monostable(active_high=True, with_feedback=True):
    machine.reset_registry()
    clock = FakeClock()
    coil = machine.Pin("RELAY")
    coil.value(1 if active_high else 0)  # the pin floats to "energised" before the driver runs
    feedback = machine.Pin("FB", machine.Pin.IN, machine.Pin.PULL_UP) if with_feedback else None
    model = RelayModel(clock, coil=coil, active_high=active_high, feedback=feedback)
    model._contacts = True
    relay = MonostableRelay(coil, active_high=active_high, feedback=feedback)
    return relay, model, coil


def latching(pulse_ms=100, clock=None, **options):
    machine.reset_registry()
    clock = clock or FakeClock()
    set_pin, reset_pin = machine.Pin("SET"), machine.Pin("RESET")
    feedback = machine.Pin("FB", machine.Pin.IN, machine.Pin.PULL_UP)
    model = RelayModel(clock, set_coil=set_pin, reset_coil=reset_pin, feedback=feedback)
    model._contacts = True  # left closed before the reboot
    relay = LatchingRelay(set_pin, reset_pin, clock, pulse_ms=pulse_ms, feedback=feedback, **options)
    return relay, model, clock


def test_monostable_is_open_at_construction():
    for active_high in (True, False):
        relay, model, coil = monostable(active_high)
        assert not relay.closed and not model.contacts_closed
        assert coil.mode == machine.Pin.OUT
        assert coil.value() == (0 if active_high else 1)


def test_monostable_follows_set():
    relay, model, coil = monostable(active_high=False)
    relay.set(True)
    assert relay.closed and model.contacts_closed and coil.value() == 0
    assert relay.feedback_closed() is True and not relay.feedback_mismatch()
    relay.set(False)
    assert not model.contacts_closed and relay.feedback_closed() is False


def test_no_feedback_input_reads_none():
    relay, model, coil = monostable(with_feedback=False)
    relay.set(True)
    assert relay.feedback_closed() is None
    assert relay.feedback_mismatch() is False


def test_latching_opens_at_construction_with_one_pulse():
    relay, model, clock = latching()
    assert not relay.closed and relay.position is False
    assert not model.contacts_closed
    assert model.pulses == [("reset", 100)]
    assert model.coils_idle() and model.faults == []


def test_latching_can_skip_the_start_pulse():
    relay, model, clock = latching(open_at_start=False)
    assert model.pulses == [] and relay.position is None
    assert model.contacts_closed  # untouched
    relay.set(False)  # position unknown: the pulse is sent even though the intent is unchanged
    assert model.pulses == [("reset", 100)] and not model.contacts_closed


def test_latching_pulse_widths():
    for width in (50, 120, 200):
        relay, model, clock = latching(pulse_ms=width)
        relay.set(True)
        relay.set(True)  # already there: no second pulse
        relay.set(False)
        assert model.pulses == [("reset", width), ("set", width), ("reset", width)]
        assert model.faults == [] and model.coils_idle()


def test_latching_pulse_range_is_validated():
    for width in (0, 49, 201, 1000):
        raises(ValueError, LatchingRelay, machine.Pin("A"), machine.Pin("B"), FakeClock(), pulse_ms=width)


def test_reassert_pulses_the_intended_state_again():
    relay, model, clock = latching()
    relay.set(True)
    model._contacts = False  # knocked open (shock, magnet)
    assert relay.feedback_mismatch()
    relay.reassert()
    assert model.contacts_closed and not relay.feedback_mismatch()
    assert model.pulses[-1] == ("set", 100)


def test_feedback_mismatch_is_visible():
    relay, model, clock = latching()
    model.welded = True
    assert relay.feedback_closed() is True
    assert relay.feedback_mismatch()  # intended open, contacts welded shut
    model.welded = False
    relay.set(True)
    model.stuck_open = True
    assert relay.feedback_mismatch()


def test_active_low_coils():
    relay, model, clock = latching(active_high=False)
    assert machine.pin("SET").value() == 1 and machine.pin("RESET").value() == 1  # idle = high


def test_set_async_pulses_without_blocking_and_follows_the_last_intent():
    import asyncio

    clock = SystemClock()
    relay, model, _ = latching(pulse_ms=50, clock=clock)
    ticks = []

    async def other_task():
        for _ in range(20):
            ticks.append(clock.ticks_ms())
            await asyncio.sleep(0.005)

    async def main():
        other = asyncio.create_task(other_task())
        await asyncio.sleep(0)
        pulse = asyncio.create_task(relay.set_async(True))
        await asyncio.sleep(0.01)
        await relay.set_async(False)  # during the pulse: only the intent changes
        await pulse
        await other

    asyncio.run(main())
    assert [name for name, _ in model.pulses] == ["reset", "set", "reset"]
    assert all(width >= 45 for _, width in model.pulses)
    assert not model.contacts_closed and relay.position is False
    assert len(ticks) > 5  # the other task kept running during the pulses
    assert model.faults == []
