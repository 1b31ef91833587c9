# The token validation pipeline: 20 digits + the meter's state -> one Verdict with
# the IEC 62055-41 result code and the changes the storage layer should apply
# (atomically, and only for codes 1..3).  Pure: no I/O, the view is never changed.
# An overlay in the meter: loaded when a token is submitted and dropped after its
# result with the modules it loads (README.md "Residency"); nothing resident may
# keep a Verdict, a Token or a cipher object.
#
# Order of checks (README.md explains why):
#   format -> (class 1: CRC -> function -> manufacturer code)
#   decrypt -> CRC -> function -> [key change rules] -> key expiry -> DDTK
#   -> Used/Old -> range -> overflow -> accept
from micropython import const
from sts import digits as _digits
from sts import keys as _keys  # noqa: F401  (the type of Verdict.new_keys)
from sts import results
from sts.token import Token, decode_units

_WH_PER_COUNT = const(100)  # one electricity count is 0.1 kWh
_CLEAR_ALL = const(0xFFFF)
_OVERFLOW = const(4)  # result codes only the pipeline returns (sts/results.py numbers the rest)
_MFR_CODE = const(14)
_KT_DDTK = const(1)  # key type DDTK (default key): refuses credit tokens (SPEC section 11)
# Class 2 subclasses this meter acts on besides the key change sections:
# max power, clear credit, tariff rate, clear tamper, phase unbalance limit.
_MANAGEMENT = const((0, 1, 2, 5, 6))
_TEXT_TYPES = (str, bytes, bytearray)  # built once: a tuple of names in check() would be allocated per call


class Verdict:
    """One check's result.  It owns its block (words) and Token, so a caller that
    passes the same Verdict to every check() allocates nothing per token; the next
    check overwrites every field, so keep copies of what must outlive it."""

    def __init__(self, code=0, token=None):
        self.words = [0, 0, 0, 0]
        self._token = Token(0, self.words)
        self.reset(code, token)

    def reset(self, code, token=None):
        """Every field to its default (all set here: reuse never grows the object)."""
        self.code = code
        self.token = token  # type: Token | None
        self.credit_wh = 0
        self.tid = -1
        self.clear_register = -1
        self.setting = None  # type: tuple | None
        self.kct_pending = None  # type: list | None
        self.new_keys = None  # type: _keys.KeyState | None
        self.clear_tids = False
        return self

    def __repr__(self):
        return "Verdict(%d %s)" % (self.code, results.name(self.code))


def check(digits, view, now_s, verdict=None):
    """Validate one typed token against the meter's state; see the module header.
    verdict: a Verdict to fill and return (no allocation), else a new one."""
    v = verdict if verdict is not None else Verdict()
    if not isinstance(digits, _TEXT_TYPES) or len(digits) != 20:
        return v.reset(results.FORMAT)
    words = v.words
    cls = _digits.parse(digits, words)
    if cls < 0 or cls == 3:
        return v.reset(results.FORMAT)
    if cls == 1:
        return _class1(v, view)
    keys = view.keys
    if keys is None:
        return v.reset(results.NOT_READY)  # not provisioned with a decoder key yet
    keys.decrypt(words)
    token = v._token.load(cls)
    if not token.crc_ok:
        return v.reset(results.AUTH, token)
    sub = words[0] >> 12
    if cls == 0:
        if sub > 7 or sub not in view.supported:
            return v.reset(results.FUNCTION, token)
    elif sub in (3, 4, 8, 9):
        from sts import kct  # key change rules: loaded only for a key change token

        return kct.check(v, token, view, now_s)
    elif sub not in _MANAGEMENT:
        return v.reset(results.FUNCTION, token)

    tid = ((words[0] & 0xFF) << 16) | words[1]
    if (tid >> 16) > keys.ken:
        return v.reset(results.KEY_EXPIRED, token)
    if cls == 0 and keys.kt == _KT_DDTK:
        return v.reset(results.DDTK, token)
    code = view.tids.check(tid)
    if code:
        return v.reset(code, token)
    if cls == 0:
        return _credit(v, token, sub, tid, view)
    return _management(v, token, sub, tid, view)


def _class1(v, view):
    token = v._token.load(1)  # not encrypted
    if not token.crc_ok:
        return v.reset(results.AUTH, token)
    if token.subclass > 1:
        return v.reset(results.FUNCTION, token)
    mfr = token.mfr_code
    if mfr != 0 and mfr != view.mfr_code:
        return v.reset(_MFR_CODE, token)
    return v.reset(results.ACCEPT, token)


def _credit(v, token, sub, tid, view):
    # Electricity (subclass 0) only: its units field read from the block.
    # amount * 100 passes 2**30 (a big int on a 32-bit board) only above 1,073,741 kWh
    add_wh = decode_units(token.words[2]) * _WH_PER_COUNT if sub == 0 else 0
    if view.credit_wh + add_wh > view.credit_limit_wh:
        return v.reset(_OVERFLOW, token)
    verdict = v.reset(results.ACCEPT, token)
    verdict.credit_wh = add_wh
    verdict.tid = tid
    return verdict


def _management(v, token, sub, tid, view):
    # The value field (SPEC 4.3: RND | TID | 16-bit value) read from the block, not
    # through Token properties: those are sts.describe's (tools), not loaded per token.
    value = token.words[2]
    if sub == 1 and value != _CLEAR_ALL and value not in view.supported:
        return v.reset(results.RANGE, token)  # a register this meter does not have
    if sub == 5 and value:
        return v.reset(results.FORMAT, token)  # padding must be zero
    verdict = v.reset(results.ACCEPT, token)
    verdict.tid = tid
    if sub == 0:
        verdict.setting = ("max_power_w", decode_units(value))
    elif sub == 1:
        verdict.clear_register = value
    elif sub == 2:
        verdict.setting = ("tariff_rate", value)
    elif sub == 5:
        verdict.setting = ("clear_tamper", 1)
    else:
        verdict.setting = ("mppul_w", decode_units(value))
    return verdict
