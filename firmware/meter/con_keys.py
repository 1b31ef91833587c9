# Console `key` and `token`: typing as on the keypad (an overlay: see meter.con_dispatch).
from meter import texts
from meter.console import CommandError
from micropython import const

_MAX_KEYS = const(64)  # `key`: a token is 20 digits and a few control keys
_HOLD = const(0x100)  # added to a key code: the key is held (a long press)


def cmd_key(console, args):
    if len(args) != 1:
        raise CommandError("usage: key <keys>, e.g. key 1234#")
    keys = args[0]
    if len(keys) > _MAX_KEYS:
        raise CommandError("at most %d keys at a time" % _MAX_KEYS)
    for ch in keys.replace("!", ""):
        if ch.upper() not in "0123456789*#ABCD":
            raise CommandError("not a keypad key: %r" % ch)
    ui = console.ui
    hold = False
    for ch in keys:
        if ch == "!":
            hold = True
            continue
        ui.key(ord(ch.upper()))
        if hold:
            ui.key(ord(ch.upper()) | _HOLD)
            hold = False
        ui.tick()  # a submitted token is decoded now (busy -> result)
    return list(ui.lines)


def cmd_token(console, args):
    if len(args) != 1 or len(args[0]) != 20 or not args[0].isdigit():
        raise CommandError("usage: token <20 digits>")
    ui = console.ui
    ui.key(ord("*") | _HOLD)  # start from an empty entry
    for ch in args[0] + "#":
        ui.key(ord(ch))
    ui.tick()
    code = console.meter.last_result
    return ["result=%d %s" % (code, texts.result_name(code))] + list(ui.lines)
