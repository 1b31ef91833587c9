# The meter's boot, after the store is up (System.boot), and the boot report:
# run once per boot and by the console's `boot-report`, so an overlay
# (firmware/overlay.py) loaded for that job and dropped after it.  Functions
# only; nothing the running meter keeps refers to this module.
import json

import overlay
from meter.app import VERSION
from meter.resets import QUICK_LIMIT, RESETS_FILE
from meter.texts import kwh
from micropython import const
from store import events as ev

# The WATCHDOG event's field a: how the last run ended
_WATCHDOG_HANG = const(1)  # the loop was blocked (or the reason was lost)
_WATCHDOG_STALL = const(2)  # the supervisor stopped feeding: a task silent or down


def boot(system, report):
    """System.boot's work between the store's boot (report: what
    MeterState.boot() returned) and the first metering poll.  False when the
    meter must not drive the relay this boot (safe mode, or the REPL)."""
    hw = system.hw
    if not count_reset(system.make_runtime()):
        _forget_provisioning(hw)
        return False
    import_provisioning(system)
    _forget_provisioning(hw)
    system.customer.boot()
    if system.state.keys is not None:
        system.state.keys.decrypt([0, 0, 0, 0])  # the key schedule now, while the heap is young
        for name in ("sts.sta", "sts.misty1"):  # the cipher's code: loaded again per token
            overlay.drop(name)
    ic = hw.ic
    if ic is not None:
        if not ic.begin():
            system.log.error("metering IC did not start: %s" % (ic.fault,))
        saved = system.state.calibration
        if saved and not ic.apply_calibration(saved):  # the console's `cal` results, kept on flash
            system.log.error("saved calibration not accepted by the metering IC")
    for code in report["recoveries"]:
        system.log.warn("storage recovery: %s (see log)" % ev.recovery_name(code))
    if report["storage"] == "fault":
        system.log.error("storage fault: the meter's records are lost or unreadable (store/README.md)")
    for line in boot_report(system):
        system.log.info(line)
    return True


def count_reset(runtime):
    """Count this reset (after the store is up).  False when the meter must
    not drive the relay this boot (safe mode, or the REPL requested)."""
    system = runtime.system
    resets = runtime.resets
    cause = _count_boot(resets, system.hw.reset_cause)
    runtime.started_s = system.clock.time()
    if cause != "power_on":
        note = ": " + resets.last_note if resets.last_note else ""
        system.log.warn("reset cause %s (%d resets, %d quick in a row)%s" % (cause, resets.count, resets.streak, note))
    if cause == "watchdog":
        how = _WATCHDOG_STALL if resets.last_note else _WATCHDOG_HANG
        system.state.log(ev.WATCHDOG, how, resets.streak)
    if cause == "repl":
        runtime.repl = True
        system.show_fault("REPL (engineer)", "meter stopped")
        return False
    if resets.safe:
        runtime.enter_safe(resets.safe)
        return False
    return True


def _count_boot(resets, cause):
    """Count this boot in the reset record (meter.resets).  cause is the
    port's reset cause as a name (power_on, watchdog, hard, soft, deepsleep,
    unknown); a cause announced by announce() before a deliberate restart wins
    (on RP2040 even machine.reset() reads as a watchdog reset).  Returns the cause."""
    _load_record(resets)
    cause = resets.planned or cause
    resets.cause = cause
    resets.planned = ""
    resets.note = ""
    if cause == "power_on":
        resets.streak = 0
        resets.safe = ""
    else:
        resets.count += 1
    if cause in ("watchdog", "hard"):  # the causes that count towards a loop (hard: a crash or panic on ESP32)
        resets.streak += 1
        if resets.streak >= QUICK_LIMIT and not resets.safe:
            resets.safe = "%d %s resets" % (resets.streak, cause)
    resets.save()
    return cause


def _load_record(resets):
    try:
        raw = resets.volume.read(RESETS_FILE)
        doc = json.loads(raw) if raw else {}
    except (OSError, ValueError):  # unreadable: start counting again
        doc = {}
    if not isinstance(doc, dict):
        doc = {}
    resets.count = _count_field(doc.get("count"))
    resets.streak = _count_field(doc.get("streak"))
    resets.safe = _text_field(doc.get("safe"))
    resets.planned = _text_field(doc.get("planned"))
    resets.last_note = _text_field(doc.get("note"))


def _count_field(value):
    return value if isinstance(value, int) and value >= 0 else 0


def _text_field(value):
    return value[:40] if isinstance(value, str) else ""


def import_provisioning(system):
    """A provisioning file left by `make provision`: imported once, then
    deleted.  A provisioned meter only takes it with the engineering jumper
    fitted (keys otherwise change only by key change tokens)."""
    hw, state, log = system.hw, system.state, system.log
    read = hw.read_provisioning
    doc = read() if read is not None else None
    if doc is None:
        return
    if state.provisioned and not hw.engineering:
        if not (isinstance(doc, dict) and doc.get("pan") == state.pan):  # the same identity again: nothing to say
            log.warn("provisioning file ignored: meter already provisioned (engineering jumper not fitted)")
    else:
        try:
            keys, pan = overlay.run("meter.provision", "parse", doc)  # only with a provisioning file
        except ValueError as exc:
            log.error("provisioning file rejected: %s" % exc)
            reject = hw.provisioning_rejected or (lambda _: _provisioning_done(hw))
            reject(str(exc))  # put aside: a bad file never stops a boot twice
            return
        if state.provision(keys, pan, force=True):
            log.info("provisioned meter %s" % pan)
        else:
            log.error("provisioning not saved (storage error)")
            return
    _provisioning_done(hw)


def _provisioning_done(hw):
    if hw.provisioning_done is not None:
        hw.provisioning_done()


def _forget_provisioning(hw):
    """The provisioning hooks are boot-only; the board builder's versions would
    keep that overlay (meter.hardware) alive for as long as they are kept."""
    hw.read_provisioning = hw.provisioning_done = hw.provisioning_rejected = None


def boot_report(system):
    """The configuration at a glance, like ESPHome's config dump.  Never
    contains the decoder key."""
    hw, state = system.hw, system.state
    keys = state.keys
    lines = ["firmware v%s on %s" % (VERSION, hw.name)]
    lines += hw.notes
    lines.append("meter pan=%s mfr_code=%d" % (state.pan or "unprovisioned", system.config.mfr_code))
    if keys is None:
        lines.append("keys none: not provisioned (make provision)")
    else:
        lines.append(
            "keys ea=%02d krn=%d kt=%d ti=%02d sgc=%06d ken=%d base_date=%d"
            % (keys.ea, keys.krn, keys.kt, keys.ti, keys.sgc, keys.ken, keys.base_date)
        )
    credit = state.credit_wh
    lines.append("credit %s (%d Wh), tids=%d" % (kwh(credit), credit, len(state.tids)))
    lines.append("ic %s" % (hw.ic.identity() if hw.ic is not None else "none fitted"))
    wall = system.customer.wall
    if wall.note:  # whole long format strings: short ones would be interned names
        lines.append("clock %s source=%s (%s)" % (wall.iso(), wall.source, wall.note))
    else:
        lines.append("clock %s source=%s" % (wall.iso(), wall.source))
    return lines
