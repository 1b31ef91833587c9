#!/usr/bin/env python3
"""Copy the firmware to a board with mpremote and verify every file by sha256.

    tools/deploy.py --board rpi_pico|esp32_devkitc|host --port PORT [--no-mpy] [--no-romfs] [--arch ARCH]
                     [--verify-only]

The board's architecture picks the .mpy build (rpi_pico: armv6m, esp32_devkitc: xtensawin,
host: x64 for the virtual board, tools/vboard.py); the sts viper modules are native code for
that arch, so deploy first asks the device which arch it runs and refuses a mismatch.
ROMFS: where the board's MicroPython (1.25+) has it (vfs.rom_ioctl), the .mpy modules go into
a ROMFS image (mpremote romfs deploy), run in place from flash without heap for their code;
main.py and boot.py stay files. --no-romfs copies files instead.
Device layout: firmware/ becomes the root (/main.py, /sts/..., as .mpy except main.py and
boot.py), boards/<BOARD>.py becomes /board.mpy. Only the deployed files are touched, plus the
.py/.mpy twin of each (MicroPython imports a stale .py before a fresh .mpy): the meter's own
data files on the board are left alone.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import hashlib
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile

if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
import build_mpy  # noqa: E402
import ports  # noqa: E402

ROOT = build_mpy.ROOT
MPREMOTE = os.path.join(ROOT, ".venv", "bin", "mpremote")
BOARD_ARCH = {"rpi_pico": "armv6m", "esp32_devkitc": "xtensawin", "host": "x64"}
BOARD_FILES = {"host": "sim_vboard"}  # boards/<file>.py per BOARD where the names differ
# The native arch a MicroPython firmware runs: sys.implementation._mpy >> 10 (py/persistentcode.h).
ARCH_CODES = {1: "x86", 2: "x64", 3: "armv6", 4: "armv6m", 5: "armv7m", 6: "armv7em", 7: "armv7emsp",
              8: "armv7emdp", 9: "xtensa", 10: "xtensawin", 11: "rv32imc"}
# Device-side: its native arch code and whether its firmware has ROMFS (vfs.rom_ioctl).
_DEVICE_PROBE = (
    "import sys\n"
    "try:\n import vfs\n rom = hasattr(vfs, 'rom_ioctl')\nexcept ImportError:\n rom = False\n"
    "print('@@DEVICE', getattr(sys.implementation, '_mpy', 0) >> 10, int(rom))\n"
)
MPREMOTE_TIMEOUT_S = 600


class DeployError(Exception):
    """Deployment cannot go on; the message says why."""


def mpremote(port, args, timeout=MPREMOTE_TIMEOUT_S, on_line=None):
    """Run `mpremote connect PORT <args>`; return (exit code, stdout lines, stderr text)."""
    cmd = [MPREMOTE, "connect", port] + list(args)
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        raise DeployError("mpremote not found at %s (run `make setup`)" % MPREMOTE) from None
    lines = []
    try:
        for line in proc.stdout:
            line = line.rstrip("\r\n")
            lines.append(line)
            if on_line:
                on_line(line)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise DeployError("mpremote did not finish within %d s on %s" % (timeout, port)) from None
    return proc.returncode, lines, proc.stderr.read().strip()


def device_info(port):
    """(native arch name or None, has ROMFS) of the board on port, asked over mpremote."""
    code, lines, err = mpremote(port, ["exec", _DEVICE_PROBE], timeout=60)
    for line in lines:
        if line.startswith("@@DEVICE "):
            arch_code, rom = line.split()[1:3]
            return ARCH_CODES.get(int(arch_code)), rom == "1"
    raise DeployError("cannot ask the board on %s what it runs: %s" % (port, err or "mpremote exit %d" % code))


def pick_arch(board, device_arch, override=None):
    """The .mpy build for a board: --arch if given, else the board's; refuse a board file
    whose arch is not the one the device runs (its viper code would not load there)."""
    arch = override or BOARD_ARCH[board]
    if override is None and device_arch is not None and device_arch != arch:
        raise DeployError("BOARD=%s needs %s code but the device on this port runs %s: wrong board or port? "
                          "(--arch %s forces a build)" % (board, arch, device_arch, device_arch))
    return arch


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def plan_files(board, root=ROOT, arch=None, use_mpy=True, romfs=False):
    """List (local path, device path) for a deployment; builds the .mpy files first (for a
    ROMFS image with romfs: in build/<arch>-romfs, their recorded file names under /rom)."""
    board_file = BOARD_FILES.get(board, board)
    board_source = os.path.join(root, "boards", board_file + ".py")
    if board != "host" and not os.path.exists(board_source):
        raise DeployError("no board file boards/%s.py" % board)
    if use_mpy:
        try:
            tree = build_tree(root, arch or BOARD_ARCH[board], romfs)
        except build_mpy.BuildError as exc:
            raise DeployError(str(exc)) from None
    else:
        tree = root
    plan = []
    for rel in build_mpy.find_sources(root, ("firmware",)):
        local_rel = build_mpy.output_name(rel) if use_mpy else rel
        device_path = "/" + local_rel.split("/", 1)[1]
        plan.append((os.path.join(tree, local_rel), device_path))
    if os.path.exists(board_source):
        ext = ".mpy" if use_mpy else ".py"
        plan.append((os.path.join(tree, "boards", board_file + ext), "/board" + ext))
    return plan


def build_tree(root, arch, romfs=False):
    """Build the .mpy files for arch; the tree's path: build/<arch>, or for a ROMFS image
    build/<arch>-romfs, whose modules record their file names under /rom, where the board
    imports them from (build_mpy._device_name says why)."""
    out_dir = os.path.join(root, "build", arch + ("-romfs" if romfs else ""))
    build_mpy.build_arch(arch, root=root, out_dir=out_dir, mount="/rom" if romfs else "")
    return out_dir


def _prepare_script(device_paths):
    """Device-side code: create the directories, delete the other-extension twin of each file."""
    dirs = sorted({p.rsplit("/", 1)[0] for p in device_paths if p.count("/") > 1}, key=len)
    twins = [p[:-4] + ".py" if p.endswith(".mpy") else p[:-3] + ".mpy" for p in device_paths]
    return (
        "import os\n"
        "for d in %r:\n"
        " try:\n  os.mkdir(d)\n except OSError:\n  pass\n"
        "for f in %r:\n"
        " try:\n  os.remove(f)\n  print('removed stale', f)\n except OSError:\n  pass\n"
    ) % (dirs, twins)


def copy_files(port, plan, say=print):
    """Copy the files whose sha256 differs from the device's (asked in one mpremote call),
    in one mpremote session, printing a progress line per file."""
    found = device_hashes(port, [d for _, d in plan], prepare=True, say=say)
    todo = [(local, device) for local, device in plan if found[device] != sha256_file(local)]
    say("deploy: %d of %d files already on the board (same sha256), %d to copy" % (
        len(plan) - len(todo), len(plan), len(todo)))
    if not todo:
        return 0
    plan = todo
    args, sizes = [], {}
    for local, device in plan:
        args += ["+"] if args else []
        args += ["fs", "cp", local, ":" + device]
        sizes[device] = os.path.getsize(local)
    done, pending = [0], []  # a file's line is printed once we know whether it was written or skipped

    def flush(status):
        if pending:
            say("%s %s" % (pending.pop(), status))

    def progress(line):
        if line.startswith("cp "):
            flush("written")
            done[0] += 1
            device = line.rsplit(" :", 1)[-1]
            pending.append("[%d/%d] %s (%d B)" % (done[0], len(plan), device, sizes.get(device, 0)))
        elif line.startswith("Up to date:"):
            flush("unchanged")

    code, _, err = mpremote(port, args, on_line=progress)
    flush("written" if code == 0 else "FAILED")
    if code != 0:
        raise DeployError("copy failed after %d of %d files: %s" % (done[0], len(plan), err or "exit %d" % code))
    return len(plan)


def split_for_romfs(plan):
    """(ROMFS part, filesystem part) of a plan: every .mpy module goes into the ROMFS image
    (run in place from flash: no heap for the code); main.py and boot.py stay files, which
    is where the port looks for them."""
    rom = [(local, device) for local, device in plan if device.endswith(".mpy")]
    return rom, [entry for entry in plan if entry not in rom]


def build_romfs_image(rom_plan, image_path):
    """Write the ROMFS image of rom_plan (mpremote's builder, .mpy files as they are)."""
    from mpremote.romfs import make_romfs

    with tempfile.TemporaryDirectory() as stage:
        for local, device in rom_plan:
            target = os.path.join(stage, device.lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(local, target)
        with contextlib.redirect_stdout(io.StringIO()):  # it lists every file
            image = make_romfs(stage, mpy_cross=False)
    with open(image_path, "wb") as f:
        f.write(image)
    return len(image)


def deploy_romfs(port, rom_plan, image_path, say=print):
    """Write the image to the board's ROMFS partition, and delete filesystem copies of its
    modules (a file in / is found before /rom on sys.path)."""
    say("deploy: ROMFS image of %d modules, %d B" % (len(rom_plan), build_romfs_image(rom_plan, image_path)))
    code, _, err = mpremote(port, ["romfs", "deploy", image_path], on_line=say)
    if code != 0:
        raise DeployError("ROMFS deploy failed on %s: %s" % (port, err or "mpremote exit %d" % code))
    stale = [d for _, d in rom_plan] + [d[:-4] + ".py" for _, d in rom_plan]
    script = "import os\nfor f in %r:\n try:\n  os.remove(f)\n  print('removed', f)\n except OSError:\n  pass\n"
    code, _, err = mpremote(port, ["exec", script % (stale,)], on_line=say)
    if code != 0:
        raise DeployError("cannot remove the filesystem copies on %s: %s" % (port, err or "exit %d" % code))
    return [(local, "/rom" + device) for local, device in rom_plan]  # where verify finds them


# Device-side: the sha256 of each path as hex ('-': missing or unreadable), one line each.
_HASH_SCRIPT = (
    "import hashlib, binascii\n"
    "def _sha(p):\n"
    " try:\n  f = open(p, 'rb')\n except OSError:\n  return '-'\n"
    " d, b = hashlib.sha256(), bytearray(1024)\n"
    " while True:\n  n = f.readinto(b)\n  if not n:\n   break\n  d.update(memoryview(b)[:n])\n"
    " f.close()\n return binascii.hexlify(d.digest()).decode()\n"
    "for p in %r:\n print('@@SHA', _sha(p), p)\n"
)


def device_hashes(port, device_paths, prepare=False, say=None):
    """sha256 of each device file as hex, or None where it is missing or unreadable: one
    mpremote call for all of them. prepare=True first makes the directories and removes
    stale twins (_prepare_script), in the same call."""
    script = (_prepare_script(device_paths) if prepare else "") + _HASH_SCRIPT % (list(device_paths),)
    code, lines, err = mpremote(port, ["exec", script], timeout=120)
    hashes = {}
    for line in lines:
        if line.startswith("@@SHA "):
            _, digest, path = line.split(" ", 2)
            hashes[path] = None if digest == "-" else digest
        elif say and line.startswith("removed stale"):
            say(line)
    if code != 0 and not hashes:
        raise DeployError("cannot read the device's files on %s: %s" % (port, err or "mpremote exit %d" % code))
    for path in device_paths:
        hashes.setdefault(path, None)
    return hashes


def verify(port, plan, say=print):
    """Compare every device file with its local file; return the list of bad device paths."""
    found = device_hashes(port, [d for _, d in plan])
    bad = []
    for local, device in plan:
        got = found.get(device)
        if got is None:
            say("MISSING   %s" % device)
            bad.append(device)
        elif got != sha256_file(local):
            say("MISMATCH  %s (device %s..., local %s...)" % (device, got[:12], sha256_file(local)[:12]))
            bad.append(device)
    return bad


def main(argv=None):
    parser = argparse.ArgumentParser(description="Copy the firmware to a board and verify it.")
    parser.add_argument("--board", default="", help="rpi_pico, esp32_devkitc, or host (the virtual board)")
    parser.add_argument("--port", default="auto", help="serial port of the board, e.g. /dev/ttyACM0 (auto: find it)")
    parser.add_argument("--arch", help="override the board's mpy-cross architecture")
    parser.add_argument("--no-mpy", action="store_true", help="copy .py sources instead of .mpy")
    parser.add_argument("--no-romfs", action="store_true", help="copy .mpy files even if the board has ROMFS")
    parser.add_argument("--verify-only", action="store_true", help="only compare the device's files with the build")
    parser.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.board not in BOARD_ARCH:
        print("deploy: BOARD must be one of %s (got %r)" % (", ".join(BOARD_ARCH), args.board), file=sys.stderr)
        return 2
    try:
        args.port = ports.resolve(args.port, args.board, say=lambda text: print("deploy: " + text))
        ports.probe_raw_repl(args.port)  # before building: a wrong port fails in seconds
    except ports.PortError as exc:
        print("deploy: error: %s" % exc, file=sys.stderr)
        return 1
    try:
        device_arch, has_romfs = device_info(args.port)
        arch = pick_arch(args.board, device_arch, args.arch)
        use_romfs = has_romfs and not args.no_mpy and not args.no_romfs  # the firmware has ROMFS (vfs.rom_ioctl)
        plan = plan_files(args.board, os.path.abspath(args.root), arch, not args.no_mpy, use_romfs)
        if use_romfs:
            rom_plan, plan = split_for_romfs(plan)
            image = os.path.join(os.path.abspath(args.root), "build", arch + "-romfs", "romfs.img")
            if args.verify_only:
                rom_checked = [(local, "/rom" + device) for local, device in rom_plan]
            else:
                rom_checked = deploy_romfs(args.port, rom_plan, image)
        else:
            rom_checked = []
        copied = None
        if not args.verify_only:
            print("deploy: %d files to %s (%s)" % (len(plan), args.port, "source" if args.no_mpy else arch))
            copied = copy_files(args.port, plan)
        plan = plan + rom_checked
        # Nothing copied: copy_files has just compared every file's sha256 with the device's.
        bad = [] if copied == 0 and not rom_checked else verify(args.port, plan)
    except DeployError as exc:
        print("deploy: error: %s" % exc, file=sys.stderr)
        return 1
    if bad:
        print("deploy: verification FAILED for %d of %d files" % (len(bad), len(plan)), file=sys.stderr)
        return 1
    print("deploy: verified %d files by sha256" % len(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
