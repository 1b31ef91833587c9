# Tamper detection: which kinds of tampering are present now, each confirmed
# only after it lasted its minimum time (a door slam or a motor start is not
# tampering).  Pure logic over integer inputs, evaluated once per metering
# poll; the app latches what it reports in the store (a kinds bitmask,
# cleared only by a ClearTamperCondition token), logs it and acts on it.
#
# Kinds (bits of the latched mask, in the order `status` lists them):
#   cover      terminal-cover switch open (its input reads "open" for the time)
#   reverse    energy flowing back: active power below -tamper_reverse_w
#   imbalance  live and neutral currents differ by more than tamper_imbalance_pct
#              of the larger one AND by more than tamper_imbalance_ma (a bypass
#              of one conductor, or earth leakage)
#   magnet     the optional magnetic-field sensor input is active
from micropython import const

_COVER = const(1)
_REVERSE = const(2)
_IMBALANCE = const(4)
_MAGNET = const(8)
_KINDS = const(((_COVER, "cover"), (_REVERSE, "reverse"), (_IMBALANCE, "imbalance"), (_MAGNET, "magnet")))
_ACTIONS = const(("log", "show", "disconnect"))


def kind_names(mask):
    """'cover,reverse' for a mask, 'none' for 0."""
    names = [name for bit, name in _KINDS if mask & bit]
    return ",".join(names) if names else "none"


def kinds_acted(mask, config, action):
    """The kinds in mask whose configured action is `action` or stronger."""
    level = _ACTIONS.index(action)
    out = 0
    for bit, name in _KINDS:
        if mask & bit and _ACTIONS.index(getattr(config, "tamper_action_" + name)) >= level:
            out |= bit
    return out


class TamperMonitor:
    def __init__(self, config):
        self.config = config
        self._since = [-1, -1, -1, -1]  # per kind: first second the condition held (-1: not now)
        self.present = 0  # kinds whose condition held for its minimum time, now

    def _held(self, index, condition, now_s, min_s):
        if not condition:
            self._since[index] = -1
            return 0
        if self._since[index] < 0:
            self._since[index] = now_s
        return _KINDS[index][0] if now_s - self._since[index] >= min_s else 0

    def update(self, now_s, cover_open, magnet, power_w, live_ma, neutral_ma):
        """Kinds present now (held for their minimum time); sets `present`."""
        c = self.config
        larger = max(live_ma, neutral_ma)
        diff = abs(live_ma - neutral_ma)
        imbalance = diff > c.tamper_imbalance_ma and diff * 100 > larger * c.tamper_imbalance_pct
        self.present = (self._held(0, cover_open, now_s, c.tamper_cover_s)
                        | self._held(1, power_w < -c.tamper_reverse_w, now_s, c.tamper_reverse_s)
                        | self._held(2, imbalance, now_s, c.tamper_imbalance_s)
                        | self._held(3, magnet, now_s, c.tamper_magnet_s))
        return self.present


class TamperGuard:
    """The monitor, joined to the meter: reads the inputs and the metering IC
    each poll, latches new kinds in the store (logged with their time) and
    says what the configured actions ask for.  Inputs (None: not fitted):
    cover, a Pin pulled up with the cover switch to GND, closed while the
    cover is on (a cut wire reads as open); magnet, a Pin the sensor pulls
    low in a field."""

    def __init__(self, state, config, log):
        self.state = state
        self.config = config
        self.log = log
        self.monitor = TamperMonitor(config)
        self.cover = None
        self.magnet = None

    def step(self, now_s, ic):
        """One evaluation; ic is the metering driver when its poll was good, else None."""
        cover_open = self.cover is not None and self.cover.value() == 1
        magnet = self.magnet is not None and self.magnet.value() == 0
        if ic is None:  # no measurement: the power and current conditions cannot hold
            present = self.monitor.update(now_s, cover_open, magnet, 0, 0, 0)
        else:
            present = self.monitor.update(now_s, cover_open, magnet, ic.power_w, ic.current_ma, ic.neutral_ma)
        new = present & ~self.state.tamper  # the latched kinds
        if new and self.state.set_tamper(now_s, new):
            self.log.warn("tamper detected: %s" % kind_names(new))

    def disconnect(self):
        """True while a latched kind's action is `disconnect`."""
        return kinds_acted(self.state.tamper, self.config, "disconnect") != 0

    def screen(self):
        """The idle screen for latched kinds whose action is show or stronger, or None."""
        shown = kinds_acted(self.state.tamper, self.config, "show")
        if not shown:
            return None
        names = kind_names(shown)
        return ("TAMPER", names if len(names) <= 16 else names[:15] + "+")
