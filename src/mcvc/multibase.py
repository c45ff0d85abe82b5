"""Multibase (base58btc ``z``, base64url ``u``) and the multicodec headers mcvc uses."""

from __future__ import annotations

import base64
import re

from .errors import KeyFormatError

__all__ = [
    "b58decode",
    "b58encode",
    "b64url_decode",
    "b64url_encode",
    "multibase_decode",
    "multibase_encode",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {ch: i for i, ch in enumerate(_ALPHABET)}
_MAX_TEXT = 4096


def b58encode(data: bytes) -> str:
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(out))


def b58decode(text: str) -> bytes:
    if len(text) > _MAX_TEXT:
        raise KeyFormatError("base58 value too long")
    number = 0
    for ch in text:
        digit = _INDEX.get(ch)
        if digit is None:
            raise KeyFormatError(f"character {ch!r} is not base58btc")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(text: str) -> bytes:
    if len(text) > 16 * 1024 * 1024:
        raise KeyFormatError("base64url value too long")
    if _B64URL.fullmatch(text) is None:
        # the standard decoder skips characters outside the alphabet; a value with any is
        # not base64url, and two spellings must never decode to the same bytes
        raise KeyFormatError("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"not base64url: {exc}") from None


def multibase_encode(data: bytes, base: str = "z") -> str:
    if base == "z":
        return "z" + b58encode(data)
    if base == "u":
        return "u" + b64url_encode(data)
    raise ValueError(f"unsupported multibase prefix {base!r}")


def multibase_decode(text: str, *, allowed: str = "z") -> bytes:
    """Decode a multibase string whose prefix is one of ``allowed``."""
    if not isinstance(text, str) or not text:
        raise KeyFormatError("multibase value must be a non-empty string")
    prefix, body = text[0], text[1:]
    if prefix not in allowed:
        raise KeyFormatError(
            f"multibase prefix {prefix!r} not allowed here (expected {' or '.join(allowed)})"
        )
    if prefix == "z":
        return b58decode(body)
    return b64url_decode(body)
