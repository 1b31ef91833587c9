# lanes: micropython-wasm32
# The allocation helper itself: it must catch an intermediate that does not fit
# a 32-bit MCU's small int, and pass the same work done in 16-bit halves.
from support.alloc import allocates_under_lock, assert_no_alloc, bytes_allocated
from support.checks import raises

_out = [0, 0]


def _join_wide(a, b):
    # (a << 16) | b with a >= 2**14 is >= 2**30: a big int on a 32-bit VM.
    _out[0] = ((a << 16) | b) & 0xFFFF


def _join_halves(a, b):
    # The same result kept below 2**30 at every step.
    _out[0] = b & 0xFFFF
    _out[1] = a & 0xFFFF


def test_wide_intermediate_is_caught_by_the_lock():
    assert allocates_under_lock(lambda: _join_wide(0x4000, 0x1234))


def test_wide_intermediate_fails_assert_no_alloc():
    exc = raises(AssertionError, assert_no_alloc, lambda: _join_wide(0x7FFF, 0xFFFF))
    assert "allocated" in str(exc.args[0])


def test_small_values_pass_assert_no_alloc():
    assert_no_alloc(lambda: _join_wide(0x3FFF, 0xFFFF))  # largest a below 2**30
    assert_no_alloc(lambda: _join_halves(0x7FFF, 0xFFFF))


def test_bytes_allocated_counts_a_new_list():
    keep = []
    assert bytes_allocated(lambda: keep.append([1, 2, 3, 4])) > 0
