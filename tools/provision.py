#!/usr/bin/env python3
"""Write a meter identity and decoder key to a board as /provision.json.

    tools/provision.py --port PORT meter.json     (make provision PORT=... PROVISION=meter.json)
    tools/provision.py --check meter.json         (validate only)

The file holds exactly: pan (18 digits), sgc (6 digits), ti (2 digits) as text; krn, kt,
ken as integers; base_date 1993 or 2014; ea "07" or "11"; decoder_key as hex, 16 digits
for EA07 and 32 for EA11. The rules are the firmware's own (firmware/meter/provision.py),
so the host never accepts a file the meter would refuse. At its next boot the firmware
imports the file into its protected store and deletes it.

The decoder key is never printed, not even in error messages: output shows it masked.
"""
import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import hashlib
import json
import os
import sys
import tempfile

TOOLS = os.path.dirname(os.path.abspath(__file__))
if TOOLS not in sys.path:
    sys.path.append(TOOLS)
# firmware/ first: its `sts` package must win over tools/sts.py (the token tool). The fakes
# directory supplies the CPython stand-in for the `micropython` module the firmware imports.
_ROOT = os.path.dirname(TOOLS)
for _path in (os.path.join(_ROOT, "host_tests", "fakes"), os.path.join(_ROOT, "firmware")):
    if _path in sys.path:
        sys.path.remove(_path)
    sys.path.insert(0, _path)
import deploy  # noqa: E402
from meter import provision as firmware_provision  # noqa: E402

DEVICE_PATH = "/provision.json"
SECRET_FIELD = "decoder_key"


class ProvisionError(Exception):
    """The provisioning file or the write to the board failed; the message never holds the key."""


def _no_duplicates(pairs):
    names = [name for name, _ in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ProvisionError("key given more than once: %s" % ", ".join(repeated))
    return dict(pairs)


def load(path):
    """Read and validate a provisioning file; return the document (a dict of exactly FIELDS)."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, object_pairs_hook=_no_duplicates)
    except OSError as exc:
        raise ProvisionError("cannot read %s: %s" % (path, exc.strerror or exc)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        # json's message quotes no document text beyond a position; still, keep only that.
        where = " (line %d, column %d)" % (exc.lineno, exc.colno) if hasattr(exc, "lineno") else ""
        raise ProvisionError("%s is not valid JSON%s" % (path, where)) from None
    validate(doc)
    return doc


def validate(doc):
    """Raise ProvisionError with a clear reason unless the firmware would accept doc."""
    try:
        firmware_provision.parse(doc)
    except ValueError as exc:
        raise ProvisionError(str(exc)) from None
    except (TypeError, KeyError, AttributeError):  # shapes the firmware parser does not name
        raise ProvisionError("provisioning file has a value of the wrong type") from None
    # JSON allows 1993.0 where the firmware compares numbers: insist on a whole number.
    if type(doc["base_date"]) is not int:
        raise ProvisionError("base_date must be the integer 1993 or 2014")


def masked(doc):
    """One line describing the identity, the key replaced by its length."""
    shown = ["%s=%s" % (k, doc[k]) for k in firmware_provision.FIELDS if k != SECRET_FIELD]
    shown.append("%s=<%d hex digits, hidden>" % (SECRET_FIELD, len(doc[SECRET_FIELD])))
    return " ".join(shown)


def canonical_bytes(doc):
    return (json.dumps({k: doc[k] for k in firmware_provision.FIELDS}) + "\n").encode()


def write_to_board(port, doc, say=print):
    """Copy the document to DEVICE_PATH and check its sha256 on the board."""
    data = canonical_bytes(doc)
    fd, tmp = tempfile.mkstemp(prefix="provision-", suffix=".json")  # mode 0600: the key stays private
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            code, _, err = deploy.mpremote(port, ["fs", "cp", "-f", tmp, ":" + DEVICE_PATH])
            if code != 0:
                raise ProvisionError("cannot write %s on %s: %s" % (DEVICE_PATH, port, err or "exit %d" % code))
            got = deploy.device_hashes(port, [DEVICE_PATH])[DEVICE_PATH]
        except deploy.DeployError as exc:
            raise ProvisionError(str(exc)) from None
    finally:
        os.remove(tmp)
    if got != hashlib.sha256(data).hexdigest():
        raise ProvisionError("%s on the board does not match what was written (%s)" %
                             (DEVICE_PATH, "missing" if got is None else "different sha256"))
    say("provision: wrote %s (%d bytes, sha256 verified)" % (DEVICE_PATH, len(data)))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write a meter identity and key to a board.")
    parser.add_argument("file", nargs="?", default="", help="provisioning JSON file")
    parser.add_argument("--port", default="auto", help="serial port of the board (auto: find it)")
    parser.add_argument("--board", default="", help="host: the running virtual board when --port is auto")
    parser.add_argument("--check", action="store_true", help="validate the file only")
    args = parser.parse_args(argv)
    if not args.file:
        print("provision: give the JSON file, e.g. make provision PORT=/dev/ttyACM0 PROVISION=meter.json",
              file=sys.stderr)
        return 2
    try:
        doc = load(args.file)
        print("provision: %s" % masked(doc))
        if args.check:
            print("provision: %s is valid" % args.file)
            return 0
        port = deploy.ports.resolve(args.port, args.board, say=lambda text: print("provision: " + text))
        deploy.ports.probe_raw_repl(port)
        write_to_board(port, doc)
    except (ProvisionError, deploy.ports.PortError) as exc:
        print("provision: error: %s" % exc, file=sys.stderr)
        return 1
    print("provision: reset the board to import it (the firmware deletes the file once stored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
