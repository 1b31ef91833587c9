"""Decoder key derivation for the token tool (CPython, host only): DKGA02 (DES,
SPEC 9.1) and DKGA04 (HMAC-SHA256, SPEC 9.2).  Keys are bytes in natural order."""

import hashlib
import hmac

BASE_DATES = (1993, 2014, 2035)


class ToolError(Exception):
    """Bad input: reported as one line, exit code 2."""


# ---------------------------------------------------------------- key derivation
def digits_text(text, name, lengths):
    text = str(text)
    if not text.isdigit() or len(text) not in lengths:
        raise ToolError("%s must be %s digits: %r" % (name, " or ".join(map(str, lengths)), text))
    return text


def pan_block(iin, iain, kt):
    """DKGA02 PAN block (16 digits, SPEC 9.1)."""
    iin = digits_text(iin, "IIN", (4, 6))
    tail_len = 11 if len(iin) == 6 else 13
    iain = digits_text(iain, "IAIN", tuple(range(tail_len, 20)))
    tail = "0" * tail_len if int(kt) == 3 else iain[-tail_len:]
    return iin[1:] + tail


def control_block(kt, sgc, ti, krn):
    """DKGA02 control block: KT | SGC | TI | KRN | FFFFFF (16 hex digits)."""
    return "%d%s%s%X" % (int(kt), digits_text(sgc, "SGC", (6,)), digits_text(ti, "TI", (2,)), int(krn)) + "FFFFFF"


def dkga02(vk, iin, iain, kt, sgc, ti, krn):
    """DK = DES(VK, PANBlock xor CONTROLBlock) xor that block xor VK."""
    from Crypto.Cipher import DES

    if len(vk) != 8:
        raise ToolError("DKGA02 vending key must be 8 bytes (16 hex digits)")
    if not (0 <= int(kt) <= 3 and 0 <= int(krn) <= 15):
        raise ToolError("KT must be 0..3 and KRN 0..15")
    pan = bytes.fromhex(pan_block(iin, iain, kt))
    block = bytes(a ^ b for a, b in zip(pan, bytes.fromhex(control_block(kt, sgc, ti, krn)), strict=True))
    encrypted = DES.new(vk, DES.MODE_ECB).encrypt(block)
    return bytes(e ^ x ^ v for e, x, v in zip(encrypted, block, vk, strict=True))


def _yy(base_date):
    text = str(base_date)
    if text in ("93", "14", "35"):
        return text
    if text.isdigit() and int(text) in BASE_DATES:
        return text[-2:]
    raise ToolError("base date must be 1993, 2014 or 2035")


def ea_text(ea):
    text = str(ea).zfill(2)
    if text not in ("07", "11"):
        raise ToolError("EA must be 07 or 11")
    return text


def dkga04_message(base_date, ea, ti, sgc, kt, krn, meter_pan):
    """The HMAC input of DKGA04 (SPEC 9.2)."""
    ea = ea_text(ea)
    fields = (
        b"\x04\x0204",
        b"\x02" + _yy(base_date).encode(),
        b"\x02" + ea.encode(),
        b"\x02" + digits_text(ti, "TI", (2,)).encode(),
        b"\x00\x04\x06" + digits_text(sgc, "SGC", (6,)).encode(),
        b"\x01" + ("%X" % int(kt)).encode(),
        b"\x01" + ("%X" % int(krn)).encode(),
        b"\x12" + digits_text(meter_pan, "PAN", (18,)).encode(),
        b"\x00\x00\x00" + (b"\x40" if ea == "07" else b"\x80"),
    )
    return b"".join(fields)


def dkga04(vk, base_date, ea, ti, sgc, kt, krn, meter_pan):
    """DK = the first 8 (EA07) or 16 (EA11) bytes of HMAC-SHA256(VK, message)."""
    if len(vk) != 20:
        raise ToolError("DKGA04 vending key must be 20 bytes (40 hex digits)")
    message = dkga04_message(base_date, ea, ti, sgc, kt, krn, meter_pan)
    return hmac.new(vk, message, hashlib.sha256).digest()[: 8 if ea_text(ea) == "07" else 16]


def luhn_digit(number):
    total = 0
    for i, c in enumerate(reversed(number)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)
