# Screens the idle loop and a token's result share, in the customer's words
# (a token's own result screens: meter.token_apply, meter.token_screens).
# Each screen is a (line0, line1) tuple of <= 16 columns.
from meter import texts
from sts import results


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
