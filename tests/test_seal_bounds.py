"""Bounded work for Europass seals (issue 13, case 6): the unsigned ``etsiU`` header can be
padded by anyone without breaking the seal, so what it carries is capped and searched in
linear time. Assertions count signature checks or read codes; none measures time."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mcvc import verify
from mcvc.errors import InvalidInput
from mcvc.jades.envelope import parse_envelope
from mcvc.limits import Limits
from mcvc.multibase import b64url_encode

from .conftest import NOW, SAMPLES

ANNEX = SAMPLES / "elm-v3-mc-annex1-signed.jsonld"


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return dict(json.loads(ANNEX.read_bytes()))


@pytest.fixture(scope="module")
def fakes(sample: dict[str, Any]) -> tuple[list[str], list[str]]:
    return _fakes(sample)


def _fakes(sample: dict[str, Any]) -> tuple[list[str], list[str]]:
    """CA certificates and CRLs that claim the seal's issuing CA's name, signed by a stranger."""
    leaf = parse_envelope(sample).signatures[0].certificate
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime(2020, 1, 1, tzinfo=UTC)
    certs, crls = [], []
    for serial in range(1, 41):
        cert = (
            x509.CertificateBuilder()
            .subject_name(leaf.issuer)
            .issuer_name(leaf.issuer)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        certs.append(base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode())
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(leaf.issuer)
            .last_update(start)
            .next_update(start + timedelta(days=3650))
            .add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(leaf.serial_number)
                .revocation_date(start)
                .build()
            )
            .sign(key, hashes.SHA256())
        )
        crls.append(base64.b64encode(crl.public_bytes(serialization.Encoding.DER)).decode())
    return certs, crls


def _padded(sample: dict[str, Any], certs: list[str], crls: list[str]) -> dict[str, Any]:
    doc = json.loads(json.dumps(sample))
    extra = []
    if certs:
        extra.append({"xVals": [{"x509Cert": c} for c in certs]})
    if crls:
        extra.append({"rVals": {"crlVals": crls}})
    header = doc["signatures"][0]["header"]
    header["etsiU"] = [b64url_encode(json.dumps(e).encode()) for e in extra] + header["etsiU"]
    return doc


def _code(report: Any, name: str) -> str:
    check = report.check(name)
    assert check is not None, report.codes
    return str(check.code)


def test_too_many_carried_certificates(
    sample: dict[str, Any], fakes: tuple[list[str], list[str]]
) -> None:
    report = verify(_padded(sample, fakes[0], []), now=NOW)
    assert _code(report, "seal") == "SEAL_CERTIFICATE_LIMIT"
    assert report.outcome == "failed"


def test_too_many_revocation_values(
    sample: dict[str, Any], fakes: tuple[list[str], list[str]]
) -> None:
    report = verify(_padded(sample, [], fakes[1]), now=NOW)
    assert _code(report, "seal") == "SEAL_REVOCATION_LIMIT"
    assert report.outcome == "failed"


def test_too_many_x5c_certificates(sample: dict[str, Any]) -> None:
    env = parse_envelope(sample)
    assert len(env.signatures[0].header["x5c"]) == 1
    with pytest.raises(InvalidInput) as caught:
        parse_envelope(sample, Limits(max_seal_certificates=0))
    assert caught.value.code == "SEAL_CERTIFICATE_LIMIT"


def test_caps_are_the_limits_fields(
    sample: dict[str, Any], fakes: tuple[list[str], list[str]]
) -> None:
    padded = _padded(sample, fakes[0][:5], fakes[1][:5])
    assert verify(padded, now=NOW).check("seal").code == "OK"  # type: ignore[union-attr]
    tight = Limits(max_seal_certificates=9, max_seal_revocation_values=8)
    report = verify(padded, now=NOW, limits=tight)
    assert _code(report, "seal") == "SEAL_CERTIFICATE_LIMIT"
    loose_certs = Limits(max_seal_certificates=32, max_seal_revocation_values=6)
    assert _code(verify(padded, now=NOW, limits=loose_certs), "seal") == "SEAL_REVOCATION_LIMIT"


@pytest.mark.parametrize(
    "name", ["elm-v3-mc-annex1-signed.jsonld", "mynextid-edc-mc-signed.jsonld"]
)
def test_look_alike_authorities_in_the_unsigned_header_are_not_believed(
    name: str,
) -> None:
    # Fake CAs named like the real issuer and CRLs that list the seal's certificate as revoked,
    # signed by the fake key: only the CA that really issued the leaf may speak about it, so
    # the verdict is the sample's own (the MyNextID seal carries only a CRL, so a believed fake
    # would turn it into CERT_REVOKED).
    sample = dict(json.loads((SAMPLES / name).read_bytes()))
    certs, crls = _fakes(sample)
    padded = _padded(sample, certs[:10], crls[:14])
    baseline = verify(sample, now=NOW)
    report = verify(padded, now=NOW)
    assert _code(report, "seal") == "OK"
    assert _code(report, "revocation") == _code(baseline, "revocation") == "OK"
    assert report.outcome == baseline.outcome
