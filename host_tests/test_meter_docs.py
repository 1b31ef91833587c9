# The README's short-code table is the one the firmware implements.
import importlib
import re

from meter.shortcodes import CODES


def test_readme_short_code_table_matches_firmware():
    with open("README.md") as f:
        readme = f.read()
    documented = {int(n): title for n, title in re.findall(r"^\| `#(\d\d)#` \| (.+?) \|$", readme, re.M)}
    assert documented == {n: show.__doc__ for n, show in CODES.items()}  # the title is the docstring
    from meter.shortcodes import SETTINGS

    for first, setting in SETTINGS.items():
        assert "| `#%dNN#` | %s |" % (first, setting.__doc__) in readme, first


def test_readme_console_table_lists_every_console_command():
    from meter.con_dispatch import overlay_of

    with open("README.md") as f:
        readme = f.read()
    section = readme[readme.index("## Serial console"):readme.index("## Design notes")]
    documented = set(re.findall(r"^\| `(\w+)", section, re.M))
    implemented = set()
    for module in {overlay_of(name) for name in documented} - {None}:  # the command overlays
        commands = {name[4:] for name in dir(importlib.import_module(module)) if name.startswith("cmd_")}
        assert all(overlay_of(name) == module for name in commands), (module, commands)
        implemented |= commands
    assert documented == implemented
    from meter.con_help import HELP

    assert {line.split()[0] for line in HELP} == documented  # `help` lists the same commands


def test_readme_names_every_event_field():
    from store import events as ev

    with open("README.md") as f:
        readme = f.read()
    section = readme[readme.index("### Event log"):readme.index("## Design notes")]
    rows = {}
    for kinds, fields in re.findall(r"^\| ([a-z ,]+) \| (.+) \|$", section, re.M):
        for kind in kinds.split(", "):
            rows[kind] = fields
    for kind, names in ev.FIELD_NAMES.items():
        fields = rows[ev.kind_name(kind)]
        for name in names:
            if name is not None:
                assert "`%s`" % name in fields, (kind, name)
    from meter.relay_policy import REASONS

    relay = rows["relay"]
    assert ", ".join("%d %s" % (i, r) for i, r in enumerate(REASONS)) in relay
