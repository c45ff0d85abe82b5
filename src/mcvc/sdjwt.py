"""SD-JWT VC (RFC 9901 Selective Disclosure for JWTs; SD-JWT VC, ``typ: dc+sd-jwt``): a
micro-credential whose learner can leave out personal data when presenting it.

The claims set is the credential itself (as in VC-JOSE) plus ``iss``, ``vct``, ``iat`` and,
for holder binding, ``cnf``. The learner's personal data (date and place of birth, national
identifier, e-mail) are selectively disclosable by default; the standard elements are always
disclosed. Written on the RFC rather than on the ``sd-jwt`` package (which the tests use as an
independent implementation to check against): every disclosure must be referenced exactly
once, digests may not repeat, a disclosed name may not collide with a claim, and parsing uses
mcvc's strict JSON, so a presentation cannot smuggle claims the issuer did not sign.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import InvalidInput, McvcError
from .jsontext import parse_json
from .keys import KeyPair
from .multibase import b64url_decode, b64url_encode

__all__ = [
    "PERSONAL_DATA",
    "SdJwt",
    "issue_sd_jwt",
    "parse_sd_jwt",
    "present_sd_jwt",
    "reconstruct",
]

TYP = "dc+sd-jwt"
TYPES = (TYP, "vc+sd-jwt")  # vc+sd-jwt: the media type before SD-JWT VC draft 06
VCT = "urn:mcvc:vct:micro-credential:1"
PERSONAL_DATA = (
    "credentialSubject.dateOfBirth",
    "credentialSubject.placeOfBirth",
    "credentialSubject.nationalID",
    "credentialSubject.emailAddress",
    "credentialSubject.contactPoint",
    "credentialSubject.identifier",
)
"""What a micro-credential makes selectively disclosable unless told otherwise (GDPR data
minimisation: an admissions office needs the course, not the learner's birth date)."""

_ALG = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}
# claims of the SD-JWT VC envelope, not of the credential (never selectively disclosable)
ENVELOPE_CLAIMS = ("iss", "vct", "iat", "nbf", "exp", "cnf", "status", "sub", "_sd_alg")


def _fail(code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code)


def _digest(disclosure: str) -> str:
    return b64url_encode(hashlib.sha256(disclosure.encode("ascii")).digest())


def _disclosure(*items: Any) -> str:
    return b64url_encode(json.dumps(list(items), ensure_ascii=False).encode("utf-8"))


def _jws(header: dict[str, Any], claims: dict[str, Any], key: KeyPair) -> str:
    part1 = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    part2 = b64url_encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{part1}.{part2}.{b64url_encode(key.sign(f'{part1}.{part2}'.encode('ascii')))}"


def issue_sd_jwt(
    credential: dict[str, Any],
    key: KeyPair,
    *,
    now: datetime,
    disclosable: Iterable[str] = PERSONAL_DATA,
    holder_jwk: dict[str, Any] | None = None,
    vct: str = VCT,
    decoys: int = 2,
) -> str:
    """The issuer's SD-JWT (``<JWT>~<disclosure>~...~``) for ``credential``.

    ``disclosable`` names dotted paths (``credentialSubject.dateOfBirth``); those present
    become disclosures, the rest of the credential is signed in the clear. ``holder_jwk``
    binds the credential to the wallet's key (``cnf``); ``decoys`` random digests per object
    with disclosures hide how many claims were withheld."""
    if key.private_key is None:
        raise ValueError("the key has no private part")
    claims: dict[str, Any] = json.loads(json.dumps(credential))
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str):
        raise ValueError("the credential needs an issuer id (it becomes iss)")
    disclosures: list[str] = []
    touched: set[int] = set()
    for path in disclosable:
        *parents, name = path.split(".")
        node: Any = claims
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or name not in node:
            continue
        # ("..." cannot be named: a dotted path would split it)
        if name == "_sd" or (not parents and name in ENVELOPE_CLAIMS):
            raise ValueError(f"{path} cannot be selectively disclosable")
        disclosure = _disclosure(b64url_encode(secrets.token_bytes(16)), name, node.pop(name))
        disclosures.append(disclosure)
        node.setdefault("_sd", []).append(_digest(disclosure))
        touched.add(id(node))
    for node in _objects(claims):
        if id(node) in touched:
            node["_sd"].extend(
                _digest(b64url_encode(secrets.token_bytes(16))) for _ in range(decoys)
            )
            node["_sd"].sort()
    claims.update(iss=issuer_id, vct=vct, iat=int(now.timestamp()), _sd_alg="sha-256")
    if holder_jwk is not None:
        claims["cnf"] = {"jwk": holder_jwk}
    header = {"alg": _ALG[key.kind], "typ": TYP, "kid": key.verification_method}
    return _jws(header, claims, key) + "~" + "".join(d + "~" for d in disclosures)


def _objects(value: Any) -> Iterable[dict[str, Any]]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


@dataclass(frozen=True)
class SdJwt:
    jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None
    presented: str = ""
    """Everything before the KB-JWT (what its sd_hash covers)."""

    @property
    def names(self) -> list[str]:
        out = []
        for text in self.disclosures:
            try:
                item = parse_json(b64url_decode(text), max_bytes=65_536)
            except (InvalidInput, ValueError, McvcError):
                continue
            if isinstance(item, list) and len(item) == 3:
                out.append(str(item[1]))
        return out


def looks_like_sd_jwt(data: str | bytes) -> bool:
    text = (data.decode("ascii", "replace") if isinstance(data, bytes) else data).strip()
    first = text.split("~", 1)[0]
    return "~" in text and first.count(".") == 2 and not text.startswith(("{", "["))


def parse_sd_jwt(text: str | bytes) -> SdJwt:
    raw = (text.decode("ascii", "replace") if isinstance(text, bytes) else text).strip()
    if len(raw) > 8 * 1024 * 1024:
        raise _fail("INPUT_TOO_LARGE", "the SD-JWT exceeds 8 MiB")
    parts = raw.split("~")
    if len(parts) < 2:
        raise _fail("SD_JWT_FORMAT", "an SD-JWT is <JWT>~<disclosures>~[<KB-JWT>]")
    jwt, middle, last = parts[0], parts[1:-1], parts[-1]
    if any(not d for d in middle):
        raise _fail("SD_JWT_FORMAT", "an empty disclosure")
    if len(middle) > 1024:
        raise _fail("SD_JWT_FORMAT", "more than 1,024 disclosures")
    presented = raw[: len(raw) - len(last)]
    return SdJwt(jwt, tuple(middle), last or None, presented)


@dataclass
class Reconstructed:
    claims: dict[str, Any]
    disclosed: list[str] = field(default_factory=list)


def reconstruct(payload: dict[str, Any], disclosures: Iterable[str]) -> Reconstructed:
    """The claims the holder disclosed (RFC 9901 §7.1), or a refusal (``SD_JWT_DISCLOSURE``):
    each disclosure is used exactly once, no digest appears twice, no disclosed name collides
    with a claim or is ``_sd``/``...``."""
    if payload.get("_sd_alg", "sha-256") != "sha-256":
        raise _fail("SD_JWT_FORMAT", f"_sd_alg {payload.get('_sd_alg')!r}: only sha-256 is used")
    by_digest: dict[str, tuple[str, list[Any]]] = {}
    for text in disclosures:
        try:
            item = parse_json(b64url_decode(text), max_bytes=1024 * 1024)
        except (InvalidInput, ValueError, McvcError) as exc:
            raise _fail("SD_JWT_DISCLOSURE", f"a disclosure does not decode: {exc}") from None
        if not isinstance(item, list) or len(item) not in (2, 3) or not isinstance(item[0], str):
            raise _fail("SD_JWT_DISCLOSURE", "a disclosure is [salt, name, value] or [salt, value]")
        if len(item) == 3 and (not isinstance(item[1], str) or item[1] in ("_sd", "...")):
            raise _fail("SD_JWT_DISCLOSURE", f"disclosed name {item[1]!r} is not allowed")
        digest = _digest(text)
        if digest in by_digest:
            raise _fail("SD_JWT_DISCLOSURE", "the same disclosure is given twice")
        by_digest[digest] = (text, item)
    used: set[str] = set()
    seen: set[str] = set()
    disclosed: list[str] = []

    def walk(node: Any, path: str = "") -> Any:
        if isinstance(node, dict):
            result: dict[str, Any] = {}
            for name, value in node.items():
                if name == "_sd" or (name == "_sd_alg" and not path):
                    continue
                result[name] = walk(value, f"{path}.{name}" if path else name)
            digests = node.get("_sd", [])
            if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
                raise _fail("SD_JWT_FORMAT", f"{path or 'the payload'}: _sd must list digests")
            for digest in digests:
                if digest in seen:
                    raise _fail("SD_JWT_DISCLOSURE", "a digest appears twice in the payload")
                seen.add(digest)
                found = by_digest.get(digest)
                if found is None:
                    continue  # withheld, or a decoy
                _, item = found
                if len(item) != 3:
                    raise _fail("SD_JWT_DISCLOSURE", "an array element disclosed as a property")
                name = item[1]
                if name in result:
                    raise _fail("SD_JWT_DISCLOSURE", f"disclosed {name!r} is already a claim")
                used.add(digest)
                where = f"{path}.{name}" if path else name
                disclosed.append(where)
                result[name] = walk(item[2], where)
            return result
        if isinstance(node, list):
            items = []
            for index, value in enumerate(node):
                if isinstance(value, dict) and set(value) == {"..."}:
                    digest = value["..."]
                    if not isinstance(digest, str) or digest in seen:
                        raise _fail("SD_JWT_DISCLOSURE", "a digest appears twice in the payload")
                    seen.add(digest)
                    found = by_digest.get(digest)
                    if found is None:
                        continue
                    _, item = found
                    if len(item) != 2:
                        raise _fail("SD_JWT_DISCLOSURE", "a property disclosed as an array element")
                    used.add(digest)
                    disclosed.append(f"{path}[{index}]")
                    items.append(walk(item[1], f"{path}[{index}]"))
                else:
                    items.append(walk(value, f"{path}[{index}]"))
            return items
        return node

    claims = walk(payload)
    unused = set(by_digest) - used
    if unused:
        raise _fail(
            "SD_JWT_DISCLOSURE",
            f"{len(unused)} disclosure(s) are not referenced by the signed payload",
        )
    return Reconstructed(claims, disclosed)


def present_sd_jwt(
    sd_jwt: str,
    *,
    reveal: Iterable[str] = (),
    holder_key: KeyPair | None = None,
    nonce: str | None = None,
    audience: str | None = None,
    now: datetime | None = None,
) -> str:
    """The holder's side: keep the disclosures whose claim names are in ``reveal`` and, with
    ``holder_key``, append a key-binding JWT over the result (``nonce``, ``aud``, ``iat``,
    ``sd_hash``)."""
    parsed = parse_sd_jwt(sd_jwt)
    keep = set(reveal)
    chosen = []
    for text in parsed.disclosures:
        # the holder's own credential, already read once by parse: no size limit of its own
        item = parse_json(b64url_decode(text))
        if isinstance(item, list) and len(item) == 3 and item[1] in keep:
            chosen.append(text)
    presented = parsed.jwt + "~" + "".join(d + "~" for d in chosen)
    if holder_key is None:
        return presented
    if nonce is None or audience is None or now is None:
        raise ValueError("a key-binding JWT needs nonce, audience and now")
    header = {"alg": _ALG[holder_key.kind], "typ": "kb+jwt"}
    claims = {
        "nonce": nonce,
        "aud": audience,
        "iat": int(now.timestamp()),
        "sd_hash": _digest(presented),
    }
    return presented + _jws(header, claims, holder_key)


def sd_hash(presented: str) -> str:
    return _digest(presented)


def key_from_jwk(jwk: Any) -> KeyPair:
    """The holder's public key from ``cnf.jwk`` (OKP Ed25519, EC P-256 or P-384)."""
    from .keys import key_from_document

    if not isinstance(jwk, dict) or any(k in jwk for k in ("d", "p", "q")):
        raise _fail("KB_JWT_INVALID", "cnf.jwk must be a public JWK")
    try:
        return key_from_document({"publicKeyJwk": jwk})
    except McvcError as exc:
        raise _fail("KB_JWT_INVALID", f"cnf.jwk: {exc}") from None
