# Load relay drivers.  Both start in the safe state (contacts open) and expose
# the same small interface to the meter: set(closed), closed (the intended
# state), feedback_closed(), feedback_mismatch(); set_async(closed) for use
# from asyncio tasks.  The monostable relay is here; the latching relay is in
# drivers/latching_relay.py, imported only by a board that has one (one small
# module per device: its code costs no heap on the other boards).
#
# Pins arrive constructed by the board file, preferably as outputs already at
# their inactive level (no glitch at boot); the drivers set the level again.
# A feedback input (an auxiliary contact) reads feedback_level when the main
# contacts are closed; by default 0 (contact to ground, pull-up on the pin).

class _Feedback:
    closed = False  # the intended state; set by the relay classes

    def __init__(self, feedback, feedback_level):
        self._feedback = feedback
        self._feedback_level = 1 if feedback_level else 0

    def feedback_closed(self):
        """True/False from the auxiliary contact, None when the board has none."""
        if self._feedback is None:
            return None
        return self._feedback.value() == self._feedback_level

    def feedback_mismatch(self):
        """True when the feedback contradicts the intended state (welded or failed contacts)."""
        seen = self.feedback_closed()
        return seen is not None and seen != self.closed


class MonostableRelay(_Feedback):
    """One coil on one GPIO: energised = closed (active_high sets the level)."""

    def __init__(self, pin, active_high=True, feedback=None, feedback_level=0):
        _Feedback.__init__(self, feedback, feedback_level)
        self._pin = pin
        self._on = 1 if active_high else 0
        self.closed = False
        pin.init(pin.OUT, value=1 - self._on)

    def set(self, closed):
        self.closed = bool(closed)
        self._pin.value(self._on if self.closed else 1 - self._on)

    async def set_async(self, closed):
        self.set(closed)

    def reassert(self):
        self.set(self.closed)
