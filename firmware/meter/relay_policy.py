# When the load switch is closed, and why.  Pure logic over integer inputs,
# evaluated once per metering poll; the app applies the decision to the relay
# and logs every change with its reason.
#
# Policy (parameters like commercial prepayment meters):
# - no credit (after emergency credit, if configured) -> open, "no credit";
#   credit arrives -> closed again at the next evaluation.
# - overload: power above the max power limit for trip_delay_s -> open,
#   "overload"; after reconnect_s it closes by itself, up to overload_retries times;
#   one more trip and it stays open ("overload lock") until a key press.
#   The trip count resets after overload_calm_s without an overload.
# - metering IC fault: energy cannot be counted, so after fault_grace_s (rides
#   through a chip reset that begin() repairs) the relay opens, "meter fault",
#   until the IC answers again.  Free energy is never given silently.
# - relay test token (class 1, control bit 0): open for relay_test_s, then back.
# - tamper with the action "disconnect" latched -> open, "tamper", until a
#   ClearTamperCondition token clears it (meter/tamper.py).
from micropython import const

_CLOSED_CREDIT = const(0)
_OPEN_NO_CREDIT = const(1)
_OPEN_OVERLOAD = const(2)
_OPEN_OVERLOAD_LOCK = const(3)
_OPEN_METER_FAULT = const(4)
_OPEN_TEST = const(5)
_OPEN_TAMPER = const(6)

REASONS = ("credit", "no credit", "overload", "overload lock", "meter fault", "relay test", "tamper")


class RelayPolicy:
    # The parameters are named as the meter's configuration names them (meter/settings.py).
    def __init__(self, trip_delay_s=10, reconnect_s=60, overload_retries=3, overload_calm_s=3600, fault_grace_s=300,
                 relay_test_s=10):
        self.trip_delay_s = trip_delay_s
        self.reconnect_s = reconnect_s
        self.overload_retries = overload_retries
        self.overload_calm_s = overload_calm_s
        self.fault_grace_s = fault_grace_s
        self.relay_test_s = relay_test_s
        self.state = _OPEN_NO_CREDIT
        self.trips = 0
        self._over_since = -1  # first second the power was above the limit
        self._off_until = 0
        self._last_trip = 0
        self._fault_since = -1
        self._test_until = 0

    @property
    def closed(self):
        return self.state == _CLOSED_CREDIT

    @property
    def reason(self):
        return REASONS[self.state]

    def key_pressed(self):
        """A customer at the meter: an overload lock may be released."""
        if self.state == _OPEN_OVERLOAD_LOCK:
            self.state = _OPEN_OVERLOAD
            self.trips = 0
            self._off_until = 0

    def start_test(self, now_s):
        """Open for relay_test_s from now; the next update() makes it happen."""
        self._test_until = now_s + self.relay_test_s

    def update(self, now_s, has_credit, power_w, max_power_w, metering_ok, tamper=False):
        """Evaluate the policy; returns True when the state changed."""
        before = self.state
        self.state = self._decide(now_s, has_credit, power_w, max_power_w, metering_ok, tamper)
        return self.state != before

    def _decide(self, now_s, has_credit, power_w, max_power_w, metering_ok, tamper):
        if metering_ok:
            self._fault_since = -1
        elif self._fault_since < 0:
            self._fault_since = now_s
        if tamper:
            return _OPEN_TAMPER
        if now_s < self._test_until:
            return _OPEN_TEST
        if self._fault_since >= 0 and now_s - self._fault_since >= self.fault_grace_s:
            return _OPEN_METER_FAULT
        if self.state == _OPEN_OVERLOAD_LOCK:
            return _OPEN_OVERLOAD_LOCK
        if self.state == _OPEN_OVERLOAD and now_s < self._off_until:
            return _OPEN_OVERLOAD
        if not has_credit:
            self._over_since = -1
            return _OPEN_NO_CREDIT
        if self.trips and now_s - self._last_trip >= self.overload_calm_s:
            self.trips = 0
        if self.state == _CLOSED_CREDIT and max_power_w > 0 and power_w > max_power_w:
            if self._over_since < 0:
                self._over_since = now_s
            if now_s - self._over_since >= self.trip_delay_s:
                return self._trip(now_s)
        else:
            self._over_since = -1
        return _CLOSED_CREDIT

    def _trip(self, now_s):
        self._over_since = -1
        self.trips += 1
        self._last_trip = now_s
        if self.trips > self.overload_retries:
            return _OPEN_OVERLOAD_LOCK
        self._off_until = now_s + self.reconnect_s
        return _OPEN_OVERLOAD
