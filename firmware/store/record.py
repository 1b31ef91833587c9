# Framing of one durable record: a fixed header with a sequence number and a
# CRC-32 over header and payload.  Pure logic (no I/O) so every lane tests it.
#
#   magic "MR" (2) | kind (1) | version (1) | seq u32 (4) | length u32 (4)
#   | payload (length) | crc32 u32 (4) over everything before it
import struct

from micropython import const

try:
    from binascii import crc32 as _crc32
except ImportError:  # a port built without binascii.crc32
    _crc32 = None

_VERSION = const(1)
_HEADER_SIZE = const(12)
_TRAILER_SIZE = const(4)
_MAX_PAYLOAD = const(16384)  # far above any record this store writes; guards against garbage lengths

KIND_STATE = b"S"
KIND_CALIBRATION = b"C"
# (b"E", the energy record the money record replaced, is no longer written)


def checksum(data, start=0):
    """CRC-32 (IEEE) of data, continuing from start."""
    if _crc32 is not None:
        return _crc32(data, start) & 0xFFFFFFFF
    crc = start ^ 0xFFFFFFFF  # bitwise fallback, same result, slower
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xEDB88320 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def encode(kind, seq, payload):
    """Bytes of one record; kind is one byte (KIND_*), seq 0..2**32-1, payload bytes."""
    if len(kind) != 1:
        raise ValueError("record kind must be one byte")
    if seq < 0 or seq >> 32:  # 0..2**32-1, without a big-int constant
        raise ValueError("record sequence out of range")
    if len(payload) > _MAX_PAYLOAD:
        raise ValueError("record payload too large")
    head = b"MR" + kind + bytes((_VERSION,)) + struct.pack(">II", seq, len(payload))
    crc = checksum(payload, checksum(head))
    return head + bytes(payload) + struct.pack(">I", crc)


def decode(data, kind):
    """(seq, payload) of a record of this kind, or None if anything is wrong with it
    (too short, wrong magic/kind/version, length mismatch, bad CRC)."""
    if data is None or len(data) < _HEADER_SIZE + _TRAILER_SIZE:
        return None
    if data[0:2] != b"MR" or data[2:3] != kind or data[3] != _VERSION:
        return None
    seq, length = struct.unpack(">II", data[4:12])
    if length > _MAX_PAYLOAD or len(data) != _HEADER_SIZE + length + _TRAILER_SIZE:
        return None
    end = _HEADER_SIZE + length
    (stored,) = struct.unpack(">I", data[end:end + 4])
    if checksum(data[:end]) != stored:
        return None
    return seq, bytes(data[_HEADER_SIZE:end])

