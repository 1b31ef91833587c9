# Allocation checks for MicroPython lanes.  On the 32-bit wasm VM small ints are
# 31-bit, so any intermediate >= 2**30 becomes a heap-allocated big int: these
# helpers catch it.  On CPython they skip (allocation is not observable there).
import gc

from support.checks import SkipTest, is_micropython

try:
    import micropython
except ImportError:  # CPython
    micropython = None


def _require_micropython():
    if not is_micropython():
        raise SkipTest("allocation is measured only inside MicroPython")


def bytes_allocated(fn):
    """Bytes left allocated on the heap by one call of the no-argument fn.

    The collector is paused during the call so nothing allocated is freed
    before it is counted.  Allocations freed inside the call are missed: use
    allocates_under_lock() as well for a strict check."""
    _require_micropython()
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        fn()
        after = gc.mem_alloc()
    finally:
        gc.enable()
    return after - before


def allocates_under_lock(fn):
    """True if fn allocates anything at all: it is run with the heap locked."""
    _require_micropython()
    micropython.heap_lock()
    try:
        fn()
    except MemoryError:
        micropython.heap_unlock()  # first thing: printing while locked raises again
        return True
    micropython.heap_unlock()
    return False


def assert_no_alloc(fn, warmup=1):
    """Fail unless fn (no arguments) allocates nothing, by both measures."""
    for _ in range(warmup):
        fn()
    delta = bytes_allocated(fn)
    assert delta == 0, "allocated %d bytes" % delta
    assert not allocates_under_lock(fn), "allocated under heap_lock (freed again before returning)"
