# Console `status`: the meter's figures as key=value lines (an overlay: see
# meter.con_dispatch).  On its own, as the command scripts and tools poll most: its
# load is the smallest a command can add to the heap.
import overlay
from meter import texts
from meter.tamper import kind_names


def cmd_status(console, args):
    pairs = _meter_pairs(console.meter)
    runtime = console.runtime
    if runtime is not None:
        resets = runtime.resets
        pairs += [("resets", resets.count), ("reset_cause", resets.cause), ("safe_mode", runtime.safe or "no")]
    return ["%s=%s" % kv for kv in pairs]


def _meter_pairs(m):
    """(key, value) pairs of the meter itself, the customer's figures last."""
    state = m.state
    policy = m.policy
    keys = m.keys
    ok = m.ic_ok()
    today, customer_pairs = overlay.run("meter.customer_text", "status", m.customer)
    return [
        ("credit_wh", state.credit_wh),
        ("relay", "closed" if policy.closed else "open"),
        ("relay_reason", policy.reason),
        ("power_w", m.power_w()),
        ("voltage_v", texts.fixed(m.ic.voltage_cv, 2) if ok else "n/a"),
        ("current_a", texts.fixed(m.ic.current_ma, 3) if ok else "n/a"),
        ("energy_wh", state.energy_total_wh),
        ("energy_today_wh", today),
        ("lockout_s", max(0, state.lockout_remaining_s(m.clock.time()))),
        ("tids", len(state.tids)),
        ("krn", keys.krn),
        ("kt", keys.kt),
        ("ti", "%02d" % keys.ti),
        ("sgc", "%06d" % keys.sgc),
        ("ken", keys.ken),
        ("base_date", keys.base_date),
        ("ea", "%02d" % keys.ea),
        ("last_result", m.last_result),
        ("ic", "ok" if ok else "fault"),
        ("alarm", 1 if m.alarm else 0),
        ("storage", state.storage),
        ("tamper", kind_names(state.tamper)),
    ] + customer_pairs
