# Runs the test_* functions of one test module inside MicroPython and reports
# each result as one JSON line prefixed with MARK, for host_tests/conftest.py.
# The same file also runs under CPython (used by the runner's own tests).
import gc
import json
import sys

try:
    import io
except ImportError:  # pragma: no cover
    import uio as io

MARK = "@@MPTEST "


def _format_exception(exc):
    buf = io.StringIO()
    if hasattr(sys, "print_exception"):
        sys.print_exception(exc, buf)
    else:  # CPython
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=buf)
    return buf.getvalue()


def _report(obj):
    try:
        line = json.dumps(obj)
    except MemoryError:  # a heap-capped VM: report what fits
        obj = None
        gc.collect()
        line = '{"name": "?", "outcome": "failed", "longrepr": "MemoryError while reporting"}'
    sys.stdout.write(MARK + line + "\n")


def run_module(modname, only=None):
    try:
        mod = __import__(modname)
    except BaseException as exc:  # an import error fails the whole file, readably
        _report({"name": "<import>", "outcome": "failed", "longrepr": _format_exception(exc)})
        return 1
    names = sorted(n for n in dir(mod) if n.startswith("test_") and callable(getattr(mod, n)))
    failures = 0
    for name in names:
        if only and name not in only:
            continue
        fn = getattr(mod, name)
        gc.collect()  # each test starts from the same heap, whatever the last one left
        try:
            fn()
            _report({"name": name, "outcome": "passed"})
        except BaseException as exc:
            gc.collect()
            if type(exc).__name__ in ("SkipTest", "Skipped"):
                _report({"name": name, "outcome": "skipped", "longrepr": str(exc)})
            else:
                failures += 1
                _report({"name": name, "outcome": "failed", "longrepr": _format_exception(exc)})
    _report({"name": "<done>", "outcome": "done"})
    return failures


def main(argv):
    failed = 0
    for modname in argv:
        failed += run_module(modname)
    return failed


if __name__ == "__main__":
    main(sys.argv[1:])
