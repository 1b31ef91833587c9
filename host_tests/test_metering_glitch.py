# lanes: cpython micropython-unix
# mp-heapsize: 158wK
# mp-compiled: yes
# A glitch on the metering bus costs 0 Wh: energy the IC counted and the
# driver confirmed is charged even when the poll around it fails.
from atm90e26_model import ANENERGY, FUNCEN, SYSSTATUS
from sts import results as R
from support.rig import Rig
from support.vend import credit


def test_glitched_polls_charge_every_wh_the_model_delivered():
    rig = Rig(load_w=2000)
    assert rig.enter_token(credit(5_000_300, 100)) == R.ACCEPT
    rig.advance(10)
    start = rig.state.energy_total_wh
    for i in range(60):  # one failed poll every 10 s, most failing after the energy reads
        rig.parts.ic.glitch_next_read((SYSSTATUS, FUNCEN, ANENERGY)[i % 3], 0xFFFF)
        rig.advance(10)
    assert any("metering fault 1" in line for line in rig.log_lines)  # the glitches were real faults
    used = rig.state.energy_total_wh - start
    assert 333 <= used <= 334  # 2 kW for 600 s = 333.3 Wh, none lost to the glitches
