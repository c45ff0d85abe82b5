"""Key attestations (OpenID4VCI 1.0 appendix D): a wallet provider vouches that the keys a
credential will be bound to live in a key store of a stated strength.

A key attestation is a JWT, ``typ: key-attestation+jwt``, in the ``key_attestation`` header of
a ``jwt`` key proof. The issuer here trusts wallet providers by certificate: the attestation
must carry its chain in ``x5c`` and that chain must reach one of the configured anchors
(``kid`` and ``trust_chain`` would need a DID or a federation the issuer does not run). The
claims: ``iat`` and ``exp`` (required with the ``jwt`` proof type), ``attested_keys`` (public
JWKs), ``nonce`` (the ``c_nonce`` of the proof it comes with), and ``key_storage`` /
``user_authentication``, which must name one of the levels the issuer accepts when it lists
some.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509

from ..errors import McvcError
from ..jades.certs import TrustAnchors, build_path
from ..keys import KeyPair, key_from_public
from .proofjwt import check_iat, public_jwk_key, read_signed

__all__ = [
    "KEY_ATTESTATION_TYP",
    "Attested",
    "KeyAttestationError",
    "KeyAttestationPolicy",
    "verify_key_attestation",
]

KEY_ATTESTATION_TYP = "key-attestation+jwt"
LEVELS = ("iso_18045_high", "iso_18045_moderate", "iso_18045_enhanced-basic", "iso_18045_basic")
_MAX_ATTESTATION = 32 * 1024
_MAX_CHAIN = 5
_MAX_KEYS = 20
_NAME = "the key attestation"


class KeyAttestationError(McvcError):
    """A key attestation that vouches for nothing here (``invalid_proof``)."""

    code = "invalid_proof"


@dataclass(frozen=True)
class KeyAttestationPolicy:
    """Which wallet providers the issuer trusts, and what it asks of their key stores."""

    anchors: TrustAnchors
    required: bool = False
    key_storage: tuple[str, ...] = ()
    user_authentication: tuple[str, ...] = ()

    def metadata(self) -> dict[str, Any]:
        """``key_attestations_required`` of ``proof_types_supported.jwt`` (empty: any level)."""
        out: dict[str, Any] = {}
        if self.key_storage:
            out["key_storage"] = list(self.key_storage)
        if self.user_authentication:
            out["user_authentication"] = list(self.user_authentication)
        return out


@dataclass(frozen=True)
class Attested:
    keys: tuple[KeyPair, ...]
    issuer: str | None  # the attestation's iss, when it names one
    nonce: str
    key_storage: tuple[str, ...] = ()
    user_authentication: tuple[str, ...] = field(default_factory=tuple)


def _fail(message: str) -> KeyAttestationError:
    return KeyAttestationError(message)


def _chain(header: dict[str, Any]) -> list[x509.Certificate]:
    if any(k in header for k in ("kid", "jwk", "trust_chain")) or "x5c" not in header:
        raise _fail(f"{_NAME} must carry its wallet provider's certificate chain in x5c")
    x5c = header["x5c"]
    if not isinstance(x5c, list) or not 1 <= len(x5c) <= _MAX_CHAIN:
        raise _fail(f"x5c must be an array of 1 to {_MAX_CHAIN} certificates")
    chain = []
    for i, item in enumerate(x5c):
        try:
            der = base64.b64decode(item, validate=True) if isinstance(item, str) else None
            if der is None:
                raise ValueError("not a string")
            chain.append(x509.load_der_x509_certificate(der))
        except (ValueError, binascii.Error) as exc:
            raise _fail(f"x5c[{i}] is not a base64 DER certificate: {exc}") from None
    return chain


def _levels(claims: dict[str, Any], name: str, accepted: tuple[str, ...]) -> tuple[str, ...]:
    value = claims.get(name)
    if value is None:
        if accepted:
            raise _fail(f"{_NAME} must state {name} (one of {', '.join(accepted)})")
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(f"{name} must be a non-empty array of strings")
    if accepted and not set(value) & set(accepted):
        raise _fail(
            f"{name} {value} is none of the levels this issuer accepts ({', '.join(accepted)})"
        )
    return tuple(value)


def verify_key_attestation(
    token: Any,
    *,
    policy: KeyAttestationPolicy,
    nonce: str | None,
    now: datetime,
    skew: timedelta = timedelta(seconds=60),
) -> Attested:
    """The keys a trusted wallet provider attests, or :class:`KeyAttestationError`.

    With ``nonce`` (the ``c_nonce`` of the ``jwt`` key proof it came in) the attestation must
    carry the same one and an ``exp`` (appendix F.1). Without, it is itself the proof (the
    ``attestation`` proof type, F.3): its own ``nonce`` is returned for the caller to consume,
    and ``exp`` is optional."""
    chain: list[x509.Certificate] = []

    def key_of(header: dict[str, Any]) -> KeyPair:
        chain.extend(_chain(header))
        leaf = chain[0]
        if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
            raise _fail(f"{_NAME}'s certificate is not valid now")
        found = build_path(leaf, chain[1:], policy.anchors, now)
        if not found.trusted:
            raise _fail(f"{_NAME} is not from a trusted wallet provider: {found.reason}")
        try:
            return key_from_public(leaf.public_key())
        except McvcError as exc:
            raise _fail(f"{_NAME}'s certificate key is not usable: {exc}") from None

    signed = read_signed(
        token,
        name=_NAME,
        max_size=_MAX_ATTESTATION,
        typ=(KEY_ATTESTATION_TYP,),
        key_of=key_of,
        fail=_fail,
    )
    claims = signed.claims
    # an attestation says how a key is kept, not when a proof was made: iat only may not be
    # in the future; exp bounds it
    check_iat(
        claims,
        name=_NAME,
        now=now,
        max_age=timedelta(days=3650),
        skew=skew,
        fail=_fail,
        renew="ask the wallet provider for a new one",
    )
    exp = claims.get("exp")
    if exp is None and nonce is not None:
        raise _fail(f"{_NAME} needs exp when it comes with a jwt key proof")
    if exp is not None:
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise _fail(f"{_NAME}'s exp must be a number")
        if exp <= now.timestamp():
            raise _fail(f"{_NAME} has expired (exp)")
    said = claims.get("nonce")
    if nonce is not None and said != nonce:
        raise _fail(f"{_NAME}'s nonce must be the c_nonce of its key proof")
    if not isinstance(said, str) or not said:
        raise _fail(f"{_NAME} needs the nonce from this issuer's nonce endpoint")
    listed = claims.get("attested_keys")
    if not isinstance(listed, list) or not 1 <= len(listed) <= _MAX_KEYS:
        raise _fail(f"attested_keys must be an array of 1 to {_MAX_KEYS} public JWKs")
    keys = tuple(public_jwk_key(jwk, f"attested_keys[{i}]", _fail) for i, jwk in enumerate(listed))
    iss = claims.get("iss")
    return Attested(
        keys,
        iss if isinstance(iss, str) else None,
        said,
        _levels(claims, "key_storage", policy.key_storage),
        _levels(claims, "user_authentication", policy.user_authentication),
    )
