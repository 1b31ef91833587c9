# Meter parameters, with the defaults a commercial single-phase prepayment
# meter ships with.  Integers (energy in Wh, power in W, time in seconds), and
# lists for the friendly-credit windows.
# A board or the provisioning file may override any of them.
# Read once, when the MeterConfig is made at boot: an overlay (firmware/overlay.py)
# run by meter.config.MeterConfig and dropped after.  The table is configure()'s
# own (no module global names: each would be interned for good at every boot).
from micropython import const

_ACTIONS = const(("log", "show", "disconnect"))  # the words a tamper_action_* setting may be (meter.tamper)


def configure(config, settings):
    """Every parameter set on config: its default, or its value in settings
    (the board's or the provisioning file's overrides) once checked; unknown
    keys are refused so a typo in a board file or provisioning JSON is caught
    at boot, not ignored."""
    defaults = {
        "mfr_code": 0,  # our manufacturer code for class 1 tokens (0 = accept only 0)
        "credit_limit_wh": 999_999_900,  # 999,999.9 kWh: stays a small int on a 32-bit MCU
        "emergency_credit_wh": 0,  # borrowed at zero credit and repaid from the next token
        "low_credit_wh": 5000,  # low-credit alarm threshold (the customer may change it: short code 5NN)
        "alarm_sound_s": 30,  # the low-credit alarm sounds this long...
        "alarm_snooze_s": 3600,  # ...then again after this (customer: short code 6NN), or after a key press
        "relay_warning_wh": 200,  # one warning sound when only this much credit is left
        "quiet_from_h": 22,  # no alarm sound between these hours (local time)
        "quiet_to_h": 6,
        "max_power_w": 0,  # 0 = no limit until a SetMaximumPowerLimit token
        "trip_delay_s": 10,  # overload must last this long to trip
        "reconnect_s": 60,  # off time before an automatic reconnect
        "overload_retries": 3,  # automatic reconnects before it waits for a key press
        "overload_calm_s": 3600,  # trips are forgotten after this long without one
        "fault_grace_s": 300,  # metering fault: open the relay after this long
        "relay_test_s": 10,  # class 1 relay test: open this long
        "save_every_wh": 10,  # consumption saved at least every 10 Wh (the power-cut loss bound)
        "save_every_s": 900,  # ... and every 15 minutes
        "tid_record_size": 64,  # used TIDs remembered (>= 50; sts/README.md)
        "flash_progsize": 32,  # littlefs program size: 256 for a raw RP2040 flash region (store/README.md)
        "poll_ms": 1000,  # metering poll period
        "result_ms": 4000,  # how long a result screen stays
        "entry_timeout_ms": 20000,  # inter-digit timeout
        "backlight_ms": 30000,
        "tz_offset_min": 0,  # local time = UTC + this (minutes; e.g. 120 for UTC+2)
        # Friendly credit (meter/friendly.py): no disconnection for lack of credit in these windows
        "friendly_hours": [],  # e.g. ["18:00-06:00"] (local time)
        "friendly_weekdays": [],  # e.g. [5, 6] (0 = Monday)
        "friendly_holidays": [],  # e.g. ["12-25", "01-01"] (MM-DD)
        "friendly_cap_wh": 0,  # how far below zero the credit may go in a window (0 = off)
        "reconnect_key": 0,  # 1: after a top-up the relay waits for '#' (see README), 0: reconnects at once
        # tamper detection (meter/tamper.py): what to do per kind, and when a condition counts
        "tamper_action_cover": "show",  # log | show | disconnect
        "tamper_action_reverse": "log",
        "tamper_action_imbalance": "show",
        "tamper_action_magnet": "show",
        "tamper_cover_s": 2,  # cover switch open at least this long
        "tamper_reverse_w": 20,  # active power below -20 W...
        "tamper_reverse_s": 60,  # ...for a minute
        "tamper_imbalance_pct": 12,  # |live - neutral| above 12 % of the larger current...
        "tamper_imbalance_ma": 500,  # ...and above 0.5 A...
        "tamper_imbalance_s": 30,  # ...for 30 s
        "tamper_magnet_s": 2,
    }
    for name, value in defaults.items():
        setattr(config, name, list(value) if isinstance(value, list) else value)
    for name, value in settings.items():
        if name not in defaults:
            raise ValueError("unknown meter setting: " + name)
        if isinstance(defaults[name], list):
            if not isinstance(value, (list, tuple)):
                raise ValueError("meter setting %s must be a list" % name)
            value = list(value)
        elif name.startswith("tamper_action_"):
            if value not in _ACTIONS:
                raise ValueError("meter setting %s must be one of %s" % (name, "|".join(_ACTIONS)))
        elif not isinstance(value, int):
            raise ValueError("meter setting %s must be an integer" % name)
        setattr(config, name, value)
