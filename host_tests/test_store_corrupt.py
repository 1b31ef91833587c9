# lanes: cpython micropython-unix
# mp-heapsize: 384wK
# Corruption of each record file: detected at boot, the last good generation is
# used (never credit from a corrupt record), a storage-recovery event is logged.
import gc
import struct

from store import events as ev
from store import record
from store.state import key_id
from store.volume import Volume, mount_flash
from sts import results as R
from test_store_state import KEY, NOW, credit, enter, meter, new_flash, reboot


def _flip(flash, name, position):
    volume = Volume(mount_flash(flash))
    raw = bytearray(volume.read(name))
    raw[position % len(raw)] ^= 0x5A
    volume.write_atomic(name, bytes(raw))


def _positions(flash, name):
    volume = Volume(mount_flash(flash))
    size = len(volume.read(name))
    return (0, 2, 3, 5, 9, 12, size // 2, size - 5, size - 1)


def code(name):
    """The STORAGE_RECOVERY code that the console's `log` names `name` (store/evlog.py)."""
    return ev.RECOVERY_NAMES.split().index(name) + 1


def _recoveries(state):
    return [(e[3], e[4]) for e in state.events(20) if e[2] == ev.STORAGE_RECOVERY]


def _history():
    """A meter with two state generations: 1000 Wh, then 3000 Wh after token 1001."""
    flash, state = meter()
    enter(state, credit(1000, 10))
    older = state.state_seq
    enter(state, credit(1001, 20))
    return flash, state.state_seq, older


def test_newest_state_record_corrupt_keeps_the_money_and_refuses_its_token():
    flash, newest, older = _history()
    for position in _positions(flash, "state.%d" % (newest & 1)):
        image = new_flash(flash.data)
        _flip(image, "state.%d" % (newest & 1), position)
        state, report = reboot(image)
        assert report["state_seq"] > older and report["storage"] == "recovered", position
        assert state.credit_wh == 3000  # the money records are whole: nothing lost
        assert (code("state_corrupt"), newest & 1) in _recoveries(state)
        assert (code("tids_lost_floor_set"), 1001) in _recoveries(state)
        # the token of the lost generation is in the balance: it is not accepted again
        assert enter(state, credit(1001, 20)) == R.USED and state.credit_wh == 3000
        assert enter(state, credit(1002, 1)) == R.ACCEPT and state.credit_wh == 3100
        again, report = reboot(image)
        assert report["recoveries"] == [] and again.credit_wh == 3100 and report["storage"] == "ok"
        assert enter(again, credit(1001, 20)) == R.USED  # the floor is durable
        image = state = again = None  # let the next copy reuse the heap


def test_older_state_record_corrupt_keeps_newest():
    flash, newest, older = _history()
    _flip(flash, "state.%d" % (older & 1), 20)
    state, report = reboot(flash)
    assert report["state_seq"] == newest and state.credit_wh == 3000
    assert report["recoveries"] == [code("state_corrupt")]


def test_both_state_records_corrupt_keeps_money_and_used_tokens_for_reprovisioning():
    flash, newest, older = _history()
    _flip(flash, "state.0", 30)
    _flip(flash, "state.1", 30)
    state, report = reboot(flash)
    assert not state.provisioned and state.credit_wh == 3000
    assert code("state_lost") in report["recoveries"]
    assert state.provision(KEY, "600727000000000009", force=True, now_s=NOW)
    assert state.credit_wh == 3000  # no opening credit on a store that held money
    assert enter(state, credit(1001, 20)) == R.USED and enter(state, credit(1000, 10)) == R.OLD
    assert state.credit_wh == 3000


def _money_copies(flash):
    volume = Volume(mount_flash(flash))
    return volume.read("money"), Volume(volume.fs, "meterdatax").read("money")


def _put_money(flash, main=None, spare=None):
    volume = Volume(mount_flash(flash))
    if main is not None:
        volume.write_atomic("money", main)
    if spare is not None:
        Volume(volume.fs, "meterdatax").write_atomic("money", spare)


def test_one_money_copy_corrupt_uses_the_other():
    flash, state = meter(config={"save_every_wh": 10})
    enter(state, credit(1000, 10))
    for _ in range(30):
        state.consume(1, NOW)  # saves at 10, 20, 30 Wh
    main, spare = _money_copies(flash)
    for position in (0, 12, len(main) - 1):
        for which in (0, 1):
            gc.collect()
            image = new_flash(flash.data)
            bad = bytearray(main)
            bad[position] ^= 0x10
            _put_money(image, bytes(bad) if which == 0 else None, bytes(bad) if which == 1 else None)
            again, report = reboot(image)
            assert again.energy_total_wh == 30 and again.credit_wh == 970, (position, which)
            assert (code("money_copy_corrupt"), which + 1) in _recoveries(again)
            assert report["storage"] == "recovered"
            image = again = None


def test_a_money_copy_rolled_back_is_detected_and_outvoted():
    flash, state = meter(config={"save_every_wh": 10})
    enter(state, credit(1000, 10))
    state.consume(10, NOW)
    old_main, old_spare = _money_copies(flash)
    for _ in range(50):
        state.consume(10, NOW)
    for main, spare in ((old_main, None), (None, old_spare)):
        image = new_flash(flash.data)
        _put_money(image, main, spare)  # one folder went back 50 saves (e.g. littlefs used an older commit)
        again, report = reboot(image)
        assert again.energy_total_wh == 510 and again.credit_wh == 490
        assert code("money_copy_rolled_back") in report["recoveries"]
        third, report = reboot(image)
        assert report["recoveries"] == [] and third.credit_wh == 490  # rewritten at once


def test_everything_rolled_back_behind_the_floor_refuses_old_tokens_and_reapplies_the_lost_one_once():
    flash, state = meter(config={"save_every_wh": 10})
    enter(state, credit(1000, 10))
    before = new_flash(flash.data)  # the whole meterdata/ and meterdatax/ as they were here ...
    enter(state, credit(1001, 10))
    for _ in range(5):
        state.consume(10, NOW)
    enter(state, credit(1002, 10))  # 2950 Wh
    volume = Volume(mount_flash(flash))
    floor = Volume(volume.fs, "").read("meter.floor")
    image = new_flash(before.data)  # ... come back, but the floor outside them is newer
    Volume(mount_flash(image), "").write_atomic("meter.floor", floor)
    again, report = reboot(image)
    assert again.credit_wh == 1000 and report["storage"] == "recovered"
    assert (code("token_credit_lost"), 1002) in _recoveries(again)
    assert enter(again, credit(1001, 10)) == R.OLD  # its credit may be in what was lost: refused
    assert enter(again, credit(1002, 10)) == R.ACCEPT and again.credit_wh == 2000  # proved lost: once
    assert enter(again, credit(1002, 10)) == R.USED
    third, _ = reboot(image)
    assert enter(third, credit(1002, 10)) == R.USED and third.credit_wh == 2000


def test_power_cut_between_floor_and_state_is_no_fault():
    flash, state = meter()
    enter(state, credit(1000, 10))
    volume = Volume(mount_flash(flash))
    before = volume.fs
    # the replay floor record (kind F: TID, key id) of token 1001
    floor_bytes = record.encode(b"F", state._mseq + 1, struct.pack(">iI", 1001, key_id(KEY)))
    Volume(before, "").write_atomic("meter.floor", floor_bytes)  # what the cut left: only the floor
    again, report = reboot(flash)
    assert report["recoveries"] == [] and report["storage"] == "ok"
    assert enter(again, credit(1001, 10)) == R.ACCEPT and again.credit_wh == 2000
    assert enter(again, credit(999, 1)) == R.ACCEPT  # no floor: an older unused token still counts


def test_missing_folder_of_a_store_that_was_there_is_a_fault_not_a_new_meter():
    flash, state = meter()
    enter(state, credit(1000, 10))
    fs = mount_flash(flash)
    for name in [e[0] for e in fs.ilistdir("meterdata")]:
        fs.remove("meterdata/" + name)
    fs.rename("meterdata", "gone")  # as if littlefs mounted an older root without the folder
    again, report = reboot(flash)
    assert report["storage"] == "fault" and report["mount"] == "mounted"
    assert (code("folder_lost"), 1) in _recoveries(again)
    assert not again.provisioned and again.credit_wh == 1000  # the spare money copy survived
    assert again.provision(KEY, "600727000000000009", force=True, now_s=NOW)
    assert enter(again, credit(1000, 10)) == R.USED and again.credit_wh == 1000


def test_all_records_lost_but_the_floor_is_a_fault_with_no_credit():
    flash, state = meter()
    enter(state, credit(1000, 10))
    enter(state, credit(1001, 10))
    fs = mount_flash(flash)
    for folder in ("meterdata", "meterdatax"):
        for name in [e[0] for e in fs.ilistdir(folder)]:
            fs.remove(folder + "/" + name)
    again, report = reboot(flash)
    assert report["storage"] == "fault" and code("store_lost") in report["recoveries"]
    assert again.credit_wh == 0 and not again.provisioned
    assert again.provision(KEY, "600727000000000009", force=True, now_s=NOW)
    assert enter(again, credit(1000, 10)) == R.OLD
    assert enter(again, credit(1001, 10)) == R.ACCEPT and again.credit_wh == 1000  # lost: once
    assert enter(again, credit(1001, 10)) == R.USED


def test_event_segment_corrupt_entry_is_voided_and_others_kept():
    flash, state = meter()
    for i in range(5):
        state.log(ev.RELAY, 1, 100 + i, NOW + i)
    segment = "ev.%d" % state._events._segment
    before = [e for e in state.events(30)]
    _flip(flash, segment, 3 * ev.ENTRY_SIZE + 4)  # inside the 4th entry of that segment
    again, report = reboot(flash)
    assert code("events_corrupt") in report["recoveries"]
    after = again.events(40)
    lost = [e for e in before if e not in after]
    assert len(lost) == 1 and lost[0][0] == state._events._segment * ev.PER_SEGMENT + 3
    third, report = reboot(flash)
    assert code("events_corrupt") not in report["recoveries"]  # repaired once, not again


def test_leftover_temp_file_is_removed_and_logged():
    flash, state = meter()
    enter(state, credit(1000, 10))
    volume = Volume(mount_flash(flash))
    volume.write_atomic("state.7", b"half-written")
    volume.fs.rename("meterdata/state.7", "meterdata/state.0.tmp")
    again, report = reboot(flash)
    assert report["recoveries"] == [code("tmp_removed")] and again.credit_wh == 1000
    volume = Volume(mount_flash(flash))
    assert "state.0.tmp" not in volume.names()
