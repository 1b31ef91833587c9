# lanes: micropython-unix
# mp-heapsize: 2048wK
# A wrong token's count is durable before anything else about it is written
# (meter/app.py): the power is cut at each flash operation of a wrong-token
# entry, and whenever its reject reached the log, its count is there too.
# (MicroPython only: littlefs-python aborts the CPython process on files left
# open on a dead flash.)
from norflash import NorFlash
from sts import results as R
from support.rig import Rig
from support.vend import make_token


def _wrong_token():
    good = make_token(0, 0, {"tid": 6_100_003, "amount": 10})
    return good[:-1] + ("1" if good[-1] != "1" else "2")  # a typo: fails its check (not Used)


def test_wrong_token_count_is_durable_before_its_log_entry():
    import gc

    base = Rig(flash=NorFlash(16, 4096))
    image = base.flash.image()
    _, clock = base.power_cut()
    base = None
    wrong = _wrong_token()
    rig = Rig(flash=NorFlash(16, 4096, image), clock=clock, provision=None)
    rig.parts.flash.cut_after(1 << 30)
    rig.enter_token(wrong)
    total = (1 << 30) - rig.parts.flash.ops_left  # flash operations of a whole entry
    rig = None
    logged_points = 0
    for k in list(range(0, total, max(1, total // 60))) + [total]:
        gc.collect()
        rig = Rig(flash=NorFlash(16, 4096, image), clock=clock, provision=None)
        rig.parts.flash.cut_after(k)
        code = rig.enter_token(wrong)
        assert code == R.AUTH, k
        whole = not rig.parts.flash.dead  # the entry finished before the cut
        flash, clock = rig.power_cut()
        rig = None
        gc.collect()
        again = Rig(flash=NorFlash(16, 4096, flash.image()), clock=clock, provision=None)
        flash = None
        logged = [e for e in again.state.events(20) if e[2] == 4 and e[3] == code]  # TOKEN_REJECTED
        if logged:
            logged_points += 1
            assert again.state.wrong_tokens == 1, k  # the reject is on flash: so is its count
        again = None
        if whole:
            assert logged, k
            break
    assert logged_points >= 1 and total > 10, (logged_points, total)
