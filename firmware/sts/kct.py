# Key change tokens (SPEC section 10): the pipeline's step for a key change
# section (check()), the rules checked as each section arrives and the
# completion of a set.  Loaded by the pipeline only for a key change token
# (sts/README.md "Residency"), so its names are interned only then; decisions on
# the [U] points are in README.md.
from micropython import const
from sts import results
from sts.keys import BASE_DATES, EA07, EA11, KeyState

_KCT_TIMEOUT_S = const(600)  # a held section expires after 10 minutes
_KT_DITK = const(0)
_SGC_MAX = const(999999)  # SGC: six decimal digits (SPEC 4.3, 9.1; sts/keycheck.py checks it too)


def key_sections(ea):
    """The key change subclasses an EA needs, in key order (high bits first)."""
    return (3, 4) if ea == EA07 else (3, 8, 9, 4)


def next_base_date(base_date):
    i = BASE_DATES.index(base_date)
    return BASE_DATES[i + 1] if i + 1 < len(BASE_DATES) else -1


def _section_error(keys, tok):
    """Rules checked when one key change section arrives: 0 or a result code."""
    sub = tok.subclass
    if sub not in key_sections(keys.ea):
        return results.FUNCTION  # sections 3/4 of 128-bit keys on an EA07 meter
    if sub == 3:  # 1st section: KENHO | KRN | RO | RES | KT in the block's top word (SPEC 4.3)
        w0 = tok.words[0]
        if (w0 >> 2) & 1:
            return results.FORMAT  # reserved bit must be 0
        if w0 & 3 == _KT_DITK:
            return results.KEY_TYPE  # the initialisation key is never loaded by token
        if (w0 >> 3) & 1 and next_base_date(keys.base_date) < 0:
            return results.RANGE  # no base date after 2035
    return 0


def _section(pending, subclass):
    for entry in pending:
        if entry[0] == subclass:
            return entry[1]
    return None


def _complete(keys, pending):
    """Try to finish a key change from the held sections.

    pending: [(subclass, (w0, w1, w2, w3), arrival_s)] of decrypted blocks.
    Returns (code, new KeyState or None, rollover flag): code 0 while sections
    are missing, results.KCT2_ACCEPTED with the new state, or a rejection code."""
    blocks = []
    for sub in key_sections(keys.ea):
        block = _section(pending, sub)
        if block is None:
            return 0, None, 0
        blocks.append(block)
    key = bytearray()
    for w in blocks:
        key.extend(bytes((w[1] >> 8, w[1] & 0xFF, w[2] >> 8, w[2] & 0xFF)))
    first, second = blocks[0][0], blocks[-1][0]
    ro = (first >> 3) & 1
    sgc = keys.sgc
    if keys.ea == EA11:  # 3rd section: SGC low 12 bits, 4th: high 12 bits
        sgc = ((blocks[2][0] & 0xFFF) << 12) | (blocks[1][0] & 0xFFF)
        if sgc > _SGC_MAX:
            return results.RANGE, None, ro
    ken = (((first >> 8) & 15) << 4) | ((second >> 8) & 15)
    base_date = next_base_date(keys.base_date) if ro else keys.base_date
    new = KeyState(keys.ea, key, (first >> 4) & 15, first & 3, second & 0xFF, sgc, ken, base_date)
    # Replay protection (README.md): a set that changes nothing is a replay, and a
    # rollover (which clears the TID record) under the same key would re-open
    # every token ever issued to this meter.
    if (ro and new.key == keys.key) or (not ro and new == keys):
        return results.USED, None, ro
    return results.KCT2_ACCEPTED, new, ro


def check(v, token, view, now_s):
    """sts.pipeline.check's step for a decrypted key change section with a good
    CRC: fills and returns the Verdict v."""
    keys = view.keys
    code = _section_error(keys, token)
    if code:
        return v.reset(code, token)
    sub = token.subclass
    # Keep the fresh sections of other subclasses; a repeated subclass replaces
    # the held one.  A section from the "future" (clock set back) is dropped too.
    pending = []
    for entry in view.pending_kct:
        age = now_s - entry[2]
        if entry[0] != sub and 0 <= age <= _KCT_TIMEOUT_S:
            pending.append(entry)
    w = token.words
    pending.append((sub, (w[0], w[1], w[2], w[3]), now_s))
    code, new_keys, ro = _complete(keys, pending)
    if code == 0:
        verdict = v.reset(results.KCT1_ACCEPTED, token)
        verdict.kct_pending = pending
        return verdict
    verdict = v.reset(code, token)
    if code == results.KCT2_ACCEPTED:
        verdict.new_keys = new_keys
        verdict.kct_pending = []
        verdict.clear_tids = bool(ro)
    return verdict
