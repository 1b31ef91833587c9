# Small assertion helpers that work the same under pytest and in the MicroPython
# runner (portable test files must not import pytest themselves).
import sys

try:
    import pytest

    SkipTest = pytest.skip.Exception  # pytest reports it as a skip
except ImportError:

    class SkipTest(Exception):
        """Raise to skip a test; the MicroPython runner reports it as skipped."""


def raises(exc_type, fn, *args, **kwargs):
    """Call fn and return the exception it raises; fail if it raises nothing."""
    try:
        fn(*args, **kwargs)
    except exc_type as exc:
        return exc
    raise AssertionError("%s not raised by %r" % (exc_type.__name__, fn))


def is_micropython():
    return sys.implementation.name == "micropython"
