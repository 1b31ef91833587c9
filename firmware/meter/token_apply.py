# Overlay (firmware/overlay.py): what the meter does with a typed token, loaded
# with the token check when '#' submits one and dropped after its result (it is
# in meter.app's _TOKEN_CHECK).  Meter.submit keeps only the retry shell
# resident: when this module does not fit in the heap nothing is applied and
# the same token can be typed again.  Plain functions taking the meter: nothing
# made here outlives the token.
import overlay
from meter import texts
from meter.app import RECONNECT_SCREEN
from meter.wallclock import token_floor_s
from micropython import const
from store import events as ev
from sts import results

_TEST_RELAY = const(0x01)  # class 1 control bit (SPEC section 13): the other bits are meter.token_screens's



def check(meter, digits, now):
    """The token's Verdict (LOCKOUT while the keypad is locked, but for class 1),
    or None on an unprovisioned meter.  A MemoryError here (the check's code
    does not fit) leaves nothing durable behind: the caller may retry."""
    state = meter.state
    if not state.provisioned:
        return None
    pipeline = overlay.load("sts.pipeline")
    verdict = pipeline.Verdict()  # a few hundred bytes per token, freed with the module
    if state.lockout_remaining_s(now) > 0 and overlay.load("sts.digits").parse(digits, verdict.words) != 1:
        return verdict.reset(results.LOCKOUT)
    return pipeline.check(digits, state, now, verdict)


def apply(meter, verdict, now):
    """Apply a checked token (verdict None: not provisioned); its result screens."""
    state = meter.state
    if verdict is None:
        _note_result(meter, results.NOT_READY, None, now)
        return [("Not ready 16", "not provisioned")]
    if verdict.code == results.LOCKOUT:
        _note_result(meter, results.LOCKOUT, None, now)
        return [meter.lockout_screen()]
    code = verdict.code
    if results.is_accepted(code):
        code = state.apply(verdict, now)  # durable before we say Accept; logs it
        if code == results.NOT_READY:
            meter.log.error("storage write failed: token not applied")
    token = verdict.token
    # Rejects that count towards the keypad lockout: the signs of guessing (wrong
    # digits / wrong meter).  Used, Old and Key expired are genuine tokens and do
    # not count; class 1 tokens are not meter-specific: they never count.
    wrong = code in (results.FORMAT, results.AUTH) and (token is None or token.cls != 1)
    if wrong:
        state.record_wrong_token(now)  # durable before anything else about this token is written
    _note_result(meter, code, verdict, now)
    if code == results.ACCEPT and token is not None and token.cls == 1:
        # a class 1 (test) token: the relay test here, its screens with the other
        # rare ones in meter.token_screens (the names of neither load per token)
        if token.control & _TEST_RELAY:
            meter.policy.start_test(now)
            meter.evaluate_relay(now)
        try:
            return overlay.run("meter.token_screens", "class1_screens", meter, token.control)
        except MemoryError:  # the test runs: its code is shown, the details are not
            return [texts.result_lines(code)]
    out = _result_screens(code, verdict, state)
    if results.is_accepted(code):
        _customer_on_token(meter, verdict)
        meter.evaluate_relay(now)
        if meter.customer.reconnect_wait:
            out.append(RECONNECT_SCREEN)
    elif wrong and state.lockout_remaining_s(now) > 0:
        # this reject starts a lockout: its code, then the countdown at once
        # (the causes were shown after the earlier rejects)
        out = out[:1] + [meter.lockout_screen()]
    return out


def _note_result(meter, code, verdict, now):
    meter.last_result = code
    tid = verdict.tid if verdict is not None else -1
    if not results.is_accepted(code):
        meter.state.log(ev.TOKEN_REJECTED, code, tid, now)
        meter.customer.on_reject()
    meter.log.info("token result %d %s tid=%d" % (code, texts.result_name(code), tid))


def _result_screens(code, verdict, state):
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


def _customer_on_token(meter, verdict):
    """The customer features' part of an accepted token (meter.customer's state):
    its issue minute is a floor for the clock; a credit token is the new top-up
    the figures count from."""
    customer = meter.customer
    state = meter.state
    wall = customer.wall
    floor = token_floor_s(state.keys, state.tids)
    if floor > wall.utc():  # the token is newer than the wall time (-1 < any floor)
        wall.raise_to(floor)  # not over the RTC: then one of the two clocks is wrong (the note says which)
        try:
            overlay.run("meter.customer_setup", "token_clock_note", customer, floor)
        except MemoryError:
            pass  # no heap for the overlay: only its log line is lost, never the token's figures
    token = verdict.token
    if token is not None and token.cls == 0 and verdict.credit_wh > 0:
        customer.evidence.on_topup(verdict.credit_wh, state.energy_total_wh, wall.utc())
        policy = meter.policy
        if meter.config.reconnect_key and not policy.closed and policy.reason == "no credit":
            customer.reconnect_wait = True
    customer.save()
