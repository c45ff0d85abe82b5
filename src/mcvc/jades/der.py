"""A minimal DER reader, enough for the QcStatements extension (RFC 3739, ETSI EN 319 412-5).

`cryptography` exposes QcStatements as an unrecognized extension, so mcvc walks the bytes:
definite lengths only, bounded depth, every length checked against the buffer.
"""

from __future__ import annotations

__all__ = ["DerError", "decode_oid", "read_tlv", "sequence_items"]


class DerError(ValueError):
    pass


def read_tlv(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """(tag, value, next position) of the element at ``pos``."""
    if pos + 2 > len(data):
        raise DerError("truncated DER element")
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise DerError("unsupported or truncated DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise DerError("DER length beyond the buffer")
    return tag, data[pos:end], end


def sequence_items(value: bytes) -> list[tuple[int, bytes]]:
    items = []
    pos = 0
    while pos < len(value):
        tag, inner, pos = read_tlv(value, pos)
        items.append((tag, inner))
        if len(items) > 256:
            raise DerError("too many DER items")
    return items


def decode_oid(value: bytes) -> str:
    if not value:
        raise DerError("empty OID")
    first = value[0]
    parts = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))]
    number = 0
    for byte in value[1:]:
        number = (number << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(str(number))
            number = 0
    return ".".join(parts)


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode_tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag]) + _length(len(value)) + value


def encode_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    body = bytearray([40 * parts[0] + parts[1]])
    for number in parts[2:]:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        body.extend(reversed(chunk))
    return encode_tlv(0x06, bytes(body))


def encode_sequence(*items: bytes) -> bytes:
    return encode_tlv(0x30, b"".join(items))
