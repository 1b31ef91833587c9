# The virtual board's board file: `make deploy BOARD=host` copies it as /board.mpy to
# the virtual board (`make vboard`: tools/vboard.py with host_tests/fakes and boards/ on
# its path). It is the simulator board (boards/sim.py: the device models behind `machine`
# fakes) with its flash in /sim-flash.img on the device filesystem, and provisioning as on
# a real board: a /provision.json left by `make provision` is imported at boot, then deleted.
import overlay
from sim import *  # noqa: F403
from sim import build as _sim_build

NAME = "virtual board (vboard)"
PROVISION_FILE = "provision.json"


def build(clock):
    hw = _sim_build(clock)
    hw.name = NAME
    hooks = overlay.run("meter.hardware", "provisioning_file", PROVISION_FILE)
    hw.read_provisioning, hw.provisioning_done, hw.provisioning_rejected = hooks
    return hw
