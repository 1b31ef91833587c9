# lanes: cpython micropython-unix micropython-wasm32
# firmware/overlay.py: a module loaded for one job is dropped after it, so the
# next load imports it again (and nothing keeps the old copy reachable).
import sys

import overlay
from support.checks import raises

NAME = "support.overlay_sample"  # a tiny module that counts its own imports


def _forget():
    overlay.drop(NAME)


def test_run_calls_the_function_and_drops_the_module():
    _forget()
    assert overlay.run(NAME, "double", 21) == 42
    assert NAME not in sys.modules
    import support

    assert "overlay_sample" not in dir(support)  # the package attribute goes too


def test_each_load_after_a_drop_imports_the_module_again():
    _forget()
    import support.imports_seen as seen

    before = seen.COUNT[0]
    overlay.run(NAME, "double", 1)
    overlay.run(NAME, "double", 2)
    assert seen.COUNT[0] == before + 2


def test_a_failing_job_still_drops_its_module():
    _forget()
    assert raises(ValueError, overlay.run, NAME, "fail", "bad input")
    assert NAME not in sys.modules


def test_load_keeps_an_already_loaded_module():
    _forget()
    first = overlay.load(NAME)
    assert overlay.load(NAME) is first
    _forget()
    assert overlay.load(NAME) is not first
    _forget()


def test_drop_of_a_module_never_loaded_is_harmless():
    overlay.drop("support.no_such_module")
    overlay.drop("no_such_top_level_module")


def _tight(fails):
    import support.imports_seen as seen

    overlay.drop("support.overlay_tight")
    seen.TIGHT[0] = 0
    seen.TIGHT_FAILS[0] = fails
    return seen


def test_a_load_that_finds_no_heap_is_tried_once_more_after_a_collection():
    seen = _tight(1)
    assert overlay.run("support.overlay_tight", "answer") == 42
    assert seen.TIGHT[0] == 2 and "support.overlay_tight" not in sys.modules


def test_a_load_that_never_fits_gives_the_caller_memory_error_and_keeps_nothing():
    seen = _tight(2)
    assert raises(MemoryError, overlay.load, "support.overlay_tight")
    assert seen.TIGHT[0] == 2 and "support.overlay_tight" not in sys.modules
    assert overlay.run("support.overlay_tight", "answer") == 42  # a later try, with heap, works


def test_attribute_hands_on_a_name_and_drops_the_module():
    _forget()
    double = overlay.attribute(NAME, "double")
    assert NAME not in sys.modules and double(4) == 8
    assert raises(AttributeError, overlay.attribute, NAME, "__path__")  # import machinery probes: not forwarded
    assert NAME not in sys.modules
