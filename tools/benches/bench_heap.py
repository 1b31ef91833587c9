"""Heap benchmark: how much RAM the firmware needs, as `key: value` lines.

import_heap_floor_wK     the smallest unix-VM heap (-X heapsize=NwK: N K words, the
                         object capacity of an N KB heap on a 32-bit MCU) in which the
                         firmware modules resident after boot and a token (found by
                         heap_bench_probe.resident_modules(): overlays dropped) import
                         from the x64 .mpy build, found by bisection;
import_heap_floor_all_modules_wK   the same for every firmware module;
import_cost_<module>     the live heap each module adds (64-bit unix VM, dependencies
                         first, so each figure is the module's own), the largest ones;
firmware_heap_after_scenario_bytes the firmware's own live heap after the scenario on the
                         32-bit wasm VM (heap_bench_probe.py says how the device models
                         are kept out), and the same on the 64-bit unix VM;
import_heap_files_bytes  the live heap of the firmware's boot imports in that run;
*_romfs_*                the same with the firmware's .mpy run in place from a ROMFS image
                         (the one tools/deploy.py writes) mounted with vfs.VfsRom, the
                         image's own bytes not counted.
Run from the repo root: .venv/bin/python tools/benches/bench_heap.py
"""
import os
import subprocess
import sys
import tempfile

import benchlib

sys.path.insert(0, os.path.join(benchlib.ROOT, "host_tests"))
sys.path.append(os.path.join(benchlib.ROOT, "tools"))
import build_mpy  # noqa: E402
import deploy  # noqa: E402
import heap_bench_probe as probe  # noqa: E402
from conftest import COMPILED_DIR, compile_for_host  # noqa: E402

FAKES = os.path.join(benchlib.ROOT, "host_tests", "fakes")
SHOWN_COSTS = 12


def firmware_modules(tree):
    """Every module of a built firmware tree, dependencies first (as a board imports them)."""
    names = []
    for dirpath, _dirs, files in os.walk(tree):
        for name in sorted(files):
            if name.endswith(".mpy"):
                rel = os.path.relpath(os.path.join(dirpath, name), tree)[:-4].replace(os.sep, ".")
                names.append(rel[:-9] if rel.endswith(".__init__") else rel)
    return sorted(names)


def _imports_in(tree, heap, names):
    code = "for m in %r: __import__(m)\nprint('imported')" % (list(names),)
    env = dict(os.environ, MICROPYPATH=tree + ":" + FAKES)
    cmd = [benchlib.MICROPYTHON, "-X", "heapsize=%dwK" % heap, "-c", code]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode == 0 and "imported" in proc.stdout


def heap_floor(tree, names, low=16, high=512):
    """Smallest heap (wK) in which names import, by bisection (1 wK resolution)."""
    if not _imports_in(tree, high, names):
        return None
    while high - low > 1:
        mid = (low + high) // 2
        if _imports_in(tree, mid, names):
            high = mid
        else:
            low = mid
    return high


def import_costs(tree, names):
    # 3000 throwaway qstrs first: the qstr pool has grown before the first import, so
    # no module is charged with a pool doubling that its predecessors caused.
    code = ("import gc\nclass Q: pass\nq = Q()\nfor i in range(3000): setattr(q, 'bench_q%%d' %% i, 0)\n"
            "for m in %r:\n gc.collect(); a = gc.mem_alloc(); __import__(m); gc.collect()\n"
            " print('@@BENCH import_cost_%%s: %%d' %% (m.replace('.', '_'), gc.mem_alloc() - a))") % (list(names),)
    env = dict(os.environ, MICROPYPATH=tree + ":" + FAKES)
    proc = subprocess.run([benchlib.MICROPYTHON, "-X", "heapsize=1024wK", "-c", code], env=env,
                          capture_output=True, text=True, timeout=60)
    lines = [line[len(benchlib.MARK):] for line in proc.stdout.splitlines() if line.startswith(benchlib.MARK)]
    return sorted(lines, key=lambda line: -int(line.rsplit(" ", 1)[1]))


def _firmware_imports(name, names):
    """The firmware modules that module `name`'s source imports (read from its text)."""
    rel = name.replace(".", os.sep)
    path = os.path.join(benchlib.ROOT, "firmware", rel + ".py")
    if not os.path.exists(path):
        path = os.path.join(benchlib.ROOT, "firmware", rel, "__init__.py")
    found = set()
    with open(path) as f:
        for line in f:
            words = line.replace(",", " ").split()
            if len(words) >= 2 and words[0] == "import" and words[1] in names:
                found.add(words[1])
            elif len(words) >= 4 and words[0] == "from" and words[2] == "import":
                found.update(n for n in [words[1]] + [words[1] + "." + w for w in words[3:]] if n in names)
    found.discard(name)
    return found


def loaded_by_firmware(names):
    """Those of names that firmware code or a board file loads (an import, or an
    overlay's quoted name): a module only the simulator imports (store.filedev,
    its flash file) is not the board's."""
    texts = []
    for top in ("firmware", "boards"):
        for dirpath, _dirs, files in os.walk(os.path.join(benchlib.ROOT, top)):
            for name in files:
                if name.endswith(".py") and not name.startswith("sim"):
                    with open(os.path.join(dirpath, name)) as f:
                        texts.append(f.read())
    text = "\n".join(texts)
    kept = []
    for name in names:
        package, _, leaf = name.rpartition(".")
        if ('"%s"' % name in text or "import %s" % name in text or "from %s import" % name in text or
                (package and "from %s import" % package in text and _imports_leaf(text, package, leaf))):
            kept.append(name)
    return kept


def _imports_leaf(text, package, leaf):
    for line in text.splitlines():
        words = line.replace(",", " ").replace("(", " ").split()
        if len(words) >= 4 and words[0] == "from" and words[1] == package and leaf in words[3:]:
            return True
    return False


def dependency_order(names):
    """Every module after the firmware modules it imports, so each import cost is the
    module's own."""
    order, seen = [], set()

    def visit(name):
        if name not in seen:
            seen.add(name)
            for dep in sorted(_firmware_imports(name, names)):
                visit(dep)
            order.append(name)

    for name in names:
        visit(name)
    return order


def _sim_scenario_runs(heap):
    """The capped simulator test's scenario (host_tests/test_sim_headless.py): main.py
    with every task from .mpy, a token, an hour at 2 kW, the log; True if it all works."""
    from sim_client import SimSession
    from support.vend import credit

    with tempfile.TemporaryDirectory() as tmp:
        try:
            sim = SimSession(os.path.join(tmp, "flash.img"), "--heap", "%dwK" % heap, "--mpy")
        except Exception:
            return False
        try:
            if sim.cmd("token " + credit(6_200_000, 50))[0] != "result=1 Accept":
                return False
            sim.cmd("sim load 2000")
            sim.cmd("sim advance 3600")
            status = sim.status()
            return 2990 <= int(status["credit_wh"]) <= 3010 and sim.cmd("log 5")[-1] == "OK"
        except Exception:  # the VM ran out of heap and the session ended
            return False
        finally:
            try:
                sim.close()
            except Exception:
                pass


def sim_heap_floor(low=96, high=256):
    """Smallest -X heapsize (wK, 2 wK steps) in which the simulated meter runs the scenario."""
    if not _sim_scenario_runs(high):
        return None
    while high - low > 2:
        mid = (low + high) // 2
        if _sim_scenario_runs(mid):
            high = mid
        else:
            low = mid
    return high


def scenario_wasm(names, overlays, image=None):
    env = dict(os.environ, NODE_PATH=os.path.join(benchlib.ROOT, "node_modules"), WASM_COMPILED_DIR=COMPILED_DIR)
    runner = os.path.join(benchlib.ROOT, "host_tests", "harness", "wasm_phases.mjs")
    phases = ["imports(%r, %r, %r)" % (names, overlays, "/repo/firmware/main.py") if p == "imports" else "%s()" % p
              for p in probe.PHASES]
    if image:
        env["WASM_ROMFS"] = image
        phases.insert(0, "romfs()")
    else:
        env["WASM_BOARD_PATHS"] = "1"
    return benchlib.collect(["node", runner, benchlib.ROOT, "heap_bench_probe"] + phases, env, "bench_heap")


def _qstr_info(text):
    """{'n_pool': .., 'n_qstr': .., ..} from micropython.qstr_info()'s summary line."""
    fields = text.split(":", 1)[1].replace(",", " ").split()
    return dict((k, int(v)) for k, v in (f.split("=") for f in fields))


def names_interned(lines, rom):
    """The probe's lines with its two qstr_info() summaries (before and after the firmware's
    imports, overlays included) turned into the names the firmware interns and what they cost."""
    info = {}
    out = []
    for line in lines:
        key, _, value = line.partition(": ")
        if key.startswith("qstr_info_"):
            info[key[len("qstr_info_"):]] = _qstr_info(value)
        else:
            out.append(line)
    if "start" in info and "imports" in info:
        start, after = info["start"], info["imports"]
        out.append("firmware_qstrs%s: %d" % (rom, after["n_qstr"] - start["n_qstr"]))
        out.append("firmware_qstr_bytes%s: %d" % (rom, after["n_total_bytes"] - start["n_total_bytes"]))
        out.append("qstr_pools_after_imports%s: %d pools, %d names (%d of the VM and the probe first; main.py's are "
                   "the firmware's)" % (rom, after["n_pool"], after["n_qstr"], start["n_qstr"]))
        # A VM's pools of interned names hold 20, 40, 80, ... entries (the first after the
        # built-in pools, which hold 10), on every port: pool k ends at name 20 * (2**k - 1).
        capacity = 20 * (2 ** after["n_pool"] - 1)
        entry_bytes = (after["n_total_bytes"] - after["n_str_data_bytes"]) / capacity
        next_pool = 20 * 2 ** after["n_pool"]
        out.append("qstr_headroom%s: %d names before the next pool (%d entries, about %d B on this VM, most of it "
                   "empty at first)" % (rom, capacity - after["n_qstr"], next_pool, next_pool * entry_bytes))
    return out


def romfs_image(tree, path):
    """The ROMFS image tools/deploy.py would write for this build's modules."""
    rom = []
    for dirpath, _dirs, files in os.walk(tree):
        for name in files:
            if name.endswith(".mpy"):
                local = os.path.join(dirpath, name)
                rom.append((local, "/" + os.path.relpath(local, tree).replace(os.sep, "/")))
    return deploy.build_romfs_image(rom, path)


def main():
    with tempfile.TemporaryDirectory() as out:
        build_mpy.build_arch("x64", out_dir=out)
        tree = os.path.join(out, "firmware")
        names = [n for n in firmware_modules(tree) if n not in ("boot",)]
        unix_path = [COMPILED_DIR] + [os.path.join(benchlib.ROOT, p) for p in ("host_tests", "host_tests/harness",
                                                                               "host_tests/fakes", "boards")]
        compile_for_host()
        found = benchlib.unix("heap_bench_probe", "resident_modules()", "bench_heap", unix_path)
        found = dict(line.split(": ", 1) for line in found)
        resident = loaded_by_firmware(found.get("resident_modules", "").split())
        overlays = found.get("overlays_loaded", "").split()
        print("overlays_loaded_at_boot_and_token: %s" % " ".join(overlays))
        print("resident_modules: %d: %s" % (len(resident), " ".join(resident)))
        boot = heap_floor(tree, resident)
        every = heap_floor(tree, ["sts.sta"] + names)  # the STA table first, as main.py does
        print("import_heap_floor_wK: %s" % boot)
        print("import_heap_floor_all_modules_wK: %s" % every)
        print("import_heap_floor_conditions: unix VM, x64 .mpy build (viper modules included), bisection of "
              "-X heapsize in 1 wK steps, fresh VM per try, the resident modules above")
        for line in import_costs(tree, dependency_order(names))[:SHOWN_COSTS]:
            print(line)
        print("import_cost_conditions: 64-bit unix VM (about twice the 32-bit figure), live heap after "
              "gc.collect() before/after each import, each module after the firmware modules it imports, "
              "qstr pool grown beforehand (a module's cost includes its new qstrs' text, not a pool doubling)")
        print("sim_heap_floor_wK: %s" % sim_heap_floor())
        print("sim_heap_floor_conditions: tools/sim.py --headless --mpy --heap NwK (main.py with every task, "
              "the simulator's device models in the same heap), a token, an hour at 2 kW, `log 5`; bisection in "
              "2 wK steps, one run per size, checkout at %s" % benchlib.ROOT)
        image = os.path.join(out, "firmware.romfs")
        # As tools/deploy.py builds it: the modules record their file names under /rom.
        rom_out = os.path.join(out, "romfs")
        build_mpy.build_arch("x64", out_dir=rom_out, mount="/rom")
        size = romfs_image(os.path.join(rom_out, "firmware"), image)
        print("romfs_image_bytes: %d" % size)
        ok = bool(resident)
        for rom in (None, image):  # firmware from files, then from ROMFS
            lines = scenario_wasm(resident, overlays, rom)
            ok = ok and bool(lines)
            for line in names_interned(lines, "_romfs" if rom else ""):
                print(line)
            source = [os.path.join(benchlib.ROOT, p) for p in ("host_tests", "host_tests/harness", "host_tests/fakes",
                                                                "boards")]
            # From files, the firmware is imported as a board imports it: from the working
            # directory through a "" path entry, so each module's __file__ is its device path.
            main_py = os.path.join(benchlib.ROOT, "firmware", "main.py")
            unix = benchlib.unix("heap_bench_probe", "run_phases(%r, %r, %r, %r)" % (resident, overlays, rom, main_py),
                                 "bench_heap",
                                 source if rom else [""] + source[:2], cwd=benchlib.ROOT if rom else COMPILED_DIR)
            ok = ok and bool(unix)
            for line in names_interned(unix, "_romfs" if rom else ""):
                key, _, value = line.partition(": ")
                print("%s_unix64: %s" % (key, value))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
