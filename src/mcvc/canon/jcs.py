"""JSON Canonicalization Scheme (RFC 8785), for the *-jcs-* cryptosuites."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from ..errors import InvalidInput

__all__ = ["canonicalize_json"]

_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


_NEEDS = re.compile('[\x00-\x1f"\\\\]')


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    return _ESC.get(ch) or f"\\u{ord(ch):04x}"


def _string(value: str) -> str:
    return '"' + _NEEDS.sub(_escape, value) + '"'


def _number(value: float) -> str:
    """ECMAScript Number.prototype.toString for finite doubles (RFC 8785 §3.2.2.3)."""
    if not math.isfinite(value):
        raise InvalidInput("NaN and Infinity have no JSON form")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    # repr gives the shortest round-tripping digits; Decimal splits them from the exponent.
    parts = Decimal(repr(abs(float(value)))).normalize().as_tuple()
    digits = "".join(map(str, parts.digits))
    n = len(digits) + int(parts.exponent)  # position of the decimal point (ES spec's n)
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    exp = f"e+{e}" if e >= 0 else f"e-{-e}"
    if k == 1:
        return sign + digits + exp
    return sign + digits[0] + "." + digits[1:] + exp


def _encode(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        if abs(value) > 2**53:
            raise InvalidInput("integer beyond the IEEE 754 double range of I-JSON")
        out.append(_number(float(value)))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, dict):
        out.append("{")
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out)
        out.append("]")
    else:
        raise TypeError(f"cannot canonicalize {type(value).__name__}")


def canonicalize_json(value: Any) -> str:
    out: list[str] = []
    _encode(value, out)
    return "".join(out)
