"""Bitstring Status List v1.0 encoding: GZIP, then multibase base64url (``u``); bit 0 is the
left-most bit of the first byte. Decompression is capped, so a list cannot be a gzip bomb."""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from dataclasses import dataclass

from ..errors import McvcError

__all__ = ["MIN_BITS", "Bitstring", "StatusListError", "decode_list", "encode_list", "parse_index"]

MIN_BITS = 131_072  # 16 KiB: the spec's minimum, for herd privacy
MAX_DECODED = 16 * 1024 * 1024
_INDEX = re.compile(r"^(0|[1-9][0-9]{0,11})$")


class StatusListError(McvcError):
    """A status list or entry that does not follow the spec; ``code`` is the spec's error."""


@dataclass(frozen=True)
class Bitstring:
    data: bytes
    status_size: int = 1

    @property
    def length(self) -> int:
        return len(self.data) * 8 // self.status_size

    def value(self, index: int) -> int:
        if index < 0 or index >= self.length:
            raise StatusListError(
                f"index {index} is outside the list of {self.length} entries", code="RANGE_ERROR"
            )
        start = index * self.status_size
        value = 0
        for bit in range(start, start + self.status_size):
            value = (value << 1) | ((self.data[bit // 8] >> (7 - bit % 8)) & 1)
        return value

    def with_value(self, index: int, value: int) -> Bitstring:
        if index < 0 or index >= self.length or not 0 <= value < (1 << self.status_size):
            raise StatusListError(
                f"index {index} or value {value} out of range", code="RANGE_ERROR"
            )
        data = bytearray(self.data)
        start = index * self.status_size
        for offset in range(self.status_size):
            bit = start + offset
            mask = 0x80 >> (bit % 8)
            if (value >> (self.status_size - 1 - offset)) & 1:
                data[bit // 8] |= mask
            else:
                data[bit // 8] &= ~mask & 0xFF
        return Bitstring(bytes(data), self.status_size)

    @classmethod
    def empty(cls, entries: int = MIN_BITS, status_size: int = 1) -> Bitstring:
        bits = max(entries * status_size, MIN_BITS)
        return cls(bytes((bits + 7) // 8), status_size)


def encode_list(bitstring: Bitstring) -> str:
    compressed = gzip.compress(bitstring.data, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(
    encoded: object,
    *,
    status_size: int = 1,
    max_bytes: int = MAX_DECODED,
    multibase: bool = True,
) -> Bitstring:
    """``multibase=False`` for StatusList2021, whose encodedList is base64url without the
    multibase ``u`` prefix."""
    if multibase and (not isinstance(encoded, str) or not encoded.startswith("u")):
        raise StatusListError(
            "encodedList must be a multibase base64url string ('u...')",
            code="STATUS_VERIFICATION_ERROR",
        )
    if not isinstance(encoded, str):
        raise StatusListError("encodedList must be a string", code="STATUS_VERIFICATION_ERROR")
    body = encoded[1:] if multibase else encoded.rstrip("=")
    if len(body) > max_bytes or re.search(r"[^A-Za-z0-9_-]", body):
        raise StatusListError("encodedList is not base64url", code="STATUS_VERIFICATION_ERROR")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = inflater.decompress(compressed, max_bytes + 1)
    except (ValueError, zlib.error) as exc:
        raise StatusListError(
            f"encodedList is not GZIP data: {exc}", code="STATUS_VERIFICATION_ERROR"
        ) from None
    if len(data) > max_bytes or inflater.unconsumed_tail:
        raise StatusListError(
            f"encodedList inflates beyond {max_bytes} bytes", code="INPUT_TOO_LARGE"
        )
    if len(data) * 8 < MIN_BITS:
        raise StatusListError(
            f"the list has {len(data) * 8} bits; at least {MIN_BITS} are required",
            code="STATUS_LIST_LENGTH_ERROR",
        )
    return Bitstring(data, status_size)


def parse_index(value: object) -> int:
    """statusListIndex is a base-10 integer string (the spec; "94567abc", "-1", "1e3" refused)."""
    if isinstance(value, str) and _INDEX.match(value):
        return int(value)
    raise StatusListError(
        f"statusListIndex {value!r} is not a non-negative integer string",
        code="MALFORMED_VALUE_ERROR",
    )
