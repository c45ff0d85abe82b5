"""Europass seals (JAdES): the three real sealed samples, mcvc's own seals, JOSE attacks."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from mcvc import build_credential, from_credential, verify
from mcvc.cli import main
from mcvc.jades.certs import TrustAnchors
from mcvc.jades.envelope import parse_envelope
from mcvc.jades.seal import (
    SealKey,
    make_test_ca,
    make_test_seal_certificate,
    prepare_for_seal,
    seal,
)
from mcvc.multibase import b64url_decode, b64url_encode
from mcvc.tsl import TrustedListError

from .conftest import NOW, SAMPLES

SEALED = [
    "elm-v3-mc-annex1-signed.jsonld",
    "elm-v3-certofpart-signed.jsonld",
    "mynextid-edc-mc-signed.jsonld",
]
SIG_TIME = datetime(2026, 7, 14, 20, 0, tzinfo=UTC)


def _code(report: Any, name: str) -> str:
    check = report.check(name)
    assert check is not None, report.codes
    return str(check.code)


def _carried_chain(raw: bytes) -> TrustAnchors:
    env = parse_envelope(json.loads(raw))
    pem = b"".join(
        c.public_bytes(serialization.Encoding.PEM)
        for c in env.signatures[0].unprotected_certificates
    )
    return TrustAnchors.from_pem(pem, "chain carried in the seal")


@pytest.mark.parametrize("name", SEALED)
def test_real_seals_verify_but_are_not_trusted_without_anchors(name: str) -> None:
    report = verify((SAMPLES / name).read_bytes(), now=NOW)
    assert _code(report, "seal") == "OK"
    assert _code(report, "certificate") == "OK"
    assert _code(report, "issuer") == "OK"
    assert _code(report, "trust") == "CERTIFICATE_NOT_TRUSTED"
    assert report.facet("intact") == "pass" and report.facet("issuer") == "unknown"
    # the MyNextID sample's status entries cannot be checked, so it is not even unconfirmed
    expected = "inconclusive" if name.startswith("mynextid") else "unconfirmed"
    assert report.outcome == expected and report.trusted is False


@pytest.mark.parametrize("name", SEALED)
def test_real_seals_trusted_with_their_chain_as_anchor(name: str) -> None:
    raw = (SAMPLES / name).read_bytes()
    report = verify(raw, now=NOW, anchors=_carried_chain(raw))
    assert report.facets["intact"] == report.facets["issuer"] == "pass", report.to_json()
    if name.startswith("mynextid"):
        assert (
            report.outcome == "inconclusive" and _code(report, "status") == "STATUS_NOT_CHECKABLE"
        )
    else:
        assert report.outcome == "verified", report.to_json()
    assert report.trusted is True
    assert report.check("certificate").details["qualified_seal"] is True  # type: ignore[union-attr]


def test_embedded_revocation_data_is_read() -> None:
    annex = verify((SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW)
    assert _code(annex, "revocation") == "OK" and "OCSP" in annex.check("revocation").message  # type: ignore[union-attr]
    mynext = verify((SAMPLES / "mynextid-edc-mc-signed.jsonld").read_bytes(), now=NOW)
    assert _code(mynext, "revocation") == "OK" and "CRL" in mynext.check("revocation").message  # type: ignore[union-attr]


@pytest.mark.parametrize("name", SEALED)
@pytest.mark.parametrize("part", ["payload", "protected", "signature"])
def test_one_changed_byte_fails(name: str, part: str) -> None:
    doc = json.loads((SAMPLES / name).read_bytes())
    if part == "payload":
        i = doc["payload"].index('"title"')
        doc["payload"] = doc["payload"][:i] + doc["payload"][i:].replace("e", "f", 1)
    elif part == "protected":
        header = json.loads(b64url_decode(doc["signatures"][0]["protected"]))
        header["sigT"] = header["sigT"][:-2] + (
            "18Z" if not header["sigT"].endswith("18Z") else "19Z"
        )
        doc["signatures"][0]["protected"] = b64url_encode(json.dumps(header).encode())
    else:
        sig = bytearray(b64url_decode(doc["signatures"][0]["signature"]))
        sig[10] ^= 1
        doc["signatures"][0]["signature"] = b64url_encode(bytes(sig))
    report = verify(json.dumps(doc).encode(), now=NOW)
    assert report.outcome == "failed"
    assert _code(report, "seal") == "INVALID_SIGNATURE"


@pytest.fixture(scope="module", params=["rsa", "p256"])
def seal_key(request: pytest.FixtureRequest) -> SealKey:
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey = (
        rsa.generate_private_key(65537, 2048)
        if request.param == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_test_ca(
        ca_key, name="Test QTSP", country="CZ", not_before=SIG_TIME - timedelta(days=90)
    )
    cert = make_test_seal_certificate(
        key,
        organization="Charles University",
        organization_identifier="VATCZ-00216208",
        country="CZ",
        not_before=SIG_TIME - timedelta(days=30),
        issuer=(ca_key, ca),
    )
    return SealKey(key, [cert, ca])


def test_mcvc_seal_verifies_in_mcvc_and_elements_match(
    seal_key: SealKey, example_elements: dict[str, Any]
) -> None:
    credential = build_credential(example_elements)
    envelope = seal(credential, seal_key, sig_time=SIG_TIME)
    anchors = TrustAnchors((seal_key.certificates[-1],))
    report = verify(envelope, now=NOW, anchors=anchors)
    assert report.outcome == "verified", report.to_json()
    assert report.elements == from_credential(credential).to_dict()


def test_mcvc_seal_verifies_with_jwcrypto(
    seal_key: SealKey, example_elements: dict[str, Any]
) -> None:
    from jwcrypto import jwk, jws
    from jwcrypto.common import JWSEHeaderParameter

    # jwcrypto refuses unknown critical headers (rightly); JAdES's sigT is registered as understood
    registry = {"sigT": JWSEHeaderParameter("JAdES signing time", False, True, None)}

    envelope = seal(build_credential(example_elements), seal_key, sig_time=SIG_TIME)
    pem = (
        seal_key.certificates[0]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key = jwk.JWK.from_pem(pem)
    token = jws.JWS(header_registry=registry)
    token.deserialize(json.dumps(envelope))
    alg = json.loads(b64url_decode(envelope["signatures"][0]["protected"]))["alg"]
    token.allowed_algs = [alg]
    token.verify(key)
    payload = token.payload
    assert (payload.decode() if isinstance(payload, bytes) else payload) == envelope["payload"]
    tampered = dict(envelope, payload=envelope["payload"].replace("Charles", "Charlez"))
    bad = jws.JWS(header_registry=registry)
    bad.deserialize(json.dumps(tampered))
    bad.allowed_algs = [alg]
    with pytest.raises(jws.InvalidJWSSignature):
        bad.verify(key)


def test_europass_sealing_changes(seal_key: SealKey, example_elements: dict[str, Any]) -> None:
    credential = build_credential(example_elements)
    prepared = prepare_for_seal(credential, seal_key, sig_time=SIG_TIME)
    assert prepared["id"] != credential["id"] and prepared["issued"] == "2026-07-14T20:00:00Z"
    assert prepared["issuer"]["eIDASIdentifier"]["notation"] == "VATCZ-00216208"
    assert any(e["dcType"]["id"].endswith("c_18016257") for e in prepared["evidence"])
    report = verify(
        seal(prepared, seal_key, sig_time=SIG_TIME),
        now=NOW,
        anchors=TrustAnchors((seal_key.certificates[-1],)),
    )
    assert report.outcome == "verified", report.to_json()
    assert "sealed by mandate" in report.check("issuer").message  # type: ignore[union-attr]


def test_issuer_must_match_certificate(seal_key: SealKey, example_elements: dict[str, Any]) -> None:
    example_elements["awarding_bodies"][0]["legal_identifiers"][1]["value"] = "VATCZ-99999999"
    envelope = seal(build_credential(example_elements), seal_key, sig_time=SIG_TIME)
    report = verify(envelope, now=NOW, anchors=TrustAnchors((seal_key.certificates[-1],)))
    assert report.outcome == "failed" and _code(report, "issuer") == "ISSUER_CERT_MISMATCH"


def test_certificate_not_valid_at_signing_time(
    seal_key: SealKey, example_elements: dict[str, Any]
) -> None:
    envelope = seal(
        build_credential(example_elements), seal_key, sig_time=SIG_TIME + timedelta(days=800)
    )
    report = verify(
        envelope,
        now=SIG_TIME + timedelta(days=801),
        anchors=TrustAnchors((seal_key.certificates[-1],)),
    )
    assert _code(report, "certificate") == "CERT_NOT_VALID_AT_SIGNING"


def test_not_qualified_is_reported_as_advanced(example_elements: dict[str, Any]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = make_test_seal_certificate(
        key,
        organization="Charles University",
        organization_identifier="VATCZ-00216208",
        country="CZ",
        not_before=SIG_TIME - timedelta(days=1),
        qualified_markers=False,
    )
    envelope = seal(build_credential(example_elements), SealKey(key, [cert]), sig_time=SIG_TIME)
    report = verify(envelope, now=NOW, anchors=TrustAnchors((cert,)))
    check = report.check("certificate")
    assert (
        check is not None
        and check.details["qualified_seal"] is False
        and "advanced" in check.message
    )


def _forge(envelope: dict[str, Any], **changes: Any) -> dict[str, Any]:
    header = json.loads(b64url_decode(envelope["signatures"][0]["protected"]))
    header.update(changes)
    for key, value in list(header.items()):
        if value is None:
            del header[key]
    out = json.loads(json.dumps(envelope))
    out["signatures"][0]["protected"] = b64url_encode(json.dumps(header).encode())
    return out


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"alg": "none"}, "UNSUPPORTED_ALGORITHM"),
        ({"alg": "None"}, "UNSUPPORTED_ALGORITHM"),
        ({"alg": "HS256"}, "UNSUPPORTED_ALGORITHM"),
        ({"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}}, "UNTRUSTED_KEY"),
        ({"jku": "http://127.0.0.1/jwks"}, "UNTRUSTED_KEY"),
        ({"x5u": "https://attacker.example/cert.pem"}, "UNTRUSTED_KEY"),
        ({"crit": ["b64", "sigT", "exp2"], "exp2": 1}, "UNSUPPORTED_CRITICAL_HEADER"),
        ({"crit": ["sigT"]}, "JADES_FORMAT"),
        ({"crit": ["b64", "sigT", "adoTst"]}, "UNSUPPORTED_CRITICAL_HEADER"),
        ({"b64": True}, "JADES_FORMAT"),
        ({"x5c": None}, "X5C_MISSING"),
        ({"x5t#S256": "AAAA"}, "X5T_MISMATCH"),
    ],
)
def test_jose_attacks(
    seal_key: SealKey, example_elements: dict[str, Any], changes: dict[str, Any], code: str
) -> None:
    envelope = seal(build_credential(example_elements), seal_key, sig_time=SIG_TIME)
    report = verify(_forge(envelope, **changes), now=NOW)
    assert report.outcome == "failed" and _code(report, "seal") == code


def test_algorithm_confusion_hmac_with_public_key(
    seal_key: SealKey, example_elements: dict[str, Any]
) -> None:
    envelope = seal(build_credential(example_elements), seal_key, sig_time=SIG_TIME)
    forged = _forge(envelope, alg="HS256")
    public = seal_key.certificates[0].public_bytes(serialization.Encoding.PEM)
    mac = hmac.HMAC(public, hashes.SHA256())
    mac.update(forged["signatures"][0]["protected"].encode() + b"." + forged["payload"].encode())
    forged["signatures"][0]["signature"] = b64url_encode(mac.finalize())
    report = verify(forged, now=NOW)
    assert _code(report, "seal") == "UNSUPPORTED_ALGORITHM"


def test_algorithm_key_mismatch(seal_key: SealKey, example_elements: dict[str, Any]) -> None:
    envelope = seal(build_credential(example_elements), seal_key, sig_time=SIG_TIME)
    other = "ES256" if seal_key.default_alg.startswith("RS") else "RS256"
    report = verify(_forge(envelope, alg=other), now=NOW)
    assert _code(report, "seal") == "ALGORITHM_KEY_MISMATCH"


def test_duplicate_header_names(seal_key: SealKey, example_elements: dict[str, Any]) -> None:
    envelope = seal(build_credential(example_elements), seal_key, sig_time=SIG_TIME)
    header = b64url_decode(envelope["signatures"][0]["protected"]).decode()
    duplicated = header[:-1] + ',"alg":"none"}'
    forged = json.loads(json.dumps(envelope))
    forged["signatures"][0]["protected"] = b64url_encode(duplicated.encode())
    assert _code(verify(forged, now=NOW), "seal") == "DUPLICATE_KEY"
    unprotected = json.loads(json.dumps(envelope))
    unprotected["signatures"][0]["header"] = {"alg": "none"}
    assert _code(verify(unprotected, now=NOW), "seal") == "DUPLICATE_KEY"


def test_payload_is_never_reserialized(seal_key: SealKey, example_elements: dict[str, Any]) -> None:
    text = json.dumps(build_credential(example_elements), indent=3, ensure_ascii=True)
    envelope = seal(text, seal_key, sig_time=SIG_TIME)
    assert envelope["payload"] == text
    assert _code(verify(envelope, now=NOW), "seal") == "OK"


def test_an_unsigned_trusted_list_xml_is_not_a_source_of_anchors(tmp_path: Path) -> None:
    raw = (SAMPLES / "mynextid-edc-mc-signed.jsonld").read_bytes()
    chain = _carried_chain(raw)
    ca = next(c for c in chain.certificates if "Halcom Root" in c.subject.rfc4514_string())
    der = base64.b64encode(ca.public_bytes(serialization.Encoding.DER)).decode()
    ns = "http://uri.etsi.org/02231/v2#"
    xml = f"""<?xml version="1.0"?>
<TrustServiceStatusList xmlns="{ns}"><TrustServiceProviderList><TrustServiceProvider><TSPServices><TSPService>
<ServiceInformation><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier>
<ServiceDigitalIdentity><DigitalId><X509Certificate>{der}</X509Certificate></DigitalId></ServiceDigitalIdentity>
<ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus></ServiceInformation>
</TSPService></TSPServices></TrustServiceProvider></TrustServiceProviderList></TrustServiceStatusList>"""
    path = tmp_path / "tl.xml"
    path.write_text(xml)
    with pytest.raises(TrustedListError) as caught:
        TrustAnchors.load(path)
    assert caught.value.code == "TSL_SIGNATURE_INVALID" and "not signed" in str(caught.value)
    assert (
        main(["verify", str(SAMPLES / "mynextid-edc-mc-signed.jsonld"), "--anchors", str(path)])
        == 2
    )


def test_cli_seal_and_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[1]
    key = tmp_path / "seal.pem"
    assert (
        main(
            [
                "keygen",
                "--self-signed-cert",
                "--type",
                "p256",
                "-o",
                str(key),
                "--org",
                "Charles University",
                "--org-id",
                "VATCZ-00216208",
                "--country",
                "CZ",
            ]
        )
        == 0
    )
    assert (key.stat().st_mode & 0o777) == 0o600
    cred, sealed = tmp_path / "c.json", tmp_path / "sealed.json"
    assert main(["build", str(root / "examples" / "microcredential.json"), "-o", str(cred)]) == 0
    assert main(["seal", str(cred), "--key", str(key), "-o", str(sealed)]) == 0
    capsys.readouterr()
    assert main(["verify", str(sealed)]) == 3
    # a self-signed certificate named as its own anchor confirms nothing (issue 14)
    assert main(["verify", str(sealed), "--anchors", str(key)]) == 3
    assert "ANCHOR_IS_SEAL_CERTIFICATE" in capsys.readouterr().out


def test_pkcs12_seal_key(
    tmp_path: Path, seal_key: SealKey, example_elements: dict[str, Any]
) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    from mcvc.jades.seal import load_seal_key

    blob = pkcs12.serialize_key_and_certificates(
        b"seal",
        seal_key.private_key,
        seal_key.certificates[0],
        None,
        BestAvailableEncryption(b"pw"),
    )
    path = tmp_path / "seal.p12"
    path.write_bytes(blob)
    loaded = load_seal_key(path, password=b"pw")
    envelope = seal(build_credential(example_elements), loaded, sig_time=SIG_TIME)
    assert (
        verify(envelope, now=NOW, anchors=TrustAnchors((seal_key.certificates[-1],))).outcome
        == "verified"
    )


@pytest.mark.parametrize("name", SEALED)
def test_the_seals_own_certificate_is_no_anchor(name: str) -> None:
    # issue 14: extracting x5c[0] and passing it as the anchor gave VERIFIED
    raw = (SAMPLES / name).read_bytes()
    leaf = parse_envelope(json.loads(raw)).signatures[0].certificate
    anchors = TrustAnchors.from_pem(leaf.public_bytes(serialization.Encoding.PEM), "own x5c")
    report = verify(raw, now=NOW, anchors=anchors)
    assert _code(report, "trust") == "ANCHOR_IS_SEAL_CERTIFICATE"
    assert report.trusted is False and report.facet("issuer") == "unknown"
    assert report.outcome != "verified"
