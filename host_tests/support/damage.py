# The damage campaign (issue 15): a meter with history on a flash model, then
# random single-bit, byte, burst and whole-block damage of the blocks it uses,
# one damage per fresh copy; every boot afterwards is classified.  Used by
# host_tests/test_store_damage.py (a few hundred cases) and tools/damage.py.
#
# Outcomes: same (credit as before, storage ok), detected fallback (storage
# recovered or fault, no credit lost), detected loss (storage recovered or
# fault, credit lower: logged).  Violations: more credit than before the damage,
# a silent loss (less credit, or unprovisioned, with storage=ok), a replay gain
# (re-entering every used token ends above the credit before the damage), a
# boot that raises.
from fakeclock import FakeClock
from norflash import NorFlash
from store.state import MeterState
from store.volume import StorageFault, mount_flash
from sts.pipeline import check
from support.vend import DEMO_KEYS, credit

NOW = 1_700_000_000
TOKENS = ((6_100_001, 50), (6_100_002, 80))  # (TID, tenths of kWh): 13,000 Wh
KINDS = ("bit", "byte", "burst", "block")


class Rng:
    """xorshift32: the same cases on every runtime."""

    def __init__(self, seed):
        self.x = (seed or 1) & 0xFFFFFFFF

    def next(self):
        x = self.x
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.x = x
        return x

    def below(self, n):
        return self.next() % n


def _boot(flash, progsize):
    state = MeterState(mount_flash(flash, progsize), FakeClock(start_s=NOW), {"save_every_wh": 10})
    state.boot(NOW)
    return state


def _enter(state, digits):
    return state.apply(check(digits, state, NOW), NOW)


def history(flash, progsize, saves=100):
    """Provision, two tokens, consumption saved `saves` times, a third state
    write; returns the credit on flash."""
    state = _boot(flash, progsize)
    state.provision(DEMO_KEYS, "600727000000000009", now_s=NOW)
    for tid, count in TOKENS:
        assert _enter(state, credit(tid, count)) == 1
    for _ in range(saves):
        state.consume(10, NOW)
    state.record_wrong_token(NOW)
    state.consume(7, NOW)
    state.flush(NOW)
    return state.balance_wh


def used_blocks(flash):
    erased = b"\xff" * flash.block_size
    size = flash.block_size
    return [b for b in range(flash.block_count) if flash.data[b * size:(b + 1) * size] != erased]


def damage(flash, kind, block, rng):
    """One damage of `kind` inside `block`; returns a short description."""
    size = flash.block_size
    base = block * size
    data = flash.data
    if kind == "block":
        fill = (0x00, 0xFF, 0x5A)[rng.below(3)]
        for i in range(size):
            data[base + i] = fill
        return "block %d := %02x" % (block, fill)
    # aim at the written part of the block (an erased tail is not interesting)
    end = size
    while end > 0 and data[base + end - 1] == 0xFF:
        end -= 1
    at = base + rng.below(max(end, 1))
    if kind == "bit":
        data[at] ^= 1 << rng.below(8)
    elif kind == "byte":
        data[at] = rng.below(256)
    else:  # burst: several flipped bits within 32 bytes
        for _ in range(2 + rng.below(6)):
            pos = min(at + rng.below(32), base + size - 1)
            data[pos] ^= 1 << rng.below(8)
    return "%s at block %d offset %d" % (kind, block, at - base)


def run_case(image, blocks, progsize, before, kind, block, rng):
    """Damage a copy, boot it, re-enter every used token; returns (outcome, detail)."""
    flash = NorFlash(blocks, 4096, image)
    what = damage(flash, kind, block, rng)
    try:
        try:
            state = _boot(flash, progsize)
        except StorageFault:
            return "detected loss", what + ": does not mount (fault)"
        storage, balance, provisioned = state.storage, state.balance_wh, state.provisioned
        if not provisioned:  # what an engineer does: provision again with the same key
            state.provision(DEMO_KEYS, "600727000000000009", force=True, now_s=NOW)
        for tid, count in TOKENS:
            _enter(state, credit(tid, count))
        replayed = state.balance_wh
    except Exception as exc:  # any failure to boot is a violation, reported readably
        return "crash", "%s: %r" % (what, exc)
    detail = "%s: storage=%s credit %d -> %d, after re-entering the tokens %d" % (
        what, storage, before, balance, replayed)
    if balance > before:
        return "more credit", detail
    if replayed > before:
        return "replay gain", detail
    if storage == "ok":
        if balance < before or not provisioned:
            return "silent loss", detail
        return "same", detail
    return ("detected loss" if balance < before or not provisioned else "detected fallback"), detail


VIOLATIONS = ("more credit", "replay gain", "silent loss", "crash")


def campaign(blocks, progsize, cases, seed=1, flash=None, saves=100):
    """Random cases plus one whole-block damage of every used block; returns
    ({outcome: count}, [violation details])."""
    if flash is None:
        flash = NorFlash(blocks, 4096)
    before = history(flash, progsize, saves)
    image = flash.image()
    targets = used_blocks(flash)
    flash = None
    rng = Rng(seed)
    plan = [(KINDS[rng.below(3)], targets[rng.below(len(targets))]) for _ in range(cases)]
    plan += [("block", block) for block in targets]
    counts, violations = {}, []
    for kind, block in plan:
        outcome, detail = run_case(image, blocks, progsize, before, kind, block, rng)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome in VIOLATIONS:
            violations.append(outcome + ": " + detail)
    return counts, violations
