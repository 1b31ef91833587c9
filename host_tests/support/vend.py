# Vending-side helpers for tests on every lane: make real tokens for a key
# with the firmware's own block builder, cipher and digit framing.  The meter
# drops its token check modules (sts.digits, sts.token, ...) after each token:
# they are imported per call here, so this module does not keep them loaded.
from sts.keys import KeyState

# The demo meter (tools/demo_meter.json): DKGA02 key of SPEC section 7.1.
DEMO_KEY_HEX = "e653341f9d5bf36f"
DEMO_KEYS = KeyState(7, bytes.fromhex(DEMO_KEY_HEX), 1, 2, 1, 123456, 255, 2014)
DEMO_PROVISION = {
    "pan": "600727000000000009",
    "sgc": "123456",
    "ti": "01",
    "krn": 1,
    "kt": 2,
    "ken": 255,
    "base_date": 2014,
    "ea": "07",
    "decoder_key": DEMO_KEY_HEX,
}
OTHER_KEYS = KeyState(7, bytes.fromhex("0abc12def3456789"), 1, 2, 1, 123456)  # another meter's key


def make_token(cls, sub, values, keys=DEMO_KEYS):
    from overlay import drop
    from sts.layouts import build_words, cipher, format_token

    words = build_words(cls, sub, values)
    if cls != 1:  # class 1 tokens travel unencrypted
        cipher(keys.key).encrypt(words)
        for name in ("sts.sta_cipher", "sts.misty1_cipher"):  # the cipher objects' code: a meter never loads it
            drop(name)
    return format_token(cls, words)


# Build the key schedule and (vending side) the encrypt table now, before a test fragments the heap.
DEMO_KEYS.decrypt([0, 0, 0, 0])
make_token(0, 0, {"tid": 1, "amount": 1})


def credit(tid, tenths_kwh, keys=DEMO_KEYS):
    """Class 0 electricity credit of tenths_kwh x 0.1 kWh issued at minute tid."""
    return make_token(0, 0, {"tid": tid, "amount": tenths_kwh, "rnd": tid & 15}, keys)


def key_change(new_key, krn=2, kt=2, ti=1, ken=255, ro=0, keys=DEMO_KEYS):
    """The two key change tokens (EA07) setting new_key, encrypted under keys."""
    text = "".join("%02x" % b for b in new_key)
    first = make_token(2, 3, {"ken_ho": ken >> 4, "krn": krn, "ro": ro, "kt": kt, "key_section": text[:8]}, keys)
    second = make_token(2, 4, {"ken_lo": ken & 15, "ti": ti, "key_section": text[8:]}, keys)
    return first, second
