# The heap bench's phases after the firmware's imports: the harness, the simulator,
# the models, the meter's boot, token and hour, and the report.  heap_bench_probe.py
# (read its header) loads this module only after the firmware's imports, so that
# the bench's own names do not take room in the name pools before the firmware's.
import os
import sys

from heap_bench_probe import MARK, MARKS, _kept, _native

# The firmware's packages and top-level modules (what resident_modules() reports).
FIRMWARE_ROOTS = ("clock", "drivers", "meter", "overlay", "store", "sts")
# Firmware modules only the test rig's token vending loads (a meter decrypts with the
# tables sts.resident keeps; sts/sta.py builds tables only for encryption and test S-boxes;
# the encoders and token layouts are the vending side's).
VENDING_ONLY = ("sts.sta_tables", "sts.layouts", "sts.amount")
PHASES = ("imports", "harness", "simulator", "models", "boot", "token", "scenario", "check_held", "check_dropped",
          "settle", "report")


def _say(key, value):
    print(MARK + "%s: %s" % (key, value))


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


def harness():
    import atm90e26_model  # noqa: F401
    import ds3231_model  # noqa: F401
    import fakeclock  # noqa: F401
    import keypad_model  # noqa: F401
    import lcd_model  # noqa: F401
    import machine  # noqa: F401


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


class _QuietConsole:
    """The console's input as meter.console.PolledInput gives it, with nothing typed."""

    closed = False

    def read_available(self, limit):
        return b""


def boot():
    """The meter booted by the test rig, and its tasks made as main.py's Runtime.run
    makes them (the rig then steps them itself; asyncio's own task objects are not made)."""
    from support.rig import Rig

    _kept["parts"] = None
    rig = Rig(load_w=2000)
    if _kept["portfs"] is not None:
        rig.sim.save_time = lambda: None  # the simulator's time file: the wasm VM has no os.getenv
    rig.system.make_runtime().add_tasks((_QuietConsole(), None))
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


