# Result and information screens: what the LCD says after a token, in the
# customer's words.  Each screen is a (line0, line1) tuple of <= 16 columns.
import overlay
from meter import texts
from sts import results


def token_result(code, verdict, state):
    """Screens for one token's verdict (before any lockout screen): a credit
    token and a plain reject here, the rarer ones in meter.token_screens."""
    token = verdict.token
    if code == results.ACCEPT and token is not None and token.cls == 0:
        return [("Accept +" + texts.kwh(verdict.credit_wh), "Credit " + texts.kwh(state.credit_wh))]
    if results.is_accepted(code) or code in (results.AUTH, results.KEY_EXPIRED, results.DDTK, results.KEY_TYPE):
        try:
            return overlay.run("meter.token_screens", "token_result", code, verdict, state)
        except MemoryError:  # the token is applied already: its code is shown, the details are not
            pass
    return [texts.result_lines(code)]


class Live:
    """A screen whose lines are computed each time it is drawn (a countdown);
    indexed like a (line0, line1) tuple."""

    def __init__(self, draw):
        self._draw = draw

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return self._draw()[index]


def lockout_screen(state, clock):
    """A live screen: the countdown moves while it is shown."""

    def draw():
        left = state.lockout_remaining_s(clock.time())
        if left <= 0:
            return ("Keypad unlocked", "enter token")
        label, hint = texts.result_lines(results.LOCKOUT)
        return (label + " " + texts.mm_ss(left), hint)

    return Live(draw)
