# Result and information screens: what the LCD says after a token, in the
# customer's words.  Each screen is a (line0, line1) tuple of <= 16 columns.
from meter import texts
from sts import results


def token_result(code, verdict, state):
    """Screens for one token's verdict (before any lockout screen)."""
    token = verdict.token
    if code == results.ACCEPT and token is not None:
        return _accepted(token, verdict, state)
    if code == results.KCT1_ACCEPTED:
        held = len(verdict.kct_pending or ())
        needed = 4 if state.keys.ea == 11 else 2
        out = [("KCT %d/%d ok" % (held, needed), "enter next part")]
        if token is not None and token.subclass == 3 and getattr(token, "ro", 0):
            out += ROLLOVER_WARNING  # the key change will clear the used-token record
        return out + [("Credit kept", texts.kwh(state.credit_wh))]
    if code == results.KCT2_ACCEPTED:
        keys = state.keys
        out = [
            ("Key changed", "KRN%d KT%d TI%02d" % (keys.krn, keys.kt, keys.ti)),
            ("Credit kept", texts.kwh(state.credit_wh)),
        ]
        if verdict.clear_tids:
            out.append(("Token rollover:", "old tokens void"))
        return out
    label, hint = texts.result_lines(code)
    screens = [(label, hint)]  # type: list
    if code == results.AUTH:
        screens.append((texts.AUTH_HINTS[0], texts.AUTH_HINTS[1]))
        screens.append((texts.AUTH_HINTS[2], "compare receipt"))
        screens.append(identity_screen(state))
    elif code in (results.KEY_EXPIRED, results.DDTK, results.KEY_TYPE):
        screens.append(identity_screen(state))
    return screens


# Shown when the first part of a rollover key change is held: after the second
# part the used-token record is cleared and the base date moves on, so tokens
# bought earlier but not yet entered will be refused.
ROLLOVER_WARNING = [
    ("Rollover change:", "clears used list"),
    ("Unused older", "tokens then void"),
    ("Enter them first", "then next part"),
]


def identity_screen(state):
    keys = state.keys
    return ("SGC %06d TI%02d" % (keys.sgc, keys.ti), "KRN%d KT%d" % (keys.krn, keys.kt))


def _accepted(token, verdict, state):
    if token.cls == 0:
        return [("Accept +" + texts.kwh(verdict.credit_wh), "Credit " + texts.kwh(state.credit_wh))]
    if token.cls == 2:
        setting = verdict.setting
        if setting is not None:
            name, value = setting
            if name == "max_power_w":
                return [("Accept", "Max power %dW" % value)]
            if name == "tariff_rate":
                return [("Accept", "Tariff %d" % value)]
            if name == "clear_tamper":
                return [("Accept", "Tamper cleared")]
            return [("Accept", "%s %d" % (name, value))]
        if verdict.clear_register >= 0:
            return [("Accept", "Credit cleared"), ("Credit", texts.kwh(state.credit_wh))]
    return [("Accept", "")]


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
