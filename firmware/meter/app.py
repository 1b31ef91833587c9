# The meter: joins the token engine, the stored state, the relay and the
# metering IC.  The UI (meter.ui) and the console (meter.console) talk only to
# this facade.  Nothing here touches `machine`: everything is injected.
import gc

import overlay
from drivers import metering
from meter import texts
from meter.customer import Customer
from meter.energy import EnergyAccount
from meter.relay_policy import RelayPolicy
from meter.tamper import TamperGuard
from store import events as ev
from sts import results

VERSION = "0.1.0"

# A token's code: loaded when a token is submitted, dropped after its result
# (sts/README.md "Residency"); meter.token_apply applies it.  sts.results,
# sts.keys, sts.tids and sts.resident (tables, native code) stay.
_TOKEN_CHECK = ("meter.token_apply", "sts.pipeline", "sts.token", "sts.digits", "sts.crc", "sts.kct", "sts.sta",
                "sts.misty1")


def _drop_token_check():
    for name in _TOKEN_CHECK:
        overlay.drop(name)


# While a top-up waits for '#' (config reconnect_key): idle, and after the token (meter.token_apply).
RECONNECT_SCREEN = ("Press # to", "reconnect")


class _Live:
    """A screen whose lines are computed each time it is drawn (a countdown);
    indexed like a (line0, line1) tuple."""

    def __init__(self, draw):
        self._draw = draw

    def __len__(self):
        return 2

    def __getitem__(self, index):
        return self._draw()[index]


class _NoKeys:
    """Key fields shown by an unprovisioned meter."""

    ea = krn = kt = ti = sgc = ken = base_date = 0


class Meter:
    def __init__(self, state, ic, relay, clock, config, log):
        self.state = state
        self.ic = ic
        self.relay = relay
        self.clock = clock
        self.config = config
        self.log = log
        self.policy = RelayPolicy(
            trip_delay_s=config.trip_delay_s,
            reconnect_s=config.reconnect_s,
            overload_retries=config.overload_retries,
            overload_calm_s=config.overload_calm_s,
            fault_grace_s=config.fault_grace_s,
            relay_test_s=config.relay_test_s,
        )
        self.energy = EnergyAccount()
        self.ic_status = metering.OK
        self.alarm = False
        self.last_result = 0
        self.version = VERSION
        # wall clock, evidence, alarm, friendly credit; clock is a meter.wallclock.WallClock
        self.customer = Customer(self, state, clock, config, log)
        self.tamper = TamperGuard(state, config, log)  # the system gives it the cover/magnet inputs

    # ---- tokens ---------------------------------------------------------
    def submit(self, digits):
        """Decode, check and apply one typed token; returns result screens.  Its
        code (meter.token_apply and the check) is loaded for this token and
        dropped after it: nothing of it (verdict, token, cipher) outlives this call."""
        now = self.clock.time()
        try:
            for _ in range(2):
                try:
                    job = overlay.load("meter.token_apply")
                    verdict = job.check(self, digits, now)
                except MemoryError:  # a fragmented heap: drop the partial load, collect, once more
                    _drop_token_check()
                    gc.collect()
                    continue
                return job.apply(self, verdict, now)  # outside the retry: applying is never repeated
            return self._not_checked(now)
        finally:
            _drop_token_check()

    def _not_checked(self, now):
        """No heap for the token's code: nothing applied, the same token can be
        typed again.  The result is noted here, without the overlay."""
        code = results.NOT_READY
        self.log.error("token not checked: no heap to load the check")
        self.last_result = code
        self.state.log(ev.TOKEN_REJECTED, code, -1, now)
        self.customer.on_reject()
        self.log.info("token result %d %s tid=-1" % (code, texts.result_name(code)))
        return [("Not ready 16", "try again")]

    # ---- metering and relay ---------------------------------------------
    def max_power_w(self):
        return self.state.settings.get("max_power_w", self.config.max_power_w)

    def poll_metering(self):
        """One metering poll: count energy, then re-evaluate the relay."""
        now = self.clock.time()
        ic = self.ic
        status = ic.poll() if ic is not None else metering.FAULT_BUS
        if ic is not None:
            # The driver's counter only grows by energy the IC confirmed, even in
            # a poll that failed later on: charge it whatever the status (a glitch
            # costs 0 Wh).
            delta = self.energy.update(ic.energy_wh, now)
            if delta > 0:
                self.state.consume(delta, now)
        if status == metering.OK:
            if self.ic_status != metering.OK:
                self.log.warn("metering IC recovered")
        elif status != self.ic_status:
            fault = self.ic.fault if self.ic is not None else "no metering IC"
            self.log.error("metering fault %d: %s" % (status, fault))
            self.state.log(ev.METERING_FAULT, status, 0, now)
        self.ic_status = status
        self.tamper.step(now, ic if status == metering.OK else None)
        self.evaluate_relay(now)
        self.customer.step()
        self.alarm = self.customer.alarm.low

    def has_credit(self):
        # includes unused emergency credit, and a friendly-credit window (meter/friendly.py)
        if self.customer.reconnect_wait:  # after a top-up: waits for '#' (config reconnect_key)
            return False
        return self.state.available_wh > 0 or self.customer.friendly_allows()

    def power_w(self):
        if self.ic is None or self.ic_status != metering.OK or not self.policy.closed:
            return 0
        return self.ic.power_w

    def evaluate_relay(self, now):
        ok = self.ic_status == metering.OK
        power = self.ic.power_w if (self.ic is not None and ok) else 0
        if self.policy.update(now, self.has_credit(), power, self.max_power_w(), ok, self.tamper.disconnect()):
            self.relay.set(self.policy.closed)
            # save consumption with the change, and log it with its reason
            self.state.flush(now, ev.RELAY, 1 if self.policy.closed else 0, self.policy.state)
            self.log.info("relay %s (%s)" % ("closed" if self.policy.closed else "open", self.policy.reason))

    def on_user_key(self, ch=""):
        """A key at the meter; True if the meter took it (# to reconnect)."""
        self.policy.key_pressed()
        self.customer.on_key()  # silences the low-credit alarm, or clicks
        if ch == "#" and self.customer.reconnect_by_key():
            self.evaluate_relay(self.clock.time())
            return True
        return False

    @property
    def keys(self):
        """The key state, or all-zero fields on an unprovisioned meter."""
        return self.state.keys or _NoKeys  # its class attributes: no instance, no global name for one

    def ic_ok(self):
        return self.ic is not None and self.ic_status == metering.OK

    def short_code(self, number):
        try:  # short codes are rare: their module is loaded for one code and dropped (heap)
            return overlay.run("meter.shortcodes", "screens_for", self, number)
        except MemoryError:  # no room to load it now: the customer types it again, the UI task goes on
            return [("Code #%02d#" % number, "busy: try again")]

    # ---- screens ----------------------------------------------------------
    def idle_screens(self):
        now = self.clock.time()
        credit = self.state.credit_wh
        locked = self.state.lockout_remaining_s(now)
        days = self.customer.days_left_tenths()  # average power of the last 24 h
        second = "%d.%d days left" % (days // 10, days % 10) if days >= 0 else (
            "Relay on" if self.policy.closed else "Relay off")
        if self.alarm:
            second = "LOW CREDIT"
        first = [("Credit " + texts.kwh(credit), second)]  # type: list
        if self.customer.reconnect_wait:
            first = [RECONNECT_SCREEN]
        if self.state.emergency_active:  # borrowing: show what is left, repaid from the next token
            first = [("Emergency credit", texts.kwh(self.state.available_wh) + " left")]
        elif self.state.balance_wh < 0:  # friendly credit used: what is owed
            first = [self.customer.owed_screen()]
        if self.ic_status != metering.OK:  # energy is not being counted: say so
            first.append(("Meter fault", metering.status_name(self.ic_status)))
        tamper = self.tamper.screen()
        if tamper is not None:
            first.append(tamper)
        storage = self.state.storage
        if storage != "ok":  # store/README.md: what was lost is in the log
            first.append(("Storage fault" if storage == "fault" else "Store recovered", "see log / call"))
        if locked > 0:  # the countdown stays up for the whole lockout ('B' still shows the credit)
            return [self.lockout_screen()]
        relay = "on" if self.policy.closed else "off: " + self.policy.reason
        return first + [("Power %dW" % self.power_w(), "Relay " + relay), self.customer.usage_screen()]

    def lockout_screen(self):
        """A live screen: the lockout countdown moves while it is shown."""
        return _Live(self._lockout_lines)

    def _lockout_lines(self):
        left = self.state.lockout_remaining_s(self.clock.time())
        if left <= 0:
            return ("Keypad unlocked", "enter token")
        label, hint = texts.result_lines(results.LOCKOUT)
        return (label + " " + texts.mm_ss(left), hint)

    # ---- controlled restarts (console `reboot`, `repl`) -----------------------
    def power_down(self, why):
        """Before a controlled restart: save unsaved consumption and log it."""
        reason = 1 if why == "reboot" else 0  # POWER_DOWN field a: 0 unknown, 1 reboot
        self.customer.save()
        self.state.flush(self.clock.time(), ev.POWER_DOWN, reason)
        self.log.info("power down (%s)" % why)
