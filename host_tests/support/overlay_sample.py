# An overlay module for test_overlay.py: counts each import of itself.
from support import imports_seen

imports_seen.COUNT[0] += 1


def double(value):
    return 2 * value


def fail(reason):
    raise ValueError(reason)
