"""Strict JSON reading for documents from outside (credentials, DID documents, headers).

Python's ``json`` lets duplicate keys win silently, accepts NaN and lone surrogates and
recurses without bound; each of those is a parser differential an attacker can use, so
this module refuses them with a JSON pointer to the offending place.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from .errors import InvalidInput

__all__ = ["MAX_DEPTH", "MAX_DOCUMENT_BYTES", "copy_json", "parse_json", "pointer"]

MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
_MAX_INT_DIGITS = 64


class _DuplicateKeys(dict[str, Any]):
    duplicate: str = ""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            dup = _DuplicateKeys(out)
            dup.duplicate = key
            dup.update(pairs)
            return dup
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"{name} is not allowed in JSON", code="PARSING_ERROR")


# I-JSON (RFC 7493 §2.2): integers beyond ±(2**53 - 1) are not exact in other JSON parsers;
# the reference JavaScript stack rounds them, so such a number would canonicalize to other
# bytes there. They are refused rather than signed or verified ambiguously.
MAX_SAFE_INTEGER = 2**53 - 1


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise InvalidInput(
            f"integer with {len(text)} digits exceeds the limit of {_MAX_INT_DIGITS}",
            code="PARSING_ERROR",
        )
    value = int(text)
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise InvalidInput(_UNSAFE_INT.format(text[:40]), code="NUMBER_RANGE")
    return value


_UNSAFE_INT = "integer {} is beyond ±(2^53 - 1), which JSON parsers do not agree on (I-JSON)"
_NOT_FINITE = "number {} is too large: JSON numbers must be finite"


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InvalidInput(_NOT_FINITE.format(text[:40]), code="NUMBER_RANGE")
    return value


def _bad_number(value: Any) -> bool:
    kind = type(value)
    if kind is float:
        return not math.isfinite(value)
    if kind is int:
        return not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    return False


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), several times faster than deepcopy."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def pointer(parts: list[str | int] | tuple[str | int, ...]) -> str:
    """RFC 6901 JSON pointer for a path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


_SCALARS = frozenset({int, float, bool, type(None)})


def _check_tree(value: Any, max_depth: int) -> None:
    """Refuse duplicate keys, nesting deeper than ``max_depth``, lone surrogates and keys that
    are not strings. The walk only answers yes or no (it runs on every verification, so it
    keeps no paths); the walk that builds JSON pointers runs only to explain a refusal."""
    if not _fine(value, max_depth):
        _explain(value, max_depth)
        raise InvalidInput("the document is not acceptable JSON", code="PARSING_ERROR")


def _fine(node: Any, room: int) -> bool:
    """True when nothing in ``node`` needs refusing; ``room`` is how many more levels of
    nesting may follow, which also bounds the recursion. ``isascii`` is O(1) in CPython, so
    only non-ASCII strings pay for the surrogate search."""
    if isinstance(node, str):
        return node.isascii() or _SURROGATE.search(node) is None
    if _bad_number(node):
        return False
    children: Iterable[Any]
    if isinstance(node, dict):
        if isinstance(node, _DuplicateKeys):
            return False
        for key in node:
            if type(key) is not str or not (key.isascii() or _SURROGATE.search(key) is None):
                return False
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return True
    if not node:
        return True
    if room <= 0:
        return False
    for child in children:
        kind = type(child)
        if kind is str:
            if not (child.isascii() or _SURROGATE.search(child) is None):
                return False
        elif kind in _SCALARS:
            if _bad_number(child):
                return False
        elif not _fine(child, room - 1):
            return False
    return True


def _explain(value: Any, max_depth: int) -> None:
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > max_depth:
            raise InvalidInput(
                f"nesting deeper than {max_depth} levels", code="TOO_DEEP", pointer=pointer(path)
            )
        if isinstance(node, dict):
            if isinstance(node, _DuplicateKeys):
                raise InvalidInput(
                    f"duplicate key {node.duplicate!r}",
                    code="DUPLICATE_KEY",
                    pointer=pointer((*path, node.duplicate)),
                )
            for key, child in node.items():
                if not isinstance(key, str):
                    raise InvalidInput(
                        f"object key {key!r} is not a string",
                        code="PARSING_ERROR",
                        pointer=pointer(path),
                    )
                if _has_lone_surrogate(key):
                    raise InvalidInput(
                        "lone surrogate in key", code="INVALID_STRING", pointer=pointer(path)
                    )
                stack.append((child, (*path, key)))
        elif isinstance(node, list):
            stack.extend((child, (*path, i)) for i, child in enumerate(node))
        elif _bad_number(node):
            raise InvalidInput(
                (_UNSAFE_INT if type(node) is int else _NOT_FINITE).format(str(node)[:40]),
                code="NUMBER_RANGE",
                pointer=pointer(path),
            )
        elif isinstance(node, str) and _has_lone_surrogate(node):
            raise InvalidInput(
                "lone surrogate in string", code="INVALID_STRING", pointer=pointer(path)
            )


def parse_json(
    data: bytes | str,
    *,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    max_depth: int = MAX_DEPTH,
) -> Any:
    """Parse JSON strictly; raise :class:`InvalidInput` with a code and pointer on refusal."""
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    if size > max_bytes:
        raise InvalidInput(
            f"document of {size} bytes exceeds the limit of {max_bytes}", code="INPUT_TOO_LARGE"
        )
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
        text = text.removeprefix("\ufeff")
    else:
        text = data
    try:
        value = json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_constant=_reject_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except InvalidInput:
        raise
    except RecursionError:
        raise InvalidInput(f"nesting deeper than {max_depth} levels", code="TOO_DEEP") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    _check_tree(value, max_depth)
    return value
