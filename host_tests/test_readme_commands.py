"""Every command README.md shows works as written.

cpython lane only (subprocesses). A command is a line of a code block, or an inline code
span, that starts with `make ` or `tools/`. Each runs from the repository root through
the shell, as a reader would paste it, in one of three ways:
- as written, when it is quick and needs no device (make token, tools/sts.py issue ...);
- `make -n ...` for make targets that need a board or take minutes (the target and its
  variables exist; what they run is tested elsewhere: deploy and provision against the
  virtual board, the suite by itself);
- `tools/X.py [subcommand] --help` when the command names a device (/dev/...) or holds a
  placeholder (`...`, `[...]`, `<...>`), or runs until stopped (the virtual board, the
  interactive simulator).
A README command that fails fails this test.
"""
import json
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_AS_WRITTEN_MAKE = ("token", "ports", "help", "build")
UNTIL_STOPPED = ("tools/vboard.py", "tools/powercut.py", "tools/bench.py", "tools/run_lanes.py")
PLACEHOLDER = re.compile(r"\.\.\.|\[|<|\bN\b")
NEEDS_A_DEVICE = re.compile(r"/dev/|^tools/console\.py auto\b")
COMMAND_START = re.compile(r"^(make [a-z]|tools/[\w-]+\.py)")


def readme_commands():
    """(command, where) for every command in README.md, in order, without repeats."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("    ") and COMMAND_START.match(line.strip()):
            found.append((line.split("#")[0].strip() if " #" in line else line.strip(), "line %d" % number))
    prose = re.sub(r"```.*?```", "", text, flags=re.S)  # LCD captures: no commands, and their fences confuse spans
    for match in re.finditer(r"`([^`]+)`", prose):
        span = " ".join(match.group(1).split())  # a span may wrap onto the next line
        if COMMAND_START.match(span):
            found.append((span, "inline"))
    seen, unique = set(), []
    for command, where in found:
        if command not in seen:
            seen.add(command)
            unique.append((command, where))
    return unique


def runnable(command, meter_file, flash_file):
    """The shell command this test runs for a README command (see the module doc)."""
    words = command.split()
    if words[0] == "make":
        if words[1] in RUN_AS_WRITTEN_MAKE and not PLACEHOLDER.search(command):
            return command
        return "make -n " + " ".join(w for w in words[1:] if not PLACEHOLDER.search(w))
    command = command.replace("meter.json", meter_file)  # your own meter: a copy of the demo meter's identity
    bare_name = len(words) == 1
    if PLACEHOLDER.search(command) or NEEDS_A_DEVICE.search(command) or words[0] in UNTIL_STOPPED or bare_name:
        sub = [w for w in words[1:2] if re.match(r"^[a-z][a-z-]+$", w)]  # e.g. `sts.py derive-key ...`
        return " ".join([words[0]] + sub + ["--help"])
    if words[0] == "tools/sim.py" and "--headless" in words:
        return command + " --flash %s <<< 'status'" % flash_file  # boots, answers, ends at end of input
    if words[0] == "tools/sim.py":
        return "tools/sim.py --help"  # interactive
    return command


COMMANDS = readme_commands()


def test_readme_shows_the_main_commands():
    shown = [c for c, _ in COMMANDS]
    for expected in ("make sim", "make test", "make token KWH=10", "make deploy BOARD=rpi_pico", "make ports"):
        assert expected in shown, expected
    assert any(c.startswith("tools/console.py") for c in shown)


@pytest.mark.parametrize("command,where", COMMANDS, ids=[c for c, _ in COMMANDS])
def test_readme_command_works(command, where, tmp_path):
    with open(os.path.join(ROOT, "tools", "demo_meter.json")) as f:
        demo = json.load(f)
    meter = tmp_path / "meter.json"
    fields = ("pan", "sgc", "ti", "krn", "kt", "ken", "base_date", "ea", "decoder_key")
    meter.write_text(json.dumps({k: demo[k] for k in fields}))
    shell = runnable(command, str(meter), str(tmp_path / "flash.img"))
    proc = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, "README %s: %r (ran %r) failed:\n%s%s" % (where, command, shell, proc.stdout,
                                                                         proc.stderr)
    assert proc.stdout.strip(), "README %s: %r printed nothing" % (where, command)
