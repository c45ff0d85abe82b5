"""DPoP (RFC 9449): access tokens bound to a key the wallet proves it holds with each request.

A DPoP proof is a compact JWS in the ``DPoP`` header: ``typ: dpop+jwt``, an asymmetric ``alg``,
the public key in ``jwk``, and the claims ``jti`` (unique), ``htm`` and ``htu`` (the request's
method and URL), ``iat`` (recent) and, with an access token, ``ath`` (its SHA-256). The token
endpoint binds the token it issues to the key's JWK thumbprint (RFC 7638); every later request
with that token must carry a proof by the same key, for that request. A proof is accepted
once: its ``jti`` is kept (as a digest, in the ledger database, so on every replica) until its
``iat`` is too old to be accepted anyway.

A server may also ask for a ``nonce`` of its own in each proof (sections 8 and 9), which takes
the freshness of a proof off the wallet's clock: :class:`DpopNonces` makes them without state.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import McvcError
from ..multibase import b64url_encode
from .proofjwt import ALGS, check_iat, public_jwk_key, read_signed

__all__ = [
    "DPOP_ALGS",
    "DpopBook",
    "DpopError",
    "DpopNonces",
    "DpopProof",
    "jwk_thumbprint",
    "verify_dpop",
]

DPOP_ALGS = ALGS
_MAX_PROOF = 8 * 1024
_NAME = "the DPoP proof"
MAX_AGE = timedelta(minutes=5)
SKEW = timedelta(seconds=60)

_metadata = MetaData()
bindings = Table(
    "mcvc_oid4vci_dpop_tokens",
    _metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("jkt", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
seen = Table(
    "mcvc_oid4vci_dpop_jtis",
    _metadata,
    Column("jti_hash", String(64), primary_key=True),
    Column("forget_at", DateTime(timezone=True), nullable=False),
)


class DpopError(McvcError):
    """A DPoP proof that proves nothing for this request (``invalid_dpop_proof``)."""

    code = "invalid_dpop_proof"


@dataclass(frozen=True)
class DpopProof:
    jkt: str  # RFC 7638 thumbprint of the proof's key
    jti: str
    iat: float
    nonce: str | None = None  # the server-provided nonce the proof carries, if any


class DpopNonces:
    """Server-provided DPoP nonces (RFC 9449 sections 8 and 9), without state.

    A nonce is the number of the time window it was made in, with a MAC of it under the
    service's secret: unpredictable to wallets, accepted by every replica that has the secret,
    and valid in its own window and the next (so for one to two windows). Replay is still
    judged by ``jti``; the nonce only bounds how long ago a proof could have been made."""

    _LABEL = b"mcvc dpop nonce\0"

    def __init__(self, secret: bytes, window: timedelta = timedelta(minutes=5)) -> None:
        if len(secret) < 16:
            raise ValueError("the DPoP nonce secret must have at least 16 bytes")
        self._key = hmac.new(secret, self._LABEL, hashlib.sha256).digest()
        self._window = window.total_seconds()

    def _make(self, number: int) -> str:
        packed = struct.pack(">q", number)
        mac = hmac.new(self._key, packed, hashlib.sha256).digest()[:16]
        return b64url_encode(packed + mac)

    def _number(self, now: datetime) -> int:
        return int(now.timestamp() // self._window)

    def current(self, now: datetime) -> str:
        return self._make(self._number(now))

    def accepts(self, value: str | None, now: datetime) -> bool:
        if not isinstance(value, str) or len(value) != 32:
            return False
        number = self._number(now)
        return any(hmac.compare_digest(value, self._make(n)) for n in (number, number - 1))


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
    members = ("crv", "kty", "x") if jwk.get("kty") == "OKP" else ("crv", "kty", "x", "y")
    text = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(text.encode()).digest())


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _normal_url(url: str) -> str:
    """``htu`` compares without query and fragment, scheme and host case-insensitively
    (RFC 9449 section 4.3, with RFC 3986 normalization of those parts)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))


def verify_dpop(
    proof: Any,
    *,
    method: str,
    url: str,
    now: datetime,
    access_token: str | None = None,
) -> DpopProof:
    """The key a DPoP proof was made with, for this request, or :class:`DpopError`.

    With ``access_token`` the proof must carry its hash (``ath``). Replay is judged by
    :meth:`DpopBook.first_use`, not here."""
    signed = read_signed(
        proof,
        name=_NAME,
        max_size=_MAX_PROOF,
        typ=("dpop+jwt",),
        key_of=lambda header: public_jwk_key(header.get("jwk"), "the DPoP proof's jwk", DpopError),
        fail=DpopError,
    )
    claims = signed.claims
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise DpopError("the DPoP proof needs a jti (a string of at most 256 characters)")
    if claims.get("htm") != method:
        raise DpopError(f"the DPoP proof is for method {claims.get('htm')!r}, not {method}")
    htu = claims.get("htu")
    if not isinstance(htu, str) or _normal_url(htu) != _normal_url(url):
        raise DpopError(f"the DPoP proof is for {htu!r}, not {url}")
    iat = check_iat(
        claims,
        name=_NAME,
        now=now,
        max_age=MAX_AGE,
        skew=SKEW,
        fail=DpopError,
        renew="make a new one for each request",
    )
    if access_token is not None:
        expected = b64url_encode(hashlib.sha256(access_token.encode("ascii")).digest())
        if claims.get("ath") != expected:
            raise DpopError("the DPoP proof's ath is not the hash of this access token")
    nonce = claims.get("nonce")
    if nonce is not None and (not isinstance(nonce, str) or len(nonce) > 256):
        raise DpopError("the DPoP proof's nonce must be a string of at most 256 characters")
    return DpopProof(jwk_thumbprint(signed.key.public_jwk()), jti, iat, nonce)


class DpopBook:
    """Token bindings and spent proofs, in the ledger's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _metadata.create_all(engine)

    def first_use(self, proof: DpopProof, now: datetime) -> bool:
        """True the first time a proof (its key and jti) is seen; False for a replay."""
        forget_at = datetime.fromtimestamp(proof.iat, UTC) + MAX_AGE + SKEW
        with self.engine.begin() as conn:
            conn.execute(delete(seen).where(seen.c.forget_at < now))
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    seen.insert().values(
                        jti_hash=_sha(f"{proof.jkt}:{proof.jti}"), forget_at=forget_at
                    )
                )
        except IntegrityError:
            return False
        return True

    def bind(self, token: str, jkt: str, expires_at: datetime, now: datetime) -> None:
        """Bind a token to a key until it expires; bindings of expired tokens are dropped
        (their tokens are refused anyway), so the table does not grow without end."""
        with self.engine.begin() as conn:
            conn.execute(delete(bindings).where(bindings.c.expires_at < now))
            conn.execute(
                bindings.insert().values(token_hash=_sha(token), jkt=jkt, expires_at=expires_at)
            )

    def bound_to(self, token: str) -> str | None:
        """The thumbprint a token is bound to, None for a bearer token."""
        with self.engine.connect() as conn:
            value = conn.execute(
                select(bindings.c.jkt).where(bindings.c.token_hash == _sha(token))
            ).scalar_one_or_none()
        return None if value is None else str(value)
