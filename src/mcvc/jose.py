"""Credentials secured with JOSE: W3C VC-JOSE (``vc+jwt``, the credential is the JWT claims
set; ``EnvelopedVerifiableCredential`` wraps one in a ``data:`` URL) and the VCDM 1.1 JWT form
EBSI and Europass wallets use (``typ: JWT``, the credential under the ``vc`` claim, with
``iss``/``sub``/``jti``/``nbf``/``exp`` mirroring it).

Compact serialization only. The header is read with the strict JSON parser; ``alg`` must be
EdDSA, ES256 or ES384 and fit the key that ``kid`` names (a DID URL, resolved like a Data
Integrity verification method), so there is no ``none``, no HMAC with a public key, and no key
taken from the token itself (``jwk``, ``jku``, ``x5u`` are refused). Signatures are the raw
Ed25519 or P1363 (r || s) bytes JWS defines, the same bytes :class:`~mcvc.keys.KeyPair` makes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote_to_bytes

from .errors import InvalidInput, McvcError
from .jsontext import parse_json
from .keys import KeyPair
from .multibase import b64url_decode, b64url_encode

__all__ = [
    "ALGORITHMS",
    "ENVELOPED",
    "JoseCredential",
    "enveloped",
    "parse_jose",
    "sign_jwt",
    "unwrap_enveloped",
]

# alg -> the key kind it needs
ALGORITHMS = {"EdDSA": "ed25519", "Ed25519": "ed25519", "ES256": "p256", "ES384": "p384"}
_ALG_FOR = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}
ENVELOPED = "EnvelopedVerifiableCredential"
_MEDIA = {"vc+jwt": "application/vc+jwt", "vp+jwt": "application/vp+jwt"}
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_KEY_HEADERS = ("jwk", "jku", "x5u", "x5c")
_MAX_TOKEN = 8 * 1024 * 1024

Form = Literal["vc-jose", "jwt-vc", "sd-jwt", "status-list"]


def _fail(code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code)


@dataclass(frozen=True)
class JoseCredential:
    """A parsed (not yet verified) JOSE-secured credential or presentation."""

    header: dict[str, Any]
    claims: dict[str, Any]
    credential: dict[str, Any]
    form: Form
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        return str(self.header.get("kid", ""))

    @property
    def alg(self) -> str:
        return str(self.header.get("alg", ""))


def sign_jwt(
    credential: dict[str, Any],
    key: KeyPair,
    *,
    typ: str = "vc+jwt",
    kid: str | None = None,
) -> str:
    """A compact JWS over ``credential`` (VC-JOSE: the credential is the claims set).

    ``typ="vp+jwt"`` for presentations. ``typ="JWT"`` gives the VCDM 1.1 form EBSI wallets
    accept: ``{"vc": credential, "iss", "sub", "jti", "nbf", "exp"}``. ``kid`` defaults to
    the key's verification method."""
    if not isinstance(credential, dict):
        raise TypeError("credential must be a dict")
    if key.private_key is None:
        raise ValueError("the key has no private part")
    header = {"alg": _ALG_FOR[key.kind], "typ": typ, "kid": kid or key.verification_method}
    if typ in _MEDIA:
        header["cty"] = typ.split("+", 1)[0]
        claims: dict[str, Any] = credential
    elif typ == "JWT":
        claims = _jwt_vc_claims(credential)
    else:
        raise ValueError("typ must be vc+jwt, vp+jwt or JWT")
    import json

    part1 = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    part2 = b64url_encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    signing_input = f"{part1}.{part2}".encode()
    return f"{part1}.{part2}.{b64url_encode(key.sign(signing_input))}"


def _jwt_vc_claims(credential: dict[str, Any]) -> dict[str, Any]:
    from .dates import parse_datetime

    issuer = credential.get("issuer")
    claims: dict[str, Any] = {"vc": credential}
    claims["iss"] = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    if credential.get("id"):
        claims["jti"] = credential["id"]
    for claim, names in (
        ("nbf", ("validFrom", "issuanceDate")),
        ("exp", ("validUntil", "expirationDate")),
    ):
        for name in names:
            if name in credential:
                claims[claim] = int(parse_datetime(credential[name], name).timestamp())
                break
    return claims


def enveloped(token: str, *, typ: str = "vc+jwt") -> dict[str, Any]:
    """The ``EnvelopedVerifiableCredential`` that carries ``token`` (VC-JOSE §3.1)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"data:{_MEDIA[typ]},{token}",
        "type": ENVELOPED,
    }


def unwrap_enveloped(doc: dict[str, Any]) -> str | None:
    """The compact JWS inside an enveloped credential or presentation, None if ``doc`` is not
    one; a malformed envelope is refused (``JOSE_FORMAT``)."""
    types = doc.get("type")
    types = types if isinstance(types, list) else [types]
    if ENVELOPED not in types and "EnvelopedVerifiablePresentation" not in types:
        return None
    url = doc.get("id")
    if not isinstance(url, str) or not url.startswith("data:"):
        raise _fail("JOSE_FORMAT", "an enveloped credential's id must be a data: URL")
    meta, sep, data = url[5:].partition(",")
    if not sep:
        raise _fail("JOSE_FORMAT", "the data: URL has no data")
    media = meta.split(";", 1)[0].strip().lower()
    if media not in ("application/vc+jwt", "application/vp+jwt", "application/jwt"):
        raise _fail(
            "JOSE_FORMAT",
            f"the enveloped credential is {media or 'untyped'}; only vc+jwt and vp+jwt are read",
        )
    if ";base64" in meta.lower():
        raise _fail("JOSE_FORMAT", "a JWS in a data: URL is text, not base64")
    return unquote_to_bytes(data).decode("ascii", "replace")


def looks_like_jws(data: str | bytes) -> bool:
    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    # the same bound parse_jose applies: a token it would read looks like one
    return len(text) <= _MAX_TOKEN and _COMPACT.match(text.strip()) is not None


def parse_jose(token: str | bytes) -> JoseCredential:
    """Split and read a compact JWS; every refusal is an :class:`InvalidInput` with a code."""
    text = (token.decode("ascii", "replace") if isinstance(token, bytes) else token).strip()
    if len(text) > _MAX_TOKEN:
        raise _fail("INPUT_TOO_LARGE", f"the token exceeds {_MAX_TOKEN} bytes")
    if not _COMPACT.match(text):
        raise _fail("JOSE_FORMAT", "not a compact JWS (three base64url parts)")
    part1, part2, part3 = text.split(".")
    try:
        header = parse_json(b64url_decode(part1), max_bytes=16_384)
        claims = parse_json(b64url_decode(part2))
        signature = b64url_decode(part3)
    except InvalidInput as exc:
        code = (
            exc.code if exc.code in ("DUPLICATE_KEY", "TOO_DEEP", "NUMBER_RANGE") else "JOSE_FORMAT"
        )
        raise _fail(code, f"the JWS does not decode: {exc}") from None
    except (ValueError, McvcError) as exc:
        raise _fail("JOSE_FORMAT", f"the JWS does not decode: {exc}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise _fail("JOSE_FORMAT", "the JWS header and payload must be JSON objects")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise _fail(
            "UNSUPPORTED_ALGORITHM",
            f"alg {alg!r} is not accepted (EdDSA, ES256 and ES384 are; none and HMAC never)",
        )
    taken = [h for h in _KEY_HEADERS if h in header]
    if taken:
        raise _fail(
            "UNTRUSTED_KEY",
            f"the header carries its own key ({', '.join(taken)}); the key comes from kid only",
        )
    if "crit" in header:
        raise _fail("UNSUPPORTED_CRITICAL_HEADER", f"crit {header['crit']!r} is not understood")
    if header.get("b64") is False:
        raise _fail("JOSE_FORMAT", "an unencoded payload (b64: false) is not a VC-JOSE token")
    if not isinstance(header.get("kid", ""), str):
        raise _fail("JOSE_FORMAT", "kid must be a string")
    typ = header.get("typ")
    if isinstance(claims.get("vc"), dict) or isinstance(claims.get("vp"), dict):
        form: Form = "jwt-vc"
        inner: dict[str, Any] = claims["vc"] if isinstance(claims.get("vc"), dict) else claims["vp"]
        credential = dict(inner)
    elif typ in ("vc+jwt", "vp+jwt", "vc+ld+jwt", "vp+ld+jwt", None):
        form = "vc-jose"
        credential = claims
    elif typ in ("dc+sd-jwt", "vc+sd-jwt"):
        form = "sd-jwt"
        credential = claims
    elif typ == "statuslist+jwt":  # an IETF Token Status List, read by mcvc.status.token
        form = "status-list"
        credential = {}
    else:
        raise _fail("JOSE_FORMAT", f"typ {typ!r} with no vc claim is not a credential")
    return JoseCredential(header, claims, credential, form, f"{part1}.{part2}".encode(), signature)


def jwt_claim_problems(jose: JoseCredential) -> list[str]:
    """Where the registered claims of the VCDM 1.1 JWT form contradict the credential they
    carry (VC Data Model 1.1 §6.3.1): each names the claim."""
    from .dates import parse_datetime

    claims, doc = jose.claims, jose.credential
    problems = []
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    for where, value in (("iss", claims.get("iss")), ("header iss", jose.header.get("iss"))):
        if value is not None and issuer_id is not None and value != issuer_id:
            problems.append(f"{where} {value!r} is not the credential's issuer {issuer_id!r}")
    if jose.form != "jwt-vc":
        return problems  # VC-JOSE: iat/exp are the signature's own times
    if "jti" in claims and "id" in doc and claims["jti"] != doc["id"]:
        problems.append(f"jti {claims['jti']!r} is not the credential's id {doc['id']!r}")
    subject = doc.get("credentialSubject")
    sub_id = subject.get("id") if isinstance(subject, dict) else None
    if "sub" in claims and sub_id is not None and claims["sub"] != sub_id:
        problems.append(f"sub {claims['sub']!r} is not the credential subject {sub_id!r}")
    for claim, names in (
        ("nbf", ("validFrom", "issuanceDate")),
        ("exp", ("validUntil", "expirationDate")),
    ):
        value = claims.get(claim)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            problems.append(f"{claim} must be a NumericDate (seconds)")
            continue
        for name in names:
            if name in doc:
                try:
                    stated = int(parse_datetime(doc[name], name).timestamp())
                except InvalidInput:
                    break
                if stated != value:
                    problems.append(f"{claim} {value} is not the credential's {name} {doc[name]}")
                break
    return problems
