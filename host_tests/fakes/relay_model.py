# Model of a load relay wired to fake machine.Pin objects.
#   latching: coil pins set/reset; a coil energised for at least operate_ms
#     moves the contacts (shorter pulses do nothing); both coils energised at
#     once is recorded as a fault.  Every pulse's width is kept in `pulses`.
#   monostable: the contacts follow the coil pin.
# A feedback pin (auxiliary contact) reads feedback_level while the contacts
# are closed.  `welded` / `stuck_open` force the contacts, as failed relays do.
from clock import ticks_diff


class RelayModel:
    def __init__(self, clock, coil=None, set_coil=None, reset_coil=None, active_high=True, operate_ms=30,
                 feedback=None, feedback_level=0):
        self.clock = clock
        self.on_level = 1 if active_high else 0
        self.operate_ms = operate_ms
        self.feedback_level = feedback_level
        self._contacts = False
        self.welded = False
        self.stuck_open = False
        self.pulses = []  # (coil name, width ms)
        self.faults = []
        self._energised = {}
        self._coils = {}
        if coil is not None:
            coil.listeners.append(self._monostable)
        for name, pin in (("set", set_coil), ("reset", reset_coil)):
            if pin is not None:
                self._coils[name] = pin
                pin.listeners.append(self._latching(name))
        if feedback is not None:
            feedback.reader = self._feedback

    @property
    def contacts_closed(self):
        if self.welded:
            return True
        if self.stuck_open:
            return False
        return self._contacts

    def _feedback(self):
        return self.feedback_level if self.contacts_closed else 1 - self.feedback_level

    def _monostable(self, _pin, level):
        self._contacts = level == self.on_level

    def _latching(self, name):
        def on_level(_pin, level):
            now = self.clock.ticks_ms()
            if level == self.on_level:
                if name not in self._energised:
                    self._energised[name] = now
                if len(self._energised) > 1:
                    self.faults.append("both coils energised")
            elif name in self._energised:
                width = ticks_diff(now, self._energised.pop(name))
                self.pulses.append((name, width))
                if width >= self.operate_ms:
                    self._contacts = name == "set"

        return on_level

    def coils_idle(self):
        return not self._energised
