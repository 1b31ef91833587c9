# Evidence on the meter itself: where the units went.  Every figure is a
# difference of the store's energy total (the energy the metering IC
# measured), taken at marks: the last top-up, the start of the local day, the
# first poll of each hour.  So the figures add up with the energy counted, and
# the marks (a few integers, kept in the memo record) survive power cuts.
# Figures that need the time are unknown (-1) while the wall time is unknown.
from micropython import const

_HOURS_KEPT = const(24)  # this hour and the 23 before: "last 24 h"
_MIN_BASIS_S = const(3600)  # an average over less than an hour is no basis
_MAX_DAYS_TENTHS = const(9999)  # estimates are capped at 999.9 days


class Evidence:
    def __init__(self):
        self.topup = [-1, 0, -1]  # energy total at the last top-up, its amount (Wh), its UTC time (-1: unknown)
        self.day = [-1, 0, -1]  # local day number, energy total at its start, yesterday's Wh (-1: unknown)
        self.hours = []  # [utc hour number, energy total, utc seconds] at the first poll of each hour
        self.total = 0  # the energy total at the last update

    # ---- keeping the marks --------------------------------------------------
    def update(self, total_wh, utc_s, local_s):
        """After each poll.  Returns True when a new mark was taken."""
        self.total = total_wh
        if utc_s < 0:
            return False  # no time: no marks (the figures say unknown)
        changed = False
        day = self.day
        today = local_s // 86400
        if day[0] < 0 or today < day[0]:  # first day, or the clock was set back
            day[0], day[1], day[2] = today, total_wh, -1
            changed = True
        elif today > day[0]:
            day[2] = total_wh - day[1] if today == day[0] + 1 else 0  # a whole day off: nothing used yesterday
            day[0], day[1] = today, total_wh
            changed = True
        hour = utc_s // 3600
        hours = self.hours
        if hours and hours[-1][0] > hour:  # the clock was set back: the old hours mean nothing
            del hours[:]
        if not hours or hours[-1][0] < hour:
            hours.append([hour, total_wh, utc_s])
            while hours[0][0] <= hour - _HOURS_KEPT:
                hours.pop(0)
            changed = True
        return changed

    def on_topup(self, amount_wh, total_wh, utc_s):
        self.topup[0], self.topup[1], self.topup[2] = total_wh, amount_wh, utc_s

    # ---- the figures (Wh; -1 = unknown) ---------------------------------------
    def since_topup_wh(self):
        return self.total - self.topup[0] if self.topup[0] >= 0 else -1

    def today_wh(self):
        return self.total - self.day[1] if self.day[0] >= 0 else -1

    def yesterday_wh(self):
        return self.day[2] if self.day[0] >= 0 else -1

    def last_24h_wh(self):
        return self.total - self.hours[0][1] if self.hours else -1

    def days_left_tenths(self, credit_wh, utc_s):
        """Days the credit lasts at the average power of the last 24 h, in
        tenths, capped at _MAX_DAYS_TENTHS; -1 without a basis (time unknown,
        less than an hour of history, or nothing used)."""
        if utc_s < 0 or not self.hours:
            return -1
        basis_s = utc_s - self.hours[0][2]
        used = self.last_24h_wh()
        if basis_s < _MIN_BASIS_S or used <= 0:
            return -1
        if credit_wh <= 0:
            return 0
        tenths = credit_wh * 10 * basis_s // (used * 86400)
        return tenths if tenths < _MAX_DAYS_TENTHS else _MAX_DAYS_TENTHS

    # ---- the memo record ------------------------------------------------------
    def to_doc(self):
        return {"tu": self.topup, "d": self.day, "h": self.hours}
