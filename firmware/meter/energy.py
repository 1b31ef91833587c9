# Energy accounting: turn the metering IC's cumulative integer Wh counter into
# consumption deltas for the credit register.  Credit only ever falls by
# energy the IC measured, never by a V x I estimate.  The figures the customer
# asks for (today, last 24 h, days left) are meter.evidence's.


class EnergyAccount:
    def __init__(self):
        self._last_ic_wh = -1  # IC counter at the last good poll (-1: none yet)
        self.faults = 0

    def update(self, ic_energy_wh, now_s):
        """Wh consumed since the last good poll (0 on the first one).

        A counter that went backwards (the IC or its driver restarted) starts
        a new baseline: the energy of that gap is unknown and not invented."""
        if self._last_ic_wh < 0 or ic_energy_wh < self._last_ic_wh:
            self._last_ic_wh = ic_energy_wh
            return 0
        delta = ic_energy_wh - self._last_ic_wh
        self._last_ic_wh = ic_energy_wh
        return delta

    def rebaseline(self):
        """Forget the IC counter (after a metering fault or IC restart)."""
        self._last_ic_wh = -1
