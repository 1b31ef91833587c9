# lanes: cpython micropython-unix
# The key state's cold code (the range checks of a new KeyState, reading one
# back from its stored dict) is the overlay sts/keycheck.py: gone from
# sys.modules after each of those jobs (boot, a key change), and a key change
# whose checks find no heap says "try again" and changes nothing.
import sys

from sts import results as R
from sts.keys import KeyState
from support.checks import raises
from support.loads import OverlayLoads
from support.rig import Rig
from support.vend import credit, key_change

KEY = bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F))
NEW_KEY = bytes.fromhex("0123456789abcdef")


def _keycheck_loaded():
    return "sts.keycheck" in sys.modules or "keycheck" in dir(sys.modules["sts"])


def test_keycheck_is_gone_after_a_key_state_is_made_or_read_back():
    keys = KeyState(7, KEY, 1, 2, 1, 123456, 255, 1993)
    assert not _keycheck_loaded()
    assert KeyState.from_dict(keys.to_dict()) == keys
    assert not _keycheck_loaded()
    assert raises(ValueError, KeyState, 7, KEY, 16, 2, 1, 123456)
    assert raises(ValueError, KeyState.from_dict, dict(keys.to_dict(), ti="1"))
    assert not _keycheck_loaded()


def test_keycheck_is_gone_after_a_boot_reads_the_keys_back():
    rig = Rig()
    keys = rig.state.keys
    flash, clock = rig.power_cut()
    rig = Rig(flash=flash, clock=clock)
    assert rig.state.keys == keys and rig.state.keys is not keys  # read back from flash
    assert not _keycheck_loaded()


def test_keycheck_is_gone_after_a_key_change():
    rig = Rig()
    one, two = key_change(NEW_KEY, krn=2)
    assert rig.enter_token(one) == R.KCT1_ACCEPTED
    assert rig.enter_token(two) == R.KCT2_ACCEPTED and rig.state.keys.key == NEW_KEY
    assert not _keycheck_loaded()


def test_a_key_change_whose_checks_find_no_heap_says_try_again_and_changes_nothing():
    rig = Rig()
    one, two = key_change(NEW_KEY, krn=2)
    assert rig.enter_token(one) == R.KCT1_ACCEPTED
    old = rig.state.keys
    with OverlayLoads(no_room_for=("sts.keycheck",)):
        screens = rig.meter.submit(two)
    assert screens == [("Not ready 16", "try again")] and rig.meter.last_result == R.NOT_READY
    assert rig.state.keys is old and not _keycheck_loaded()
    assert rig.enter_token(two) == R.KCT2_ACCEPTED  # typed again: the held first section still counts
    assert rig.state.keys.key == NEW_KEY and rig.state.keys.krn == 2
    assert rig.enter_token(credit(6_200_060, 10)) == R.AUTH  # the old key's tokens no longer decrypt


def test_no_heap_to_read_the_keys_back_at_boot_discards_no_record():
    # only a ValueError marks a record corrupt (store/recovery.py): a boot that cannot
    # load the key check stops, and the next boot reads the same state back
    rig = Rig()
    assert rig.enter_token(credit(6_200_070, 10)) == R.ACCEPT
    keys, credit_wh = rig.state.keys, rig.state.credit_wh
    flash, clock = rig.power_cut()
    with OverlayLoads(no_room_for=("sts.keycheck",)):
        assert raises(MemoryError, Rig, flash=flash, clock=clock)
    assert not _keycheck_loaded()
    rig = Rig(flash=flash, clock=clock)
    assert rig.state.keys == keys and rig.state.credit_wh == credit_wh and rig.state.storage == "ok"
    assert rig.enter_token(credit(6_200_070, 10)) == R.USED  # the used-token record came back too
