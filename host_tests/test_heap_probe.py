# lanes: cpython
# The heap bench's scenario imports what firmware/main.py imports, in its order:
# a figure for another import sequence would not be the board's.
import os

import heap_bench_probe

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _firmware_imports(path):
    firmware = heap_bench_probe.FIRMWARE_ROOTS
    names = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) >= 2 and words[0] in ("import", "from") and words[1].split(".")[0] in firmware:
                names.append(words[1])
    return names


def test_the_probe_imports_what_main_py_imports_in_order():
    main = _firmware_imports(os.path.join(ROOT, "firmware", "main.py"))
    assert main, "no firmware import found in main.py"
    assert list(heap_bench_probe.MAIN_IMPORTS) == main
