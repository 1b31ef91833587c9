# lanes: cpython micropython-unix
# mp-heapsize: 2048wK
# The token check is an overlay (sts/README.md "Residency"): the meter loads its
# modules when a token is submitted and drops them after the result; the key
# state, the TID record, the result codes and the cipher tables stay.  A token
# after the drop is checked exactly like the first one (same codes, screens and
# replay rules), and no copy of the dropped code is left in the heap.
import sys

import overlay
from meter import app
from sts import results as R
from support.checks import is_micropython
from support.rig import Rig
from support.vend import credit, key_change

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


def _failing_load(failures):
    real = overlay.load

    def load(name):
        if failures[0] > 0:
            failures[0] -= 1
            raise MemoryError("memory allocation failed")
        return real(name)

    return real, load


def test_a_check_that_does_not_fit_in_the_heap_is_retried_once():
    rig = Rig()
    real, overlay.load = _failing_load([1])
    try:
        screens = rig.meter.submit(credit(6_200_050, 10))
    finally:
        overlay.load = real
    assert rig.meter.last_result == R.ACCEPT and screens[0][0].startswith("Accept")
    assert _loaded(app._TOKEN_CHECK) == []


def test_a_check_that_never_fits_says_try_again_and_burns_nothing():
    rig = Rig()
    token = credit(6_200_051, 10)
    credit_wh = rig.state.credit_wh
    real, overlay.load = _failing_load([2])
    try:
        screens = rig.meter.submit(token)
    finally:
        overlay.load = real
    assert screens == [("Not ready 16", "try again")] and rig.meter.last_result == R.NOT_READY
    assert rig.state.credit_wh == credit_wh and _loaded(app._TOKEN_CHECK) == []
    assert rig.meter.submit(token)[0][0].startswith("Accept")  # typed again: accepted, not Used
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
    real_run = overlay.run

    def run(name, function, *args):
        if name == "meter.token_screens":
            raise MemoryError("memory allocation failed")
        return real_run(name, function, *args)

    overlay.run = run
    try:
        screens = [rig.meter.submit(token) for token in key_change(NEW_KEY, krn=2)]
    finally:
        overlay.run = real_run
    assert rig.meter.last_result == R.KCT2_ACCEPTED and rig.state.keys.key == NEW_KEY
    assert screens[1] == [texts.result_lines(R.KCT2_ACCEPTED)]
