"""verify(): each check's pass and failure codes, presentations, trust, dates, status."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mcvc import (
    TrustList,
    build_credential,
    create_presentation,
    generate_key,
    sign,
    sign_presentation,
    verify,
)

from .conftest import ECDSA, EDDSA, NOW, SAMPLES, load

SIGNED_AT = datetime(2026, 7, 14, 20, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def key():  # type: ignore[no-untyped-def]
    return generate_key()


@pytest.fixture
def signed(example_elements: dict[str, Any], key) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return sign(build_credential(example_elements, issuer=key.did_key), key, created=SIGNED_AT)


def _code(report: Any, name: str) -> str:
    check = report.check(name)
    assert check is not None, report.codes
    return str(check.code)


def _trusting(*dids: str) -> TrustList:
    return TrustList.from_dict({"name": "test list", "issuers": [{"did": d} for d in dids]})


def test_valid_credential(signed: dict[str, Any], key) -> None:  # type: ignore[no-untyped-def]
    report = verify(signed, now=NOW, trust=_trusting(key.did_key))
    assert report.verified and report.outcome == "verified"
    assert report.facets == {"intact": "pass", "issuer": "pass", "valid": "pass"}
    assert _code(report, "proof") == "OK" and _code(report, "issuer") == "OK"
    assert _code(report, "trust") == "OK"
    assert report.elements is not None and report.elements["missing"] == []
    json.loads(report.to_json())


def test_valid_signature_without_trust_is_unconfirmed(signed: dict[str, Any]) -> None:
    # issue 14: a fresh key of one's own, naming a real university, is not "verified"
    report = verify(signed, now=NOW)
    assert report.outcome == "unconfirmed" and not report.verified
    assert report.facets == {"intact": "pass", "issuer": "unknown", "valid": "pass"}
    assert _code(report, "trust") == "TRUST_NOT_CHECKED"
    vc_api = verify(signed, now=NOW, policy="vc-api")
    assert vc_api.outcome == "verified" and vc_api.to_dict()["policy"] == "vc-api"
    with pytest.raises(ValueError):
        verify(signed, now=NOW, policy="lenient")  # type: ignore[arg-type]


@pytest.mark.parametrize("profile", ["vc2", "ob3"])
def test_other_profiles_verify(example_elements: dict[str, Any], key, profile: str) -> None:  # type: ignore[no-untyped-def]
    doc = sign(
        build_credential(example_elements, profile=profile, issuer=key.did_key),
        key,
        created=SIGNED_AT,
    )
    assert verify(doc, now=NOW, trust=_trusting(key.did_key)).outcome == "verified"


def test_tampered_fails(signed: dict[str, Any]) -> None:
    signed["credentialSubject"]["hasClaim"]["specifiedBy"]["creditPoint"]["point"] = "50"
    report = verify(signed, now=NOW)
    assert report.outcome == "failed" and _code(report, "proof") == "INVALID_SIGNATURE"


def test_issuer_mismatch(example_elements: dict[str, Any], key) -> None:  # type: ignore[no-untyped-def]
    doc = sign(
        build_credential(example_elements, issuer="did:web:uni.example"), key, created=SIGNED_AT
    )
    report = verify(doc, now=NOW)
    assert report.outcome == "failed" and _code(report, "issuer") == "ISSUER_MISMATCH"


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json", "ISSUER_MISMATCH"),
        (ECDSA / "ecdsa-rdfc-2019-p256" / "signedECDSAP256.json", "ISSUER_MISMATCH"),
    ],
)
def test_w3c_vectors_proof_valid_binding_reported(path: Any, code: str) -> None:
    report = verify(load(path), now=NOW)
    assert _code(report, "proof") == "OK"
    assert _code(report, "issuer") == code


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (datetime(2026, 7, 14, 21, 0, tzinfo=UTC), "NOT_YET_VALID"),
        (datetime(2026, 7, 14, 21, 56, tzinfo=UTC), "OK"),  # within 300 s of validFrom (22:00Z)
    ],
)
def test_dates_with_skew(signed: dict[str, Any], now: datetime, code: str) -> None:
    assert _code(verify(signed, now=now), "dates") == code


def test_expired(example_elements: dict[str, Any], key) -> None:  # type: ignore[no-untyped-def]
    example_elements["valid_until"] = "2026-10-01T00:00:00Z"
    doc = sign(build_credential(example_elements, issuer=key.did_key), key, created=SIGNED_AT)
    until = datetime(2026, 10, 1, tzinfo=UTC)
    assert _code(verify(doc, now=until + timedelta(seconds=301)), "dates") == "EXPIRED"
    assert _code(verify(doc, now=until + timedelta(seconds=299)), "dates") == "OK"


def test_vc2_with_expiration_date_is_malformed(key) -> None:  # type: ignore[no-untyped-def]
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": key.did_key,
        "credentialSubject": {"id": "did:example:1"},
        "expirationDate": "2020-01-01T00:00:00Z",
    }
    report = verify(doc, now=NOW)
    assert report.outcome == "failed" and _code(report, "structure") == "VC1_FIELD_IN_VC2"


def test_status_without_checker_is_inconclusive(key) -> None:  # type: ignore[no-untyped-def]
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    doc["credentialStatus"] = {
        "id": "https://status.example/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://status.example/3",
    }
    report = verify(sign(doc, key, created=SIGNED_AT), now=NOW)
    assert report.outcome == "inconclusive" and _code(report, "status") == "STATUS_NOT_CHECKED"


def test_no_request_for_bad_signature_or_unknown_context(key) -> None:  # type: ignore[no-untyped-def]
    requests: list[str] = []
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: requests.append(str(r.url)) or httpx.Response(500))
    )
    doc = load(EDDSA / "unsigned.json")
    doc["@context"].append("https://attacker.example/ctx.jsonld")
    report = verify(doc, now=NOW, http=client)
    assert _code(report, "contexts") == "CONTEXT_NOT_ALLOWED"
    assert requests == []


def test_trust_list(signed: dict[str, Any], key) -> None:  # type: ignore[no-untyped-def]
    trusted = TrustList.from_dict(
        {"issuers": [{"did": key.did_key, "legal_name": "Charles University", "country": "CZ"}]}
    )
    report = verify(signed, now=NOW, trust=trusted)
    assert report.trusted is True and _code(report, "trust") == "OK"
    other = TrustList.from_dict(
        {"issuers": [{"did": "did:web:other.example", "legal_name": "Charles University"}]}
    )
    report = verify(signed, now=NOW, trust=other)
    assert report.trusted is False and report.outcome == "unconfirmed"
    assert _code(report, "trust") == "ISSUER_NOT_TRUSTED"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (b'{"a": 1, "a": 2}', "DUPLICATE_KEY"),
        (b"[1, 2]", "PARSING_ERROR"),
        (b"{", "PARSING_ERROR"),
        (b'{"x": NaN}', "PARSING_ERROR"),
    ],
)
def test_parse_failures_are_reports(text: bytes, code: str) -> None:
    report = verify(text, now=NOW)
    assert report.outcome == "failed" and _code(report, "parse") == code


def test_sealed_europass_without_anchors_is_unconfirmed_with_elements() -> None:
    report = verify((SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW)
    assert report.outcome == "unconfirmed"
    assert _code(report, "seal") == "OK"
    assert _code(report, "trust") == "CERTIFICATE_NOT_TRUSTED"
    assert report.elements is not None and report.elements["missing"] == ["quality_assurance"]


def test_presentation_roundtrip(example_elements: dict[str, Any], key) -> None:  # type: ignore[no-untyped-def]
    holder = generate_key()
    example_elements["learner"]["subject_id"] = holder.did_key
    credential = sign(
        build_credential(example_elements, issuer=key.did_key), key, created=SIGNED_AT
    )
    vp = sign_presentation(
        create_presentation([credential], holder=holder.did_key),
        holder,
        challenge="abc",
        domain="uni.example",
        created=SIGNED_AT,
    )
    trust = _trusting(key.did_key)
    ok = verify(vp, now=NOW, challenge="abc", domain="uni.example", trust=trust)
    assert ok.outcome == "verified"
    assert verify(vp, now=NOW, challenge="abc", domain="uni.example").outcome == "unconfirmed"
    report = verify(vp, now=NOW, challenge="xyz", domain="uni.example")
    assert report.outcome == "failed" and _code(report, "proof") == "INVALID_CHALLENGE_ERROR"
    report = verify(vp, now=NOW, challenge="abc", domain="evil.example")
    assert _code(report, "proof") == "INVALID_DOMAIN_ERROR"
    stranger = generate_key()
    other = sign_presentation(
        create_presentation([credential], holder=stranger.did_key),
        stranger,
        challenge="abc",
        created=SIGNED_AT,
    )
    # the data model lets a third party present a credential: shown, not failed ...
    report = verify(other, now=NOW, challenge="abc", trust=trust)
    check = report.check("holder-binding")
    assert check is not None and check.code == "HOLDER_NOT_SUBJECT" and check.informative
    assert report.outcome == "verified"
    # ... unless the verifier requires the presenter to be the subject
    report = verify(other, now=NOW, challenge="abc", trust=trust, require_holder_binding=True)
    assert _code(report, "holder-binding") == "HOLDER_BINDING_FAILED"
    assert report.outcome == "failed"


def test_naive_now_is_misuse(signed: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        verify(signed, now=datetime(2026, 1, 1))


def test_did_web_issuer_through_injected_client(example_elements: dict[str, Any]) -> None:
    from mcvc import FetchPolicy, did_web_document

    key = generate_key("p256")
    did = "did:web:credentials.uni.example"
    doc = did_web_document(did, [key])
    issuer_key = key.with_id(f"{did}#key-1", did)
    credential = sign(build_credential(example_elements, issuer=did), issuer_key, created=SIGNED_AT)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=doc)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    policy = FetchPolicy(resolve=lambda host: ["93.184.216.34"])
    report = verify(credential, now=NOW, http=client, fetch_policy=policy, policy="vc-api")
    assert report.outcome == "verified", report.to_json()
    assert seen == ["https://credentials.uni.example/.well-known/did.json"]
    offline = verify(credential, now=NOW)
    assert offline.outcome == "inconclusive" and _code(offline, "proof") == "NETWORK_NOT_ALLOWED"

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("unreachable", request=request)

    report = verify(
        credential,
        now=NOW,
        http=httpx.Client(transport=httpx.MockTransport(down)),
        fetch_policy=policy,
    )
    assert report.outcome == "inconclusive" and _code(report, "proof") == "NETWORK_ERROR"


def test_the_vc_jose_specifications_token_is_read_but_its_key_cannot_be_found() -> None:
    from .conftest import VECTORS

    token = (VECTORS / "vc-jose-cose" / "enveloped-vc-es384.jwt").read_bytes()
    expected = load(VECTORS / "vc-jose-cose" / "enveloped-vc-es384.decoded.json")
    report = verify(token, now=NOW)
    assert report.kind == "vc-jose" and report.outcome == "inconclusive"
    proof = report.check("proof")
    assert proof is not None and proof.code == "KID_NOT_RESOLVABLE"
    assert proof.details["alg"] == "ES384"
    from mcvc.jose import parse_jose

    parsed = parse_jose(token)
    assert parsed.header == expected["protectedHeader"] and parsed.form == "vc-jose"
    assert parsed.credential == expected["payload"] and len(parsed.signature) == 96
    assert report.issuer["id"] == expected["payload"]["issuer"]


def test_inline_context_redefining_a_term_is_refused(example_elements: dict[str, Any], key) -> None:  # type: ignore[no-untyped-def]
    doc = build_credential(example_elements, issuer=key.did_key)
    doc["@context"] = [
        *doc["@context"],
        {"legalName": {"@id": "https://attacker.example/name", "@container": "@language"}},
    ]
    report = verify(sign(doc, key, created=SIGNED_AT), now=NOW)
    assert report.outcome == "failed" and _code(report, "contexts") == "CONTEXT_REDEFINES_TERM"
    vc2 = sign(
        build_credential(example_elements, profile="vc2", issuer=key.did_key),
        key,
        created=SIGNED_AT,
    )
    assert _code(verify(vc2, now=NOW), "contexts") == "OK", (
        "mcvc's own inline context redefines nothing"
    )
