# Token description as one JSON line, for the engineers' token tool
# (tools/sts.py decode).  The JSON text is built here by hand in a fixed key
# order so CPython and MicroPython print byte-identical output.
#   micropython -m sts.describe KEYHEX TOKEN...     (MICROPYPATH=firmware)
import json
import sys

from sts import digits as _digits
from sts.keys import EA07, EA11
from sts.token import Token


def _value(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    return json.dumps(v)


def cipher_for(key):
    """The decoder cipher for a key of 8 (EA07) or 16 (EA11) bytes."""
    if len(key) == 8:
        from sts.sta import Sta

        return EA07, Sta(key)
    if len(key) == 16:
        from sts.misty1 import Misty1

        return EA11, Misty1(key)
    raise ValueError("key must be 8 bytes (EA07) or 16 bytes (EA11)")


def parse_token(text, cipher):
    """20 digits -> Token (decrypted unless class 1); ValueError if not a token."""
    if not isinstance(text, str) or len(text) != 20:
        raise ValueError("token must be exactly 20 digits: %r" % (text,))
    words = [0, 0, 0, 0]
    cls = _digits.parse(text, words)
    if cls < 0:
        raise ValueError("not a token (non-digits or above 2^66-1): %s" % text)
    if cls == 3:
        raise ValueError("unknown token class 3: %s" % text)
    if cls != 1:
        cipher.decrypt(words)
    return Token(cls, words)


def to_json(text, tok):
    parts = []
    for name in tok.field_names():
        parts.append('"%s": %s' % (name, _value(getattr(tok, name))))
    return '{"token": "%s", "class": %d, "subclass": %d, "name": %s, "crc_ok": %s, "block": "%s", "fields": {%s}}' % (
        text,
        tok.cls,
        tok.subclass,
        json.dumps(tok.name),
        _value(tok.crc_ok),
        tok.block_hex,
        ", ".join(parts),
    )


def _key_from_hex(text):
    if len(text) not in (16, 32):
        raise ValueError("key must be 16 or 32 hex digits")
    try:
        return bytes(int(text[i : i + 2], 16) for i in range(0, len(text), 2))
    except ValueError:
        raise ValueError("key is not hex: %s" % text) from None


def main(argv):
    """Print one JSON line per token; on bad input one 'error: ...' line, exit 2."""
    try:
        if len(argv) < 2:
            raise ValueError("usage: sts.describe KEYHEX TOKEN...")
        _, cipher = cipher_for(_key_from_hex(argv[0]))
        lines = [to_json(t, parse_token(t, cipher)) for t in argv[1:]]
    except ValueError as exc:
        print("error: %s" % exc)
        sys.exit(2)
    for line in lines:
        print(line)


if __name__ == "__main__":
    main(sys.argv[1:])
