# lanes: cpython micropython-unix
from meter.energy import EnergyAccount
from meter.relay_policy import RelayPolicy


def _run(policy, start, seconds, power, credit=True, limit=3000, ok=True):
    for t in range(start, start + seconds):
        policy.update(t, credit, power, limit, ok)
    return start + seconds


def test_credit_closes_and_no_credit_opens():
    p = RelayPolicy()
    assert p.update(0, True, 100, 3000, True)
    assert p.reason == "credit" and p.closed
    assert p.update(1, False, 100, 3000, True)
    assert p.reason == "no credit" and not p.closed


def test_overload_trips_after_delay_reconnects_then_locks():
    p = RelayPolicy(trip_delay_s=10, reconnect_s=60, overload_retries=2)
    t = _run(p, 0, 1, 500)
    assert p.closed
    t = _run(p, t, 10, 4000)  # 10 s above the limit: not yet (needs >= 10 s elapsed)
    assert p.closed
    t = _run(p, t, 1, 4000)
    assert p.reason == "overload" and p.trips == 1
    t = _run(p, t, 59, 0)
    assert p.reason == "overload"  # still in the off time
    t = _run(p, t, 1, 0)
    assert p.closed  # automatic reconnect
    t = _run(p, t, 11, 4000)
    assert p.reason == "overload" and p.trips == 2
    t = _run(p, t, 60, 0)
    t = _run(p, t, 11, 4000)
    assert p.reason == "overload lock"  # retries used up
    t = _run(p, t, 1000, 0)
    assert p.reason == "overload lock"  # stays off...
    p.key_pressed()  # ...until someone presses a key
    t = _run(p, t, 1, 0)
    assert p.closed and p.trips == 0


def test_short_overload_spike_does_not_trip():
    p = RelayPolicy(trip_delay_s=10)
    t = _run(p, 0, 5, 5000)
    t = _run(p, t, 1, 100)
    t = _run(p, t, 9, 5000)
    assert p.closed and p.trips == 0


def test_metering_fault_opens_after_grace_and_recovers():
    p = RelayPolicy(fault_grace_s=300)
    t = _run(p, 0, 1, 100)
    t = _run(p, t, 300, 0, ok=False)  # fault seen at t=1..300: 299 s so far
    assert p.closed
    t = _run(p, t, 1, 0, ok=False)  # 300 s of fault
    assert p.reason == "meter fault"
    t = _run(p, t, 1, 0, ok=True)
    assert p.closed


def test_relay_test_opens_for_test_time():
    p = RelayPolicy(relay_test_s=10)
    _run(p, 0, 1, 0)
    p.start_test(1)
    assert p.update(1, True, 0, 3000, True)  # the change happens in update(): the caller drives the relay
    _run(p, 1, 10, 0)  # t=1..10
    assert p.reason == "relay test"
    _run(p, 11, 1, 0)
    assert p.closed


def test_energy_deltas_follow_the_ic_counter():
    e = EnergyAccount()
    assert e.update(1000, 3600) == 1000  # the driver's counter starts at 0 with it: all of it is use
    assert e.update(1250, 3601) == 250
    assert e.update(1250, 3602) == 0
    assert e.update(10, 3603) == 0  # counter went back: new baseline, no invented energy
    assert e.update(30, 3604) == 20


def test_meter_config_defaults_overrides_and_typos():
    from meter.config import MeterConfig
    from support.checks import raises

    c = MeterConfig(flash_progsize=256, low_credit_wh=2000)
    assert c.flash_progsize == 256 and c.low_credit_wh == 2000 and c.tid_record_size == 64
    assert "unknown meter setting" in str(raises(ValueError, MeterConfig, low_credit_kwh=2).args[0])
    assert "integer" in str(raises(ValueError, MeterConfig, low_credit_wh=2.5).args[0])
