# lanes: cpython micropython-unix
# MeterState on a simulated NOR flash: tokens through the real pipeline,
# consumption saves, emergency credit, lockout, event log, reboots.
from fakeclock import FakeClock
from norflash import NorFlash
from store import events as ev
from store.state import MeterState
from store.volume import StorageFault, mount_flash
from sts import results as R
from sts.keys import KeyState
from sts.layouts import build_words, cipher, format_token
from sts.pipeline import check
from support.checks import raises

NOW = 1_700_000_000
BLOCKS, BLOCK_SIZE = 24, 1024  # small device: several copies fit the 192wK test heap


def new_flash(image=None):
    return NorFlash(BLOCKS, BLOCK_SIZE, image)

KEY = KeyState(7, bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F)), 1, 2, 1, 123456)


def make_token(cls, sub, values, keys=KEY):
    words = build_words(cls, sub, values)
    cipher(keys.key).encrypt(words)
    return format_token(cls, words)


def credit(tid, count):
    """A class 0 electricity token for count x 0.1 kWh."""
    return make_token(0, 0, {"tid": tid, "amount": count})


def meter(flash=None, config=None, provision=True, now=NOW):
    flash = flash or new_flash()
    state = MeterState(mount_flash(flash), FakeClock(start_s=now), config or {})
    state.boot(now)
    if provision and not state.provisioned:
        assert state.provision(KEY, "600727000000000009", now_s=now)
    return flash, state


def enter(state, digits, now=NOW):
    return state.apply(check(digits, state, now), now)


def reboot(flash, config=None, now=NOW):
    state = MeterState(mount_flash(flash), FakeClock(start_s=now), config or {})
    report = state.boot(now)
    return state, report


def test_blank_device_is_formatted_and_unprovisioned():
    state = MeterState(mount_flash(new_flash()), FakeClock(), {})
    report = state.boot(NOW)
    assert report["mount"] == "created" and not report["provisioned"]
    assert state.credit_wh == 0 and state.keys is None
    assert state.apply(_accept(), NOW) == R.NOT_READY  # no keys yet: nothing can be applied


def test_flash_holding_data_that_does_not_mount_is_a_fault_not_formatted():
    flash = new_flash()
    flash.writeblocks(3, b"\x00" * 64, 0)  # not blank, not littlefs
    image = flash.image()
    raises(StorageFault, mount_flash, flash)
    assert flash.image() == image and flash.erases == 0  # nothing was touched


def test_store_keeps_unknown_files_in_its_folder():
    flash, state = meter()
    state.volume.write_atomic("resets", b"3")  # another part of the firmware's own record
    again, report = reboot(flash)
    assert again.volume.read("resets") == b"3" and report["recoveries"] == []


def _accept():
    class Shaped:
        code, token, credit_wh, tid, clear_register = 1, None, 100, 5, -1
        setting = kct_pending = new_keys = None
        clear_tids = False

    return Shaped()


def test_credit_token_adds_credit_and_records_tid_durably():
    flash, state = meter()
    assert enter(state, credit(1000, 25)) == R.ACCEPT
    assert state.credit_wh == 2500 and 1000 in list(state.tids)
    again, _ = reboot(flash)
    assert again.credit_wh == 2500
    assert check(credit(1000, 25), again, NOW).code == R.USED
    assert again.events(1)[0][2] == ev.POWER_UP
    kinds = [e[2] for e in again.events(5)]
    assert ev.TOKEN_ACCEPTED in kinds


def test_overflow_is_refused_without_change():
    _, state = meter(config={"credit_limit_wh": 3000})
    assert enter(state, credit(1000, 20)) == R.ACCEPT
    seq = state.state_seq
    verdict = _accept()
    verdict.credit_wh, verdict.tid = 1500, 1001
    assert state.apply(verdict, NOW) == 4  # Overflow
    assert state.credit_wh == 2000 and state.state_seq == seq and 1001 not in list(state.tids)


def test_rejected_verdict_changes_nothing():
    _, state = meter()
    seq = state.state_seq
    verdict = check("12345678901234567890", state, NOW)
    assert verdict.code not in (1, 2, 3)
    assert state.apply(verdict, NOW) == verdict.code and state.state_seq == seq


def test_consumption_saved_every_n_wh_and_loss_is_bounded():
    flash, state = meter(config={"save_every_wh": 10, "save_every_s": 10_000})
    enter(state, credit(1000, 10))
    saves = 0
    for _ in range(95):
        saves += 1 if state.consume(1, NOW) else 0
    assert saves == 9 and state.unsaved_wh == 5
    assert state.credit_wh == 1000 - 95
    again, _ = reboot(flash, {"save_every_wh": 10})
    assert again.energy_total_wh == 90  # the 5 unsaved Wh are lost, in the customer's favour
    assert again.credit_wh == 910


def test_consumption_saved_after_save_every_s_and_by_flush():
    flash, state = meter(config={"save_every_wh": 10, "save_every_s": 60})
    assert not state.consume(2, NOW + 30)
    assert state.consume(1, NOW + 61)
    assert not state.consume(4, NOW + 62)
    assert state.flush(NOW + 63, ev.POWER_DOWN, 1, 0)
    again, _ = reboot(flash)
    assert again.energy_total_wh == 7
    assert [e[2] for e in again.events(2)] == [ev.POWER_UP, ev.POWER_DOWN]


def test_consume_refuses_bad_input():
    _, state = meter()
    for bad in (-1, 1.5, "3", None, True):
        raises(ValueError, state.consume, bad, NOW)
    assert state.energy_total_wh == 0


def test_emergency_credit_borrowed_at_zero_and_repaid_by_next_token():
    flash, state = meter(config={"emergency_credit_wh": 500})
    enter(state, credit(1000, 1))  # 100 Wh
    assert not state.emergency_active and state.available_wh == 600
    state.consume(300, NOW)
    assert state.credit_wh == 0 and state.emergency_active
    assert state.balance_wh == -200 and state.available_wh == 300  # 200 Wh of the emergency credit used
    state.consume(300, NOW)
    assert state.available_wh == 0
    enter(state, credit(1001, 10))  # 1000 Wh, the 500 Wh borrowed are repaid first
    assert state.credit_wh == 500 and not state.emergency_active
    again, _ = reboot(flash, {"emergency_credit_wh": 500})
    assert again.credit_wh == 500


def test_clear_credit_and_management_settings():
    flash, state = meter()
    enter(state, credit(1000, 30))
    assert enter(state, make_token(2, 1, {"tid": 1001, "register": 0})) == R.ACCEPT
    assert state.credit_wh == 0
    assert enter(state, make_token(2, 0, {"tid": 1002, "mpl": 4600})) == R.ACCEPT
    assert enter(state, make_token(2, 2, {"tid": 1003, "rate": 77})) == R.ACCEPT
    assert state.set_tamper(NOW) and state.tamper == 1
    again, _ = reboot(flash)
    assert again.settings == {"max_power_w": 4600, "tariff_rate": 77, "mppul_w": 0, "tamper": 1}
    assert enter(again, make_token(2, 5, {"tid": 1004})) == R.ACCEPT
    assert again.tamper == 0


def _kct_pair(new_key, ro=0):
    text = "".join("%02x" % b for b in new_key)
    first = make_token(2, 3, {"ken_ho": 15, "krn": 2, "ro": ro, "kt": 2, "key_section": text[:8]})
    second = make_token(2, 4, {"ken_lo": 15, "ti": 3, "key_section": text[8:]})
    return first, second


def test_key_change_pair_commits_keys_and_rollover_clears_tids():
    flash, state = meter()
    enter(state, credit(1000, 10))
    new_key = bytes(range(1, 9))
    first, second = _kct_pair(new_key, ro=1)
    assert enter(state, first) == R.KCT1_ACCEPTED
    held, _ = reboot(flash)
    assert len(held.pending_kct) == 1 and held.keys == KEY  # survives a reboot
    assert enter(held, second, NOW + 30) == R.KCT2_ACCEPTED
    assert held.keys.key == new_key and held.keys.ti == 3 and held.keys.base_date == 2014
    assert list(held.tids) == [] and held.pending_kct == [] and held.credit_wh == 1000
    again, _ = reboot(flash)
    assert again.keys == held.keys
    assert ev.KEY_CHANGE in [e[2] for e in again.events(5)]


def test_held_key_sections_expire_after_ten_minutes():
    _, state = meter()
    first, _ = _kct_pair(bytes(range(1, 9)))
    enter(state, first)
    assert not state.expire_kct(NOW + 600)
    assert state.expire_kct(NOW + 601) and state.pending_kct == []


def test_lockout_escalates_survives_reboot_and_resets_on_accept():
    flash, state = meter()
    assert [state.record_wrong_token(NOW) for _ in range(4)] == [0, 0, 10, 20]
    assert state.lockout_remaining_s(NOW + 5) == 15
    again, _ = reboot(flash, now=NOW + 6)
    assert again.wrong_tokens == 4 and again.lockout_remaining_s(NOW + 6) == 14
    assert again.lockout_remaining_s(NOW + 30) == 0
    assert again.record_wrong_token(NOW + 31) == 40
    assert enter(again, credit(1000, 1), NOW + 80) == R.ACCEPT
    assert again.wrong_tokens == 0 and again.lockout_remaining_s(NOW + 80) == 0


def test_lockout_after_clock_restart_rearms_full_duration():
    flash, state = meter()
    for _ in range(5):
        state.record_wrong_token(NOW)  # 40 s lockout ending at NOW + 40
    again, _ = reboot(flash, now=100)  # no RTC: the wall clock restarted near zero
    assert again.lockout_remaining_s(100) == 40
    assert again.lockout_remaining_s(139) == 1
    assert again.lockout_remaining_s(141) == 0
    third, _ = reboot(flash, now=5)  # the expiry was saved: no new lockout on the next boot
    assert third.lockout_remaining_s(5) == 0 and third.wrong_tokens == 5


def test_clear_wrong_tokens():
    flash, state = meter()
    state.record_wrong_token(NOW)
    assert state.clear_wrong_tokens() and state.wrong_tokens == 0
    again, _ = reboot(flash)
    assert again.wrong_tokens == 0


def test_event_log_is_a_bounded_ring_newest_first_across_reboots():
    flash, state = meter()
    for i in range(100):
        state.log(ev.RELAY, i & 1, i, NOW + i)
    newest = state.events(5)
    assert [e[4] for e in newest] == [99, 98, 97, 96, 95]
    assert newest[0][1] == NOW + 99
    again, _ = reboot(flash)
    kept = again.events(1000)
    assert len(kept) <= ev.SEGMENTS * ev.PER_SEGMENT
    assert kept[0][2] == ev.POWER_UP and kept[1][4] == 99
    seqs = [e[0] for e in kept]
    assert seqs == sorted(seqs, reverse=True)


def test_provision_refuses_twice_and_bad_data():
    _, state = meter()
    raises(ValueError, state.provision, KEY)
    raises(ValueError, state.provision, None, "", 0, 0, True)
    raises(ValueError, state.provision, KEY, "", -5, 0, True)
    assert enter(state, credit(1000, 7)) == R.ACCEPT
    assert state.provision(KEY, "1", credit_wh=900, force=True) and state.pan == "1"
    assert state.credit_wh == 700  # a re-provisioning keeps the credit; opening credit is for a new store


def test_opening_credit_on_a_new_store():
    _, state = meter(provision=False)
    assert state.provision(KEY, "600727000000000009", credit_wh=700, now_s=NOW) and state.credit_wh == 700


def test_reprovisioning_with_the_same_key_keeps_the_used_token_record():
    flash, state = meter()
    assert enter(state, credit(1000, 10)) == R.ACCEPT
    assert state.provision(KEY, "600727000000000009", force=True, now_s=NOW)
    assert enter(state, credit(1000, 10)) == R.USED and state.credit_wh == 1000
    again, _ = reboot(flash)
    assert again.provision(KEY, "600727000000000009", force=True, now_s=NOW)
    assert enter(again, credit(1000, 10)) == R.USED and again.credit_wh == 1000
    assert enter(again, credit(1001, 10)) == R.ACCEPT and again.credit_wh == 2000


def _scratch_folder():
    import os

    tag = "".join("%02x" % b for b in os.urandom(6))
    path = "/tmp/sts-portfs-" + tag
    os.mkdir(path)
    return path


def _remove_tree(path):
    import os

    for folder in ("meterdata", "meterdatax"):
        for name in os.listdir(path + "/" + folder):
            os.remove(path + "/" + folder + "/" + name)
        os.rmdir(path + "/" + folder)
    os.remove(path + "/meter.floor")
    os.rmdir(path)


def test_port_filesystem_adapter_keeps_state_across_reboots():
    from store.volume import PortFs

    root = _scratch_folder()
    try:
        state = MeterState(PortFs(root), FakeClock(start_s=NOW), {})
        assert state.boot(NOW)["mount"] == "created"
        assert state.provision(KEY, "600727000000000009", now_s=NOW)
        assert enter(state, credit(1000, 25)) == R.ACCEPT
        state.consume(15, NOW)
        again = MeterState(PortFs(root + "/"), FakeClock(start_s=NOW), {})
        report = again.boot(NOW)
        assert report["mount"] == "mounted" and report["recoveries"] == []
        assert again.credit_wh == 2500 - 15 and check(credit(1000, 25), again, NOW).code == R.USED
        assert not [n for n in again.volume.names() if n.endswith(".tmp")]
    finally:
        _remove_tree(root)
