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

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature

from ..did import did_jwk_for, did_key_document
from ..errors import McvcError
from ..jsontext import parse_json
from ..keys import KeyPair, key_from_document
from ..multibase import b64url_decode

__all__ = ["PROOF_ALGS", "PROOF_TYP", "HolderKey", "KeyProofError", "verify_key_proof"]

PROOF_TYP = "openid4vci-proof+jwt"
# alg -> the key kind it needs; nothing symmetric, no "none"
PROOF_ALGS = {"EdDSA": "ed25519", "ES256": "p256", "ES384": "p384"}
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_MAX_PROOF = 16 * 1024
_KEY_HEADERS = ("jwk", "kid", "x5c", "trust_chain")


class KeyProofError(McvcError):
    """A key proof that binds nothing. ``code`` is the specification's error:
    ``invalid_proof`` or ``invalid_nonce``."""

    code = "invalid_proof"


@dataclass(frozen=True)
class HolderKey:
    key: KeyPair  # the public key the credential is bound to
    did: str  # did:key or did:jwk naming that key (the credential subject's id)
    nonce: str

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


def _part(text: str, what: str) -> dict[str, Any]:
    try:
        # the whole proof is at most _MAX_PROOF characters: no part can be larger
        value = parse_json(b64url_decode(text))
    except McvcError as exc:
        raise _fail(f"the key proof's {what} is not base64url JSON: {exc}") from None
    if not isinstance(value, dict):
        raise _fail(f"the key proof's {what} must be a JSON object")
    return value


def _key_of(header: dict[str, Any]) -> tuple[KeyPair, str]:
    named = [h for h in _KEY_HEADERS if h in header]
    if len(named) != 1:
        raise _fail(
            "the key proof must name its key with exactly one of jwk or kid"
            + (f" (it has {', '.join(named)})" if named else "")
        )
    if named[0] == "jwk":
        jwk = header["jwk"]
        if not isinstance(jwk, dict) or any(k in jwk for k in ("d", "p", "q", "k")):
            raise _fail("the jwk header must be a public key (no private or symmetric part)")
        try:
            key = key_from_document({"publicKeyJwk": jwk})
        except McvcError as exc:
            raise _fail(f"the jwk header is not a usable key: {exc}") from None
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
    if not isinstance(token, str) or len(token) > _MAX_PROOF or not _COMPACT.match(token):
        raise _fail("a jwt key proof must be a compact JWS string")
    p1, p2, p3 = token.split(".")
    header = _part(p1, "header")
    typ = header.get("typ")
    if typ not in (PROOF_TYP, f"application/{PROOF_TYP}"):
        raise _fail(f"the key proof's typ must be {PROOF_TYP}, not {typ!r}")
    alg = header.get("alg")
    if alg not in PROOF_ALGS:
        raise _fail(f"alg {alg!r} is not accepted; use one of {', '.join(PROOF_ALGS)}")
    if "crit" in header:
        raise _fail("no critical header extensions are understood (crit)")
    key, did = _key_of(header)
    if key.kind != PROOF_ALGS[alg]:
        raise _fail(f"alg {alg} does not fit a {key.algorithm} key")
    try:
        key.verify(b64url_decode(p3), f"{p1}.{p2}".encode())
    except (InvalidSignature, McvcError):
        raise _fail("the key proof's signature does not verify with the key it names") from None
    claims = _part(p2, "payload")
    aud = claims.get("aud")
    if aud != audience and not (isinstance(aud, list) and aud == [audience]):
        raise _fail(f"the key proof is for audience {aud!r}, not this issuer ({audience})")
    iat = claims.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise _fail("the key proof needs iat (a number)")
    stamp = now.timestamp()
    if iat > stamp + skew.total_seconds():
        raise _fail("the key proof's iat is in the future")
    if iat < stamp - max_age.total_seconds():
        raise _fail("the key proof is too old (iat); make a new one with a fresh nonce")
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
    return HolderKey(key=key, did=did, nonce=nonce)
