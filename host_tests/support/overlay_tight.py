# An overlay module for test_overlay.py whose import finds no heap while
# imports_seen.TIGHT_FAILS counts down (as a fragmented board's heap might).
from support import imports_seen

imports_seen.TIGHT[0] += 1
if imports_seen.TIGHT_FAILS[0] > 0:
    imports_seen.TIGHT_FAILS[0] -= 1
    raise MemoryError("memory allocation failed, allocating 2672 bytes")


def answer():
    return 42
