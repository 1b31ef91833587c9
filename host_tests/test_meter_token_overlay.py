# lanes: cpython micropython-unix
# mp-heapsize: 2048wK
# The token check is an overlay (sts/README.md "Residency"): the meter loads its
# modules when a token is submitted and drops them after the result; the key
# state, the TID record, the result codes and the cipher tables stay.  A token
# after the drop is checked exactly like the first one (same codes, screens and
# replay rules), and no copy of the dropped code is left in the heap.
import sys

import overlay
from meter import app, texts
from sts import results as R
from support.checks import is_micropython, raises
from support.loads import OverlayLoads
from support.rig import Rig
from support.vend import OTHER_KEYS, credit, key_change

RESIDENT = ("sts.results", "sts.keys", "sts.tids", "sts.resident")
NEW_KEY = bytes.fromhex("0123456789abcdef")


def _loaded(names):
    return [name for name in names if name in sys.modules]


def test_check_modules_are_not_loaded_after_a_token_result():
    rig = Rig()
    assert rig.enter_token(credit(6_200_001, 10)) == R.ACCEPT
    assert _loaded(app._TOKEN_CHECK) == []
    assert _loaded(RESIDENT) == list(RESIDENT)
    package = sys.modules["sts"]
    assert [name for name in ("pipeline", "token", "digits", "crc", "sta") if name in dir(package)] == []


def test_a_token_leaves_loaded_only_what_was_loaded_before_it():
    """Whatever the check's modules are (not only those _TOKEN_CHECK names), none stays."""
    rig = Rig()
    token = credit(6_200_003, 10)
    vending = [name for name in sys.modules if name.startswith("sts.") and name not in RESIDENT]
    for name in vending:  # the vending side's (some are the check's too); native code stays, as in the meter
        if ".viper_" not in name:
            overlay.drop(name)
    before = set(sys.modules)
    assert rig.enter_token(token) == R.ACCEPT
    assert sorted(set(sys.modules) - before) == [], sorted(set(sys.modules) - before)


def test_modules_are_dropped_after_every_kind_of_result():
    rig = Rig()
    token = credit(6_200_002, 10)
    typo = token[:-1] + ("1" if token[-1] != "1" else "2")
    for digits, code in ((typo, R.AUTH), ("99999999999999999999", R.FORMAT), (token, R.ACCEPT), (token, R.USED)):
        assert rig.enter_token(digits) == code, digits
        assert _loaded(app._TOKEN_CHECK) == [], digits


def test_a_token_after_the_drop_is_checked_like_the_first():
    rig = Rig()
    first, second = credit(6_200_010, 25), credit(6_200_011, 25)
    assert rig.enter_token(first) == R.ACCEPT
    after_first = (rig.state.credit_wh, rig.lcd())
    assert rig.enter_token(first) == R.USED  # the replay rule, with the check loaded again
    assert rig.enter_token(second) == R.ACCEPT
    assert rig.state.credit_wh == after_first[0] + 2500
    assert rig.lcd()[0] == after_first[1][0]  # the same "Accept +2.5kWh" screen


def test_a_key_change_spans_two_loads_of_the_check():
    rig = Rig()
    one, two = key_change(NEW_KEY, krn=2)
    assert rig.enter_token(one) == R.KCT1_ACCEPTED
    assert _loaded(app._TOKEN_CHECK + ("sts.kct",)) == []
    assert rig.enter_token(two) == R.KCT2_ACCEPTED
    assert rig.state.keys.key == NEW_KEY
    assert rig.enter_token(credit(6_200_020, 10)) == R.AUTH  # the old key's tokens no longer decrypt
    from sts.keys import KeyState

    new = KeyState(7, NEW_KEY, 2, 2, 1, 123456, 255, 2014)
    assert rig.enter_token(credit(6_200_021, 10, keys=new)) == R.ACCEPT
    assert _loaded(app._TOKEN_CHECK) == []


def _failing_load(failures, only=None):
    """overlay.load that raises MemoryError failures[0] times (for module `only`,
    or any module)."""
    real = overlay.load

    def load(name):
        if failures[0] > 0 and only in (None, name):
            failures[0] -= 1
            raise MemoryError("memory allocation failed")
        return real(name)

    return real, load


def _submit_failing(rig, token, failures, only=None):
    real, overlay.load = _failing_load([failures], only)
    try:
        return rig.meter.submit(token)
    finally:
        overlay.load = real


def test_a_token_whose_code_does_not_fit_in_the_heap_is_retried_once():
    # meter.token_apply, the check's first module, or any load of the first try
    for i, only in enumerate(("meter.token_apply", "sts.pipeline", None)):
        rig = Rig()
        screens = _submit_failing(rig, credit(6_200_050 + i, 10), 1, only)
        assert rig.meter.last_result == R.ACCEPT and screens[0][0].startswith("Accept"), only
        assert _loaded(app._TOKEN_CHECK) == [], only


def test_a_token_whose_code_never_fits_says_try_again_and_burns_nothing():
    for i, only in enumerate(("meter.token_apply", "sts.pipeline", None)):
        rig = Rig()
        token = credit(6_200_070 + i, 10)
        credit_wh = rig.state.credit_wh
        screens = _submit_failing(rig, token, 2, only)
        assert screens == [("Not ready 16", "try again")] and rig.meter.last_result == R.NOT_READY, only
        assert "[info] token result 16 Not ready tid=-1" in rig.log_lines, only
        assert rig.state.credit_wh == credit_wh and _loaded(app._TOKEN_CHECK) == [], only
        assert rig.meter.submit(token)[0][0].startswith("Accept"), only  # typed again: accepted, not Used
        assert rig.state.credit_wh == credit_wh + 1000, only


def test_what_the_meter_does_with_a_token_is_dropped_after_every_path():
    # meter.token_apply (applying, result screens, class 1, lockout, the customer
    # features' part) is loaded with the check and dropped with it.
    rig = Rig()
    assert "meter.token_apply" in app._TOKEN_CHECK
    tokens = ((credit(6_200_060, 10), R.ACCEPT), ("00000000000201328896", R.ACCEPT),  # class 1: total units
              (credit(6_200_061, 10, OTHER_KEYS), R.AUTH), (credit(6_200_062, 10, OTHER_KEYS), R.AUTH),
              (credit(6_200_063, 10, OTHER_KEYS), R.AUTH), (credit(6_200_064, 10), R.LOCKOUT))
    for digits, code in tokens:
        assert rig.enter_token(digits) == code, digits
        assert "meter.token_apply" not in sys.modules and "token_apply" not in dir(sys.modules["meter"]), digits
    assert rig.lcd()[0].startswith("Locked 15")
    bare = Rig(provision=None)
    assert bare.meter.submit(credit(6_200_065, 10)) == [("Not ready 16", "not provisioned")]
    assert bare.meter.last_result == R.NOT_READY and "meter.token_apply" not in sys.modules


def test_a_heap_failure_after_the_token_is_applied_never_applies_it_twice():
    # Only loading and checking are retried: applying is durable and happens once.
    rig = Rig()
    token = credit(6_200_072, 10)
    credit_wh = rig.state.credit_wh
    real = rig.meter.evaluate_relay

    def evaluate_relay(now):
        raise MemoryError("memory allocation failed")

    rig.meter.evaluate_relay = evaluate_relay
    try:
        assert raises(MemoryError, rig.meter.submit, token)
    finally:
        rig.meter.evaluate_relay = real
    assert rig.state.credit_wh == credit_wh + 1000 and _loaded(app._TOKEN_CHECK) == []
    assert rig.meter.submit(token) == [texts.result_lines(R.USED)]
    assert rig.state.credit_wh == credit_wh + 1000


def test_no_copy_of_the_check_code_stays_in_the_heap():
    if not is_micropython():
        return  # CPython's heap is not the meter's
    import gc

    rig = Rig()
    tokens = [credit(6_200_030 + i, 1) for i in range(4)]  # made first: vending is not the meter
    import sts.pipeline  # noqa: F401  (one load of the check: its names are interned for good)
    import sts.sta  # noqa: F401

    gc.collect()
    loaded = gc.mem_alloc()
    for name in app._TOKEN_CHECK:
        overlay.drop(name)
    gc.collect()
    before = gc.mem_alloc()
    one_copy = loaded - before
    for token in tokens:
        assert rig.enter_token(token) == R.ACCEPT
        gc.collect()
        grown = gc.mem_alloc() - before
        assert grown < one_copy // 2, "the meter keeps %d B after a token; one load of the check is %d B" % (
            grown, one_copy)


def test_an_ea11_meter_checks_tokens_across_drops():
    from sts import resident
    from sts.keys import KeyState
    from support.vend import DEMO_PROVISION

    key_hex = "28fedcb88b215690e98eeaab989e1c45"
    keys = KeyState(11, bytes.fromhex(key_hex), 1, 2, 1, 123456, 255, 2014)
    rig = Rig(provision=dict(DEMO_PROVISION, ea="11", decoder_key=key_hex))
    token = credit(6_200_040, 10, keys=keys)
    assert rig.enter_token(token) == R.ACCEPT
    kept = resident._misty1  # the S-boxes, made once
    assert _loaded(app._TOKEN_CHECK) == [] and kept is not None
    assert rig.enter_token(token) == R.USED
    assert rig.enter_token(credit(6_200_041, 10, keys=keys)) == R.ACCEPT
    assert rig.enter_token(credit(6_200_042, 10)) == R.AUTH  # an EA07 token for another meter
    assert _loaded(app._TOKEN_CHECK) == [] and resident._misty1 is kept  # not made again per token


def test_a_rare_token_screen_that_does_not_fit_shows_the_code_and_keeps_the_token():
    # The key change is applied before its screens are made: when their overlay
    # cannot be loaded, the result code is shown and the new key stays.
    from meter import texts

    rig = Rig()
    with OverlayLoads(no_room_for=("meter.token_screens",)):
        screens = [rig.meter.submit(token) for token in key_change(NEW_KEY, krn=2)]
    assert rig.meter.last_result == R.KCT2_ACCEPTED and rig.state.keys.key == NEW_KEY
    assert screens[1] == [texts.result_lines(R.KCT2_ACCEPTED)]


def test_a_class1_relay_test_runs_when_its_screens_do_not_fit():
    # A class 1 token's screens are meter.token_screens's (not loaded per credit
    # token); the relay test itself is started by meter.token_apply, so a heap
    # with no room for the screens still tests the relay and shows the code.
    rig = Rig()
    assert rig.enter_token(credit(6_200_300, 10)) == R.ACCEPT
    with OverlayLoads(no_room_for=("meter.token_screens",)):
        screens = rig.meter.submit("00000000000150997584")  # published class 1 token: open the load switch
    assert rig.meter.last_result == R.ACCEPT and screens == [texts.result_lines(R.ACCEPT)]
    assert not rig.parts.relay_closed() and rig.meter.policy.reason
    rig.advance(12)
    assert rig.parts.relay_closed() and rig.state.credit_wh == 1000
    assert "meter.token_screens" not in sys.modules
    assert rig.enter_token("00000000000150997584") == R.ACCEPT and rig.lcd() == ["Relay test", "open 10s"]
    assert "meter.token_screens" not in sys.modules and _loaded(app._TOKEN_CHECK) == []
