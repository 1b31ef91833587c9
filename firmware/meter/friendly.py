# Friendly credit: configured windows of local time (nights, weekdays,
# holidays) in which the relay never opens for lack of credit.  Consumption
# in a window runs the credit negative, down to -friendly_cap_wh (below any
# emergency credit), and the next token repays it first, like emergency
# credit.  Outside the windows the normal policy applies; overload and the
# other reasons to open are not affected.  With the time unknown there is no
# window: the meter cannot tell night from day.
#   friendly_hours     ["18:00-06:00", ...]  (a window may cross midnight)
#   friendly_weekdays  [5, 6]                (0 = Monday: whole days)
#   friendly_holidays  ["12-25", "01-01"]    (MM-DD, every year)
#   friendly_cap_wh    0 = no friendly credit
# (read from the configuration by meter.customer_setup, an overlay)
import overlay
from meter.civil import civil_from_days, weekday


class Friendly:
    def __init__(self, config):
        # ValueError for a malformed key (meter.customer_setup checks them and
        # parses the hours and holidays; the cap and weekdays are read from config)
        self.config = config
        self.hours, self.holidays = overlay.run("meter.customer_setup", "friendly_windows", config)
        self.configured = config.friendly_cap_wh > 0 and bool(self.hours or config.friendly_weekdays or self.holidays)

    def window(self, local_s):
        """True if local_s (local seconds, -1 = unknown) is in a friendly window."""
        if local_s < 0 or not self.configured:
            return False
        days = local_s // 86400
        if weekday(days) in self.config.friendly_weekdays:
            return True
        _year, month, date = civil_from_days(days)
        if (month, date) in self.holidays:
            return True
        minute = local_s % 86400 // 60
        for start, end in self.hours:
            if start <= end:
                if start <= minute < end:
                    return True
            elif minute >= start or minute < end:  # across midnight
                return True
        return False
