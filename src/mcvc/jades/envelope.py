"""Reading and checking the JAdES envelope: strict headers, RFC 7797 unencoded payload."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from ..errors import InvalidInput, McvcError
from ..jsontext import parse_json
from ..limits import DEFAULT_LIMITS, Limits
from ..multibase import b64url_decode, b64url_encode

__all__ = ["ALGORITHMS", "Envelope", "SealSignature", "is_envelope", "parse_envelope"]

# RS/PS/ES only: never "none", never HMAC (a public key must not become a MAC key).
ALGORITHMS = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
KNOWN_CRIT = {"b64", "sigT", "adoTst", "sigD", "srCms", "srAts", "sigPl", "sigX5ts", "x5t#o"}
REFUSED_HEADERS = ("jwk", "jku", "x5u")


@dataclass(frozen=True)
class SealSignature:
    protected_b64: str
    header: dict[str, Any]
    unprotected: dict[str, Any]
    signature: bytes
    certificate: x509.Certificate
    unprotected_certificates: tuple[x509.Certificate, ...]
    revocation_values: dict[str, Any]

    @property
    def alg(self) -> str:
        return str(self.header["alg"])

    @property
    def sig_time(self) -> str:
        return str(self.header.get("sigT", ""))


@dataclass(frozen=True)
class Envelope:
    payload: str
    signatures: tuple[SealSignature, ...]

    def signing_input(self, sig: SealSignature) -> bytes:
        # RFC 7797: the payload enters the signing input as it stands, never re-serialized
        return sig.protected_b64.encode("ascii") + b"." + self.payload.encode("utf-8")


def is_envelope(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("payload"), str)
        and isinstance(doc.get("signatures"), list)
    )


def _fail(code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code)


def _revocation_count(values: dict[str, Any]) -> int:
    return sum(
        len(v) if isinstance(v, list) else 1
        for k, v in values.items()
        if k in ("crlVals", "ocspVals", "otherVals")
    )


def _certs_from_etsiu(
    entries: Any, room: int, limits: Limits, where: str
) -> tuple[tuple[x509.Certificate, ...], dict[str, Any]]:
    """Certificates (``xVals``) and revocation values (``rVals``) of the unsigned header.

    Anyone can add to these without breaking the seal, and each one costs signature checks
    later, so their number is capped before any is decoded (``room`` certificates are left
    after ``x5c``); a seal padded beyond the caps fails instead of being searched."""
    if not isinstance(entries, list):
        return (), {}
    if len(entries) > 32:
        raise _fail("JADES_FORMAT", f"{where}: more than 32 etsiU entries")
    parsed: list[dict[str, Any]] = []
    for entry in entries:
        # unsigned, optional material: what cannot be read is simply not used
        try:
            data = parse_json(b64url_decode(entry)) if isinstance(entry, str) else entry
        except McvcError:
            data = None
        if isinstance(data, dict):
            parsed.append(data)
    values = [
        item for data in parsed if isinstance(data.get("xVals"), list) for item in data["xVals"]
    ]
    if len(values) > room:
        raise _fail(
            "SEAL_CERTIFICATE_LIMIT",
            f"{where}: the seal carries more than {limits.max_seal_certificates} certificates "
            "(x5c and unsigned xVals together)",
        )
    revocation: dict[str, Any] = {}
    for data in parsed:
        for kind, found in data["rVals"].items() if isinstance(data.get("rVals"), dict) else ():
            if isinstance(found, list) and isinstance(revocation.get(kind, []), list):
                revocation[kind] = revocation.get(kind, []) + found
            else:
                revocation.setdefault(kind, found)
    if _revocation_count(revocation) > limits.max_seal_revocation_values:
        raise _fail(
            "SEAL_REVOCATION_LIMIT",
            f"{where}: the seal carries more than {limits.max_seal_revocation_values} CRLs and "
            "OCSP responses",
        )
    certs: list[x509.Certificate] = []
    for item in values:
        value = item.get("x509Cert") if isinstance(item, dict) else None
        value = value.get("val") if isinstance(value, dict) else value
        if isinstance(value, str):
            try:
                certs.append(x509.load_der_x509_certificate(base64.b64decode(value)))
            except ValueError:
                continue
    return tuple(certs), revocation


def parse_envelope(doc: dict[str, Any], limits: Limits = DEFAULT_LIMITS) -> Envelope:
    """Parse and check the envelope's form; raise :class:`InvalidInput` with a stable code."""
    if not is_envelope(doc):
        raise _fail("JADES_FORMAT", "not a JWS JSON serialization with a payload string")
    if not doc["signatures"]:
        raise _fail("JADES_FORMAT", "the envelope has no signature")
    if len(doc["signatures"]) > 8:
        raise _fail("JADES_FORMAT", "too many signatures")
    sigs = []
    for index, raw in enumerate(doc["signatures"]):
        where = f"signature {index + 1}"
        if not isinstance(raw, dict) or not isinstance(raw.get("protected"), str):
            raise _fail("JADES_FORMAT", f"{where}: no protected header")
        try:
            header = parse_json(b64url_decode(raw["protected"]), max_bytes=256 * 1024)
        except InvalidInput as exc:
            # duplicate header names land here (RFC 7515 §4: reject)
            raise _fail(
                exc.code if exc.code == "DUPLICATE_KEY" else "JADES_FORMAT",
                f"{where}: protected header: {exc}",
            ) from None
        except McvcError as exc:
            raise _fail(
                "JADES_FORMAT", f"{where}: protected header is not base64url JSON ({exc})"
            ) from None
        if not isinstance(header, dict):
            raise _fail("JADES_FORMAT", f"{where}: protected header is not an object")
        unprotected = raw.get("header", {})
        if not isinstance(unprotected, dict):
            raise _fail("JADES_FORMAT", f"{where}: unprotected header is not an object")
        overlap = set(header) & (set(unprotected) - {"etsiU"})
        if overlap:
            raise _fail(
                "DUPLICATE_KEY",
                f"{where}: header names {sorted(overlap)} appear protected and unprotected",
            )
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise _fail(
                "UNSUPPORTED_ALGORITHM",
                f"{where}: algorithm {alg!r} is not accepted (RS*, PS*, ES* only)",
            )
        for name in REFUSED_HEADERS:
            if name in header or name in unprotected:
                raise _fail(
                    "UNTRUSTED_KEY",
                    f"{where}: header {name!r} names a key the verifier will not use",
                )
        crit = header.get("crit", [])
        if not isinstance(crit, list) or not all(isinstance(c, str) for c in crit):
            raise _fail("UNSUPPORTED_CRITICAL_HEADER", f"{where}: crit must be a list of names")
        unknown = [c for c in crit if c not in KNOWN_CRIT]
        if unknown:
            raise _fail(
                "UNSUPPORTED_CRITICAL_HEADER",
                f"{where}: critical header(s) {unknown} not understood",
            )
        missing = [c for c in crit if c not in header]
        if missing:
            raise _fail(
                "UNSUPPORTED_CRITICAL_HEADER", f"{where}: crit names {missing}, which are absent"
            )
        if header.get("b64") is not False or "b64" not in crit:
            raise _fail(
                "JADES_FORMAT", f"{where}: an enveloped EDC seal has b64: false, listed in crit"
            )
        x5c = header.get("x5c")
        if not isinstance(x5c, list) or not x5c or not isinstance(x5c[0], str):
            raise _fail("X5C_MISSING", f"{where}: no x5c signing certificate")
        if len(x5c) > limits.max_seal_certificates:
            raise _fail(
                "SEAL_CERTIFICATE_LIMIT",
                f"{where}: x5c carries more than {limits.max_seal_certificates} certificates",
            )
        try:
            leaf_der = base64.b64decode(x5c[0], validate=True)
            leaf = x509.load_der_x509_certificate(leaf_der)
            chain = tuple(
                x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c[1:]
            )
        except (ValueError, TypeError) as exc:
            raise _fail(
                "X5C_INVALID", f"{where}: x5c is not base64 DER certificates ({exc})"
            ) from None
        thumb = header.get("x5t#S256")
        expected = b64url_encode(hashlib.sha256(leaf_der).digest())
        if thumb is not None and thumb != expected:
            raise _fail("X5T_MISMATCH", f"{where}: x5t#S256 does not match x5c[0]")
        try:
            signature = b64url_decode(str(raw.get("signature", "")))
        except McvcError:
            raise _fail("JADES_FORMAT", f"{where}: signature is not base64url") from None
        extra, revocation = _certs_from_etsiu(
            unprotected.get("etsiU"), limits.max_seal_certificates - len(x5c), limits, where
        )
        sigs.append(
            SealSignature(
                raw["protected"], header, unprotected, signature, leaf, chain + extra, revocation
            )
        )
    return Envelope(doc["payload"], tuple(sigs))
