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
#   boot:     ...then released, and the test rig builds and boots the meter again;
#   token:    a token typed on the keypad and its result shown;
#   scenario: one hour of metering (in every phase the rig's captured log lines
#             are dropped: main.py prints them instead);
#   check_held / check_dropped: a second token with the token check's overlay
#             kept loaded (the heap while a token is checked), then dropped.
# firmware after phase P = mark(P) - mark(start) - (mark(harness) - mark(imports))
#            - (mark(simulator) - mark(harness)) - (mark(models) - mark(simulator)).
# Overlays (firmware/overlay.py) the meter loads and drops are counted while loaded.
import gc
import os
import sys

MARK = "@@BENCH "
# The firmware modules firmware/main.py imports, in its order (test_heap_probe.py
# checks this against main.py).  The board file's builder, meter.hardware, is an
# overlay (dropped once the board is built).
MAIN_IMPORTS = ("sts.resident", "store.recovery", "meter.config", "meter.log", "meter.system")
# The firmware's packages and top-level modules (what resident_modules() reports).
FIRMWARE_ROOTS = ("clock", "drivers", "meter", "overlay", "store", "sts")
# Firmware modules only the test rig's token vending loads (a meter decrypts with the
# tables sts.resident keeps; sts/sta.py builds tables only for encryption and test S-boxes).
VENDING_ONLY = ("sts.sta_tables",)
PHASES = ("imports", "harness", "simulator", "models", "boot", "token", "scenario", "check_held", "check_dropped",
          "settle", "report")
MARKS = {}
ROMFS_IMAGE = "/romfs.img"  # where host_tests/harness/wasm_phases.mjs puts WASM_ROMFS
_kept = {}


def _say(key, value):
    print(MARK + "%s: %s" % (key, value))


def mark(phase):
    phase = phase.split("(")[0]  # wasm_phases.mjs passes the call, e.g. imports([...])
    MARKS[phase] = gc.mem_alloc()
    if phase in ("start", "imports"):
        # The interned names before and after the firmware's: qstr_info() prints its
        # summary ("qstr pool: n_pool=.., n_qstr=.., ..") and ends this marked line.
        import micropython

        print(MARK + "qstr_info_%s: " % phase, end="")
        micropython.qstr_info()


def resident_modules():
    """The firmware modules still loaded once the meter has booted and a token
    was typed (overlays dropped), the cipher's tables first (main.py imports them
    first): the set the import floor is measured on.  Also the overlays the meter
    loaded meanwhile (through overlay.load), whose interned names stay."""
    import overlay

    harness()
    simulator()
    loaded = []
    real_load = overlay.load

    def recording_load(name):
        if name not in loaded:
            loaded.append(name)
        return real_load(name)

    overlay.load = recording_load
    try:
        boot()
        token()
    finally:
        overlay.load = real_load
    names = sorted(n for n in sys.modules if n.split(".")[0] in FIRMWARE_ROOTS and n not in VENDING_ONLY)
    if "sts.resident" in names:
        names.remove("sts.resident")
        names.insert(0, "sts.resident")
    _say("resident_modules", " ".join(names))
    _say("overlays_loaded", " ".join(n for n in loaded if n not in names))


def _portfs_on_wasm():
    import vfs

    if hasattr(vfs, "VfsLfs2"):
        return None
    from store.volume import PortFs

    root = "/tmp/meterfs"
    try:
        os.mkdir(root)
    except OSError:
        pass
    return PortFs(root)


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


def harness():
    import atm90e26_model  # noqa: F401
    import ds3231_model  # noqa: F401
    import fakeclock  # noqa: F401
    import keypad_model  # noqa: F401
    import lcd_model  # noqa: F401
    import machine  # noqa: F401


def imports(names=(), overlays=()):
    """main.py's imports, then names (the other resident modules, from
    resident_modules(): tools/benches/bench_heap.py passes them); viper modules
    only where the VM runs native code (not on wasm).  Then each overlay the meter
    loads at boot and for a token is loaded and dropped: its code goes, its
    interned names stay (qstrs are never freed), as on a board after its first
    token, so the firmware is charged with its names and the name pool's growth."""
    import overlay

    for name in MAIN_IMPORTS + tuple(names):
        if ".viper_" not in name or _native():
            __import__(name)
    for name in overlays:
        before = set(sys.modules)
        overlay.load(name)
        for extra in set(sys.modules) - before:  # what the overlay imported with it
            overlay.drop(extra)


def simulator():
    import sim
    import sim_commands  # noqa: F401
    import support.rig  # noqa: F401
    import support.vend

    portfs = _portfs_on_wasm()
    if portfs is not None:
        sim.mount_flash = lambda flash, progsize=32: portfs
    _kept["portfs"] = portfs
    # The tokens are made here (encrypting is the vending side's work, not the meter's).
    # The vending keeps its own copies of the token modules it used; forgotten here,
    # the meter loads (and drops) its own when it checks a token, counted as firmware.
    _kept["tokens"] = [support.vend.credit(tid, 100) for tid in (7_000_000, 7_000_060)]
    import overlay
    from meter import app

    for name in app._TOKEN_CHECK + VENDING_ONLY:
        overlay.drop(name)


def models():
    import sim
    from fakeclock import FakeClock
    from support.rig import NOW, scratch_flash

    hw, parts = sim.build_virtual(FakeClock(start_s=NOW), scratch_flash(), 2000)
    _kept["parts"] = parts  # the device models; the firmware side (hw) is dropped here


def boot():
    from support.rig import Rig

    _kept["parts"] = None
    rig = Rig(load_w=2000)
    if _kept["portfs"] is not None:
        rig.sim.save_time = lambda: None  # the simulator's time file: the wasm VM has no os.getenv
    del rig.log_lines[:]
    _kept["rig"] = rig


def token():
    rig = _kept["rig"]
    assert rig.enter_token(_kept["tokens"][0]) == 1
    del rig.log_lines[:]


def scenario():
    rig = _kept["rig"]
    rig.advance(3600)
    del rig.log_lines[:]


def check_held():
    """A second token with the check overlay kept loaded (overlay.drop made a no-op
    for it): the mark after this phase is the heap while a token is checked, less
    the check's own short-lived objects."""
    import overlay

    rig = _kept["rig"]
    real_drop = overlay.drop
    overlay.drop = lambda name: None
    try:
        assert rig.enter_token(_kept["tokens"][1]) == 1
    finally:
        overlay.drop = real_drop
    del rig.log_lines[:]


def check_dropped():
    """The check overlay dropped again, as the meter does after each token."""
    from meter import app

    app._drop_token_check()


def settle():
    """Nothing: on the wasm VM, garbage a phase leaves is sometimes still held by a
    stale stack word at the next collection and freed only at the one after."""


def report():
    m = MARKS
    rom = "_romfs" if "romfs" in _kept else ""
    base = m["romfs"] if rom else m["start"]  # the ROMFS image's own bytes are not counted
    harness_b = m["harness"] - m["imports"]
    sim_b = m["simulator"] - m["harness"]
    models_b = m["models"] - m["simulator"]
    for phase in ("boot", "token", "scenario"):
        _say("firmware_heap_after_%s%s_bytes" % (phase, rom), m[phase] - base - harness_b - sim_b - models_b)
    _say("firmware_heap_token_check_peak%s_bytes" % rom, m["check_held"] - base - harness_b - sim_b - models_b)
    _say("token_check_overlay%s_bytes" % rom, m["check_held"] - m["settle"])
    _say("import_heap%s_bytes" % (rom or "_files"), m["imports"] - base)
    _say("firmware_heap_after_scenario%s_conditions" % rom,
         "%d-bit VM, %s, modules from mpy-cross .mpy; whole VM %d B live after the scenario, minus "
         "harness and model modules %d B, minus the sim board and test rig modules %d B, minus the device "
         "models %d B; firmware imports alone %d B; store on %s" % (
             32 if sys.maxsize < 2**32 else 64, "viper path" if _native() else "Python fallback (no viper)",
             m["scenario"] - m["start"], harness_b + base - m["start"], sim_b, models_b, m["imports"] - base,
             "the VM's in-memory filesystem (no littlefs)" if _kept["portfs"] else "littlefs in a RAM file")
         + ("; firmware .mpy run in place from a ROMFS image mounted at /rom (image bytes not counted)" if rom
            else "; firmware .mpy loaded from files"))


def _native():
    from sts import sta

    return sta.NATIVE


def run_phases(names, overlays, image=None):
    """The unix VM: the phases in one run (its gc.collect() frees everything unreachable);
    names, overlays: for imports(); image: a ROMFS image to run the firmware from."""
    gc.collect()
    mark("start")
    if image:
        romfs(image)
        gc.collect()
        mark("romfs")
    for phase in PHASES:
        globals()[phase](names, overlays) if phase == "imports" else globals()[phase]()
        gc.collect()
        mark(phase)

