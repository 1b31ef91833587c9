# Energy accounting: turn the metering IC's cumulative integer Wh counter into
# consumption deltas for the credit register.  Credit only ever falls by
# energy the IC measured, never by a V x I estimate.  The figures the customer
# asks for (today, last 24 h, days left) are meter.evidence's.


class EnergyAccount:
    def __init__(self):
        self._last_ic_wh = 0  # driver counter at the last poll; it starts at 0 with the driver

    def update(self, ic_energy_wh, now_s):
        """Wh consumed since the last poll, failed polls included: the driver's
        counter only ever holds energy the IC confirmed.

        A counter that went backwards (a new driver object) starts a new
        baseline: the energy of that gap is unknown and not invented."""
        if ic_energy_wh < self._last_ic_wh:
            self._last_ic_wh = ic_energy_wh
            return 0
        delta = ic_energy_wh - self._last_ic_wh
        self._last_ic_wh = ic_energy_wh
        return delta
