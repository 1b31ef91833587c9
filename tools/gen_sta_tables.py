#!/usr/bin/env python3
"""Regenerate the production STA pass table literal in firmware/sts/sta_data.py.

    tools/gen_sta_tables.py          # rewrite the literal between the markers
    tools/gen_sta_tables.py --check  # exit 1 if the committed literal is stale

The table (pass table, S0, last-round inverses) is derived from S0, S1 and P in sta_tables.py (SPEC 7.2);
host_tests/test_sts_sta.py rebuilds it from the SPEC's numbers and compares.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STA_PY = os.path.join(ROOT, "firmware", "sts", "sta_data.py")
BEGIN = "    # BEGIN generated\n"
END = "    # END generated\n"
PER_LINE = 24  # bytes per source line: 4 * 24 + 7 characters


def literal(data):
    lines = []
    for i in range(0, len(data), PER_LINE):
        chunk = "".join("\\x%02x" % b for b in data[i:i + PER_LINE])
        lines.append('    b"%s"\n' % chunk)
    return "".join(lines)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed literal is stale")
    check = parser.parse_args(argv).check
    sys.path.insert(0, os.path.join(ROOT, "firmware"))
    from sts import sta_tables as t

    data = t.pack_table(t.decrypt_table(t.S0, t.S1, t.P))
    with open(STA_PY) as f:
        src = f.read()
    head, rest = src.split(BEGIN)
    _, tail = rest.split(END)
    new = head + BEGIN + literal(data) + END + tail
    if check:
        if new != src:
            print("firmware/sts/sta_data.py: the STA table literal is stale; run tools/gen_sta_tables.py")
            return 1
        return 0
    if new != src:
        with open(STA_PY, "w") as f:
            f.write(new)
    print("%s: %d bytes of table" % (os.path.relpath(STA_PY, ROOT), len(data)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
