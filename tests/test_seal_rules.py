"""Each rule of the Europass seal verifier from both sides (mutation testing asked for them):
certificate paths, algorithms and signature sizes, validity at the signing time, key usage,
revocation data (CRLs and OCSP answers, by the right and the wrong signer) and the binding of
the credential's issuer to the certificate."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from mcvc import build_credential, verify
from mcvc.jades.certs import TrustAnchors, build_path
from mcvc.jades.seal import SealKey, make_test_ca, make_test_seal_certificate, seal
from mcvc.multibase import b64url_decode, b64url_encode

from .conftest import NOW, ROOT, load

AT = NOW - timedelta(days=30)


def _ca(name: str = "Test QTSP", **kw: Any) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, make_test_ca(key, name=name, country="CZ", not_before=AT - timedelta(days=90), **kw)


def _leaf(
    issuer: tuple[Any, x509.Certificate] | None, private: Any = None, **kw: Any
) -> tuple[Any, x509.Certificate]:
    private = private or ec.generate_private_key(ec.SECP256R1())
    options = {
        "organization": "Charles University",
        "organization_identifier": "VATCZ-00216208",
        "country": "CZ",
        "not_before": AT - timedelta(days=30),
        **kw,
    }
    return private, make_test_seal_certificate(private, issuer=issuer, **options)


def _intermediate(
    root: tuple[Any, x509.Certificate],
    *,
    ca: bool = True,
    not_before: datetime | None = None,
    days: int = 3650,
) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Test issuing CA"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CZ"),
        ]
    )
    start = not_before or AT - timedelta(days=60)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root[1].subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(root[0], hashes.SHA256())
    )
    return key, cert


def _credential() -> dict[str, Any]:
    return build_credential(load(ROOT / "examples" / "microcredential.json"))


def _seal(
    private: Any, chain: list[x509.Certificate], when: datetime = AT, alg: str | None = None
) -> dict[str, Any]:
    return seal(_credential(), SealKey(private, chain), sig_time=when, alg=alg)


def _code(report: Any, name: str) -> str:
    check = report.check(name)
    assert check is not None, report.codes
    return str(check.code)


# --- paths -----------------------------------------------------------------------------------


def test_a_path_through_an_intermediate() -> None:
    root = _ca()
    middle = _intermediate(root)
    key, leaf = _leaf(middle)
    result = build_path(leaf, [middle[1]], TrustAnchors((root[1],)), AT)
    assert result.trusted and result.path == [leaf, middle[1], root[1]]
    report = verify(_seal(key, [leaf, middle[1]]), now=NOW, anchors=TrustAnchors((root[1],)))
    assert report.outcome == "verified", report.to_json()
    trust = report.check("trust")
    assert trust is not None and "3 certificates" in trust.message


def test_paths_that_do_not_hold() -> None:
    root = _ca()
    anchors = TrustAnchors((root[1],))
    not_a_ca = _intermediate(root, ca=False)
    _, leaf = _leaf(not_a_ca)
    result = build_path(leaf, [not_a_ca[1]], anchors, AT)
    assert not result.trusted and "no trusted issuer found" in result.reason
    late = _intermediate(root, not_before=AT + timedelta(days=1))
    _, leaf = _leaf(late)
    result = build_path(leaf, [late[1]], anchors, AT)
    assert not result.trusted and "not valid at the signing time" in result.reason
    ended = _intermediate(root, not_before=AT - timedelta(days=100), days=10)
    _, leaf = _leaf(ended)
    assert "not valid at the signing time" in build_path(leaf, [ended[1]], anchors, AT).reason
    stranger = _ca("Test QTSP")  # the same name, another key
    _key, leaf = _leaf(stranger)
    result = build_path(leaf, [], anchors, AT)
    assert not result.trusted and result.path == [leaf]
    assert build_path(leaf, [], TrustAnchors(()), AT).reason == "no trust anchors were given"
    assert build_path(leaf, [], TrustAnchors((stranger[1],)), AT).trusted


def test_a_path_at_the_limits_of_validity() -> None:
    root = _ca()
    _key, leaf = _leaf(root)
    anchors = TrustAnchors((root[1],))
    assert build_path(leaf, [], anchors, root[1].not_valid_before_utc).trusted
    assert build_path(leaf, [], anchors, root[1].not_valid_after_utc).trusted


# --- algorithms, signatures, validity --------------------------------------------------------


def _with_header(envelope: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(envelope))
    header = json.loads(b64url_decode(out["signatures"][0]["protected"]))
    header.update(changes)
    out["signatures"][0]["protected"] = b64url_encode(json.dumps(header).encode())
    return out


def test_ec_signature_sizes_and_curves() -> None:
    root = _ca()
    key, leaf = _leaf(root)
    envelope = _seal(key, [leaf, root[1]])
    short = json.loads(json.dumps(envelope))
    sig = b64url_decode(short["signatures"][0]["signature"])
    short["signatures"][0]["signature"] = b64url_encode(sig[:-1])
    report = verify(short, now=NOW, anchors=TrustAnchors((root[1],)))
    assert (
        _code(report, "seal") == "INVALID_SIGNATURE" and "64 bytes" in report.check("seal").message
    )  # type: ignore[union-attr]
    wrong_curve = verify(_with_header(envelope, alg="ES384"), now=NOW)
    assert _code(wrong_curve, "seal") == "ALGORITHM_KEY_MISMATCH"
    assert "secp384r1" in wrong_curve.check("seal").message  # type: ignore[union-attr]
    p384 = ec.generate_private_key(ec.SECP384R1())
    key384, leaf384 = _leaf(root, p384)
    good = verify(_seal(key384, [leaf384, root[1]]), now=NOW, anchors=TrustAnchors((root[1],)))
    assert good.outcome == "verified" and "ES384" in good.check("seal").message  # type: ignore[union-attr]


@pytest.mark.parametrize("alg", ["RS256", "PS256", "RS384", "PS512"])
def test_rsa_seals(alg: str) -> None:
    root = _ca()
    key, leaf = _leaf(root, rsa.generate_private_key(65537, 2048))
    report = verify(_seal(key, [leaf, root[1]], alg=alg), now=NOW, anchors=TrustAnchors((root[1],)))
    assert report.outcome == "verified", report.to_json()
    assert report.check("seal").message.startswith(alg)  # type: ignore[union-attr]
    other = "PS256" if alg.startswith("RS") else "RS256"
    switched = verify(_with_header(_seal(key, [leaf, root[1]], alg=alg), alg=other), now=NOW)
    assert _code(switched, "seal") == "INVALID_SIGNATURE"
    as_ec = verify(_with_header(_seal(key, [leaf, root[1]], alg=alg), alg="ES256"), now=NOW)
    assert _code(as_ec, "seal") == "ALGORITHM_KEY_MISMATCH"


def test_rsa_key_size_boundary() -> None:
    root = _ca()
    key, leaf = _leaf(root, rsa.generate_private_key(65537, 2048))
    assert _code(verify(_seal(key, [leaf, root[1]]), now=NOW), "seal") == "OK"
    weak, weak_leaf = _leaf(root, rsa.generate_private_key(65537, 2040))
    report = verify(_seal(weak, [weak_leaf, root[1]]), now=NOW)
    assert _code(report, "seal") == "WEAK_KEY" and "2040 bits" in report.check("seal").message  # type: ignore[union-attr]


def test_validity_at_the_signing_time_is_inclusive() -> None:
    root = _ca()
    key, leaf = _leaf(root)
    anchors = TrustAnchors((root[1],))
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    for when, code in (
        (start, "OK"),
        (end, "OK"),
        (start - timedelta(seconds=1), "CERT_NOT_VALID_AT_SIGNING"),
        (end + timedelta(seconds=1), "CERT_NOT_VALID_AT_SIGNING"),
    ):
        report = verify(
            _seal(key, [leaf, root[1]], when=when), now=end + timedelta(days=1), anchors=anchors
        )
        assert _code(report, "certificate") == code, when


def _usage(**flags: bool) -> x509.KeyUsage:
    values = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    values.update(flags)
    return x509.KeyUsage(**values)


@pytest.mark.parametrize(
    ("usage", "code"),
    [
        (_usage(digital_signature=True), "OK"),
        (_usage(content_commitment=True), "OK"),
        (_usage(key_encipherment=True), "CERT_KEY_USAGE"),
        (None, "OK"),
    ],
)
def test_key_usage(usage: x509.KeyUsage | None, code: str) -> None:
    root = _ca()
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Charles University"),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "VATCZ-00216208"),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root[1].subject)
        .public_key(private.public_key())
        .serial_number(7)
        .not_valid_before(AT - timedelta(days=1))
        .not_valid_after(AT + timedelta(days=90))
    )
    if usage is not None:
        builder = builder.add_extension(usage, critical=True)
    cert = builder.sign(root[0], hashes.SHA256())
    report = verify(_seal(private, [cert, root[1]]), now=NOW, anchors=TrustAnchors((root[1],)))
    assert _code(report, "certificate") == code


# --- revocation data -------------------------------------------------------------------------


def _der(item: Any) -> str:
    return base64.b64encode(item.public_bytes(serialization.Encoding.DER)).decode()


def _crl(signer: Any, issuer_name: x509.Name, revoked: list[int]) -> str:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_name)
        .last_update(AT - timedelta(days=1))
        .next_update(AT + timedelta(days=30))
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(AT - timedelta(days=1))
            .build()
        )
    return _der(builder.sign(signer, hashes.SHA256()))


def _ocsp(
    leaf: x509.Certificate,
    issuer: x509.Certificate,
    signer_key: Any,
    signer: x509.Certificate,
    status: ocsp.OCSPCertStatus,
    extra: list[x509.Certificate] = (),
) -> str:  # type: ignore[assignment]
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=leaf,
            issuer=issuer,
            algorithm=hashes.SHA256(),
            cert_status=status,
            this_update=AT - timedelta(hours=1),
            next_update=AT + timedelta(days=1),
            revocation_time=AT - timedelta(days=2)
            if status == ocsp.OCSPCertStatus.REVOKED
            else None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.NAME, signer)
    )
    if extra:
        builder = builder.certificates(list(extra))
    return _der(builder.sign(signer_key, hashes.SHA256()))


def _with_values(envelope: dict[str, Any], **values: list[str]) -> dict[str, Any]:
    out = json.loads(json.dumps(envelope))
    entry = b64url_encode(json.dumps({"rVals": values}).encode())
    out["signatures"][0]["header"] = {"etsiU": [entry]}
    return out


@pytest.fixture
def sealed() -> dict[str, Any]:
    root = _ca()
    key, leaf = _leaf(root)
    return {"root": root, "leaf": leaf, "envelope": _seal(key, [leaf, root[1]])}


def _revocation(sealed: dict[str, Any], **values: list[str]) -> Any:
    report = verify(
        _with_values(sealed["envelope"], **values),
        now=NOW,
        anchors=TrustAnchors((sealed["root"][1],)),
    )
    return report.check("revocation")


def test_crls(sealed: dict[str, Any]) -> None:
    root, leaf = sealed["root"], sealed["leaf"]
    fine = _revocation(sealed, crlVals=[_crl(root[0], root[1].subject, [leaf.serial_number + 1])])
    assert (fine.code, fine.outcome) == ("OK", "pass") and "not revoked" in fine.message
    revoked = _revocation(sealed, crlVals=[_crl(root[0], root[1].subject, [leaf.serial_number])])
    assert (revoked.code, revoked.outcome) == ("CERT_REVOKED", "fail")
    forged = _revocation(
        sealed, crlVals=[_crl(ec.generate_private_key(ec.SECP256R1()), root[1].subject, [])]
    )
    assert (forged.code, forged.outcome) == ("REVOCATION_NOT_VERIFIED", "error")
    other_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Elsewhere")])
    unrelated = _revocation(sealed, crlVals=[_crl(root[0], other_name, [leaf.serial_number])])
    assert (unrelated.code, unrelated.outcome) == ("REVOCATION_NOT_CHECKED", "skipped")
    garbage = _revocation(sealed, crlVals=["bm90IGEgQ1JM", "!!", {"val": "AAAA"}])  # type: ignore[list-item]
    assert garbage.code == "REVOCATION_NOT_CHECKED"
    # a later valid CRL is still read after one that cannot be verified
    both = _revocation(
        sealed,
        crlVals=[
            _crl(ec.generate_private_key(ec.SECP256R1()), root[1].subject, []),
            _crl(root[0], root[1].subject, [leaf.serial_number]),
        ],
    )
    assert both.code == "CERT_REVOKED"


def test_ocsp_answers(sealed: dict[str, Any]) -> None:
    root, leaf = sealed["root"], sealed["leaf"]
    good = _revocation(
        sealed, ocspVals=[_ocsp(leaf, root[1], root[0], root[1], ocsp.OCSPCertStatus.GOOD)]
    )
    assert (good.code, good.outcome) == ("OK", "pass") and "OCSP" in good.message
    revoked = _revocation(
        sealed, ocspVals=[_ocsp(leaf, root[1], root[0], root[1], ocsp.OCSPCertStatus.REVOKED)]
    )
    assert (revoked.code, revoked.outcome) == ("CERT_REVOKED", "fail") and "OCSP" in revoked.message
    # a responder the CA certified answers for it
    responder_key = ec.generate_private_key(ec.SECP256R1())
    responder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test OCSP responder")]))
        .issuer_name(root[1].subject)
        .public_key(responder_key.public_key())
        .serial_number(99)
        .not_valid_before(AT - timedelta(days=10))
        .not_valid_after(AT + timedelta(days=10))
        .sign(root[0], hashes.SHA256())
    )
    delegated = _revocation(
        sealed,
        ocspVals=[
            _ocsp(leaf, root[1], responder_key, responder, ocsp.OCSPCertStatus.REVOKED, [responder])
        ],
    )
    assert delegated.code == "CERT_REVOKED"
    # a responder nobody certified is not believed
    rogue_key, rogue = _ca("Test OCSP responder")
    unverified = _revocation(
        sealed,
        ocspVals=[_ocsp(leaf, root[1], rogue_key, rogue, ocsp.OCSPCertStatus.REVOKED, [rogue])],
    )
    assert (unverified.code, unverified.outcome) == ("REVOCATION_NOT_VERIFIED", "error")
    unknown = _revocation(
        sealed, ocspVals=[_ocsp(leaf, root[1], root[0], root[1], ocsp.OCSPCertStatus.UNKNOWN)]
    )
    assert unknown.code == "REVOCATION_NOT_CHECKED"
    failed = base64.b64encode(
        ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER).public_bytes(
            serialization.Encoding.DER
        )
    ).decode()
    assert _revocation(sealed, ocspVals=[failed]).code == "REVOCATION_NOT_CHECKED"
    other_key, other_leaf = _leaf(sealed["root"])
    elsewhere = _revocation(
        sealed, ocspVals=[_ocsp(other_leaf, root[1], root[0], root[1], ocsp.OCSPCertStatus.REVOKED)]
    )
    assert elsewhere.code == "REVOCATION_NOT_CHECKED", "an answer about another certificate"
    del other_key


# --- the issuer and the certificate ----------------------------------------------------------


def _sealed_as(*, edit: Any = None, **cert: Any) -> Any:
    root = _ca()
    key, leaf = _leaf(root, **cert)
    elements = load(ROOT / "examples" / "microcredential.json")
    if edit is not None:
        edit(elements)
    envelope = seal(build_credential(elements), SealKey(key, [leaf, root[1]]), sig_time=AT)
    return verify(envelope, now=NOW, anchors=TrustAnchors((root[1],))).check("issuer")


def test_the_issuer_must_be_the_certificates_organisation() -> None:
    assert _sealed_as().code == "OK"
    assert _sealed_as(organization="CHARLES UNIVERSITY").code == "OK", "case is not the binding"
    assert _sealed_as(organization="Charles  University ").code == "OK"
    other = _sealed_as(organization="Masaryk University")
    assert other.code == "ISSUER_CERT_MISMATCH" and "legal name" in other.message
    wrong_id = _sealed_as(organization_identifier="VATCZ-00216224")
    assert wrong_id.code == "ISSUER_CERT_MISMATCH" and "eIDASIdentifier" in wrong_id.message
    wrong_country = _sealed_as(country="SK")
    assert wrong_country.code == "ISSUER_CERT_MISMATCH" and "C=SK" in wrong_country.message

    def no_eidas(elements: dict[str, Any]) -> None:
        body = elements["awarding_bodies"][0]
        body["legal_identifiers"] = [i for i in body["legal_identifiers"] if i["scheme"] != "eidas"]

    missing = _sealed_as(edit=no_eidas)
    assert missing.code == "ISSUER_CERT_MISMATCH" and "no eIDASIdentifier" in missing.message


def test_diacritics_are_not_the_binding() -> None:
    def accented(elements: dict[str, Any]) -> None:
        elements["awarding_bodies"][0]["legal_name"] = {"cs": "Univerzita Karlová"}

    assert _sealed_as(edit=accented, organization="UNIVERZITA KARLOVA").code == "OK"


# --- the envelope's form ---------------------------------------------------------------------


def _parse_code(doc: Any, **kw: Any) -> str:
    from mcvc.errors import InvalidInput
    from mcvc.jades.envelope import parse_envelope

    try:
        parse_envelope(doc, **kw)
    except InvalidInput as exc:
        return str(exc.code)
    return "OK"


def _header_of(envelope: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(b64url_decode(envelope["signatures"][0]["protected"])))


@pytest.fixture(scope="module")
def envelope() -> dict[str, Any]:
    root = _ca()
    key, leaf = _leaf(root)
    return _seal(key, [leaf, root[1]])


def test_envelope_form(envelope: dict[str, Any]) -> None:
    assert _parse_code(envelope) == "OK"
    assert _parse_code({**envelope, "signatures": []}) == "JADES_FORMAT"
    assert _parse_code({**envelope, "signatures": envelope["signatures"] * 8}) == "OK"
    assert _parse_code({**envelope, "signatures": envelope["signatures"] * 9}) == "JADES_FORMAT"
    assert _parse_code({**envelope, "signatures": ["x"]}) == "JADES_FORMAT"
    assert _parse_code({**envelope, "signatures": [{"signature": "AA"}]}) == "JADES_FORMAT"
    bad = dict(envelope["signatures"][0])
    for protected in ("!!", b64url_encode(b"[1]"), b64url_encode(b"not json")):
        assert (
            _parse_code({**envelope, "signatures": [{**bad, "protected": protected}]})
            == "JADES_FORMAT"
        )
    assert _parse_code({**envelope, "signatures": [{**bad, "header": []}]}) == "JADES_FORMAT"
    assert _parse_code({**envelope, "signatures": [{**bad, "header": {"etsiU": []}}]}) == "OK"
    assert _parse_code({**envelope, "signatures": [{**bad, "signature": "!!"}]}) == "JADES_FORMAT"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"crit": "b64"}, "UNSUPPORTED_CRITICAL_HEADER"),
        ({"crit": ["b64", 5]}, "UNSUPPORTED_CRITICAL_HEADER"),
        ({"crit": ["b64", "sigT", "exp9"]}, "UNSUPPORTED_CRITICAL_HEADER"),
        ({"crit": ["b64", "sigT", "sigD"]}, "UNSUPPORTED_CRITICAL_HEADER"),  # known, absent
        ({"crit": ["sigT"]}, "JADES_FORMAT"),
        ({"b64": None}, "UNSUPPORTED_CRITICAL_HEADER"),  # crit names it
        ({"b64": None, "crit": ["sigT"]}, "JADES_FORMAT"),
        ({"b64": 0}, "JADES_FORMAT"),
        ({"x5c": []}, "X5C_MISSING"),
        ({"x5c": [5]}, "X5C_MISSING"),
        ({"x5c": "MIIB"}, "X5C_MISSING"),
        ({"x5c": ["AAAA", "not base64!"]}, "X5C_INVALID"),
        ({"x5t#S256": None}, "OK"),
        ({"jwk": {"kty": "EC"}}, "UNTRUSTED_KEY"),
        ({"kid": "k1"}, "OK"),  # a name, not a key: the key is x5c[0]
        ({"alg": "ES512"}, "OK"),
        ({"alg": "EdDSA"}, "UNSUPPORTED_ALGORITHM"),
    ],
)
def test_header_rules(envelope: dict[str, Any], changes: dict[str, Any], code: str) -> None:
    header = {k: v for k, v in {**_header_of(envelope), **changes}.items() if v is not None}
    forged = json.loads(json.dumps(envelope))
    forged["signatures"][0]["protected"] = b64url_encode(json.dumps(header).encode())
    if code == "X5C_INVALID" and changes.get("x5c", [None])[0] == "AAAA":
        header["x5c"] = [_header_of(envelope)["x5c"][0], "not base64!"]
        forged["signatures"][0]["protected"] = b64url_encode(json.dumps(header).encode())
    assert _parse_code(forged) == code


def test_certificate_caps_are_exact(envelope: dict[str, Any]) -> None:
    from mcvc.limits import Limits

    assert _parse_code(envelope, limits=Limits(max_seal_certificates=2)) == "OK"
    assert _parse_code(envelope, limits=Limits(max_seal_certificates=1)) == "SEAL_CERTIFICATE_LIMIT"
    root = _header_of(envelope)["x5c"][1]
    entry = b64url_encode(json.dumps({"xVals": [{"x509Cert": root}]}).encode())
    padded = json.loads(json.dumps(envelope))
    padded["signatures"][0]["header"] = {"etsiU": [entry]}
    assert _parse_code(padded, limits=Limits(max_seal_certificates=3)) == "OK"
    assert _parse_code(padded, limits=Limits(max_seal_certificates=2)) == "SEAL_CERTIFICATE_LIMIT"
    crl = b64url_encode(json.dumps({"rVals": {"crlVals": ["AA", "BB"]}}).encode())
    with_crls = json.loads(json.dumps(envelope))
    with_crls["signatures"][0]["header"] = {"etsiU": [crl]}
    assert _parse_code(with_crls, limits=Limits(max_seal_revocation_values=2)) == "OK"
    assert (
        _parse_code(with_crls, limits=Limits(max_seal_revocation_values=1))
        == "SEAL_REVOCATION_LIMIT"
    )
    many = json.loads(json.dumps(envelope))
    many["signatures"][0]["header"] = {"etsiU": [crl] * 33}
    assert _parse_code(many, limits=Limits(max_seal_revocation_values=1000)) == "JADES_FORMAT"
    many["signatures"][0]["header"] = {"etsiU": [b64url_encode(b"{}")] * 32}
    assert _parse_code(many) == "OK"


# --- what mutation testing asked for: outcomes, details and the order of the data ------------


def _fails(report: Any, name: str, code: str) -> Any:
    check = report.check(name)
    assert check is not None and (check.code, check.outcome) == (code, "fail"), report.codes
    assert report.outcome == "failed"
    return check


def test_every_seal_refusal_fails_the_verdict() -> None:
    root = _ca()
    key, leaf = _leaf(root)
    envelope = _seal(key, [leaf, root[1]])
    short = json.loads(json.dumps(envelope))
    short["signatures"][0]["signature"] = b64url_encode(
        b64url_decode(short["signatures"][0]["signature"])[:-1]
    )
    _fails(verify(short, now=NOW), "seal", "INVALID_SIGNATURE")
    _fails(verify(_with_header(envelope, alg="ES384"), now=NOW), "seal", "ALGORITHM_KEY_MISMATCH")
    rsa_key, rsa_leaf = _leaf(root, rsa.generate_private_key(65537, 2048))
    as_ec = _with_header(_seal(rsa_key, [rsa_leaf, root[1]], alg="RS256"), alg="ES256")
    _fails(verify(as_ec, now=NOW), "seal", "ALGORITHM_KEY_MISMATCH")
    as_rsa = _with_header(envelope, alg="PS256")
    check = _fails(verify(as_rsa, now=NOW), "seal", "ALGORITHM_KEY_MISMATCH")
    assert "RSA" in check.message
    weak, weak_leaf = _leaf(root, rsa.generate_private_key(65537, 1024))
    _fails(verify(_seal(weak, [weak_leaf, root[1]]), now=NOW), "seal", "WEAK_KEY")
    late = _fails(
        verify(
            _seal(key, [leaf, root[1]], when=leaf.not_valid_after_utc + timedelta(days=1)), now=NOW
        ),
        "certificate",
        "CERT_NOT_VALID_AT_SIGNING",
    )
    assert (
        "the seal says it was made at" in late.message
        and leaf.not_valid_before_utc.isoformat() in late.message
    )


def test_the_certificate_facts_are_reported() -> None:
    root = _ca()
    key, leaf = _leaf(root)
    report = verify(
        _seal(key, [leaf, root[1]]),
        now=NOW,
        anchors=TrustAnchors((root[1],), source="test anchors"),
    )
    certificate = report.check("certificate")
    assert certificate is not None
    assert certificate.details == {"qualified_seal": True, "qc_types": ["0.4.0.1862.1.6.2"]}
    assert report.issuer["certificate"]["organization"] == "Charles University"
    assert report.issuer["certificate"]["serial"] == format(leaf.serial_number, "x")
    trust = report.check("trust")
    assert trust is not None and trust.details == {"anchors": "test anchors"}
    issuer = report.check("issuer")
    assert issuer is not None and issuer.details["certificate"]["country"] == "CZ"
    # the example is a joint credential: Warsaw is an awarding body, Charles University seals
    assert issuer.details["sealed_by_mandate"] is True
    own = verify(_seal(key, [leaf]), now=NOW, anchors=TrustAnchors((leaf,), source="own"))
    anchor = own.check("trust")
    assert anchor is not None and anchor.code == "ANCHOR_IS_SEAL_CERTIFICATE"
    assert anchor.details == {"anchors": "own"} and "confirms nothing" in anchor.message
    assert own.trusted is False


def test_a_seal_by_mandate_names_the_awarding_bodies() -> None:
    check = _sealed_as()
    assert check.code == "OK" and check.details["sealed_by_mandate"] is True
    assert check.message.endswith("; awarded by University of Warsaw, sealed by mandate")

    def alone(elements: dict[str, Any]) -> None:
        elements["awarding_bodies"] = elements["awarding_bodies"][:1]

    single = _sealed_as(edit=alone)
    assert single.code == "OK" and single.details["sealed_by_mandate"] is False
    assert "mandate" not in single.message
    mismatch = _sealed_as(organization="Masaryk University")
    assert mismatch.details["certificate"]["organization"] == "Masaryk University"


def test_a_signing_time_that_is_not_a_date() -> None:
    root = _ca()
    key, leaf = _leaf(root)
    envelope = _seal(key, [leaf, root[1]])
    header = _header_of(envelope)
    # sigT is covered by the signature: re-seal by hand with a broken date
    from mcvc.jades.envelope import parse_envelope

    header["sigT"] = "yesterday"
    protected = b64url_encode(json.dumps(header).encode())
    env = parse_envelope(envelope)
    payload = envelope["payload"]
    signing_input = f"{protected}.".encode() + (
        payload.encode() if isinstance(payload, str) else payload
    )
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    der = key.sign(signing_input, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    forged = json.loads(json.dumps(envelope))
    forged["signatures"][0]["protected"] = protected
    forged["signatures"][0]["signature"] = b64url_encode(
        r.to_bytes(32, "big") + s.to_bytes(32, "big")
    )
    del env
    check = _fails(verify(forged, now=NOW), "certificate", "INVALID_DATE")
    assert check.message.startswith("sigT: 'yesterday' is not a date-time"), check.message


def _b64_with_junk(der_b64: str) -> str:
    return der_b64[:10] + "!" + der_b64[10:]


def test_revocation_data_is_read_strictly_and_in_order(sealed: dict[str, Any]) -> None:
    root, leaf = sealed["root"], sealed["leaf"]
    revoked_crl = _crl(root[0], root[1].subject, [leaf.serial_number])
    # base64 with a stray character is not decoded leniently into a CRL
    junk = _revocation(sealed, crlVals=[_b64_with_junk(revoked_crl)])
    assert junk.code == "REVOCATION_NOT_CHECKED"
    other_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Elsewhere")])
    after = _revocation(
        sealed,
        crlVals=["!!", "bm90IGEgQ1JM", _crl(root[0], other_name, []), revoked_crl],
    )
    assert (after.code, after.outcome) == ("CERT_REVOKED", "fail")
    good_ocsp = _ocsp(leaf, root[1], root[0], root[1], ocsp.OCSPCertStatus.REVOKED)
    failed = base64.b64encode(
        ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.TRY_LATER).public_bytes(
            serialization.Encoding.DER
        )
    ).decode()
    _other_key, other_leaf = _leaf(root)
    about_another = _ocsp(other_leaf, root[1], root[0], root[1], ocsp.OCSPCertStatus.GOOD)
    rogue_key, rogue = _ca("Test OCSP responder")
    by_rogue = _ocsp(leaf, root[1], rogue_key, rogue, ocsp.OCSPCertStatus.GOOD, [rogue])
    ordered = _revocation(
        sealed, ocspVals=["!!", "bm90IE9DU1A=", failed, about_another, by_rogue, good_ocsp]
    )
    assert (ordered.code, ordered.outcome) == ("CERT_REVOKED", "fail"), ordered.message


def test_the_ocsp_responder_is_looked_for_among_all_certificates(sealed: dict[str, Any]) -> None:
    from cryptography.hazmat.primitives.asymmetric import ed25519

    root, leaf = sealed["root"], sealed["leaf"]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test OCSP responder")])

    def issued(public: Any, subject: x509.Name, serial: int) -> x509.Certificate:
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(root[1].subject)
            .public_key(public)
            .serial_number(serial)
            .not_valid_before(AT - timedelta(days=10))
            .not_valid_after(AT + timedelta(days=10))
            .sign(root[0], hashes.SHA256())
        )

    responder_key = ec.generate_private_key(ec.SECP256R1())
    responder = issued(responder_key.public_key(), name, 99)
    unrelated = issued(
        ec.generate_private_key(ec.SECP256R1()).public_key(),
        other := x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Someone else")]),
        98,
    )
    del other
    same_name_other_key = issued(ec.generate_private_key(ec.SECP256R1()).public_key(), name, 97)
    edwards = issued(ed25519.Ed25519PrivateKey.generate().public_key(), name, 96)
    answer = _ocsp(
        leaf,
        root[1],
        responder_key,
        responder,
        ocsp.OCSPCertStatus.REVOKED,
        [unrelated, edwards, same_name_other_key, responder],
    )
    check = _revocation(sealed, ocspVals=[answer])
    assert (check.code, check.outcome) == ("CERT_REVOKED", "fail"), check.message


def test_a_crl_signed_by_an_anchor_that_is_not_in_the_seal(sealed: dict[str, Any]) -> None:
    root = sealed["root"]
    key, leaf = _leaf(root)
    without_root = _seal(key, [leaf])
    values = _with_values(
        without_root, crlVals=[_crl(root[0], root[1].subject, [leaf.serial_number])]
    )
    report = verify(values, now=NOW, anchors=TrustAnchors((root[1],)))
    check = report.check("revocation")
    assert check is not None and check.code == "CERT_REVOKED", report.codes


def test_the_issuers_legal_country_comes_from_its_eidas_identifier_first() -> None:
    def eidas_in(country: str) -> Any:
        def edit(elements: dict[str, Any]) -> None:
            for ident in elements["awarding_bodies"][0]["legal_identifiers"]:
                if ident["scheme"] == "eidas":
                    ident["country"] = country

        return edit

    # the eIDAS identifier says SK, the address says CZ: the legal country is SK
    check = _sealed_as(edit=eidas_in("SK"))
    assert (
        check.code == "ISSUER_CERT_MISMATCH"
        and "country SK is not the certificate's C=CZ" in check.message
    )

    # an eIDAS identifier without its country: the address is the legal country
    root = _ca()
    key, leaf = _leaf(root)
    credential = build_credential(load(ROOT / "examples" / "microcredential.json"))
    del credential["issuer"]["eIDASIdentifier"]["spatial"]
    slovakia = "http://publications.europa.eu/resource/authority/country/SVK"
    credential["issuer"]["location"]["address"]["countryCode"]["id"] = slovakia
    envelope = seal(credential, SealKey(key, [leaf, root[1]]), sig_time=AT)
    fallback = verify(envelope, now=NOW).check("issuer")
    assert fallback is not None and fallback.code == "ISSUER_CERT_MISMATCH", fallback.message
    assert "country SK is not the certificate's C=CZ" in fallback.message
    credential["issuer"]["location"] = [{"address": [{"countryCode": {"id": slovakia}}]}]
    listed = verify(seal(credential, SealKey(key, [leaf, root[1]]), sig_time=AT), now=NOW)
    assert "country SK" in listed.check("issuer").message  # type: ignore[union-attr]


# --- the issuer binding's edges (from surviving mutants) ---------------------------------------


def _binding_of(credential: dict[str, Any], **cert: Any) -> Any:
    root = _ca()
    key, leaf = _leaf(root, **cert)
    envelope = seal(credential, SealKey(key, [leaf, root[1]]), sig_time=AT)
    return verify(envelope, now=NOW, anchors=TrustAnchors((root[1],), source="test anchors"))


def test_an_issuer_given_by_id_only_is_not_the_certificates_organisation() -> None:
    credential = _credential()
    credential["issuer"] = credential["issuer"]["id"]
    check = _binding_of(credential).check("issuer")
    assert check is not None and check.code == "ISSUER_CERT_MISMATCH", check
    assert "legal name is not the certificate's O='Charles University'" in check.message
    assert "no eIDASIdentifier" in check.message


def test_locations_and_addresses_that_are_references_are_skipped() -> None:
    credential = _credential()
    issuer = credential["issuer"]
    # without a country on the eIDAS identifier, the locations' addresses give the country
    issuer["eIDASIdentifier"] = {
        k: v for k, v in issuer["eIDASIdentifier"].items() if k != "spatial"
    }
    location = issuer["location"]
    issuer["location"] = [
        "urn:uuid:elsewhere",
        dict(location, address=["urn:uuid:addr", location["address"]]),
    ]
    check = _binding_of(credential).check("issuer")
    assert check is not None and check.code == "OK", check.message
    slovak = _binding_of(credential, country="SK").check("issuer")
    assert slovak is not None and slovak.code == "ISSUER_CERT_MISMATCH"
    assert "country CZ is not the certificate's C=SK" in slovak.message
    # references only: no country known, so none is compared
    issuer["location"] = ["urn:uuid:elsewhere", dict(location, address="urn:uuid:addr")]
    unknown = _binding_of(credential, country="SK").check("issuer")
    assert unknown is not None and unknown.code == "OK", unknown.message


def test_a_binding_that_holds_says_so_without_a_mandate() -> None:
    elements = load(ROOT / "examples" / "microcredential.json")
    elements["awarding_bodies"] = elements["awarding_bodies"][:1]
    credential = build_credential(elements)
    check = _binding_of(credential).check("issuer")
    assert check is not None and check.code == "OK"
    assert check.message == (
        "issuer matches the seal certificate (Charles University, VATCZ-00216208, CZ)"
    )


def test_an_awarding_body_without_a_name_is_shown_as_unknown() -> None:
    elements = load(ROOT / "examples" / "microcredential.json")
    credential = build_credential(elements)
    for body in _awarding_bodies(credential):
        if body.get("legalName", {}).get("en") != "Charles University":
            body.pop("legalName", None)
    check = _binding_of(credential).check("issuer")
    assert check is not None and check.code == "OK", check.message
    assert check.message.endswith("; awarded by ?, sealed by mandate")


def _awarding_bodies(credential: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            bodies = node.get("awardingBody")
            for body in bodies if isinstance(bodies, list) else [bodies] if bodies else []:
                if isinstance(body, dict):
                    found.append(body)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(credential)
    return found


def test_a_chain_to_a_plain_anchor_is_trusted_with_code_ok() -> None:
    report = _binding_of(_credential())
    trust = report.check("trust")
    assert trust is not None
    assert (trust.code, trust.outcome) == ("OK", "pass")
    assert trust.message == "certificate chains to a trust anchor (2 certificates)"
    assert trust.details == {"anchors": "test anchors"}


def test_what_a_trusted_list_service_says_when_dates_are_unknown() -> None:
    from types import SimpleNamespace

    from mcvc.jades.verify import _service_check
    from mcvc.tsl.parse import GRANTED

    granted = sorted(GRANTED)[0]
    withdrawn = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"

    def listed(status: Any, next_update: Any = NOW + timedelta(days=1)) -> Any:
        service = SimpleNamespace(name="QCA 1", provider="QTSP", status_at=lambda when: status)
        return SimpleNamespace(
            territory="CZ", list_issued=None, fetched="", next_update=next_update, service=service
        )

    ok = _service_check(listed((granted, None)), AT, NOW, "stored lists")
    assert (ok.code, ok.outcome) == ("OK", "pass")
    assert ok.details["list_issued"] == "" and ok.details["source"] == "stored lists"
    assert "(issued ?, fetched ?)" in ok.message and "granted since ?," in ok.message
    gone = _service_check(listed((withdrawn, AT - timedelta(days=1))), AT, NOW, "s")
    assert (gone.code, gone.outcome) == ("SERVICE_NOT_GRANTED", "error")
    assert "'QCA 1' of QTSP was withdrawn at the signing time" in gone.message
    never = _service_check(listed(None), AT, NOW, "s")
    assert never.code == "SERVICE_NOT_GRANTED" and "was not listed yet at" in never.message
    # a list with no next update is closed, with or without a time to compare with
    for now in (NOW, None):
        closed = _service_check(listed((granted, None), next_update=None), AT, now, "s")
        assert (closed.code, closed.outcome) == ("TSL_EXPIRED", "error")
        assert closed.details == {
            "source": "s",
            "territory": "CZ",
            "service": "QCA 1",
            "provider": "QTSP",
            "list_issued": "",
            "fetched": "",
        }
        assert closed.message == (
            "the CZ Trusted List (issued ?, fetched ?) has no next update, which marks a "
            "closed list: it is not relied on"
        )
    # without a time to compare with, a list with a next update is read as current
    assert _service_check(listed((granted, None), NOW - timedelta(days=1)), AT, None, "s").code == (
        "OK"
    )


def test_what_is_an_envelope() -> None:
    from mcvc.jades.envelope import is_envelope

    assert is_envelope({"payload": "{}", "signatures": []})
    assert not is_envelope({"payload": 5, "signatures": []})
    assert not is_envelope({"payload": "{}", "signatures": {}})
    assert not is_envelope({"signatures": []})
    assert not is_envelope([{"payload": "{}", "signatures": []}])


def _with_protected(envelope: dict[str, Any], header: dict[str, Any]) -> dict[str, Any]:
    forged = json.loads(json.dumps(envelope))
    forged["signatures"][0]["protected"] = b64url_encode(json.dumps(header).encode())
    return forged


def test_header_shapes_that_are_read_strictly(envelope: dict[str, Any]) -> None:
    header = _header_of(envelope)
    without_crit = {k: v for k, v in header.items() if k != "crit"}
    assert _parse_code(_with_protected(envelope, without_crit)) == "JADES_FORMAT"
    assert _parse_code(_with_protected(envelope, {**header, "crit": 5})) == (
        "UNSUPPORTED_CRITICAL_HEADER"
    )
    for index in (0, 1):
        x5c = list(header["x5c"])
        x5c[index] = _b64_with_junk(x5c[index])
        assert _parse_code(_with_protected(envelope, {**header, "x5c": x5c})) == "X5C_INVALID"
    # etsiU may be in both headers (only the unprotected one is read); other names may not
    both = json.loads(json.dumps(envelope))
    both["signatures"][0]["header"] = {"etsiU": []}
    both["signatures"][0]["protected"] = b64url_encode(json.dumps({**header, "etsiU": []}).encode())
    assert _parse_code(both) == "OK"
    both["signatures"][0]["header"] = {"etsiU": [], "kid": "k"}
    both["signatures"][0]["protected"] = b64url_encode(
        json.dumps({**header, "etsiU": [], "kid": "k"}).encode()
    )
    assert _parse_code(both) == "DUPLICATE_KEY"


def test_the_protected_header_is_at_most_256_kib(envelope: dict[str, Any]) -> None:
    header = _header_of(envelope)
    text = json.dumps({**header, "pad": ""})
    fits = {**header, "pad": "a" * (256 * 1024 - len(text))}
    assert len(json.dumps(fits)) == 256 * 1024
    from mcvc.jades.envelope import parse_envelope

    parsed = parse_envelope(_with_protected(envelope, fits))
    assert parsed.signatures[0].header == fits
    over = {**fits, "pad": fits["pad"] + "a"}
    assert _parse_code(_with_protected(envelope, over)) == "JADES_FORMAT"


def test_the_unprotected_header_is_kept(envelope: dict[str, Any]) -> None:
    from mcvc.jades.envelope import parse_envelope

    given = json.loads(json.dumps(envelope))
    given["signatures"][0]["header"] = {"etsiU": [], "x": 1}
    assert parse_envelope(given).signatures[0].unprotected == {"etsiU": [], "x": 1}


def test_revocation_values_are_counted_by_kind() -> None:
    from mcvc.jades.envelope import _revocation_count

    assert (
        _revocation_count(
            {"crlVals": ["a", "b"], "ocspVals": "abc", "otherVals": [1], "refs": [1, 2, 3]}
        )
        == 4
    )
    assert _revocation_count({"otherVals": "one"}) == 1


def test_unsigned_certificates_and_revocation_values_are_gathered() -> None:
    from mcvc.jades.envelope import _certs_from_etsiu
    from mcvc.limits import DEFAULT_LIMITS

    root = _ca()
    _key, leaf = _leaf(root)
    der = base64.b64encode(leaf.public_bytes(serialization.Encoding.DER)).decode()
    entries = [
        b64url_encode(json.dumps({"xVals": ["junk", {"x509Cert": "not base64 DER"}]}).encode()),
        {"xVals": [{"x509Cert": {"val": der}}], "rVals": {"crlVals": "first"}},
        "!!not base64url!!",
        {"rVals": {"crlVals": ["later"], "ocspVals": ["o1"]}},
        {"rVals": {"ocspVals": ["o2"]}},
    ]
    certs, revocation = _certs_from_etsiu(entries, 16, DEFAULT_LIMITS, "signature 1")
    assert certs == (leaf,)
    assert revocation == {"crlVals": "first", "ocspVals": ["o1", "o2"]}
    assert _certs_from_etsiu({"xVals": []}, 16, DEFAULT_LIMITS, "s") == ((), {})


def test_etsiu_bounds_name_the_signature(envelope: dict[str, Any]) -> None:
    from mcvc.errors import InvalidInput
    from mcvc.jades.envelope import parse_envelope

    padded = json.loads(json.dumps(envelope))
    padded["signatures"][0]["header"] = {"etsiU": [{}] * 33}
    with pytest.raises(InvalidInput) as caught:
        parse_envelope(padded)
    assert (caught.value.code, str(caught.value)) == (
        "JADES_FORMAT",
        "signature 1: more than 32 etsiU entries",
    )
    for doc in ("text", [envelope], {"payload": "{}"}):
        with pytest.raises(InvalidInput) as caught:
            parse_envelope(doc)  # type: ignore[arg-type]
        assert (caught.value.code, str(caught.value)) == (
            "JADES_FORMAT",
            "not a JWS JSON serialization with a payload string",
        )
