# The meter's hardware as the firmware sees it (System.hw): drivers, the
# filesystem, the board's hooks.  Resident, and small on purpose: the code that
# builds it (meter.hardware) is an overlay the board file drops once it has
# built this, so nothing here may refer to that module.


class Hardware:
    def __init__(self, name, relay, fs, keypad=None, lcd=None, ic=None, engineering=False, notes=(),
                 reboot=None, read_provisioning=None, provisioning_done=None, rtc=None, buzzer=None,
                 provisioning_rejected=None, start_watchdog=None, monotonic=None):
        self.name = name
        self.relay = relay
        self.fs = fs  # the mounted filesystem the store keeps its folder on (None: none)
        self.keypad = keypad
        self.lcd = lcd
        self.ic = ic
        self.engineering = engineering
        self.notes = list(notes)  # boot report lines about the parts
        self.reboot = reboot  # callable, or None where a restart is not possible
        # The provisioning file's hooks, used at boot only (the boot forgets them after):
        self.read_provisioning = read_provisioning  # callable -> dict or None (a pending provisioning file)
        self.provisioning_done = provisioning_done  # callable: delete the file once imported
        self.provisioning_rejected = provisioning_rejected  # callable(reason): put a rejected file aside (None: done())
        self.rtc = rtc  # drivers.ds3231.Ds3231 on the LCD's bus, or None
        self.buzzer = buzzer  # drivers.buzzer.Buzzer, or None (no buzzer fitted)
        self.cover = None  # terminal-cover switch input (meter/tamper.py), or None: not fitted
        self.magnet = None  # magnetic-field sensor input, or None
        self.start_watchdog = start_watchdog  # callable -> a started watchdog with feed() (board files set it)
        self.reset_cause = "power_on"  # why the board restarted (meter.hardware.reset_cause_name)
        self.monotonic = monotonic  # ticks_ms()/ticks_diff() in the watchdog's time, if not the clock's


def watchdog_starter(machine, timeout_ms):
    """hw.start_watchdog for a real board: defined here, not in the overlay that
    builds the hardware, so the hook does not keep that module alive."""
    return lambda: machine.WDT(timeout=timeout_ms)
