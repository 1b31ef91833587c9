#!/usr/bin/env python3
"""Damage campaign of the meter's state store (issue 15), for make bench.

    tools/damage.py [--layout rpi_pico|esp32_devkitc|all] [--cases N] [--seed S] [-v]

Runs inside the MicroPython unix VM.  On the board's flash layout (the port's
littlefs with the deployed firmware files, host_tests/support/layouts.py) a
meter is provisioned, takes two tokens (13,000 Wh) and about 1,000 Wh of
consumption; then, one damage per fresh copy of the flash: N random single-bit,
byte and burst damages in the blocks it uses, and every used block wiped once.
Each copy boots, and every used token is entered again.  Prints per layout and
in total `damage_cases`, `damage_same`, `damage_detected_fallback`,
`damage_detected_loss`, `damage_more_credit`, `damage_silent_loss`,
`damage_replay_gain`, `damage_crash`; exits 1 if any of the last four is not 0.
"""
import sys

if sys.implementation.name != "micropython":  # host side: launch the VM on this file
    import os
    import subprocess

    if "-h" in sys.argv or "--help" in sys.argv:
        print(__doc__.strip())
        sys.exit(0)
    ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, MICROPYPATH="firmware:host_tests:host_tests/fakes")
    cmd = [os.path.join(ROOT, ".venv", "bin", "micropython"), "-X", "heapsize=32M", os.path.abspath(__file__)]
    proc = subprocess.run(cmd + sys.argv[1:], cwd=ROOT, env=env, capture_output=True, text=True)
    # the damaged flash makes MicroPython's block layer print the errors it turns
    # into EIO for littlefs; only the campaign's own lines are shown
    for line in proc.stdout.splitlines():
        if line.startswith(("damage_", "layout", "  ", "violation")) and not line.startswith("  File"):
            print(line)
    if proc.returncode not in (0, 1):
        sys.stdout.write(proc.stdout[-2000:])
    sys.stderr.write(proc.stderr)
    sys.exit(proc.returncode)

sys.path[:] = [p for p in sys.path if not p.rstrip("/").endswith("tools")]
from support.damage import VIOLATIONS, campaign  # noqa: E402
from support.layouts import LAYOUTS, board_flash  # noqa: E402

NAMES = ("same", "detected fallback", "detected loss", "more credit", "silent loss", "replay gain", "crash")


def _option(argv, name, default):
    return argv[argv.index(name) + 1] if name in argv else default


def _print(counts, prefix=""):
    print("%sdamage_cases: %d" % (prefix, sum(counts.values())))
    for name in NAMES:
        print("%sdamage_%s: %d" % (prefix, name.replace(" ", "_"), counts.get(name, 0)))


def main(argv):
    layout = _option(argv, "--layout", "all")
    cases = int(_option(argv, "--cases", "600"))
    seed = int(_option(argv, "--seed", "1"))
    total, violations = {}, []
    for name in sorted(LAYOUTS) if layout == "all" else [layout]:
        flash, progsize = board_flash(name)
        counts, found = campaign(flash.block_count, progsize, cases, seed, flash)
        flash = None
        print("layout %s (%d blocks, progsize %d):" % (name, LAYOUTS[name][0], progsize))
        _print(counts, "  ")
        for key, value in counts.items():
            total[key] = total.get(key, 0) + value
        violations += found
    _print(total)
    for v in violations[: 20 if "-v" in argv else 5]:
        print("violation " + v)
    return 1 if any(total.get(v, 0) for v in VIOLATIONS) else 0


sys.exit(main(sys.argv[1:]))
