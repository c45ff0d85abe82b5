"""Sealing: JAdES baseline B (ETSI TS 119 182-1) over an EDC, with an RSA or EC key and its
certificate. Also a self-signed *test* seal certificate maker, and the changes the Europass
issuer makes when it seals (new id, ``issued``, issuer from the certificate, mandate evidence)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from ..errors import KeyFormatError
from ..multibase import b64url_encode
from .certs import (
    ORGANIZATION_IDENTIFIER,
    QC_COMPLIANCE,
    QC_STATEMENTS,
    QC_TYPE,
    QC_TYPE_ESEAL,
    organization_identifier,
    subject_value,
)
from .der import encode_oid, encode_sequence

__all__ = ["SealKey", "load_seal_key", "make_test_seal_certificate", "prepare_for_seal", "seal"]

SealPrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SealKey:
    """A private key and its certificate chain (leaf first)."""

    def __init__(self, private_key: SealPrivateKey, certificates: list[x509.Certificate]) -> None:
        if not certificates:
            raise KeyFormatError("a seal key needs its certificate")
        if certificates[0].public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) != private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ):
            raise KeyFormatError("the certificate does not belong to the private key")
        self.private_key = private_key
        self.certificates = certificates

    @property
    def default_alg(self) -> str:
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            return "RS256"
        return {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}[
            self.private_key.curve.name
        ]


def load_seal_key(
    key_path: str | Path, cert_path: str | Path | None = None, password: bytes | None = None
) -> SealKey:
    """Read a PKCS#12 file, or a PEM private key with its certificate(s) (same or separate file)."""
    data = Path(key_path).read_bytes()
    if not data.lstrip().startswith(b"-----"):
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(data, password)
        except ValueError as exc:
            raise KeyFormatError(f"{key_path}: not PEM or PKCS#12 ({exc})") from None
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) or cert is None:
            raise KeyFormatError(f"{key_path}: PKCS#12 without an RSA/EC key and certificate")
        return SealKey(key, [cert, *extra])
    try:
        key = serialization.load_pem_private_key(data, password)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"{key_path}: cannot read the private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyFormatError("a seal key is RSA or EC")
    cert_data = Path(cert_path).read_bytes() if cert_path else data
    try:
        certs = x509.load_pem_x509_certificates(cert_data)
    except ValueError as exc:
        raise KeyFormatError(f"no PEM certificate found ({exc})") from None
    return SealKey(key, certs)


def _sign(key: SealPrivateKey, alg: str, data: bytes) -> bytes:
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[alg[2:]]
    if isinstance(key, rsa.RSAPrivateKey):
        if alg.startswith("RS"):
            return key.sign(data, padding.PKCS1v15(), digest)
        if alg.startswith("PS"):
            return key.sign(data, padding.PSS(padding.MGF1(digest), digest.digest_size), digest)
        raise KeyFormatError(f"{alg} does not fit an RSA key")
    if not alg.startswith("ES"):
        raise KeyFormatError(f"{alg} does not fit an EC key")
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(digest)))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def seal(
    credential: dict[str, Any] | str, key: SealKey, *, sig_time: datetime, alg: str | None = None
) -> dict[str, Any]:
    """A JAdES-B-B enveloping JSON-serialized JWS with unencoded payload (``b64: false``).

    ``credential`` may be the exact JSON text to seal; a dict is serialized once here and the
    resulting string is the payload, byte for byte.
    """
    if sig_time.tzinfo is None:
        raise ValueError("sig_time must be timezone-aware")
    payload = (
        credential
        if isinstance(credential, str)
        else json.dumps(credential, ensure_ascii=False, separators=(",", ":"))
    )
    alg = alg or key.default_alg
    leaf_der = key.certificates[0].public_bytes(serialization.Encoding.DER)
    header = {
        "alg": alg,
        "typ": "jose+json",
        "cty": "octet-stream",
        "b64": False,
        "x5c": [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in key.certificates
        ],
        "x5t#S256": b64url_encode(hashlib.sha256(leaf_der).digest()),
        "sigT": sig_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "crit": ["b64", "sigT"],
    }
    protected = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    signature = _sign(
        key.private_key, alg, protected.encode("ascii") + b"." + payload.encode("utf-8")
    )
    return {
        "payload": payload,
        "signatures": [{"protected": protected, "signature": b64url_encode(signature)}],
    }


def _country_uri(alpha2: str) -> dict[str, Any]:
    from ..model import vocab

    code = vocab.normalize_country(alpha2)
    if code is None:
        raise KeyFormatError(f"certificate country {alpha2!r} is not known")
    return vocab.country_concept(code)


def prepare_for_seal(
    credential: dict[str, Any], key: SealKey, *, sig_time: datetime
) -> dict[str, Any]:
    """What the Europass issuer does before sealing (EDC 2.0 ``CertificateUtils``): a new
    credential id, ``issued`` and ``issuanceDate`` set to the signing time, the issuer rebuilt
    from the certificate (O, CN, organizationIdentifier, C), and a Mandate evidence when the
    awarding body differs. The awarding body in the claim is left untouched."""
    cert = key.certificates[0]
    country = subject_value(cert, NameOID.COUNTRY_NAME)
    org = subject_value(cert, NameOID.ORGANIZATION_NAME)
    when = sig_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    issuer_id = f"urn:epass:org:{uuid.uuid4()}"
    issuer: dict[str, Any] = {
        "id": issuer_id,
        "type": "Organisation",
        "legalName": {"en": org},
        "location": {
            "id": f"urn:epass:location:{uuid.uuid4()}",
            "type": "Location",
            "address": {
                "id": f"urn:epass:address:{uuid.uuid4()}",
                "type": "Address",
                "countryCode": _country_uri(country),
            },
        },
    }
    if subject_value(cert, NameOID.COMMON_NAME):
        issuer["altLabel"] = {"en": subject_value(cert, NameOID.COMMON_NAME)}
    if organization_identifier(cert):
        issuer["eIDASIdentifier"] = {
            "id": f"urn:epass:legalIdentifier:{uuid.uuid4()}",
            "type": "LegalIdentifier",
            "notation": organization_identifier(cert),
            "spatial": _country_uri(country),
        }
    out = {k: v for k, v in credential.items() if k != "proof"}
    out["id"] = f"urn:credential:{uuid.uuid4()}"
    out["issuer"] = issuer
    out["issued"] = when
    out["issuanceDate"] = when
    evidence = list(
        out.get("evidence", [])
        if isinstance(out.get("evidence"), list)
        else [out["evidence"]]
        if "evidence" in out
        else []
    )
    evidence.append(
        {
            "id": f"urn:epass:evidence:{uuid.uuid4()}",
            "type": "Evidence",
            "dcType": {
                "id": "http://data.europa.eu/snb/evidence-type/c_18016257",
                "type": "Concept",
                "inScheme": {
                    "id": "http://data.europa.eu/snb/evidence-type/25831c2",
                    "type": "ConceptScheme",
                },
                "prefLabel": {"en": "Mandate"},
            },
            "evidenceStatement": f"Every claim inside this credential is made by the indicated awarding body; by applying its electronic seal, {org} certifies the correctness of origin of each claim.",
        }
    )
    out["evidence"] = evidence
    return out


def make_test_seal_certificate(
    key: SealPrivateKey,
    *,
    organization: str,
    organization_identifier: str,
    country: str,
    common_name: str | None = None,
    not_before: datetime,
    days: int = 365,
    qualified_markers: bool = True,
    issuer: tuple[SealPrivateKey, x509.Certificate] | None = None,
) -> x509.Certificate:
    """A certificate shaped like a qualified e-seal certificate, FOR TESTS ONLY (its OU says
    so): self-signed, or issued by ``issuer`` (a test CA from :func:`make_test_ca`)."""
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TEST SEAL - NOT FOR PRODUCTION"),
            x509.NameAttribute(ORGANIZATION_IDENTIFIER, organization_identifier),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name or organization),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[1].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if qualified_markers:
        statements = encode_sequence(
            encode_sequence(encode_oid(QC_COMPLIANCE)),
            encode_sequence(encode_oid(QC_TYPE), encode_sequence(encode_oid(QC_TYPE_ESEAL))),
        )
        builder = builder.add_extension(
            x509.UnrecognizedExtension(QC_STATEMENTS, statements), critical=False
        )
    signer = issuer[0] if issuer else key
    return builder.sign(signer, _digest_for(signer))


def _digest_for(key: SealPrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, rsa.RSAPrivateKey) or key.curve.key_size <= 256:
        return hashes.SHA256()
    return hashes.SHA384()


def make_test_ca(
    key: SealPrivateKey, *, name: str, country: str, not_before: datetime, days: int = 3650
) -> x509.Certificate:
    """A self-signed CA certificate FOR TESTS ONLY, to issue test seal certificates (and to
    sign test Trusted Lists)."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TEST CA - NOT FOR PRODUCTION"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, _digest_for(key))
    )
