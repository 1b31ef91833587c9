#!/usr/bin/env python3
"""Power-cut proof of the meter's state store.

    tools/powercut.py [--torn] [--layout rpi_pico|esp32_devkitc] [-v]

Runs itself inside the MicroPython unix VM (.venv/bin/micropython with
MICROPYPATH=firmware:host_tests:host_tests/fakes).  For every operation below it
first counts the flash program/erase operations N of an uninterrupted run, then
for every k < N: restores the flash image from before the operation, cuts the
power at operation k (--torn: operation k writes only part of its data), powers
on, boots a fresh MeterState on the same flash and checks the invariants.

Operations: a credit token, both sections of a key change (one with rollover),
a consumption save, event-log appends (same and new segment), a lockout update,
a management token, and boot itself (with leftovers to clean).

Invariants: the store mounts and boots; the durable state (credit, energy,
keys, TIDs, held KCT sections, settings, lockout count) equals the state before
or after the operation, never a mix; a token is Used iff its credit is there,
and an unapplied token is accepted when entered again; at most save_every_wh of
consumption is lost and none is invented; old events survive, the new one is
there at most once, and the log still takes appends.
--layout runs it all on a board's flash layout: the port's littlefs with its
geometry (Pico 352 x 4 KiB, progsize 256; ESP32 DevKitC 512 x 4 KiB, progsize
32) holding the deployed firmware files beside the store; default: a 32-block
littlefs of its own.
Prints one line `cut points: N, violations: V`; exits 1 if V > 0.
"""
import sys

if sys.implementation.name != "micropython":  # host side: check the options, launch the VM on this file
    import argparse
    import os
    import subprocess

    import _venv  # noqa: F401  (re-runs this tool with .venv's Python)

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--torn", action="store_true", help="operation k writes only part of its data")
    parser.add_argument("-v", action="store_true", help="one line per operation, and the count of hidden reports")
    parser.add_argument("--layout", choices=("rpi_pico", "esp32_devkitc"),
                        help="a board's littlefs geometry with the deployed files beside the store")
    parser.parse_args()
    ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, MICROPYPATH="firmware:host_tests:host_tests/fakes")
    cmd = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-X", "heapsize=64M", os.path.abspath(__file__)]
    proc = subprocess.run(cmd + sys.argv[1:], cwd=ROOT, env=env, capture_output=True, text=True)
    # MicroPython's block-device layer prints each exception the (dead) flash
    # raises before turning it into EIO for littlefs: those expected reports are
    # dropped here, anything else is shown.
    block, dropped = None, 0
    for line in proc.stdout.splitlines():
        if block is not None:
            block.append(line)
            if not line.startswith("  "):
                if line != "OSError: [Errno 5] EIO":
                    print("\n".join(block))
                else:
                    dropped += 1
                block = None
        elif line.startswith("Traceback (most recent call last):"):
            block = [line]
        else:
            print(line)
    if block:
        print("\n".join(block))
    if "-v" in sys.argv:
        print("(%d expected EIO reports of the cut flash suppressed)" % dropped)
    sys.stderr.write(proc.stderr)
    sys.exit(proc.returncode)

# tools/ (this script's folder) is first on the VM's path and has its own sts.py
sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith("tools")]
from fakeclock import FakeClock  # noqa: E402
from norflash import NorFlash  # noqa: E402
from store import events as ev  # noqa: E402
from store.state import MeterState  # noqa: E402
from store.volume import mount_flash  # noqa: E402
from sts import results as R  # noqa: E402
from sts.keys import KeyState  # noqa: E402
from sts.layouts import build_words, cipher, format_token  # noqa: E402
from sts.pipeline import check  # noqa: E402
from support.layouts import LAYOUTS, board_flash  # noqa: E402

NOW = 1_700_000_000
BLOCKS = 32
PROGSIZE = 32
LAYOUT = None  # --layout: a board's littlefs with the deployed files (host_tests/support/layouts.py)
CONFIG = {"save_every_wh": 10, "save_every_s": 900, "credit_limit_wh": 999_999_900}
OLD_KEY = KeyState(7, bytes((0xE6, 0x53, 0x34, 0x1F, 0x9D, 0x5B, 0xF3, 0x6F)), 1, 2, 1, 123456)
NEW_KEY = bytes((0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF))


def token(keys, cls, sub, values):
    words = build_words(cls, sub, values)
    if cls != 1:
        cipher(keys.key).encrypt(words)
    return format_token(cls, words)


def credit_token(keys, tid, kwh10):
    return token(keys, 0, 0, {"tid": tid, "amount": kwh10, "rnd": 5})


def kct(keys, sub, ro=0):
    hexkey = "".join("%02x" % b for b in NEW_KEY)
    if sub == 3:
        values = {"ken_ho": 15, "krn": 2, "ro": ro, "kt": 2, "key_section": hexkey[:8]}
    else:
        values = {"ken_lo": 15, "ti": 1, "key_section": hexkey[8:]}
    return token(keys, 2, sub, values)


def boot(flash):
    state = MeterState(mount_flash(flash, PROGSIZE), FakeClock(start_s=NOW), CONFIG)
    state.boot(NOW)
    return state


def enter(state, digits):
    return state.apply(check(digits, state, NOW), NOW)


def core(state):
    """The durable state that must be all-before or all-after."""
    keys = state.keys.to_dict() if state.keys else None
    return (state.balance_wh, state.energy_total_wh, keys, list(state.tids),
            [(s[0], s[1]) for s in state.pending_kct], state.settings, state.wrong_tokens)


class Scenario:
    name = "?"

    def prepare(self, state):
        pass

    def run(self, flash, state):
        pass

    def extra(self, state, is_after, violations):
        pass


class CreditToken(Scenario):
    name = "credit token"
    digits = credit_token(OLD_KEY, 3000, 50)

    def run(self, flash, state):
        enter(state, self.digits)

    def extra(self, state, is_after, violations):
        verdict = check(self.digits, state, NOW)
        if is_after and verdict.code != R.USED:
            violations.append("applied token not Used on re-entry (%d)" % verdict.code)
        if not is_after:
            if verdict.code != R.ACCEPT:
                violations.append("unapplied token refused on re-entry (%d)" % verdict.code)
            before = state.balance_wh
            if state.apply(verdict, NOW) != R.ACCEPT or state.balance_wh != before + 5000:
                violations.append("re-entered token did not add its credit once")


class KeySection(Scenario):
    def __init__(self, sub, ro, held):
        self.sub, self.ro, self.held = sub, ro, held
        self.name = "key change section %d%s%s" % (1 if sub == 3 else 2, " (rollover)" if ro else "",
                                                    " completing the set" if held else "")

    def prepare(self, state):
        if self.held is not None and enter(state, kct(OLD_KEY, self.held, self.ro)) != R.KCT1_ACCEPTED:
            raise RuntimeError("could not hold the first section")

    def run(self, flash, state):
        enter(state, kct(OLD_KEY, self.sub, self.ro))

    def extra(self, state, is_after, violations):
        if is_after and self.held is not None:
            if state.keys.key != NEW_KEY or (self.ro and len(state.tids)):
                violations.append("new key committed without its rollover effects")
            if check(credit_token(state.keys, 4000, 10), state, NOW).code != R.ACCEPT:
                violations.append("a token under the new key is refused")


class Management(Scenario):
    name = "set max power token"

    def run(self, flash, state):
        enter(state, token(OLD_KEY, 2, 0, {"tid": 3100, "mpl": 4600}))


class Consumption(Scenario):
    def __init__(self, earlier_saves):
        self.earlier_saves = earlier_saves
        self.name = "consumption save after %d saves" % earlier_saves

    def prepare(self, state):
        for _ in range(self.earlier_saves):  # both energy slots exist afterwards
            state.consume(CONFIG["save_every_wh"], NOW)

    def run(self, flash, state):
        state.consume(CONFIG["save_every_wh"] - 1, NOW)  # unsaved, below the bound
        state.consume(1, NOW)  # reaches the bound: saved

    def extra(self, state, is_after, violations):
        true_total = self.base_energy + CONFIG["save_every_wh"]
        lost = true_total - state.energy_total_wh
        if lost < 0 or lost > CONFIG["save_every_wh"]:
            violations.append("consumption lost %d Wh (bound %d)" % (lost, CONFIG["save_every_wh"]))


class Wrong(Scenario):
    name = "lockout update"

    def prepare(self, state):
        state.record_wrong_token(NOW)
        state.record_wrong_token(NOW)

    def run(self, flash, state):
        state.record_wrong_token(NOW)

    def extra(self, state, is_after, violations):
        if is_after != (state.lockout_remaining_s(NOW) == 10):
            violations.append("lockout time does not match the wrong-token count")


class Append(Scenario):
    def __init__(self, fill):
        self.fill = fill
        self.name = "event log append" + (" (new segment)" if fill else "")

    def prepare(self, state):
        while self.fill and state._events._count != ev.PER_SEGMENT:
            state.log(ev.METERING_FAULT, 1, 2, NOW)
        self.kept = state.events(200)
        self.new_seq = state._events.next_seq

    def run(self, flash, state):
        state.log(ev.RELAY, 1, 77, NOW)

    def extra(self, state, is_after, violations):
        now = state.events(200)
        drop_below = (self.new_seq // ev.PER_SEGMENT - ev.SEGMENTS + 1) * ev.PER_SEGMENT
        for e in self.kept:
            if e not in now and e[0] >= drop_below:
                violations.append("event %r lost" % (e,))
        if len([e for e in now if e[2] == ev.RELAY and e[4] == 77]) > 1:
            violations.append("new event logged twice")
        if state.log(ev.TAMPER, 0, 0, NOW) < 0 or state.events(1)[0][2] != ev.TAMPER:
            violations.append("log does not take appends after the cut")


class Boot(Scenario):
    name = "boot with leftovers"

    def prepare(self, state):
        state.volume.write_atomic("state.9", b"junk")
        state.volume.fs.rename("meterdata/state.9", "meterdata/state.1.tmp")

    def run(self, flash, state):
        boot(flash)


SCENARIOS = [CreditToken(), KeySection(3, 0, None), KeySection(4, 0, 3), KeySection(4, 1, 3),
             KeySection(3, 0, 4), Management(), Wrong(), Append(False), Append(True), Boot()]
# saves from different points of littlefs's metadata log, so that some of them
# fill the log and compact it (an erase and a rewrite of the directory)
SCENARIOS += [Consumption(n) for n in range(64)]


def base_image(scenario):
    flash = board_flash(LAYOUT)[0] if LAYOUT else NorFlash(BLOCKS)
    state = boot(flash)
    state.provision(OLD_KEY, "600727000000000009", credit_wh=1000, now_s=NOW)
    for tid in (1000, 1500, 2000):
        enter(state, credit_token(OLD_KEY, tid, 10))
    state.consume(57, NOW)
    state.flush(NOW)
    scenario.prepare(state)
    return flash.image()


def run_scenario(scenario, torn, verbose):
    base = base_image(scenario)
    reference = NorFlash(BLOCKS, 4096, base)
    state = boot(reference)
    before_ops = reference.operations
    scenario.base_energy = state.energy_total_wh
    scenario.run(reference, state)
    total = reference.operations - before_ops
    if total == 0:
        raise RuntimeError(scenario.name + " wrote nothing: the scenario is broken")
    before = core(boot(NorFlash(BLOCKS, 4096, base)))
    after = core(boot(NorFlash(BLOCKS, 4096, reference.image())))
    violations = []
    for k in range(total):
        flash = NorFlash(BLOCKS, 4096, base)
        state = boot(flash)
        flash.cut_after(k, torn)
        try:
            scenario.run(flash, state)
        except OSError:
            pass
        # Reboot on a copy of the flash: objects of the cut run (open littlefs
        # files) may be finalised later and must only ever reach the dead device.
        problems = []
        try:
            fresh = boot(NorFlash(BLOCKS, 4096, flash.data))
            now = core(fresh)
            if now != before and now != after:
                problems.append("state is neither before nor after: %r" % (now,))
            if not fresh.provisioned:
                problems.append("meter lost its provisioning")
            scenario.extra(fresh, now == after and before != after, problems)
        except Exception as exc:  # any failure to boot is a violation, reported readably
            problems.append("boot failed: %r" % (exc,))
        for p in problems:
            violations.append("%s, cut at %d%s: %s" % (scenario.name, k, " (torn)" if torn else "", p))
    if verbose:
        print("%s: %d cut points, %d violations" % (scenario.name, total, len(violations)))
    return total, violations


def main(argv):
    global BLOCKS, PROGSIZE, LAYOUT
    if "--layout" in argv:
        LAYOUT = argv[argv.index("--layout") + 1]
        if LAYOUT not in LAYOUTS:
            print("unknown layout %s (%s)" % (LAYOUT, ", ".join(sorted(LAYOUTS))))
            return 2
        BLOCKS, PROGSIZE = LAYOUTS[LAYOUT]
    torn = "--torn" in argv
    verbose = "-v" in argv
    points, violations = 0, []
    for scenario in SCENARIOS:
        n, v = run_scenario(scenario, torn, verbose)
        points += n
        violations += v
    for v in violations[:20]:
        print(v)
    print("cut points: %d, violations: %d" % (points, len(violations)))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
