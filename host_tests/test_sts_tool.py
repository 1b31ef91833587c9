# The token tool tools/sts.py through its command line (CPython only: subprocesses).
import datetime
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "tools", "sts.py")
KEY07 = "e653341f9d5bf36f"
KEY11 = "28fedcb88b215690e98eeaab989e1c45"
VK04 = "abababababababab949494949494949401234567"


def run(*args):
    return subprocess.run([sys.executable, TOOL] + list(args), cwd=ROOT, capture_output=True, text=True, timeout=120)


def ok(*args):
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout.split()


def decode(key, *tokens, runtime="cpython"):
    proc = run("decode", "--key", key, "--runtime", runtime, *tokens)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_derive_key_dkga02_pan_and_iin_forms():
    common = ["--kt", "2", "--sgc", "123456", "--ti", "01", "--krn", "1"]
    assert ok("derive-key", "--dkga", "02", "--vk", "ab" * 8, "--pan", "600727000000000009", *common) == [KEY07]
    iin = ["--iin", "600727", "--iain", "00000000000"]
    assert ok("derive-key", "--dkga", "02", "--vk", "AB" * 8, *iin, *common) == [KEY07]


def test_derive_key_dkga04():
    args = ["--dkga", "04", "--vk", VK04, "--pan", "600727000000000009", "--kt", "2", "--sgc", "123456"]
    args += ["--ti", "01", "--krn", "1", "--base-date", "1993"]
    assert ok("derive-key", *args, "--ea", "11") == [KEY11]
    assert len(ok("derive-key", *args)[0]) == 16  # EA07 by default: 64-bit key
    # --iin/--iain: the PAN's Luhn check digit is computed (600727 00000000000 -> 9)
    args[args.index("--pan") : args.index("--pan") + 2] = ["--iin", "600727", "--iain", "00000000000"]
    assert ok("derive-key", *args, "--ea", "11") == [KEY11]


def test_demo_meter_key_is_its_dkga02_key():
    with open(os.path.join(ROOT, "tools", "demo_meter.json")) as f:
        demo = json.load(f)
    args = ["--dkga", demo["dkga"], "--vk", demo["vending_key"], "--pan", demo["pan"], "--kt", str(demo["kt"])]
    args += ["--sgc", demo["sgc"], "--ti", demo["ti"], "--krn", str(demo["krn"])]
    assert ok("derive-key", *args) == [demo["decoder_key"]] == [KEY07]
    (token,) = ok("issue", "--demo", "--kwh", "10", "--tid-value", "1234", "--rnd", "0")
    fields = json.loads(decode(demo["decoder_key"], token))["fields"]
    assert fields["amount"] == 100 and fields["tid"] == 1234


def test_issue_example_from_the_issue_round_trips():
    args = ["--key", KEY07, "--class", "0", "--subclass", "0", "--kwh", "12.5", "--tid", "2004-03-01T13:55"]
    (token,) = ok("issue", *args, "--rnd", "5")
    got = json.loads(decode(KEY07, token))
    minutes = (datetime.datetime(2004, 3, 1, 13, 55) - datetime.datetime(1993, 1, 1)).total_seconds() // 60
    assert got["class"] == 0 and got["subclass"] == 0 and got["crc_ok"] is True
    assert got["name"] == "TransferElectricityCredit"
    assert got["fields"] == {"rnd": 5, "tid": minutes, "amount": 125, "crc": int(got["block"][12:], 16)}
    assert got["token"] == token and len(got["block"]) == 16


CASES = [
    ("0", "0", ["--amount", "16385"], {"amount": 16394}),  # rounded up, never less
    ("0", "1", ["--amount", "77"], {"amount": 77}),
    ("0", "3", ["--amount", "5"], {"amount": 5}),
    ("0", "4", ["--amount", "10000000"], {"amount": 10000624}),
    ("0", "6", ["--amount", "-250"], {"amount": -250}),
    ("1", "0", ["--field", "control=64", "--field", "mfr_code=42"], {"control": 64, "mfr_code": 42}),
    ("1", "1", ["--field", "control=0xFFFFFFF", "--field", "mfr_code=1234"], {"control": 2**28 - 1, "mfr_code": 1234}),
    ("2", "0", ["--field", "mpl=5000"], {"mpl": 5000}),
    ("2", "1", ["--field", "register=65535"], {"register": 65535}),
    ("2", "2", ["--field", "rate=300"], {"rate": 300}),
    ("2", "5", [], {"pad": 0}),
    ("2", "6", ["--field", "mppul=700"], {"mppul": 700}),
    ("2", "7", ["--field", "wmf=9"], {"wmf": 9}),
    ("2", "3", ["--field", "krn=3", "--field", "kt=2", "--field", "key_section=0A0B0C0D"], {"key_section": "0a0b0c0d"}),
    ("2", "4", ["--field", "ti=7", "--field", "ken_lo=5"], {"ti": 7, "ken_lo": 5}),
    ("2", "12", ["--field", "payload=123456789ab"], {"payload": "123456789ab"}),
]


@pytest.mark.parametrize("cls,sub,extra,want", CASES)
def test_issue_decode_round_trip_every_kind(cls, sub, extra, want):
    (token,) = ok("issue", "--key", KEY07, "--class", cls, "--subclass", sub, "--tid-value", "4242", *extra)
    got = json.loads(decode(KEY07, token))
    assert (got["class"], got["subclass"], got["crc_ok"]) == (int(cls), int(sub), True)
    for name, value in want.items():
        assert got["fields"][name] == value, (name, got)
    if "tid" in got["fields"]:
        assert got["fields"]["tid"] == 4242


def _kct_key(key, tokens):
    lines = [json.loads(line) for line in decode(key, *tokens).splitlines()]
    return lines, "".join(line["fields"]["key_section"] for line in lines)


def test_issue_kct_sets():
    new07 = "0123456789abcdef"
    tokens = ok(
        "issue", "--key", KEY07, "--kct", "--new-key", new07, "--new-krn", "2", "--new-kt", "2", "--new-ti", "3"
    )
    lines, key = _kct_key(KEY07, tokens)
    assert [x["subclass"] for x in lines] == [3, 4] and key == new07
    assert lines[0]["fields"]["krn"] == 2 and lines[1]["fields"]["ti"] == 3
    assert (lines[0]["fields"]["ken_ho"], lines[1]["fields"]["ken_lo"]) == (15, 15)
    new11 = "00112233445566778899aabbccddeeff"
    args = ["--new-key", new11, "--new-krn", "4", "--new-kt", "2", "--new-ti", "1", "--new-sgc", "654321", "--ro"]
    tokens = ok("issue", "--key", KEY11, "--kct", *args)
    lines, key = _kct_key(KEY11, tokens)
    assert [x["subclass"] for x in lines] == [3, 8, 9, 4] and key == new11
    assert lines[0]["fields"]["ro"] == 1
    assert (lines[2]["fields"]["sgc_part"] << 12) | lines[1]["fields"]["sgc_part"] == 654321


def test_micropython_runtime_prints_identical_json():
    tokens = ok(
        "issue",
        "--key",
        KEY07,
        "--kct",
        "--new-key",
        "0123456789abcdef",
        "--new-krn",
        "2",
        "--new-kt",
        "2",
        "--new-ti",
        "3",
    )
    tokens += ok("issue", "--key", KEY07, "--kwh", "1234.5", "--tid-value", "99", "--rnd", "1")
    tokens += ok(
        "issue", "--key", KEY07, "--class", "0", "--subclass", "4", "--amount", "123456789", "--tid-value", "9"
    )
    tokens += ["00000000000150997584", "36893488147553322496", "02305843005052951967"]  # class 1, not encrypted
    tokens += ["11111111111111111111"]  # wrong key / junk: still described, crc_ok false
    host = decode(KEY07, *tokens)
    assert len(host.splitlines()) == len(tokens)
    assert decode(KEY07, *tokens, runtime="micropython") == host
    token11 = ok("issue", "--key", KEY11, "--class", "2", "--subclass", "0", "--field", "mpl=12345", "--tid-value", "5")
    assert decode(KEY11, *token11, runtime="micropython") == decode(KEY11, *token11)


BAD = [
    ("decode", "--key", KEY07, "1234"),  # wrong length
    ("decode", "--key", KEY07, "1234567890123456789x"),  # non-digit
    ("decode", "--key", KEY07, "99999999999999999999"),  # above 2^66 - 1
    ("decode", "--key", "e653341f9d5bf36", "29054347139309851356"),  # bad hex key
    ("decode", "--key", "zz53341f9d5bf36f", "29054347139309851356"),
    ("decode", "--key", KEY07, "--ea", "11", "29054347139309851356"),
    ("decode", "--key", KEY07, "--runtime", "micropython", "1234"),
    ("decode", "--key", KEY07),
    ("issue", "--key", KEY07, "--kwh", "1.25", "--tid-value", "1"),
    ("issue", "--key", KEY07, "--kwh", "lots", "--tid-value", "1"),
    ("issue", "--key", KEY07, "--kwh", "-3", "--tid-value", "1"),
    ("issue", "--key", KEY07, "--kwh", "99999999", "--tid-value", "1"),
    ("issue", "--key", KEY07, "--kwh", "1", "--tid", "yesterday"),
    ("issue", "--key", KEY07, "--kwh", "1", "--tid", "1990-01-01T00:00"),
    ("issue", "--key", KEY07, "--kwh", "1"),  # no TID
    ("issue", "--key", KEY07, "--class", "3"),
    ("issue", "--key", KEY07, "--class", "9"),
    ("issue", "--key", KEY07, "--class", "2", "--subclass", "1", "--field", "colour=red", "--tid-value", "1"),
    ("issue", "--key", KEY07, "--class", "2", "--subclass", "1", "--field", "register=70000", "--tid-value", "1"),
    ("issue", "--kwh", "1", "--tid-value", "1"),  # no key
    ("issue", "--key", KEY07, "--kct"),
    ("issue", "--key", KEY07, "--kct", "--new-key", KEY11, "--new-krn", "1", "--new-kt", "2", "--new-ti", "1"),
    (
        "derive-key",
        "--dkga",
        "02",
        "--vk",
        "abab",
        "--pan",
        "600727000000000009",
        "--kt",
        "2",
        "--sgc",
        "123456",
        "--ti",
        "01",
        "--krn",
        "1",
    ),
    (
        "derive-key",
        "--dkga",
        "02",
        "--vk",
        "ab" * 8,
        "--pan",
        "60072700",
        "--kt",
        "2",
        "--sgc",
        "123456",
        "--ti",
        "01",
        "--krn",
        "1",
    ),
    ("derive-key", "--dkga", "05"),
    ("frobnicate",),
]


@pytest.mark.parametrize("args", BAD)
def test_bad_input_gives_one_error_line_and_exit_2(args):
    proc = run(*args)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and "error" in lines[0] and "Traceback" not in proc.stderr, proc.stderr


def test_demo_without_tid_uses_the_current_utc_minute():
    with open(os.path.join(ROOT, "tools", "demo_meter.json")) as f:
        base_year = json.load(f)["base_date"]
    before = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    proc = run("issue", "--demo", "--kwh", "10", "--rnd", "1")
    minutes = int((before - datetime.datetime(base_year, 1, 1)).total_seconds() // 60)
    if minutes >= 1 << 24:  # past the base date's 24-bit range: the meter needs a rollover first
        assert proc.returncode == 2 and "base date %d" % base_year in proc.stderr and len(proc.stderr.splitlines()) == 1
        return
    assert proc.returncode == 0, proc.stderr
    tid = json.loads(decode(KEY07, proc.stdout.strip()))["fields"]["tid"]
    assert minutes <= tid <= minutes + 2


def _meter_copy(tmp_path):
    meter = tmp_path / "shop_meter.json"
    meter.write_text(open(os.path.join(ROOT, "tools", "demo_meter.json")).read())
    return str(meter)


def _tid(token):
    return json.loads(decode(KEY07, token))["fields"]["tid"]


def test_two_tokens_in_the_same_minute_get_different_tids(tmp_path):
    meter = _meter_copy(tmp_path)
    first = run("issue", "--meter", meter, "--kwh", "1", "--rnd", "1")
    second = run("issue", "--meter", meter, "--kwh", "1", "--rnd", "1")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    tid1, tid2 = _tid(first.stdout.strip()), _tid(second.stdout.strip())
    assert tid2 > tid1
    assert (tmp_path / "shop_meter.last_tid").read_text().strip() == str(tid2)
    if tid2 == tid1 + 1 and first.stderr == "":  # same minute: the tool says it moved on
        assert "already issued" in second.stderr and len(second.stderr.splitlines()) == 1


def test_a_tid_ahead_of_the_clock_is_followed_not_reused(tmp_path):
    meter = _meter_copy(tmp_path)
    base = datetime.datetime(2014, 1, 1)
    now = int((datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - base).total_seconds() // 60)
    (tmp_path / "shop_meter.last_tid").write_text("%d\n" % (now + 100))
    proc = run("issue", "--meter", meter, "--kwh", "1")
    assert proc.returncode == 0, proc.stderr
    assert _tid(proc.stdout.strip()) == now + 101
    assert "TID %d" % (now + 101) in proc.stderr
    assert (tmp_path / "shop_meter.last_tid").read_text().strip() == str(now + 101)


def test_an_explicit_tid_is_used_as_given_and_not_recorded(tmp_path):
    meter = _meter_copy(tmp_path)
    (token,) = ok("issue", "--meter", meter, "--kwh", "1", "--tid-value", "77")
    assert _tid(token) == 77
    assert not (tmp_path / "shop_meter.last_tid").exists()


def test_a_bad_meter_file_is_one_error_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"pan": "600727000000000009"}')
    proc = run("issue", "--meter", str(bad), "--kwh", "1")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == ["sts.py: error: meter file %s lacks decoder_key, base_date, krn, kt, ti, sgc"
                                        % bad]
