# The README's short-code table is the one the firmware implements.
import re

from meter.shortcodes import CODES


def test_readme_short_code_table_matches_firmware():
    with open("README.md") as f:
        readme = f.read()
    documented = {int(n): title for n, title in re.findall(r"^\| `#(\d\d)#` \| (.+?) \|$", readme, re.M)}
    assert documented == {n: title for n, (title, _) in CODES.items()}


def test_readme_console_table_lists_every_console_command():
    from meter.console import Console

    with open("README.md") as f:
        readme = f.read()
    section = readme[readme.index("## Serial console"):readme.index("## Design notes")]
    documented = set(re.findall(r"^\| `(\w+)", section, re.M))
    implemented = {name[4:] for name in dir(Console) if name.startswith("cmd_")}
    assert documented == implemented
