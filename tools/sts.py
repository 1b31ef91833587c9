#!/usr/bin/env python3
"""STS token tool for engineers (CPython): derive decoder keys, issue test tokens,
decode tokens with the firmware's own token engine.

  sts.py derive-key --dkga 02 --vk abababababababab --pan 600727000000000009 \\
                    --kt 2 --sgc 123456 --ti 01 --krn 1
  sts.py issue --key e653341f9d5bf36f --class 0 --subclass 0 --kwh 12.5 \\
               --tid 2004-03-01T13:55 --rnd 5
  sts.py issue --key KEY --kct --new-key HEX --new-krn 2 --new-kt 2 --new-ti 1
  sts.py issue --demo --kwh 10
  sts.py issue --meter meter.json --kwh 10       (a provisioning file: its key and identity)
  sts.py decode --key e653341f9d5bf36f [--runtime micropython] TOKEN...

Keys are hex in natural byte order (SPEC 7.1).  Bad input: one error line on
stderr and exit code 2.

TIDs: a meter takes each TID (the issue minute) only once. Without --tid/--tid-value,
`issue --demo` / `--meter FILE` uses the current UTC minute, but never one it already
gave that meter: the last is kept beside the meter file (FILE without .json, plus
.last_tid), and a second token in the same minute gets the next minute (said on stderr).
"""

import _venv  # noqa: F401, I001  (first: re-runs this tool with .venv's Python)

import argparse
import datetime
import fcntl
import decimal
import json
import os
import secrets
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _p in (os.path.join(ROOT, "host_tests", "fakes"), os.path.join(ROOT, "firmware")):
    if _p not in sys.path:
        sys.path.insert(0, _p)  # firmware/ first: 'sts' is the package, not this file
if os.path.join(ROOT, "tools") not in sys.path:
    sys.path.append(os.path.join(ROOT, "tools"))

from sts import describe as _describe  # noqa: E402
from sts.kct import key_sections  # noqa: E402
from sts.keys import BASE_DATES  # noqa: E402
from sts.layouts import build_words, format_token, layout  # noqa: E402
from sts_derive import (  # noqa: E402, F401  (re-exported: tests use sts.py's functions)
    ToolError,
    control_block,
    digits_text,
    dkga02,
    dkga04,
    dkga04_message,
    ea_text,
    luhn_digit,
    pan_block,
)

DEMO_PATH = os.path.join(ROOT, "tools", "demo_meter.json")
MICROPYTHON = os.environ.get("STS_MICROPYTHON", os.path.join(ROOT, ".venv", "bin", "micropython"))
TID_LIMIT = 1 << 24


# ---------------------------------------------------------------- argument helpers
def _hex(text, name, lengths):
    text = text.strip().lower()
    if len(text) not in lengths or any(c not in "0123456789abcdef" for c in text):
        raise ToolError("%s must be %s hex digits: %r" % (name, " or ".join(map(str, lengths)), text))
    return bytes.fromhex(text)


def _int(text, name, low, high):
    try:
        value = int(str(text), 0) if not str(text).isdigit() else int(text)
    except ValueError:
        raise ToolError("%s must be an integer: %r" % (name, text)) from None
    if not low <= value <= high:
        raise ToolError("%s must be in %d..%d: %d" % (name, low, high, value))
    return value


def tenths_from_decimal(text, name="--kwh"):
    """'12.5' -> 125 (integer 0.1 units) without floating point."""
    try:
        value = decimal.Decimal(text.strip())
    except decimal.InvalidOperation:
        raise ToolError("%s must be a decimal number: %r" % (name, text)) from None
    if not value.is_finite() or value < 0:
        raise ToolError("%s must be a non-negative number: %r" % (name, text))
    tenths = value * 10
    if tenths != tenths.to_integral_value():
        raise ToolError("%s has more than one decimal place (0.1 unit steps): %r" % (name, text))
    return int(tenths)


def tid_from_datetime(text, base_date):
    """'2004-03-01T13:55' (UTC) -> whole minutes since 00:00 on 1 January of the base date."""
    try:
        when = datetime.datetime.strptime(text.strip(), "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ToolError("--tid must look like 2004-03-01T13:55: %r" % text) from None
    return _tid_minutes(when, base_date, "--tid " + text)


def _tid_minutes(when, base_date, what):
    minutes = int((when - datetime.datetime(base_date, 1, 1)).total_seconds() // 60)
    if not 0 <= minutes < TID_LIMIT:
        raise ToolError("%s is outside the 24-bit TID range of base date %d" % (what, base_date))
    return minutes


def _derive_from_args(args, ea):
    """The decoder key from --dkga/--vk/--pan... (None if --vk is not given)."""
    if not args.vk:
        return None
    missing = [n for n in ("dkga", "kt", "sgc", "ti", "krn") if getattr(args, n) is None]
    if missing:
        raise ToolError("key derivation needs --" + ", --".join(missing))
    if args.pan:
        pan = digits_text(args.pan, "--pan", (18,))
        iin, iain = pan[:6], pan[6:17]
    elif args.iin and args.iain:
        iin, iain = args.iin, args.iain
        pan = digits_text(iin, "--iin", (4, 6)) + digits_text(iain, "--iain", tuple(range(11, 15)))
        pan = pan + luhn_digit(pan)
    else:
        raise ToolError("key derivation needs --pan or --iin and --iain")
    kt, krn = _int(args.kt, "--kt", 0, 3), _int(args.krn, "--krn", 0, 15)
    if args.dkga == "02":
        if ea != "07":
            raise ToolError("DKGA02 makes 64-bit keys: use --ea 07")
        return dkga02(_hex(args.vk, "--vk", (16,)), iin, iain, kt, args.sgc, args.ti, krn)
    if len(pan) != 18:
        raise ToolError("DKGA04 needs the 18-digit meter PAN")
    vk = _hex(args.vk, "--vk", (40,))
    return dkga04(vk, args.base_date, ea, args.ti, args.sgc, kt, krn, pan)


def add_derive_options(p, required):
    p.add_argument("--dkga", choices=("02", "04"), required=required)
    p.add_argument("--vk", required=required, help="vending key, hex (8 bytes for DKGA02, 20 for DKGA04)")
    p.add_argument("--pan", help="18-digit meter PAN (IIN + IAIN + Luhn digit)")
    p.add_argument("--iin")
    p.add_argument("--iain")
    p.add_argument("--kt", required=required, help="key type 0..3")
    p.add_argument("--sgc", required=required, help="supply group code, 6 digits")
    p.add_argument("--ti", required=required, help="tariff index, 2 digits")
    p.add_argument("--krn", required=required, help="key revision number")
    p.add_argument("--ea", choices=("07", "11"), default=None)
    p.add_argument("--base-date", type=int, choices=BASE_DATES, default=1993)


# ---------------------------------------------------------------- commands
def cmd_derive_key(args):
    key = _derive_from_args(args, ea_text(args.ea or "07"))
    print(key.hex())


def issue_token(key, cls, subclass, values):
    """Vending side: build the block, encrypt it (not class 1) and frame it as 20 digits."""
    try:
        words = build_words(cls, subclass, values)
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    if cls != 1:
        _describe.cipher_for(key)[1].encrypt(words)
    return format_token(cls, words)


def kct_tokens(key, new_key, meta):
    """All key change sections (in order 3, [8, 9,] 4) moving a meter from key to new_key.

    meta: krn, kt, ti, ken, ro and (128-bit keys) sgc of the new key."""
    if len(new_key) != len(key):
        raise ToolError("--new-key must be as long as the current key (same EA)")
    ea = 7 if len(key) == 8 else 11
    ken = meta["ken"]
    tokens = []
    for i, sub in enumerate(key_sections(ea)):
        section = new_key[4 * i : 4 * i + 4].hex()
        if sub == 3:
            values = {
                "ken_ho": ken >> 4,
                "krn": meta["krn"],
                "ro": meta["ro"],
                "kt": meta["kt"],
                "key_section": section,
            }
        elif sub == 4:
            values = {"ken_lo": ken & 15, "ti": meta["ti"], "key_section": section}
        else:  # 3rd section: SGC low 12 bits, 4th: high 12 bits
            half = meta["sgc"] & 0xFFF if sub == 8 else meta["sgc"] >> 12
            values = {"sgc_part": half, "key_section": section}
        tokens.append(issue_token(key, 2, sub, values))
    return tokens


def _load_meter(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as exc:
        raise ToolError("cannot read meter file %s: %s" % (path, exc)) from None
    missing = [k for k in ("decoder_key", "base_date", "krn", "kt", "ti", "sgc") if k not in doc]
    if missing:
        raise ToolError("meter file %s lacks %s" % (path, ", ".join(missing)))
    doc["path"] = path
    return doc


def last_tid_path(meter_path):
    """The state file beside a meter file: demo_meter.json -> demo_meter.last_tid."""
    base = meter_path[:-5] if meter_path.endswith(".json") else meter_path
    return base + ".last_tid"


def next_tid(meter_path, now_tid):
    """now_tid, or one past the last TID issued for this meter if that is later; records it."""
    fd = os.open(last_tid_path(meter_path), os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # two `make token` at once still get different TIDs
        text = f.read().strip()
        last = int(text) if text.isdigit() else -1
        tid = max(now_tid, last + 1)
        if tid >= TID_LIMIT:
            raise ToolError("no TID left after %d for this meter's base date: roll over (--kct --ro)" % last)
        f.seek(0)
        f.truncate()
        f.write("%d\n" % tid)
    if tid != now_tid:
        sys.stderr.write("sts.py: TID %d (this minute's, %d, was already issued to this meter)\n" % (tid, now_tid))
    return tid


def _field_values(args, cls, subclass):
    values = {}
    for item in args.field or ():
        name, sep, text = item.partition("=")
        if not sep:
            raise ToolError("--field wants NAME=VALUE: %r" % item)
        names = layout(cls, subclass)[1]
        if name not in names or name == "tid":
            raise ToolError(
                "class %d subclass %d has no field %r (fields: %s)" % (cls, subclass, name, ", ".join(names))
            )
        if name in ("key_section", "payload"):
            values[name] = text.lower()
        else:
            values[name] = _int(text, name, -(1 << 62), 1 << 62)
    return values


def cmd_issue(args):
    if args.demo and args.meter:
        raise ToolError("give --demo or --meter, not both")
    meter = _load_meter(DEMO_PATH if args.demo else args.meter) if args.demo or args.meter else None
    if meter and (args.key or args.vk):
        raise ToolError("--demo/--meter bring their own key: drop --key/--vk")
    if meter:
        key = _hex(meter["decoder_key"], "decoder_key in the meter file", (16, 32))
        base_date = int(meter["base_date"])
        current = {"krn": meter["krn"], "kt": meter["kt"], "ti": int(meter["ti"]), "sgc": int(meter["sgc"])}
    else:
        ea = ea_text(args.ea) if args.ea else None
        key = _hex(args.key, "--key", (16, 32)) if args.key else _derive_from_args(args, ea or "07")
        if key is None:
            raise ToolError("give --key HEX, the derive-key inputs (--dkga --vk ...), --demo or --meter")
        if ea and (ea == "07") != (len(key) == 8):
            raise ToolError("--ea %s does not match a %d-byte key" % (ea, len(key)))
        base_date = args.base_date
        current = {n: (None if getattr(args, n) is None else int(getattr(args, n))) for n in ("krn", "kt", "ti", "sgc")}
    if args.kct:
        return _issue_kct(args, key, current)
    cls = 0 if args.cls is None else _int(args.cls, "--class", 0, 3)
    subclass = 0 if args.subclass is None else _int(args.subclass, "--subclass", 0, 15)
    if cls == 3:
        raise ToolError("class 3 is reserved: no token can be issued")
    values = _field_values(args, cls, subclass)
    names = layout(cls, subclass)[1]
    if args.kwh is not None:
        if (cls, subclass) != (0, 0):
            raise ToolError("--kwh is for electricity credit (class 0 subclass 0); use --amount")
        values["amount"] = tenths_from_decimal(args.kwh)
    if args.amount is not None:
        if "amount" not in names:
            raise ToolError("class %d subclass %d carries no amount" % (cls, subclass))
        values["amount"] = _int(args.amount, "--amount", -(1 << 62), 1 << 62)
    if "tid" in names:
        values["tid"] = _tid_for(args, meter, base_date)
        if "rnd" in names:
            values["rnd"] = secrets.randbelow(16) if args.rnd is None else _int(args.rnd, "--rnd", 0, 15)
    print(issue_token(key, cls, subclass, values))


def _tid_for(args, meter, base_date):
    if args.tid is not None and args.tid_value is not None:
        raise ToolError("give --tid or --tid-value, not both")
    if args.tid_value is not None:
        return _int(args.tid_value, "--tid-value", 0, TID_LIMIT - 1)
    if args.tid is not None:
        return tid_from_datetime(args.tid, base_date)
    if meter is None:
        raise ToolError("this token carries a TID: give --tid YYYY-MM-DDTHH:MM or --tid-value N")
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, second=0, microsecond=0)
    now_tid = _tid_minutes(now, base_date, "the current UTC minute (give --tid-value N or roll over)")
    return next_tid(meter["path"], now_tid)


def _issue_kct(args, key, current):
    if not args.new_key:
        raise ToolError("--kct needs --new-key HEX")
    new_key = _hex(args.new_key, "--new-key", (16, 32))
    meta = {"ro": 1 if args.ro else 0}
    for name, low, high in (("krn", 0, 15), ("kt", 0, 3), ("ti", 0, 255), ("ken", 0, 255), ("sgc", 0, 999999)):
        given = getattr(args, "new_" + name)
        value = given if given is not None else (255 if name == "ken" else current.get(name))
        if value is None:
            if name == "sgc" and len(new_key) == 8:
                value = 0  # 64-bit key changes do not carry the SGC
            else:
                raise ToolError("--kct needs --new-%s (or the current identity via --demo/--vk)" % name)
        meta[name] = _int(value, "--new-" + name, low, high)
    for token in kct_tokens(key, new_key, meta):
        print(token)


def cmd_decode(args):
    key = _hex(args.key, "--key", (16, 32))
    if args.ea and (ea_text(args.ea) == "07") != (len(key) == 8):
        raise ToolError("--ea %s does not match a %d-byte key" % (args.ea, len(key)))
    _, cipher = _describe.cipher_for(key)
    try:
        lines = [_describe.to_json(t, _describe.parse_token(t, cipher)) for t in args.tokens]
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    if args.runtime == "micropython":
        lines = _decode_in_micropython(key, args.tokens)
    for line in lines:
        print(line)


def _decode_in_micropython(key, tokens):
    env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, "firmware"))
    try:
        proc = subprocess.run(
            [MICROPYTHON, "-m", "sts.describe", key.hex()] + list(tokens),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolError("cannot run %s: %s" % (MICROPYTHON, exc)) from None
    lines = proc.stdout.splitlines()
    if proc.returncode != 0 or len(lines) != len(tokens):
        last = (lines or proc.stderr.splitlines() or ["no output"])[-1]
        raise ToolError("MicroPython decode failed (exit %d): %s" % (proc.returncode, last))
    return lines


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse would add the usage)
        sys.stderr.write("%s: error: %s\n" % (self.prog, message))
        sys.exit(2)


def build_parser():
    parser = _Parser(prog="sts.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("derive-key", help="derive a decoder key (DKGA02 or DKGA04)")
    add_derive_options(p, required=True)
    p.set_defaults(run=cmd_derive_key)

    p = sub.add_parser("issue", help="make tokens of any class/subclass, or a key change set")
    p.add_argument("--key", help="decoder key, hex in natural byte order")
    p.add_argument("--demo", action="store_true", help="use the demo meter in tools/demo_meter.json")
    p.add_argument("--meter", help="use this meter's key and identity (a provisioning JSON file)")
    add_derive_options(p, required=False)
    p.add_argument("--class", dest="cls", help="token class 0..2 (default 0)")
    p.add_argument("--subclass", help="subclass 0..15 (default 0)")
    p.add_argument("--kwh", help="electricity credit as decimal text, 0.1 kWh steps (e.g. 12.5)")
    p.add_argument("--amount", help="raw amount: count of 0.1 units, or signed 1e-5 currency units")
    p.add_argument("--tid", help="issue time YYYY-MM-DDTHH:MM (UTC), minutes since the base date")
    p.add_argument("--tid-value", help="the TID as a number of minutes")
    p.add_argument("--rnd", help="RND nibble 0..15 (default random)")
    p.add_argument("--field", action="append", metavar="NAME=VALUE", help="any other field, e.g. register=65535")
    p.add_argument("--kct", action="store_true", help="print all key change sections (3, [8, 9,] 4)")
    p.add_argument("--new-key", help="the new decoder key, hex")
    p.add_argument("--new-krn")
    p.add_argument("--new-kt")
    p.add_argument("--new-ti")
    p.add_argument("--new-ken", help="new key expiry number (default 255: never)")
    p.add_argument("--new-sgc", help="new supply group code (128-bit keys carry it)")
    p.add_argument("--ro", action="store_true", help="rollover: clear the TID record, next base date")
    p.set_defaults(run=cmd_issue)

    p = sub.add_parser("decode", help="decode tokens with the firmware's token engine (JSON lines)")
    p.add_argument("--key", required=True, help="decoder key, hex in natural byte order")
    p.add_argument("--ea", choices=("07", "11"))
    p.add_argument("--runtime", choices=("cpython", "micropython"), default="cpython")
    p.add_argument("tokens", nargs="+", metavar="TOKEN")
    p.set_defaults(run=cmd_decode)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ToolError as exc:
        sys.stderr.write("sts.py: error: %s\n" % exc)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
