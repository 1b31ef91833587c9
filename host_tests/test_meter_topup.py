# lanes: cpython micropython-unix
# mp-heapsize: 160wK
# mp-compiled: yes
# Issue 12 section 5 on the simulator: the rollover warning before a key change
# that clears the used-token record, and reconnection after a top-up
# (automatic, or "press # to reconnect").
from sts import results as R
from support.rig import Rig
from support.vend import credit, key_change


def _screens(rig, n):
    seen = [rig.lcd()]
    for _ in range(n):
        rig.clock.advance_ms(4000)
        rig.system.ui_step()
        seen.append(rig.lcd())
    return seen


def test_rollover_key_change_warns_before_the_used_token_record_is_cleared():
    rig = Rig()
    assert rig.enter_token(credit(5_000_700, 10)) == R.ACCEPT
    first, second = key_change(bytes.fromhex("1122334455667788"), krn=2, ro=1)
    assert rig.enter_token(first) == R.KCT1_ACCEPTED
    seen = _screens(rig, 4)
    assert seen[:4] == [["KCT 1/2 ok", "enter next part"], ["Rollover change:", "clears used list"],
                        ["Unused older", "tokens then void"], ["Enter them first", "then next part"]]
    assert len(rig.state.tids) == 1  # nothing cleared yet
    assert rig.enter_token(second) == R.KCT2_ACCEPTED
    assert ["Token rollover:", "old tokens void"] in _screens(rig, 3)
    assert len(rig.state.tids) == 0 and rig.state.keys.base_date == 2035


def test_plain_key_change_has_no_rollover_warning():
    rig = Rig()
    first, _second = key_change(bytes.fromhex("1122334455667788"), krn=2, ro=0)
    assert rig.enter_token(first) == R.KCT1_ACCEPTED
    assert ["Rollover change:", "clears used list"] not in _screens(rig, 3)


def _run_out(rig):
    assert rig.enter_token(credit(5_000_710, 2)) == R.ACCEPT  # 0.2 kWh: 6 minutes at 2 kW
    if rig.meter.customer.reconnect_wait:  # a new meter is off for no credit too
        rig.press("#")
    assert rig.parts.relay_closed()
    rig.advance(600)
    assert not rig.parts.relay_closed() and rig.meter.policy.reason == "no credit"


def test_reconnection_after_a_top_up_is_automatic_by_default():
    rig = Rig(load_w=2000)
    _run_out(rig)
    assert rig.enter_token(credit(5_000_711, 10)) == R.ACCEPT
    assert rig.parts.relay_closed()


def test_reconnection_waits_for_hash_when_configured():
    rig = Rig(load_w=2000, reconnect_key=1)
    _run_out(rig)
    assert rig.enter_token(credit(5_000_712, 10)) == R.ACCEPT
    assert not rig.parts.relay_closed()
    assert ["Press # to", "reconnect"] in _screens(rig, 2)
    rig.advance(60)
    assert not rig.parts.relay_closed() and rig.meter.idle_screens()[0] == ("Press # to", "reconnect")
    rig.press("#")
    assert rig.parts.relay_closed() and rig.state.credit_wh > 0
    rig.press("#")  # later, '#' is the short-code key again
    assert rig.lcd()[0].startswith("Code #")
