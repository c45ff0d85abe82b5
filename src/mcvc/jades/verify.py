"""Verify a Europass seal: signature over the exact bytes, certificate, trust, revocation,
and the binding between the credential's issuer and the certificate's subject."""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509 import ocsp

from ..dates import parse_datetime
from ..errors import InvalidInput
from ..verification.report import Check
from .certs import TrustAnchors, build_path, organization_identifier, qc_statements, subject_summary
from .envelope import Envelope, SealSignature

__all__ = ["SealVerification", "verify_seal"]

_HASH = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
_MAX_RESPONDER_CERTS = 4
_CURVE_FOR = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}


@dataclass
class SealVerification:
    checks: list[Check] = field(default_factory=list)
    certificate: dict[str, Any] = field(default_factory=dict)
    trusted: bool | None = None


def _verify_signature(env: Envelope, sig: SealSignature) -> Check:
    key = sig.certificate.public_key()
    alg = sig.alg
    data = env.signing_input(sig)
    digest = _HASH[alg[2:]]
    try:
        if alg.startswith(("RS", "PS")):
            if not isinstance(key, rsa.RSAPublicKey):
                return Check(
                    "seal", "ALGORITHM_KEY_MISMATCH", "fail", f"{alg} needs an RSA certificate key"
                )
            if key.key_size < 2048:
                return Check(
                    "seal", "WEAK_KEY", "fail", f"RSA key of {key.key_size} bits is too small"
                )
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if alg.startswith("RS")
                else padding.PSS(padding.MGF1(digest), digest.digest_size)
            )
            key.verify(sig.signature, data, pad, digest)
        else:
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != _CURVE_FOR[alg]:
                return Check(
                    "seal",
                    "ALGORITHM_KEY_MISMATCH",
                    "fail",
                    f"{alg} needs a {_CURVE_FOR[alg]} certificate key",
                )
            size = (key.curve.key_size + 7) // 8
            if len(sig.signature) != 2 * size:
                return Check(
                    "seal", "INVALID_SIGNATURE", "fail", f"{alg} signature must be {2 * size} bytes"
                )
            r = int.from_bytes(sig.signature[:size], "big")
            s = int.from_bytes(sig.signature[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(digest))
    except InvalidSignature:
        return Check(
            "seal",
            "INVALID_SIGNATURE",
            "fail",
            "the seal does not match the payload and header bytes",
        )
    return Check("seal", "OK", "pass", f"{alg} seal valid over the exact payload bytes")


def _certificate_checks(sig: SealSignature, when: datetime) -> Check:
    cert = sig.certificate
    if not (cert.not_valid_before_utc <= when <= cert.not_valid_after_utc):
        return Check(
            "certificate",
            "CERT_NOT_VALID_AT_SIGNING",
            "fail",
            f"the certificate was valid {cert.not_valid_before_utc.isoformat()} to {cert.not_valid_after_utc.isoformat()}, "
            f"the seal says it was made at {when.isoformat()}",
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            return Check(
                "certificate",
                "CERT_KEY_USAGE",
                "fail",
                "the certificate's key usage allows neither signatures nor non-repudiation",
            )
    except x509.ExtensionNotFound:
        pass
    qc = qc_statements(cert)
    return Check(
        "certificate",
        "OK",
        "pass",
        f"valid at the signing time; {qc.describe()}",
        {"qualified_seal": qc.qualified_seal, "qc_types": list(qc.types)},
    )


def _embedded(values: dict[str, Any], name: str) -> Iterator[bytes]:
    """The DER values of one kind of embedded revocation data (``rVals``)."""
    entries = values.get(name)
    for entry in entries if isinstance(entries, list) else []:
        raw = entry.get("val") if isinstance(entry, dict) else entry
        if isinstance(raw, str):
            try:
                yield base64.b64decode(raw, validate=True)
            except ValueError:
                continue


def _revocation(sig: SealSignature, pool: list[x509.Certificate]) -> Check:
    leaf = sig.certificate
    # Only the certificate that really issued the leaf may sign its CRL or OCSP answer; finding
    # it first keeps the work at one check per pool certificate plus one per CRL, however the
    # unsigned header is padded.
    issuers = [c for c in pool if c.subject == leaf.issuer and _issued_by(leaf, c)][:1]
    values = sig.revocation_values
    seen_any = False
    for der in _embedded(values, "ocspVals"):
        try:
            response = ocsp.load_der_ocsp_response(der)
        except ValueError:
            continue
        if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            continue
        matching = [r for r in response.responses if r.serial_number == leaf.serial_number]
        if not matching:
            continue
        if _ocsp_signer(response, issuers, pool) is None:
            seen_any = True
            continue
        for single in matching:
            if single.certificate_status == ocsp.OCSPCertStatus.REVOKED:
                return Check(
                    "revocation",
                    "CERT_REVOKED",
                    "fail",
                    f"OCSP: revoked at {single.revocation_time_utc}",
                )
            if single.certificate_status == ocsp.OCSPCertStatus.GOOD:
                return Check(
                    "revocation",
                    "OK",
                    "pass",
                    f"embedded OCSP response: good (produced {response.produced_at_utc.isoformat()})",
                )
    for der in _embedded(values, "crlVals"):
        try:
            crl = x509.load_der_x509_crl(der)
        except ValueError:
            continue
        if crl.issuer != leaf.issuer:
            continue
        seen_any = True
        if not any(crl.is_signature_valid(i.public_key()) for i in issuers):  # type: ignore[arg-type]
            continue
        if crl.get_revoked_certificate_by_serial_number(leaf.serial_number) is not None:
            return Check(
                "revocation",
                "CERT_REVOKED",
                "fail",
                "the embedded CRL lists the certificate as revoked",
            )
        return Check(
            "revocation", "OK", "pass", f"embedded CRL of {crl.last_update_utc.date()}: not revoked"
        )
    if seen_any:
        return Check(
            "revocation",
            "REVOCATION_NOT_VERIFIED",
            "error",
            "revocation data is embedded but its signer could not be verified",
        )
    # A baseline-B seal carries no revocation data; say so plainly (as the Europass viewer's grey
    # "skipped"), without fetching anything.
    return Check(
        "revocation",
        "REVOCATION_NOT_CHECKED",
        "skipped",
        "no revocation data in the seal; the certificate's revocation was not checked",
    )


def _ocsp_signer(
    response: ocsp.OCSPResponse, issuers: list[x509.Certificate], pool: list[x509.Certificate]
) -> x509.Certificate | None:
    candidates = list(response.certificates)[:_MAX_RESPONDER_CERTS] + pool
    for cert in candidates:
        if response.responder_name is not None and cert.subject != response.responder_name:
            continue
        try:
            key = cert.public_key()
            if isinstance(key, rsa.RSAPublicKey) and response.signature_hash_algorithm is not None:
                key.verify(
                    response.signature,
                    response.tbs_response_bytes,
                    padding.PKCS1v15(),
                    response.signature_hash_algorithm,
                )
            elif (
                isinstance(key, ec.EllipticCurvePublicKey)
                and response.signature_hash_algorithm is not None
            ):
                key.verify(
                    response.signature,
                    response.tbs_response_bytes,
                    ec.ECDSA(response.signature_hash_algorithm),
                )
            else:
                continue
        except InvalidSignature:
            continue
        # the responder is the CA itself or a certificate the CA issued
        if cert in issuers or any(_issued_by(cert, i) for i in issuers):
            return cert
    return None


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _norm(text: str) -> str:
    # Certificates often carry an ASCII form of the name ("VELOCERT OU" for "Velocert OÜ"):
    # compare without diacritics and case. The identifier comparison is the binding that counts.
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.casefold().split())


def _issuer_countries(issuer: dict[str, Any]) -> set[str]:
    """The legal country of the issuer: that of its eIDAS identifier when it has one, else
    those of its locations."""
    from ..model import vocab
    from ..model.reader import _id, _list

    legal = {
        code
        for ident in _list(issuer.get("eIDASIdentifier"))
        if isinstance(ident, dict) and (code := vocab.country_from_uri(_id(ident.get("spatial"))))
    }
    if legal:
        return legal
    found = set()
    for loc in _list(issuer.get("location")):
        for addr in _list(loc.get("address")) if isinstance(loc, dict) else []:
            code = (
                vocab.country_from_uri(_id(addr.get("countryCode")))
                if isinstance(addr, dict)
                else None
            )
            if code:
                found.add(code)
    return found


def _binding(credential: dict[str, Any], sig: SealSignature) -> Check:
    from ..model.reader import _org, _text

    cert = sig.certificate
    subject = subject_summary(cert)
    issuer = credential.get("issuer")
    org: dict[str, Any] = (
        _org(issuer)
        if isinstance(issuer, dict)
        else {"legal_name": {}, "identifiers": [], "country": ""}
    )
    names = {
        _norm(v)
        for v in _text(issuer.get("legalName") if isinstance(issuer, dict) else None).values()
    }
    org_id = organization_identifier(cert)
    ids = [i for i in org["identifiers"] if i["scheme"] == "eidas"]
    problems = []
    if subject["organization"] and _norm(subject["organization"]) not in names:
        problems.append(f"legal name is not the certificate's O={subject['organization']!r}")
    if org_id:
        if not ids:
            problems.append(
                "no eIDASIdentifier to compare with the certificate's organizationIdentifier"
            )
        elif not any(i["value"] == org_id or org_id.endswith("-" + i["value"]) for i in ids):
            problems.append(
                f"eIDASIdentifier {ids[0]['value']!r} is not the certificate's {org_id!r}"
            )
    countries = _issuer_countries(issuer if isinstance(issuer, dict) else {})
    if subject["country"] and countries and subject["country"].upper() not in countries:
        problems.append(
            f"country {', '.join(sorted(countries))} is not the certificate's C={subject['country']}"
        )
    if problems:
        return Check(
            "issuer",
            "ISSUER_CERT_MISMATCH",
            "fail",
            "the credential's issuer does not match the seal certificate: " + "; ".join(problems),
            {"certificate": subject},
        )
    mandate = ""
    bodies: list[str] = []
    from ..model.reader import from_credential

    for body in from_credential(credential).awarding_bodies:
        body_names = {_norm(v) for v in body["legal_name"].values()}
        if not body_names & names:
            bodies.append(next(iter(body["legal_name"].values()), "?"))
    if bodies:
        mandate = f"; awarded by {', '.join(bodies)}, sealed by mandate"
    return Check(
        "issuer",
        "OK",
        "pass",
        f"issuer matches the seal certificate ({subject['organization']}, {org_id}, {subject['country']}){mandate}",
        {"certificate": subject, "sealed_by_mandate": bool(bodies)},
    )


def _service_check(listed: Any, when: datetime, now: datetime | None, source: str) -> Check:
    """What a Trusted List says of the CA that issued the seal's certificate, at the signing
    time: its service must have been granted then (ETSI TS 119 612 status history), and the
    list must not be past its next update."""
    from ..tsl.parse import GRANTED

    service = listed.service
    details = {
        "source": source,
        "territory": listed.territory,
        "service": service.name,
        "provider": service.provider,
        "list_issued": listed.list_issued.isoformat() if listed.list_issued else "",
        "fetched": listed.fetched,
    }
    where = f"the {listed.territory} Trusted List (issued {details['list_issued'] or '?'}, fetched {listed.fetched or '?'})"
    if listed.next_update is None:
        # ETSI TS 119 612 5.3.15: no next update means the scheme was closed (or the date did
        # not read): such a list no longer vouches for anything
        return Check(
            "trust",
            "TSL_EXPIRED",
            "error",
            f"{where} has no next update, which marks a closed list: it is not relied on",
            details,
        )
    if now is not None and now > listed.next_update:
        return Check(
            "trust",
            "TSL_EXPIRED",
            "error",
            f"{where} was due for replacement on {listed.next_update.isoformat()}: run "
            "mcvc trust update before relying on it",
            details,
        )
    status = service.status_at(when)
    if status is None or status[0] not in GRANTED:
        said = "not listed yet" if status is None else status[0].rsplit("/", 1)[-1]
        return Check(
            "trust",
            "SERVICE_NOT_GRANTED",
            "error",
            f"{where}: the service '{service.name}' of {service.provider} was {said} at the "
            f"signing time {when.isoformat()}, so it does not vouch for this seal",
            details,
        )
    since = status[1].date().isoformat() if status[1] else "?"
    return Check(
        "trust",
        "OK",
        "pass",
        f"{where}: the seal certificate was issued by '{service.name}' of {service.provider}, "
        f"a qualified CA granted since {since}, in force at the signing time",
        details,
    )


def verify_seal(
    env: Envelope,
    credential: dict[str, Any],
    anchors: TrustAnchors | None,
    now: datetime | None = None,
) -> SealVerification:
    result = SealVerification()
    for sig in env.signatures:
        check = _verify_signature(env, sig)
        result.checks.append(check)
        if check.outcome != "pass":
            return result
        try:
            when = parse_datetime(sig.sig_time, "sigT") if sig.sig_time else None
        except InvalidInput as exc:
            result.checks.append(Check("certificate", "INVALID_DATE", "fail", str(exc)))
            return result
        if when is None:
            result.checks.append(
                Check("certificate", "SIGT_MISSING", "fail", "the seal has no signing time (sigT)")
            )
            return result
        result.certificate = subject_summary(sig.certificate)
        cert_check = _certificate_checks(sig, when)
        result.checks.append(cert_check)
        result.checks.append(_binding(credential, sig))
        pool = list(sig.unprotected_certificates)
        path = build_path(sig.certificate, pool, anchors or TrustAnchors(), when)
        result.trusted = path.trusted
        listed = anchors.service_for(path.path[-1]) if path.trusted and anchors else None
        if path.trusted and len(path.path) == 1:
            # The seal's own certificate as its anchor vouches for nothing: anyone can make a
            # certificate, seal with it, and name it as the anchor.
            result.trusted = False
            result.checks.append(
                Check(
                    "trust",
                    "ANCHOR_IS_SEAL_CERTIFICATE",
                    "error",
                    "the seal's own certificate was given as the trust anchor, which confirms "
                    "nothing; use the anchors of a trust source (the EU Trusted Lists)",
                    {"anchors": anchors.source if anchors else ""},
                )
            )
        elif listed is not None and anchors is not None:
            check = _service_check(listed, when, now, anchors.source)
            result.trusted = check.outcome == "pass"
            result.checks.append(check)
        elif path.trusted:
            result.checks.append(
                Check(
                    "trust",
                    "OK",
                    "pass",
                    f"certificate chains to a trust anchor ({len(path.path)} certificates)",
                    {"anchors": anchors.source if anchors else ""},
                )
            )
        else:
            result.checks.append(
                Check(
                    "trust",
                    "CERTIFICATE_NOT_TRUSTED",
                    "error",
                    f"certificate not trusted: {path.reason}",
                )
            )
        result.checks.append(_revocation(sig, pool + list(anchors.certificates if anchors else ())))
    return result
