# Overlay (firmware/overlay.py): the screens of rarely seen token results,
# loaded for one job and dropped after it: key changes, class 1 tests, class 2
# settings and the rejects that show the meter's identity.  meter.token_apply shows
# the common ones (a credit token, a plain reject).
from meter import texts
from micropython import const
from sts import results

# Class 1 control bits (SPEC section 13, one vendor's published mapping).
_TEST_RELAY = const(0x01)  # meter.token_apply starts the test itself
_TEST_DISPLAY = const(0x02)
_SHOW_UNITS = const(0x04)
_SHOW_KEY = const(0x08)
_SHOW_TI = const(0x10)
_SHOW_POWER_LIMIT = const(0x40)

# Why a token can fail authentication, shown after a code 13 (a customer
# usually mistyped, or the token was sold for another meter or old key).
_AUTH_HINTS = ("Mistyped digit,", "other meter, or", "key changed:")


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
            out += _rollover_warning()  # the key change will clear the used-token record
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
    screens = [texts.result_lines(code)]  # type: list
    if code == results.AUTH:
        screens.append((_AUTH_HINTS[0], _AUTH_HINTS[1]))
        screens.append((_AUTH_HINTS[2], "compare receipt"))
        screens.append(_identity_screen(state))
    elif code in (results.KEY_EXPIRED, results.DDTK, results.KEY_TYPE):
        screens.append(_identity_screen(state))
    return screens


def _rollover_warning():
    """Shown when the first part of a rollover key change is held: after the
    second part the used-token record is cleared and the base date moves on,
    so tokens bought earlier but not yet entered will be refused."""
    return [
        ("Rollover change:", "clears used list"),
        ("Unused older", "tokens then void"),
        ("Enter them first", "then next part"),
    ]


def _identity_screen(state):
    keys = state.keys
    return ("SGC %06d TI%02d" % (keys.sgc, keys.ti), "KRN%d KT%d" % (keys.krn, keys.kt))


def _accepted(token, verdict, state):
    """Accepted, not a credit token (meter.token_apply shows those)."""
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


def class1_screens(meter, control):
    """An accepted class 1 token's screens (meter.token_apply started its relay test)."""
    out = []
    if control & _TEST_RELAY:
        out.append(("Relay test", "open %ds" % meter.config.relay_test_s))
    if control & _TEST_DISPLAY:
        out.append(("\xff" * texts.COLS, "\xff" * texts.COLS))
        out.append(("Display test", "keys: press any"))
    if control & _SHOW_UNITS:
        out.append(("Total energy", texts.kwh(meter.state.energy_total_wh)))
    if control & _SHOW_KEY:
        keys = meter.state.keys
        out.append(("KRN %d" % keys.krn, "Key type %d" % keys.kt))
    if control & _SHOW_TI:
        out.append(("Tariff index", "TI %02d" % meter.state.keys.ti))
    if control & _SHOW_POWER_LIMIT:
        limit = meter.max_power_w()
        out.append(("Power limit", "%dW" % limit if limit > 0 else "none"))
    if not out:
        out.append(("Accept", "test %d n/a" % control))
    return out
