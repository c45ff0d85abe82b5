"""Certificates of a seal: path building to caller-supplied anchors, qualified-seal markers,
key usage, and trust anchors from a PEM bundle or an EU/national Trusted List XML file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from ..errors import InvalidInput
from .der import DerError, decode_oid, read_tlv, sequence_items

__all__ = [
    "QcInfo",
    "TrustAnchors",
    "build_path",
    "qc_statements",
]

QC_STATEMENTS = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")
QC_COMPLIANCE = "0.4.0.1862.1.1"
QC_SSCD = "0.4.0.1862.1.4"
QC_TYPE = "0.4.0.1862.1.6"
QC_TYPE_ESEAL = "0.4.0.1862.1.6.2"
ORGANIZATION_IDENTIFIER = x509.ObjectIdentifier("2.5.4.97")
_MAX_PATH = 8


@dataclass(frozen=True)
class QcInfo:
    compliance: bool = False
    sscd: bool = False
    types: tuple[str, ...] = ()

    @property
    def qualified_seal(self) -> bool:
        return self.compliance and QC_TYPE_ESEAL in self.types

    def describe(self) -> str:
        # What the certificate says of itself: only a Trusted List can confirm it is qualified
        # (test certificates carry the same statements).
        if self.qualified_seal:
            return (
                "the certificate declares itself a qualified e-seal certificate"
                + (" on a QSCD" if self.sscd else "")
                + " (a Trusted List must confirm it)"
            )
        if self.compliance:
            return "the certificate declares itself qualified, but not as an e-seal"
        return "an advanced (not qualified) seal certificate"


def qc_statements(cert: x509.Certificate) -> QcInfo:
    try:
        ext = cert.extensions.get_extension_for_oid(QC_STATEMENTS)
    except x509.ExtensionNotFound:
        return QcInfo()
    raw = ext.value.public_bytes() if hasattr(ext.value, "public_bytes") else b""
    try:
        _tag, outer, _end = read_tlv(raw)
        compliance = sscd = False
        types: list[str] = []
        for _t, statement in sequence_items(outer):
            parts = sequence_items(statement)
            if not parts or parts[0][0] != 0x06:
                continue
            oid = decode_oid(parts[0][1])
            if oid == QC_COMPLIANCE:
                compliance = True
            elif oid == QC_SSCD:
                sscd = True
            elif oid == QC_TYPE and len(parts) > 1:
                types.extend(decode_oid(v) for t, v in sequence_items(parts[1][1]) if t == 0x06)
        return QcInfo(compliance, sscd, tuple(types))
    except DerError:
        return QcInfo()


def organization_identifier(cert: x509.Certificate) -> str:
    attrs = cert.subject.get_attributes_for_oid(ORGANIZATION_IDENTIFIER)
    return str(attrs[0].value) if attrs else ""


def subject_value(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    attrs = cert.subject.get_attributes_for_oid(oid)
    return str(attrs[0].value) if attrs else ""


def subject_summary(cert: x509.Certificate) -> dict[str, str]:
    return {
        "organization": subject_value(cert, NameOID.ORGANIZATION_NAME),
        "common_name": subject_value(cert, NameOID.COMMON_NAME),
        "organization_identifier": organization_identifier(cert),
        "country": subject_value(cert, NameOID.COUNTRY_NAME),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc.isoformat(),
        "not_after": cert.not_valid_after_utc.isoformat(),
    }


@dataclass(frozen=True)
class TrustAnchors:
    """Certificates the caller trusts (CA certificates or intermediates)."""

    certificates: tuple[x509.Certificate, ...] = ()
    source: str = ""
    services: dict[bytes, Any] = field(default_factory=dict, compare=False)
    """For anchors read from Trusted Lists: SHA-256 of a certificate -> the listed service
    (:class:`mcvc.tsl.store.ListedService`), whose status at the signing time decides."""

    def merged(self, other: TrustAnchors) -> TrustAnchors:
        return TrustAnchors(
            self.certificates + other.certificates,
            f"{self.source}; {other.source}",
            {**other.services, **self.services},
        )

    def service_for(self, cert: x509.Certificate) -> Any:
        from cryptography.hazmat.primitives import hashes

        return self.services.get(cert.fingerprint(hashes.SHA256()))

    @classmethod
    def from_pem(cls, data: bytes, source: str = "") -> TrustAnchors:
        try:
            certs = tuple(x509.load_pem_x509_certificates(data))
        except ValueError as exc:
            raise InvalidInput(
                f"{source or 'anchors'}: not a PEM certificate bundle ({exc})"
            ) from None
        return cls(certs, source)

    @classmethod
    def from_trusted_list(
        cls, data: bytes, source: str = "", signers: Iterable[x509.Certificate] | None = None
    ) -> TrustAnchors:
        """The CA/QC services of an ETSI TS 119 612 Trusted List, each with its status history
        (a seal is trusted only if its CA's service was granted at the signing time). The
        list's XML signature must verify, with ``signers`` when given (otherwise with the
        certificate it names: the file is intact, its signer is the caller's to accept);
        an unsigned or changed list raises ``TrustedListError``."""
        from ..tsl.store import read_trusted_list_file

        anchors: TrustAnchors = read_trusted_list_file(
            data, source or "trusted list", list(signers) if signers is not None else None
        )
        return anchors

    @classmethod
    def load(
        cls, path: str | Path, signers: Iterable[x509.Certificate] | None = None
    ) -> TrustAnchors:
        """A PEM bundle, or a signed Trusted List XML file (see ``from_trusted_list``)."""
        data = Path(path).read_bytes()
        if data.lstrip().startswith(b"<"):
            return cls.from_trusted_list(data, str(path), signers)
        return cls.from_pem(data, str(path))

    def __contains__(self, cert: object) -> bool:
        return isinstance(cert, x509.Certificate) and any(cert == a for a in self.certificates)


@dataclass
class PathResult:
    trusted: bool
    path: list[x509.Certificate] = field(default_factory=list)
    reason: str = ""


def _valid_at(cert: x509.Certificate, when: datetime) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def build_path(
    leaf: x509.Certificate,
    pool: Iterable[x509.Certificate],
    anchors: TrustAnchors,
    when: datetime,
) -> PathResult:
    """Find a chain leaf -> ... -> anchor, each link's signature verified and each certificate
    valid at ``when`` (the signing time). Intermediates come from ``pool`` or the anchors."""
    candidates = list(pool) + list(anchors.certificates)
    if not anchors.certificates:
        return PathResult(False, [leaf], "no trust anchors were given")
    path = [leaf]
    current = leaf
    for _ in range(_MAX_PATH):
        if current in anchors:
            return PathResult(True, path)
        issuers = [c for c in candidates if c.subject == current.issuer and c != current]
        chosen = None
        for issuer in issuers:
            try:
                current.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                continue
            if not _is_ca(issuer):
                continue
            chosen = issuer
            break
        if chosen is None:
            return PathResult(
                False, path, f"no trusted issuer found for {current.subject.rfc4514_string()}"
            )
        if not _valid_at(chosen, when):
            return PathResult(
                False,
                path,
                f"issuer {chosen.subject.rfc4514_string()} was not valid at the signing time",
            )
        path.append(chosen)
        current = chosen
    return PathResult(False, path, "certificate path too long")
