# lanes: cpython micropython-unix
# mp-heapsize: 158wK
# mp-compiled: yes
# The store's overlays seen from the whole meter (main.py's System on the
# virtual board): after boot with provisioning, a token, an hour of metering,
# the console's `log` and a reboot that finds and repairs a lost money copy,
# none of store.recovery, store.evlog, store.setup is left in sys.modules.
import sys

import store
from support.rig import Rig
from support.vend import credit

OVERLAYS = ("recovery", "evlog", "setup")


def _loaded():
    return [n for n in OVERLAYS if "store." + n in sys.modules or n in dir(store)]


def test_a_running_meter_keeps_no_store_overlay_loaded():
    rig = Rig(load_w=2000)
    assert rig.provisioning == ["done"] and rig.state.provisioned
    assert _loaded() == []
    assert rig.enter_token(credit(7_000_000, 100)) == 1
    rig.advance(3600)
    assert _loaded() == []
    lines = rig.console("log 5")
    assert [line for line in lines if "token accepted" in line]  # names from store.evlog
    assert _loaded() == []


def test_a_reboot_with_a_recovery_keeps_no_store_overlay_loaded():
    rig = Rig()
    assert rig.enter_token(credit(7_000_001, 10)) == 1
    before = rig.state.credit_wh
    rig.state.volume.remove("money")  # one money copy lost: found and rewritten at the next boot
    flash, clock = rig.power_cut()
    again = Rig(flash=flash, clock=clock)
    assert again.state.storage == "recovered" and again.state.credit_wh == before  # the other copy had it
    assert [line for line in again.log_lines if "money_copy_lost" in line]  # System.boot named it
    assert _loaded() == []

