# Overlays: code the running meter needs only now and then (boot, console
# commands, short codes, key changes, calibration) lives in modules that are
# loaded for one job and dropped after it.  A .mpy imported from a file keeps
# its bytecode, qstrs and functions in the heap for as long as the module is
# reachable; dropping it gives that heap back.  (Run in place from ROMFS, the
# bytecode costs no heap; dropping is then cheap and harmless.)
#
# Rule for an overlay module: it defines no class whose instances outlive the
# job, and nothing resident keeps a reference to its functions; otherwise the
# module stays reachable and dropping it frees nothing.
import gc
import sys


def load(name):
    """The module `name` (dotted), imported if it is not loaded.  A load that
    finds no contiguous block for its code is tried once more after a garbage
    collection (the loop's garbage is often what splits the heap); a second
    MemoryError goes to the caller, which must turn it into a clear result."""
    module = sys.modules.get(name)
    if module is None:
        try:
            __import__(name)
        except MemoryError:
            drop(name)  # nothing half-made is kept
            gc.collect()
            __import__(name)
        module = sys.modules[name]
    return module


def drop(name):
    """Forget module `name`: the next load() imports it again from flash."""
    if sys.modules.pop(name, None) is None:
        return
    package, _, leaf = name.rpartition(".")
    parent = sys.modules.get(package) if package else None
    if parent is not None and leaf in dir(parent):
        delattr(parent, leaf)


def attribute(name, attr):
    """attr of overlay module `name`, which is dropped at once (what attr refers
    to lives while the caller holds it): for a resident module's __getattr__
    that hands rarely used names on to an overlay."""
    if attr.startswith("_"):  # dunder probes of import machinery and tools: not an overlay's
        raise AttributeError(attr)
    module = load(name)
    drop(name)
    return getattr(module, attr)


def run(name, function, *args):
    """Call function(*args) of overlay module `name`, then drop the module,
    whatever the call raises."""
    try:
        return getattr(load(name), function)(*args)
    finally:
        drop(name)
