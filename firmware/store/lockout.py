# Wrong-token lockout policy (pure).  Three consecutive wrong meter-specific
# tokens lock the keypad for 10 s; each further wrong token doubles the time,
# up to 1280 s.  An accepted meter-specific token resets the count.
#
# The state is (count, end_s, duration_s) with end_s on the wall clock.  A
# board without a battery-backed RTC restarts its clock after a power cut, so
# end_s may lie far in the future (or the past) of the new clock.  The rule:
# the remaining time is never more than the lockout's own duration; if it
# would be, the lockout restarts for its full duration from "now".  So a power
# cycle can never shorten a lockout below what was left on an RTC board, and
# on a board whose clock restarts it re-arms the full duration: cycling power
# to brute-force tokens gains nothing.  The count itself survives (it is in
# the state record), so the next wrong token still escalates.
from micropython import const

_FREE_TRIES = const(3)  # wrong tokens before the first lockout
_FIRST_LOCK_S = const(10)
_MAX_LOCK_S = const(1280)


def after_wrong(count, now_s):
    """(count, end_s, duration_s) after one more wrong token at now_s; the
    duration is 0 (no lockout) below the third wrong token in a row."""
    count += 1
    steps = count - _FREE_TRIES
    if steps < 0:
        return count, 0, 0
    duration = _MAX_LOCK_S if steps >= 8 else min(_FIRST_LOCK_S << steps, _MAX_LOCK_S)  # 10 << 7 = 1280 already
    return count, now_s + duration, duration


def remaining(end_s, duration_s, now_s):
    """(seconds left, end_s to keep).  The end is re-anchored when the clock
    says more than the full duration is left (clock restarted or went back)."""
    if duration_s <= 0 or end_s <= 0:
        return 0, end_s
    left = end_s - now_s
    if left > duration_s:
        end_s = now_s + duration_s
        left = duration_s
    return (left if left > 0 else 0), end_s
