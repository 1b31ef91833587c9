# Energy accounting: turn the metering IC's cumulative integer Wh counter into
# consumption deltas for the credit register, and keep the figures the
# customer asks for (today, recent use, days of credit left).  Credit only
# ever falls by energy the IC measured, never by a V x I estimate.
from micropython import const

HOURS = const(24)
SECONDS_PER_DAY = const(86400)


class EnergyAccount:
    def __init__(self):
        self._last_ic_wh = -1  # IC counter at the last good poll (-1: none yet)
        self.today_wh = 0
        self._day = -1
        self._hourly = [0] * HOURS  # Wh used in each of the last 24 hours
        self._hour = -1
        self.faults = 0

    def update(self, ic_energy_wh, now_s):
        """Wh consumed since the last good poll (0 on the first one).

        A counter that went backwards (the IC or its driver restarted) starts
        a new baseline: the energy of that gap is unknown and not invented."""
        self._roll(now_s)
        if self._last_ic_wh < 0 or ic_energy_wh < self._last_ic_wh:
            self._last_ic_wh = ic_energy_wh
            return 0
        delta = ic_energy_wh - self._last_ic_wh
        self._last_ic_wh = ic_energy_wh
        self.today_wh += delta
        self._hourly[self._hour % HOURS] += delta
        return delta

    def rebaseline(self):
        """Forget the IC counter (after a metering fault or IC restart)."""
        self._last_ic_wh = -1

    def _roll(self, now_s):
        day = now_s // SECONDS_PER_DAY
        if day != self._day:
            if self._day >= 0:
                self.today_wh = 0
            self._day = day
        hour = now_s // 3600
        if self._hour < 0:
            self._hour = hour
        while self._hour < hour:  # clear the hours that passed without a poll
            self._hour += 1
            self._hourly[self._hour % HOURS] = 0
            if hour - self._hour > HOURS:
                self._hour = hour - HOURS

    def last_24h_wh(self):
        total = 0
        for wh in self._hourly:
            total += wh
        return total

    def days_left(self, credit_wh):
        """Whole days the credit lasts at the last 24 hours' rate, or -1 if
        there is no recent use to judge by."""
        per_day = self.last_24h_wh()
        if per_day <= 0 or credit_wh <= 0:
            return -1
        return credit_wh // per_day
