"""The wallet's key proof (OpenID4VCI 1.0, appendix F.1 ``jwt`` proof type, F.4 verifying).

A key proof is a compact JWS, ``typ: openid4vci-proof+jwt``, signed by the key the credential
is to be bound to. The key is named by exactly one header: ``jwk`` (a public JWK) or ``kid``
(a ``did:key`` or ``did:jwk`` DID URL, resolved here without any network). ``x5c`` and
``trust_chain`` need a PKI mcvc does not run for wallets, so they are refused, as are several
key headers at once (an honest ``kid`` beside an attacker's ``jwk`` must not be a choice).
Claims: ``aud`` is this Credential Issuer's identifier, ``iat`` is recent, ``nonce`` is a
``c_nonce`` from this issuer's Nonce Endpoint; the caller consumes the nonce once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..did import did_jwk_for, did_key_document
from ..errors import McvcError
from ..keys import KeyPair, key_from_document
from .proofjwt import ALGS, check_iat, public_jwk_key, read_signed

__all__ = ["PROOF_ALGS", "PROOF_TYP", "HolderKey", "KeyProofError", "verify_key_proof"]

PROOF_TYP = "openid4vci-proof+jwt"
PROOF_ALGS = ALGS
_MAX_PROOF = 16 * 1024
_KEY_HEADERS = ("jwk", "kid", "x5c", "trust_chain")
_NAME = "the key proof"


class KeyProofError(McvcError):
    """A key proof that binds nothing. ``code`` is the specification's error:
    ``invalid_proof`` or ``invalid_nonce``."""

    code = "invalid_proof"


@dataclass(frozen=True)
class HolderKey:
    key: KeyPair  # the public key the credential is bound to
    did: str  # did:key or did:jwk naming that key (the credential subject's id)
    nonce: str
    attestation: Any = None  # the key_attestation header, judged by the issuer's policy

    @property
    def jwk(self) -> dict[str, str]:
        return self.key.public_jwk()

    @property
    def thumbprint(self) -> str:
        """RFC 7638 over the required members: the same key always gives the same value."""
        from .dpop import jwk_thumbprint

        return jwk_thumbprint(self.jwk)


def _fail(message: str) -> KeyProofError:
    return KeyProofError(message)


def _key_of(header: dict[str, Any]) -> tuple[KeyPair, str]:
    named = [h for h in _KEY_HEADERS if h in header]
    if len(named) != 1:
        raise _fail(
            "the key proof must name its key with exactly one of jwk or kid"
            + (f" (it has {', '.join(named)})" if named else "")
        )
    if named[0] == "jwk":
        key = public_jwk_key(header["jwk"], "the jwk header", _fail)
        return key, did_jwk_for(key)
    if named[0] != "kid":
        raise _fail(f"{named[0]} key proofs are not supported; use jwk or a did:key/did:jwk kid")
    kid = header["kid"]
    if not isinstance(kid, str) or kid.count("#") != 1:
        raise _fail("kid must be a DID URL (did:key or did:jwk with a fragment)")
    did = kid.partition("#")[0]
    try:
        if did.startswith("did:key:"):
            document = did_key_document(did)
        elif did.startswith("did:jwk:"):
            from ..did import _did_jwk_document

            document = _did_jwk_document(did)
        else:
            raise _fail("kid must name a did:key or did:jwk key; other DIDs are not resolved here")
    except KeyProofError:
        raise
    except McvcError as exc:
        raise _fail(f"kid: {exc}") from None
    # a did:key or did:jwk document has one key, listed under every relationship
    for method in document["verificationMethod"]:
        if method["id"] == kid:
            try:
                return key_from_document(method), did
            except McvcError as exc:
                raise _fail(f"kid: {exc}") from None
    raise _fail(f"kid {kid} is not a key of {did}")


def verify_key_proof(
    token: Any,
    *,
    audience: str,
    now: datetime,
    max_age: timedelta = timedelta(minutes=5),
    skew: timedelta = timedelta(seconds=60),
) -> HolderKey:
    """The key a wallet proved it holds, or :class:`KeyProofError`.

    The nonce is returned, not judged: it must be consumed once for the whole request."""
    found: list[str] = []

    def key_of(header: dict[str, Any]) -> KeyPair:
        key, did = _key_of(header)
        found.append(did)
        return key

    proof = read_signed(
        token,
        name=_NAME,
        max_size=_MAX_PROOF,
        typ=(PROOF_TYP, f"application/{PROOF_TYP}"),
        key_of=key_of,
        fail=_fail,
    )
    claims = proof.claims
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and aud == [audience]):
        raise _fail(f"the key proof is for audience {aud!r}, not this issuer ({audience})")
    check_iat(
        claims,
        name=_NAME,
        now=now,
        max_age=max_age,
        skew=skew,
        fail=_fail,
        renew="make a new one with a fresh nonce",
    )
    stamp = now.timestamp()
    for claim in ("exp", "nbf"):
        value = claims.get(claim)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _fail(f"{claim} must be a number")
        if (claim == "exp" and value <= stamp) or (claim == "nbf" and value > stamp + 60):
            raise _fail(f"the key proof is not valid now ({claim})")
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce:
        raise _fail("the key proof needs the nonce from this issuer's nonce endpoint")
    return HolderKey(
        key=proof.key, did=found[0], nonce=nonce, attestation=proof.header.get("key_attestation")
    )
