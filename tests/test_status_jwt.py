"""Status list credentials secured as a compact JWS: the JWT form EBSI uses (VCDM 1.1 credential
in a ``vc`` claim, typ JWT) and VC-JOSE ``vc+jwt``. The list's signature is checked against the
key its ``kid`` names, that key must be the list issuer's, and the list issuer must be the
credential's; the JWT's nbf/exp are the list's dates when it states none."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import FetchPolicy, build_credential, generate_key, sign, sign_jwt, verify
from mcvc.multibase import b64url_encode
from mcvc.net import Fetcher
from mcvc.status.bitstring import Bitstring, encode_list
from mcvc.status.checker import StatusChecker, default_list_verifier
from mcvc.status.local import local_status_checker

SL2021 = "https://w3id.org/vc/status-list/2021/v1"
LIST_URL = "https://status.uni.example/jwt/1"
SIGNED = datetime(2026, 7, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)
POLICY = FetchPolicy(resolve=lambda host: ["93.184.216.34"])
INDEX = 94567


@pytest.fixture
def key() -> Any:
    return generate_key()


def _credential(key: Any, elements: dict[str, Any], entry: str = "StatusList2021Entry") -> Any:
    doc = build_credential(elements, issuer=key.did_key)
    doc["@context"] = [*doc["@context"], SL2021]
    doc["credentialStatus"] = {
        "id": f"{LIST_URL}#{INDEX}",
        "type": entry,
        "statusPurpose": "revocation",
        "statusListIndex": str(INDEX),
        "statusListCredential": LIST_URL,
    }
    return sign(doc, key, created=SIGNED)


def _sl2021(issuer: str, bits: Bitstring, **extra: Any) -> dict[str, Any]:
    encoded = base64.urlsafe_b64encode(gzip.compress(bits.data)).rstrip(b"=").decode()
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", SL2021],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": issuer,
        "issuanceDate": "2026-07-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
        **extra,
    }


def _bitstring_list(issuer: str, bits: Bitstring) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": "2026-07-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(bits),
        },
    }


def _served(body: str | bytes) -> httpx.Client:
    data = body.encode() if isinstance(body, str) else body

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == LIST_URL:
            return httpx.Response(200, content=data, headers={"content-type": "application/jwt"})
        return httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handler))


def _status(credential: Any, body: str | bytes) -> Any:
    report = verify(credential, now=NOW, http=_served(body), fetch_policy=POLICY)
    status = report.check("status")
    assert status is not None
    return report, status


def test_an_ebsi_jwt_list_checks_not_revoked_and_revoked(
    key: Any, example_elements: dict[str, Any]
) -> None:
    credential = _credential(key, example_elements)
    report, status = _status(
        credential, sign_jwt(_sl2021(key.did_key, Bitstring.empty()), key, typ="JWT")
    )
    assert status.code == "OK", report.to_json()
    assert report.facet("valid") == "pass"
    revoked = Bitstring.empty().with_value(INDEX, 1)
    report, status = _status(credential, sign_jwt(_sl2021(key.did_key, revoked), key, typ="JWT"))
    assert status.code == "REVOKED" and report.outcome == "failed"


def test_a_vc_jose_bitstring_list_checks(key: Any) -> None:
    credential = sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": key.did_key,
            "validFrom": "2026-07-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:learner"},
            "credentialStatus": {
                "id": f"{LIST_URL}#{INDEX}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": "revocation",
                "statusListIndex": str(INDEX),
                "statusListCredential": LIST_URL,
            },
        },
        key,
        created=SIGNED,
    )
    listed = sign_jwt(_bitstring_list(key.did_key, Bitstring.empty().with_value(INDEX, 1)), key)
    report, status = _status(credential, listed)
    assert status.code == "REVOKED", report.to_json()
    listed = sign_jwt(_bitstring_list(key.did_key, Bitstring.empty()), key)
    report, status = _status(credential, listed)
    assert status.code == "OK", report.to_json()


def test_a_jwt_list_signed_by_another_key_is_refused(
    key: Any, example_elements: dict[str, Any]
) -> None:
    credential = _credential(key, example_elements)
    stranger = generate_key()
    # names the credential's issuer, signed by a stranger
    forged = sign_jwt(_sl2021(key.did_key, Bitstring.empty()), stranger, typ="JWT")
    _, status = _status(credential, forged)
    assert status.code == "STATUS_VERIFICATION_ERROR" and status.outcome == "fail"
    assert "does not belong to the list's issuer" in status.message
    # a list the stranger issues is the stranger's, not the credential issuer's
    own = sign_jwt(_sl2021(stranger.did_key, Bitstring.empty()), stranger, typ="JWT")
    _, status = _status(credential, own)
    assert status.code == "STATUS_VERIFICATION_ERROR"
    assert f"issued by {stranger.did_key}" in status.message


def test_a_tampered_jwt_list_is_refused(key: Any, example_elements: dict[str, Any]) -> None:
    credential = _credential(key, example_elements)
    token = sign_jwt(_sl2021(key.did_key, Bitstring.empty().with_value(INDEX, 1)), key, typ="JWT")
    head, _, signature = token.split(".")
    cleared = _sl2021(key.did_key, Bitstring.empty())
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    claims["vc"] = cleared
    body = b64url_encode(json.dumps(claims).encode())
    report, status = _status(credential, f"{head}.{body}.{signature}")
    assert status.code == "STATUS_VERIFICATION_ERROR", report.to_json()
    assert "INVALID_SIGNATURE" in status.message
    assert report.outcome == "failed"


def test_a_jwt_list_whose_claims_contradict_it_is_refused(
    key: Any, example_elements: dict[str, Any]
) -> None:
    credential = _credential(key, example_elements)
    token = sign_jwt(_sl2021(key.did_key, Bitstring.empty()), key, typ="JWT")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    claims["jti"] = "https://status.uni.example/jwt/other"
    resigned = _resign(token, claims, key)
    report, status = _status(credential, resigned)
    assert status.code == "STATUS_VERIFICATION_ERROR", report.to_json()
    assert "jti" in status.message


def _resign(token: str, claims: dict[str, Any], key: Any) -> str:
    head = token.split(".")[0]
    body = b64url_encode(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode()
    return f"{head}.{body}.{b64url_encode(key.sign(signing_input))}"


def test_the_jwt_exp_is_the_lists_expiry(key: Any, example_elements: dict[str, Any]) -> None:
    credential = _credential(key, example_elements)
    token = sign_jwt(_sl2021(key.did_key, Bitstring.empty()), key, typ="JWT")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    claims["exp"] = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())
    report, status = _status(credential, _resign(token, claims, key))
    assert status.code == "STATUS_VERIFICATION_ERROR", report.to_json()
    assert "expired" in status.message
    # an exp that contradicts the expiry the list states itself is refused, naming the claim
    stated = _sl2021(key.did_key, Bitstring.empty(), expirationDate="2027-01-01T00:00:00Z")
    token = sign_jwt(stated, key, typ="JWT")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["exp"] == int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
    report, status = _status(credential, token)
    assert status.code == "OK", report.to_json()
    claims["exp"] = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())
    report, status = _status(credential, _resign(token, claims, key))
    assert status.code == "STATUS_VERIFICATION_ERROR" and "exp" in status.message


def test_a_jwt_list_whose_key_cannot_be_found_is_unchecked(
    key: Any, example_elements: dict[str, Any]
) -> None:
    credential = _credential(key, example_elements)
    token = sign_jwt(_sl2021(key.did_key, Bitstring.empty()), key, typ="JWT", kid="key-1")
    report, status = _status(credential, token)
    assert status.code == "STATUS_RETRIEVAL_ERROR" and status.outcome == "error"
    assert "KID_NOT_RESOLVABLE" in status.message
    assert report.outcome == "inconclusive"


def test_a_token_of_another_kind_is_not_a_list(key: Any, example_elements: dict[str, Any]) -> None:
    credential = _credential(key, example_elements)
    header = b64url_encode(json.dumps({"alg": "EdDSA", "typ": "statuslist+jwt"}).encode())
    body = b64url_encode(json.dumps({"sub": LIST_URL, "status_list": {}}).encode())
    _, status = _status(credential, f"{header}.{body}.{b64url_encode(b'x' * 64)}")
    assert status.code == "STATUS_VERIFICATION_ERROR"
    assert f"status list {LIST_URL} is a status-list token, not a status list credential" in (
        status.message
    )
    _, status = _status(credential, "e30.e30.e30")  # {}.{}.{}: no alg
    assert (
        status.code == "STATUS_VERIFICATION_ERROR" and "alg None is not accepted" in status.message
    )


def test_a_checker_without_a_token_verifier_refuses_jwt_lists(
    key: Any, example_elements: dict[str, Any]
) -> None:
    credential = _credential(key, example_elements)
    token = sign_jwt(_sl2021(key.did_key, Bitstring.empty()), key, typ="JWT")
    checker = StatusChecker(Fetcher(_served(token), POLICY), lambda doc: (True, key.did_key, ""))
    result = checker.check(credential, NOW)
    assert result.code == "STATUS_VERIFICATION_ERROR"
    assert "no verifier for JWT status lists" in result.message
    assert default_list_verifier  # the JSON-LD verifier stays the default for JSON bodies


def test_a_jwt_list_as_a_file(key: Any, example_elements: dict[str, Any], tmp_path: Path) -> None:
    credential = _credential(key, example_elements)
    listed = tmp_path / "list.jwt"
    revoked = Bitstring.empty().with_value(INDEX, 1)
    listed.write_text(sign_jwt(_sl2021(key.did_key, revoked), key, typ="JWT"))
    report = verify(credential, now=NOW, status_checker=local_status_checker([listed]))
    assert report.check("status").code == "REVOKED", report.to_json()  # type: ignore[union-attr]
    # keyed by the jti when the credential inside has no id
    anonymous = {k: v for k, v in _sl2021(key.did_key, revoked).items() if k != "id"}
    token = sign_jwt(anonymous, key, typ="JWT")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    claims["jti"] = LIST_URL
    listed.write_text(_resign(token, claims, key))
    report = verify(credential, now=NOW, status_checker=local_status_checker([listed]))
    assert report.check("status").code == "REVOKED", report.to_json()  # type: ignore[union-attr]


def test_a_list_issuer_given_as_an_object(key: Any, example_elements: dict[str, Any]) -> None:
    credential = _credential(key, example_elements)
    listed = {**_sl2021(key.did_key, Bitstring.empty()), "issuer": {"id": key.did_key}}
    _, status = _status(credential, sign_jwt(listed, key, typ="JWT"))
    assert status.code == "OK", status.message
    stranger = generate_key()
    foreign = {**listed, "issuer": {"id": stranger.did_key}}
    _, status = _status(credential, sign_jwt(foreign, key, typ="JWT"))
    assert "does not belong to the list's issuer" in status.message


def test_the_shared_checker_reads_both_list_forms(
    key: Any, example_elements: dict[str, Any]
) -> None:
    # status_checker() is the one a wallet or a service keeps across verify() calls
    from mcvc.status.checker import status_checker

    credential = _credential(key, example_elements)
    revoked = Bitstring.empty().with_value(INDEX, 1)
    token = sign_jwt(_sl2021(key.did_key, revoked), key, typ="JWT")
    checked = status_checker(_served(token), fetch_policy=POLICY).check(credential, NOW)
    assert checked.code == "REVOKED", checked.message
    signed = json.dumps(sign(_sl2021(key.did_key, revoked), key, created=SIGNED))
    checked = status_checker(_served(signed), fetch_policy=POLICY).check(credential, NOW)
    assert checked.code == "REVOKED", checked.message


def test_the_shared_checker_uses_the_callers_loader(
    key: Any, example_elements: dict[str, Any]
) -> None:
    # a list whose context only the caller's loader pins (an institution's own context)
    from mcvc.contexts import StaticLoader
    from mcvc.status.checker import status_checker

    own = "https://uni.example/contexts/lists/v1"
    loader = StaticLoader().with_contexts(
        {own: json.dumps({"@context": {"note": "https://uni.example/vocab#note"}}).encode()}
    )
    credential = _credential(key, example_elements)
    listed = _sl2021(key.did_key, Bitstring.empty().with_value(INDEX, 1))
    listed = {**listed, "@context": [*listed["@context"], own], "note": "kept by the registry"}
    signed = json.dumps(sign(listed, key, created=SIGNED, loader=loader))
    checker = status_checker(_served(signed), fetch_policy=POLICY, loader=loader)
    assert checker.check(credential, NOW).code == "REVOKED"
    plain = status_checker(_served(signed), fetch_policy=POLICY).check(credential, NOW)
    assert plain.code == "STATUS_VERIFICATION_ERROR", plain.message
