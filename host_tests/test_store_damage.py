# lanes: micropython-unix
# mp-heapsize: 2048wK
# Never credit from damage (issue 15): a meter with 13,000 Wh bought and about
# 1,000 Wh used, then one random bit, byte, burst or whole-block damage of the
# blocks its flash uses per fresh copy (and every used block wiped once), boot
# and re-enter every used token.  No case may end with more credit than before,
# lose credit or provisioning without saying so, or credit a used token again.
# (MicroPython only: littlefs-python can abort CPython on damaged metadata.)
# tools/damage.py runs the larger campaign on the board layouts for make bench.
from support.damage import VIOLATIONS, campaign


def _check(counts, violations):
    assert not violations, "\n".join(violations[:10])
    for outcome in VIOLATIONS:
        assert counts.get(outcome, 0) == 0, outcome
    assert counts.get("same", 0) > 0 and counts.get("detected fallback", 0) > 0, counts


def test_random_damage_never_gives_credit_default_geometry():
    counts, violations = campaign(32, 32, 250, seed=7)
    assert sum(counts.values()) >= 250
    _check(counts, violations)


def test_random_damage_never_gives_credit_rp2040_page_size():
    counts, violations = campaign(32, 256, 120, seed=3)
    _check(counts, violations)
