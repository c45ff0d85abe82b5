"""The IETF Token Status List (draft-ietf-oauth-status-list): the ``status`` claim of SD-JWT VCs.

A Referenced Token names ``status.status_list = {idx, uri}``. The Status List Token at ``uri``
is a JWT (``typ: statuslist+jwt``) whose ``status_list`` claim holds ``bits`` (1, 2, 4 or 8
per token) and ``lst``, the ZLIB-compressed byte array, base64url. Index ``i`` is the
``bits``-wide block starting at the least significant bit of its byte. Status values: 0
VALID, 1 INVALID (revoked), 2 SUSPENDED; others are application specific and never read as
valid. The token must be signed by a key of the credential's issuer, name the ``uri`` as its
``sub``, and not be expired; anything that cannot be fetched or read is "not known".
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidInput, KeyFormatError, McvcError
from ..multibase import b64url_decode, b64url_encode
from .bitstring import StatusListError
from .checker import StatusResult

__all__ = [
    "TokenStatusChecker",
    "TokenStatusList",
    "decode_token_list",
    "encode_token_list",
    "status_reference",
]

BITS = (1, 2, 4, 8)
MEDIA_TYPE = "application/statuslist+jwt"
# 2^24 tokens at 8 bits: a list larger than this once inflated is refused (a ZLIB bomb)
MAX_LIST_BYTES = 16 * 1024 * 1024
_DEFAULT_TTL = 300.0
_NAMES = {0: "valid", 1: "invalid (revoked)", 2: "suspended"}


def _malformed(message: str) -> StatusListError:
    return StatusListError(message, code="MALFORMED_VALUE_ERROR")


@dataclass(frozen=True)
class TokenStatusList:
    bits: int
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data) * 8 // self.bits

    def value(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise StatusListError(
                f"index {index} is outside the list of {self.size} entries", code="RANGE_ERROR"
            )
        per_byte = 8 // self.bits
        shift = (index % per_byte) * self.bits
        return (self.data[index // per_byte] >> shift) & ((1 << self.bits) - 1)


def decode_token_list(status_list: Any) -> TokenStatusList:
    """The ``status_list`` claim of a Status List Token, inflated within ``MAX_LIST_BYTES``."""
    if not isinstance(status_list, dict):
        raise _malformed("status_list is not an object")
    bits = status_list.get("bits")
    if isinstance(bits, bool) or bits not in BITS:
        raise _malformed(f"bits must be 1, 2, 4 or 8, not {bits!r}")
    lst = status_list.get("lst")
    if not isinstance(lst, str):
        raise _malformed("lst must be a base64url string")
    try:
        compressed = b64url_decode(lst)
    except KeyFormatError as exc:
        raise _malformed(f"lst: {exc}") from None
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(compressed, MAX_LIST_BYTES)
    except zlib.error as exc:
        raise _malformed(f"lst is not ZLIB data ({exc})") from None
    if inflater.unconsumed_tail:
        raise StatusListError(
            f"the status list inflates to more than {MAX_LIST_BYTES} bytes",
            code="STATUS_LIST_LENGTH_ERROR",
        )
    if not inflater.eof:
        raise _malformed("lst is truncated ZLIB data")
    return TokenStatusList(bits, data)


def encode_token_list(bits: int, values: dict[int, int], size: int) -> dict[str, Any]:
    """A ``status_list`` claim of ``size`` entries, all 0 but ``values`` (index -> status)."""
    if bits not in BITS:
        raise ValueError("bits must be 1, 2, 4 or 8")
    per_byte = 8 // bits
    data = bytearray(-(-size // per_byte))
    for index, value in values.items():
        if not 0 <= index < size or not 0 <= value < (1 << bits):
            raise ValueError(f"status {value} at {index} does not fit the list")
        data[index // per_byte] |= value << ((index % per_byte) * bits)
    return {"bits": bits, "lst": b64url_encode(zlib.compress(bytes(data), 9))}


def status_reference(status: Any) -> tuple[int, str]:
    """``(idx, uri)`` of a Referenced Token's ``status`` claim."""
    reference = status.get("status_list") if isinstance(status, dict) else None
    if not isinstance(reference, dict):
        raise _malformed("the status claim has no status_list object")
    index, uri = reference.get("idx"), reference.get("uri")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise _malformed(f"status_list.idx must be a non-negative integer, not {index!r}")
    if not isinstance(uri, str) or urlsplit(uri).scheme not in ("https", "http"):
        raise _malformed("status_list.uri must be an http(s) URL")
    return index, uri


SignatureCheck = Callable[[Any], tuple[str, str, str]]
"""Given a parsed Status List Token (:class:`~mcvc.jose.JoseCredential`), return (outcome,
controller of the signing key or the failure code, message)."""


@dataclass
class _Cached:
    token_list: TokenStatusList
    expires_at: float
    valid_until: datetime | None


class TokenStatusChecker:
    """Checks ``status.status_list`` references; one instance caches lists for their ``ttl``."""

    def __init__(
        self,
        fetcher: Any,
        check_signature: SignatureCheck,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clock_skew: timedelta = timedelta(seconds=300),
    ) -> None:
        self.fetcher = fetcher
        self.check_signature = check_signature
        self.clock = clock
        self.skew = max_clock_skew
        self._cache: dict[tuple[str, str], _Cached] = {}

    def check(self, status: Any, issuer_id: str, now: datetime) -> StatusResult:
        try:
            index, uri = status_reference(status)
        except StatusListError as exc:
            return StatusResult("fail", exc.code, str(exc))
        try:
            token_list = self._load(uri, issuer_id, now)
            value = token_list.value(index)
        except StatusListError as exc:
            outcome = "error" if exc.code == "STATUS_RETRIEVAL_ERROR" else "fail"
            return StatusResult(outcome, exc.code, f"Token Status List {uri}: {exc}", {"uri": uri})
        details = {"uri": uri, "index": index, "value": value, "bits": token_list.bits}
        name = _NAMES.get(value, f"status 0x{value:02X} (application specific)")
        summary = f"Token Status List: {name} ({uri} #{index})"
        if value == 0:
            return StatusResult("pass", "OK", summary, {**details, "summary": summary})
        code = {1: "REVOKED", 2: "SUSPENDED"}.get(value, "STATUS_SET")
        return StatusResult("fail", code, summary, details)

    def _load(self, uri: str, issuer_id: str, now: datetime) -> TokenStatusList:
        from ..jose import parse_jose

        cached = self._cache.get((uri, issuer_id))
        if (
            cached is not None
            and self.clock() < cached.expires_at
            and (cached.valid_until is None or now - self.skew <= cached.valid_until)
        ):
            return cached.token_list
        try:
            fetched = self.fetcher.fetch(uri, accept=MEDIA_TYPE)
        except McvcError as exc:
            raise StatusListError(f"not fetched: {exc}", code="STATUS_RETRIEVAL_ERROR") from None
        try:
            jose = parse_jose(fetched.body)
        except InvalidInput as exc:
            raise StatusListError(f"not a JWT: {exc}", code="STATUS_VERIFICATION_ERROR") from None
        if jose.form != "status-list":
            raise StatusListError(
                f"typ {jose.header.get('typ')!r} is not statuslist+jwt",
                code="STATUS_VERIFICATION_ERROR",
            )
        outcome, who, message = self.check_signature(jose)
        if outcome != "pass":
            code = "STATUS_RETRIEVAL_ERROR" if outcome == "error" else "STATUS_VERIFICATION_ERROR"
            raise StatusListError(f"the signature does not verify: {who}: {message}", code=code)
        if who != issuer_id:
            raise StatusListError(
                f"signed by a key of {who}, not of the credential's issuer {issuer_id}",
                code="STATUS_VERIFICATION_ERROR",
            )
        claims = jose.claims
        if claims.get("sub") != uri:
            raise StatusListError(
                f"its sub {claims.get('sub')!r} is not the uri the credential names",
                code="STATUS_VERIFICATION_ERROR",
            )
        iat: Any = claims.get("iat")
        exp: Any = claims.get("exp")
        ttl: Any = claims.get("ttl")
        if not _number(iat):
            raise StatusListError(
                "iat is required, as a NumericDate", code="STATUS_VERIFICATION_ERROR"
            )
        if datetime.fromtimestamp(iat, UTC) > now + self.skew:
            raise StatusListError("it is issued in the future", code="STATUS_VERIFICATION_ERROR")
        valid_until = None
        if exp is not None:
            if not _number(exp):
                raise StatusListError("exp is not a NumericDate", code="STATUS_VERIFICATION_ERROR")
            valid_until = datetime.fromtimestamp(exp, UTC)
            if now - self.skew > valid_until:
                raise StatusListError(
                    f"it expired at {valid_until.isoformat()}", code="STATUS_VERIFICATION_ERROR"
                )
        token_list = decode_token_list(claims.get("status_list"))
        seconds = float(ttl) if _number(ttl) and ttl > 0 else _DEFAULT_TTL
        self._cache[(uri, issuer_id)] = _Cached(
            token_list, self.clock() + min(seconds, 86400.0), valid_until
        )
        return token_list


def _number(value: Any) -> bool:
    # bounded so that a timestamp converts; booleans are not numbers here
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value < 253402300800  # 9999-12-31
    )
