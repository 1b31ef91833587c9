# lanes: cpython micropython-unix
# Corruption of each record file: detected at boot, the last good generation is
# used (never credit from a corrupt record), a storage-recovery event is logged.
from store import events as ev
from store.volume import Volume, mount_flash
from test_store_state import NOW, credit, enter, meter, new_flash, reboot


def _flip(flash, name, position):
    volume = Volume(mount_flash(flash))
    raw = bytearray(volume.read(name))
    raw[position % len(raw)] ^= 0x5A
    volume.write_atomic(name, bytes(raw))


def _positions(flash, name):
    volume = Volume(mount_flash(flash))
    size = len(volume.read(name))
    return (0, 2, 3, 5, 9, 12, size // 2, size - 5, size - 1)


def _recoveries(state):
    return [(e[3], e[4]) for e in state.events(20) if e[2] == ev.STORAGE_RECOVERY]


def _history():
    """A meter with two state generations: 1000 Wh, then 3000 Wh after token 1001."""
    flash, state = meter()
    enter(state, credit(1000, 10))
    older = state.state_seq
    enter(state, credit(1001, 20))
    return flash, state.state_seq, older


def test_newest_state_record_corrupt_falls_back_to_previous_generation():
    flash, newest, older = _history()
    for position in _positions(flash, "state.%d" % (newest & 1)):
        image = new_flash(flash.data)
        _flip(image, "state.%d" % (newest & 1), position)
        state, report = reboot(image)
        assert report["state_seq"] == older, position
        assert state.credit_wh == 1000 and list(state.tids) == [1000]
        assert (ev.RECOVERY_STATE_CORRUPT, newest & 1) in _recoveries(state)
        # the token of the lost generation can be entered again, and counts once
        assert enter(state, credit(1001, 20)) == 1 and state.credit_wh == 3000
        again, report = reboot(image)
        assert report["recoveries"] == [] and again.credit_wh == 3000
        image = state = again = None  # let the next copy reuse the heap


def test_older_state_record_corrupt_keeps_newest():
    flash, newest, older = _history()
    _flip(flash, "state.%d" % (older & 1), 20)
    state, report = reboot(flash)
    assert report["state_seq"] == newest and state.credit_wh == 3000
    assert report["recoveries"] == [ev.RECOVERY_STATE_CORRUPT]


def test_both_state_records_corrupt_gives_no_credit_and_reports_loss():
    flash, newest, older = _history()
    _flip(flash, "state.0", 30)
    _flip(flash, "state.1", 30)
    state, report = reboot(flash)
    assert not state.provisioned and state.credit_wh == 0 and state.balance_wh == 0
    assert ev.RECOVERY_STATE_LOST in report["recoveries"]


def test_energy_record_corrupt_uses_previous_total():
    flash, state = meter(config={"save_every_wh": 10})
    enter(state, credit(1000, 10))
    for _ in range(30):
        state.consume(1, NOW)  # saves at 10, 20, 30 Wh
    newest = state._energy_seq
    for position in _positions(flash, "energy.%d" % (newest & 1)):
        image = new_flash(flash.data)
        _flip(image, "energy.%d" % (newest & 1), position)
        again, _ = reboot(image)
        assert again.energy_total_wh == 20 and again.credit_wh == 980, position
        assert (ev.RECOVERY_ENERGY_CORRUPT, newest & 1) in _recoveries(again)
        image = again = None


def test_event_segment_corrupt_entry_is_voided_and_others_kept():
    flash, state = meter()
    for i in range(5):
        state.log(ev.RELAY, 1, 100 + i, NOW + i)
    segment = "ev.%d" % state._events._segment
    before = [e for e in state.events(30)]
    _flip(flash, segment, 3 * ev.ENTRY_SIZE + 4)  # inside the 4th entry of that segment
    again, report = reboot(flash)
    assert ev.RECOVERY_EVENTS_CORRUPT in report["recoveries"]
    after = again.events(40)
    lost = [e for e in before if e not in after]
    assert len(lost) == 1 and lost[0][0] == state._events._segment * ev.PER_SEGMENT + 3
    third, report = reboot(flash)
    assert ev.RECOVERY_EVENTS_CORRUPT not in report["recoveries"]  # repaired once, not again


def test_leftover_temp_file_is_removed_and_logged():
    flash, state = meter()
    enter(state, credit(1000, 10))
    volume = Volume(mount_flash(flash))
    volume.write_atomic("state.7", b"half-written")
    volume.rename("state.7", "state.0.tmp")
    again, report = reboot(flash)
    assert report["recoveries"] == [ev.RECOVERY_TMP_REMOVED] and again.credit_wh == 1000
    volume = Volume(mount_flash(flash))
    assert "state.0.tmp" not in volume.names()
