"""What a wallet's key proof and a DPoP proof have in common: a small compact JWS, signed by
the key its header names, with an asymmetric ``alg`` that fits that key, no ``crit``, and an
``iat`` that is recent. Each caller names the proof in its messages and raises its own error
(``invalid_proof``, ``invalid_dpop_proof``), so the wallet hears which rule it broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature

from ..errors import McvcError
from ..jsontext import parse_json
from ..keys import KeyPair, key_from_document
from ..multibase import b64url_decode

__all__ = ["ALGS", "SignedProof", "check_iat", "public_jwk_key", "read_signed"]

# alg -> the key kind it needs; nothing symmetric, no "none"
ALGS = {"EdDSA": "ed25519", "ES256": "p256", "ES384": "p384"}
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")

Fail = Callable[[str], McvcError]


@dataclass(frozen=True)
class SignedProof:
    header: dict[str, Any]
    claims: dict[str, Any]
    key: KeyPair


def _part(text: str, name: str, what: str, fail: Fail) -> dict[str, Any]:
    try:
        # the whole token is size-checked first: no part can be larger
        value = parse_json(b64url_decode(text))
    except McvcError as exc:
        raise fail(f"{name}'s {what} is not base64url JSON: {exc}") from None
    if not isinstance(value, dict):
        raise fail(f"{name}'s {what} must be a JSON object")
    return value


def public_jwk_key(jwk: Any, what: str, fail: Fail) -> KeyPair:
    """The key of a JWK header, which must be public: a private or symmetric member in a
    header is a leak at best and a confusion attack at worst."""
    if not isinstance(jwk, dict) or any(k in jwk for k in ("d", "p", "q", "k")):
        raise fail(f"{what} must be a public key (no private or symmetric part)")
    try:
        return key_from_document({"publicKeyJwk": jwk})
    except McvcError as exc:
        raise fail(f"{what} is not a usable key: {exc}") from None


def read_signed(
    token: Any,
    *,
    name: str,
    max_size: int,
    typ: tuple[str, ...],
    key_of: Callable[[dict[str, Any]], KeyPair],
    fail: Fail,
) -> SignedProof:
    """Header, claims and key of a compact JWS whose signature verifies with the key its
    header names (``key_of``), or the caller's error. ``name`` is how messages call it."""
    if not isinstance(token, str) or len(token) > max_size or not _COMPACT.match(token):
        raise fail(f"{name} must be one compact JWS")
    p1, p2, p3 = token.split(".")
    header = _part(p1, name, "header", fail)
    if header.get("typ") not in typ:
        raise fail(f"{name}'s typ must be {typ[0]}, not {header.get('typ')!r}")
    alg = header.get("alg")
    if alg not in ALGS:
        raise fail(f"alg {alg!r} is not accepted; use one of {', '.join(ALGS)}")
    if "crit" in header:
        raise fail("no critical header extensions are understood (crit)")
    key = key_of(header)
    if key.kind != ALGS[alg]:
        raise fail(f"alg {alg} does not fit a {key.algorithm} key")
    try:
        key.verify(b64url_decode(p3), f"{p1}.{p2}".encode())
    except (InvalidSignature, McvcError):
        raise fail(f"{name}'s signature does not verify with the key it names") from None
    return SignedProof(header, _part(p2, name, "payload", fail), key)


def check_iat(
    claims: dict[str, Any],
    *,
    name: str,
    now: datetime,
    max_age: timedelta,
    skew: timedelta,
    fail: Fail,
    renew: str,
) -> float:
    """``iat``, when it is a number no later than ``now`` + ``skew`` and no older than
    ``max_age``; ``renew`` tells the wallet what to do about an old one."""
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise fail(f"{name} needs iat (a number)")
    stamp = now.timestamp()
    if iat > stamp + skew.total_seconds():
        raise fail(f"{name}'s iat is in the future")
    if iat < stamp - max_age.total_seconds():
        raise fail(f"{name} is too old (iat); {renew}")
    return float(iat)
