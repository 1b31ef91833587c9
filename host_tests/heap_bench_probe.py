# Measurement probe for tools/benches/bench_heap.py (not a test): the firmware's
# own heap after the meter scenario, and the heap floor of the firmware's imports.
# Runs inside the MicroPython VMs and prints `@@BENCH key: value`.
#
# The scenario runs in phases; after each, garbage is collected at the top level
# and mark() records gc.mem_alloc() (host_tests/harness/wasm_phases.mjs on the
# wasm VM, run_phases() on the unix VM).  How the device models are kept out:
#   imports:  every firmware module the meter keeps loaded (main.py's imports
#             first, then the rest resident_modules() found), so that a firmware
#             module first imported by a model or the simulator is still counted
#             as firmware;
#   harness:  the machine fake, the clock and the model modules are imported;
#   simulator: the sim board, its commands and the test rig;
#   models:   boards/sim.py build_virtual builds a whole virtual meter; its
#             firmware side (Hardware, drivers) is dropped and only the device
#             models are kept (SimParts): their heap is measured...
#   boot:     ...then released, and the test rig builds and boots the meter again,
#             and the meter's tasks are made as main.py's Runtime.run makes them;
#   token:    a token typed on the keypad and its result shown;
#   scenario: one hour of metering (in every phase the rig's captured log lines
#             are dropped: main.py prints them instead);
#   check_held / check_dropped: a second token with the token check's overlay
#             kept loaded (the heap while a token is checked), then dropped.
# firmware after phase P = mark(P) - mark(start) - (mark(harness) - mark(imports))
#            - (mark(simulator) - mark(harness)) - (mark(models) - mark(simulator)).
# Overlays (firmware/overlay.py) the meter loads and drops are counted while loaded.
#
# Names (qstrs): a board interns main.py's names (compiled from source at each
# boot), then the firmware's; the bench interns as few of its own first as it can,
# so that the firmware's names fill the VM's name pools as on a board.  This module
# holds only what runs before and during the firmware's imports; the other phases
# are in heap_bench_phases.py, loaded on first use (module __getattr__).
import gc
import sys

MARK = "@@BENCH "
# The firmware modules firmware/main.py imports, in its order (test_heap_probe.py
# checks this against main.py).  The board file's builder, meter.hardware, is an
# overlay (dropped once the board is built).
MAIN_IMPORTS = ("sts.resident", "store.recovery", "meter.config", "meter.log", "meter.system")
MARKS = {}
ROMFS_IMAGE = "/romfs.img"  # where host_tests/harness/wasm_phases.mjs puts WASM_ROMFS
_kept = {}


def mark(phase):
    phase = phase.split("(")[0]  # wasm_phases.mjs passes the call, e.g. imports([...])
    MARKS[phase] = gc.mem_alloc()
    if phase in ("start", "imports"):
        # The interned names before and after the firmware's: qstr_info() prints its
        # summary ("qstr pool: n_pool=.., n_qstr=.., ..") and ends this marked line.
        import micropython

        print(MARK + "qstr_info_%s: " % phase, end="")
        micropython.qstr_info()


def romfs(image=None):
    """Run the firmware from a ROMFS image (tools/deploy.py builds it) mounted at /rom, as
    a board with ROMFS does: bytecode executes in place.  The image's own bytes are read
    into the heap here, before the harness mark: they are not counted."""
    import vfs

    with open(image or ROMFS_IMAGE, "rb") as f:
        data = f.read()
    vfs.mount(vfs.VfsRom(data), "/rom")
    sys.path.insert(0, "/rom")
    _kept["romfs"] = data


def imports(names=(), overlays=(), main_py=None):
    """main.py's names (main_py: its source; a board compiles it at each boot, which
    interns them), main.py's imports, then names (the other resident modules, from
    resident_modules(): tools/benches/bench_heap.py passes them); viper modules only
    where the VM runs native code (not on wasm).  Then each overlay the meter loads
    at boot and for a token is loaded and dropped: its code goes, its interned names
    stay (qstrs are never freed), as on a board after its first token, so the
    firmware is charged with its names and the name pool's growth."""
    if main_py:
        with open(main_py) as f:
            compile(f.read(), "main.py", "exec")  # compiled, not run: the rig runs the meter
    import overlay

    for name in MAIN_IMPORTS + tuple(names):
        if ".viper_" not in name or _native():
            __import__(name)
    for name in overlays:
        before = set(sys.modules)
        overlay.load(name)
        for extra in set(sys.modules) - before:  # what the overlay imported with it
            overlay.drop(extra)


def _native():
    from sts.resident import NATIVE

    return NATIVE


def run_phases(names, overlays, image=None, main_py=None):
    """The unix VM: the phases in one run (its gc.collect() frees everything unreachable);
    names, overlays, main_py: for imports(); image: a ROMFS image to run the firmware from."""
    gc.collect()
    mark("start")
    if image:
        romfs(image)
        gc.collect()
        mark("romfs")
    for phase in __getattr__("PHASES"):
        if phase == "imports":
            imports(names, overlays, main_py)
        else:
            __getattr__(phase)()
        gc.collect()
        mark(phase)


def __getattr__(name):
    """The phases after the imports (heap_bench_phases.py), loaded on first use."""
    import heap_bench_phases

    return getattr(heap_bench_phases, name)
