# Console `status`: the meter's figures as key=value lines (an overlay: see
# meter.con_dispatch).  On its own, as the command scripts and tools poll most: its
# load is the smallest a command can add to the heap.  The keys are long strings
# split when the command runs: as literals of 10 characters or less each would be
# an interned name (a qstr), kept for good after the first `status`.
import overlay
from meter import texts
from meter.tamper import kind_names


def cmd_status(console, args):
    names = ("credit_wh relay relay_reason power_w voltage_v current_a energy_wh energy_today_wh lockout_s tids krn kt "
             "ti sgc ken base_date ea last_result ic alarm storage tamper").split()
    m = console.meter
    state = m.state
    policy = m.policy
    keys = m.keys
    ok = m.ic_ok()
    today, customer_pairs = overlay.run("meter.customer_text", "status", m.customer)
    values = [
        state.credit_wh,
        "closed" if policy.closed else "open",
        policy.reason,
        m.power_w(),
        texts.fixed(m.ic.voltage_cv, 2) if ok else "n/a",
        texts.fixed(m.ic.current_ma, 3) if ok else "n/a",
        state.energy_total_wh,
        today,
        max(0, state.lockout_remaining_s(m.clock.time())),
        len(state.tids),
        keys.krn,
        keys.kt,
        "%02d" % keys.ti,
        "%06d" % keys.sgc,
        keys.ken,
        keys.base_date,
        "%02d" % keys.ea,
        m.last_result,
        "ok" if ok else "fault",
        1 if m.alarm else 0,
        state.storage,
        kind_names(state.tamper),
    ]
    # zip without strict= (MicroPython has none): test_meter_console checks each key's value
    pairs = list(zip(names, values)) + customer_pairs  # noqa: B905  (the customer's figures last)
    runtime = console.runtime
    if runtime is not None:
        resets = runtime.resets
        pairs += zip("resets reset_cause safe_mode".split(), (resets.count, resets.cause, runtime.safe or "no"))  # noqa: B905
    return ["%s=%s" % kv for kv in pairs]
