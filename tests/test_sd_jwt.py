"""SD-JWT VC micro-credentials (issue 16, part 2): the learner's personal data selectively
disclosable, key binding to the wallet's key, the attacks on disclosures and key binding, and
interop both ways with the `sd-jwt` package (an independent implementation of RFC 9901)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jwcrypto import jwk

from mcvc import TrustList, build_credential, generate_key, verify
from mcvc.multibase import b64url_decode, b64url_encode
from mcvc.sdjwt import issue_sd_jwt, parse_sd_jwt, present_sd_jwt

from .conftest import NOW, ROOT, load

AUD = "https://admissions.uni.example"


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {"issuer": generate_key(), "holder": generate_key("p256"), "other": generate_key("p256")}


@pytest.fixture(scope="module")
def issued(keys: dict[str, Any]) -> str:
    credential = build_credential(
        load(ROOT / "examples" / "microcredential.json"), issuer=keys["issuer"].did_key
    )
    return issue_sd_jwt(credential, keys["issuer"], now=NOW, holder_jwk=keys["holder"].public_jwk())


def _trust(keys: dict[str, Any]) -> TrustList:
    return TrustList.from_dict({"issuers": [{"did": keys["issuer"].did_key}]})


def _present(issued: str, keys: dict[str, Any], reveal: list[str] = (), **kw: Any) -> str:  # type: ignore[assignment]
    options = {"holder_key": keys["holder"], "nonce": "n-1", "audience": AUD, "now": NOW, **kw}
    return present_sd_jwt(issued, reveal=reveal, **options)


def _check(report: Any, name: str) -> Any:
    found = report.check(name)
    assert found is not None, report.codes
    return found


def test_personal_data_is_disclosable_and_the_rest_is_not(issued: str) -> None:
    parsed = parse_sd_jwt(issued)
    assert sorted(parsed.names) == ["contactPoint", "dateOfBirth", "identifier", "nationalID"]
    payload = json.loads(b64url_decode(parsed.jwt.split(".")[1]))
    subject = payload["credentialSubject"]
    assert "dateOfBirth" not in subject and len(subject["_sd"]) == 4 + 2, "two decoys"
    assert subject["hasClaim"] and payload["issuer"] and payload["_sd_alg"] == "sha-256"
    assert json.loads(b64url_decode(parsed.jwt.split(".")[0]))["typ"] == "dc+sd-jwt"


def test_a_presentation_without_the_date_of_birth(issued: str, keys: dict[str, Any]) -> None:
    hidden = verify(
        _present(issued, keys), now=NOW, trust=_trust(keys), challenge="n-1", domain=AUD
    )
    assert hidden.outcome == "verified" and hidden.kind == "sd-jwt-vc", hidden.to_json()
    assert hidden.elements["learner"]["date_of_birth"] == "" and hidden.elements["title"]  # type: ignore[index]
    assert hidden.elements["missing"] == []  # type: ignore[index]
    assert _check(hidden, "holder-binding").code == "OK"
    shown = verify(
        _present(issued, keys, ["dateOfBirth"]),
        now=NOW,
        trust=_trust(keys),
        challenge="n-1",
        domain=AUD,
    )
    assert shown.outcome == "verified"
    assert shown.elements["learner"]["date_of_birth"] == "2001-04-17"  # type: ignore[index]
    assert _check(shown, "parse").details["disclosed"] == ["credentialSubject.dateOfBirth"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"nonce": "n-2"}, "INVALID_CHALLENGE_ERROR"),
        ({"audience": "https://elsewhere.example"}, "INVALID_DOMAIN_ERROR"),
        ({"now": NOW.replace(year=2027)}, "KB_JWT_INVALID"),
        ({"now": NOW - timedelta(minutes=15, seconds=1)}, "KB_JWT_INVALID"),
    ],
)
def test_key_binding_is_for_this_verifier_now(
    issued: str, keys: dict[str, Any], change: dict[str, Any], code: str
) -> None:
    report = verify(_present(issued, keys, **change), now=NOW, challenge="n-1", domain=AUD)
    assert report.outcome == "failed" and _check(report, "holder-binding").code == code


def test_a_key_binding_answering_a_nonce_is_at_most_ten_minutes_old_beyond_the_skew(
    issued: str, keys: dict[str, Any]
) -> None:
    oldest = _present(issued, keys, now=NOW - timedelta(minutes=15))
    report = verify(oldest, now=NOW, challenge="n-1", domain=AUD)
    assert _check(report, "holder-binding").code == "OK", report.to_json()
    older = _present(issued, keys, now=NOW - timedelta(minutes=15, seconds=1))
    found = _check(verify(older, now=NOW, challenge="n-1", domain=AUD), "holder-binding")
    assert found.message == (
        "key binding: the key-binding JWT was made at 2026-11-01T11:44:59+00:00, more than "
        "10 minutes before this verification"
    )
    # without a nonce to answer, a stored presentation is read as it was made
    stored = _check(verify(older, now=NOW), "holder-binding")
    assert stored.code == "OK", stored.message


def test_key_binding_attacks(issued: str, keys: dict[str, Any]) -> None:
    stolen = _present(issued, keys, holder_key=keys["other"])
    assert (
        _check(verify(stolen, now=NOW, challenge="n-1", domain=AUD), "holder-binding").code
        == "KB_JWT_INVALID"
    )
    without = present_sd_jwt(issued, reveal=[])
    report = verify(without, now=NOW, challenge="n-1", domain=AUD)
    assert report.outcome == "failed" and _check(report, "holder-binding").code == "KB_JWT_MISSING"
    # a disclosure added after the holder signed is outside sd_hash
    presented = _present(issued, keys)
    extra = next(d for d in parse_sd_jwt(issued).disclosures if b"dateOfBirth" in b64url_decode(d))
    jwt, rest = presented.split("~", 1)
    widened = f"{jwt}~{extra}~{rest}"
    assert (
        _check(verify(widened, now=NOW, challenge="n-1", domain=AUD), "holder-binding").code
        == "KB_JWT_INVALID"
    )
    kb = presented.rsplit("~", 1)[1]
    header = json.loads(b64url_decode(kb.split(".")[0]))
    wrong_typ = (
        presented.rsplit("~", 1)[0]
        + "~"
        + b64url_encode(json.dumps({**header, "typ": "JWT"}).encode())
        + kb[kb.index(".") :]
    )
    assert (
        _check(verify(wrong_typ, now=NOW, challenge="n-1", domain=AUD), "holder-binding").code
        == "KB_JWT_INVALID"
    )


def test_disclosure_attacks(issued: str, keys: dict[str, Any]) -> None:
    other_credential = build_credential(
        load(ROOT / "examples" / "microcredential.json"), issuer=keys["issuer"].did_key
    )
    foreign = parse_sd_jwt(issue_sd_jwt(other_credential, keys["issuer"], now=NOW)).disclosures[0]
    jwt = parse_sd_jwt(issued).jwt
    smuggled = verify(f"{jwt}~{foreign}~", now=NOW)
    assert (
        _check(smuggled, "parse").code == "SD_JWT_DISCLOSURE"
        and "not referenced" in _check(smuggled, "parse").message
    )
    own = parse_sd_jwt(issued).disclosures[0]
    twice = verify(f"{jwt}~{own}~{own}~", now=NOW)
    assert _check(twice, "parse").code == "SD_JWT_DISCLOSURE"
    salt, name, _value = json.loads(b64url_decode(own))
    changed = b64url_encode(json.dumps([salt, name, "1970-01-01"]).encode())
    assert _check(verify(f"{jwt}~{changed}~", now=NOW), "parse").code == "SD_JWT_DISCLOSURE"
    tampered_payload = jwt.split(".")
    claims = json.loads(b64url_decode(tampered_payload[1]))
    claims["credentialSubject"]["familyName"] = {"en": "Forged"}
    tampered_payload[1] = b64url_encode(json.dumps(claims).encode())
    report = verify(".".join(tampered_payload) + "~", now=NOW)
    assert _check(report, "proof").code == "INVALID_SIGNATURE"


def _signed_payload(key: Any, payload: dict[str, Any], disclosures: list[str]) -> str:
    header = {"alg": "EdDSA", "typ": "dc+sd-jwt", "kid": key.verification_method}
    h = b64url_encode(json.dumps(header).encode())
    c = b64url_encode(json.dumps(payload).encode())
    return f"{h}.{c}.{b64url_encode(key.sign(f'{h}.{c}'.encode()))}~" + "".join(
        d + "~" for d in disclosures
    )


def test_a_disclosure_may_not_overwrite_a_signed_claim(keys: dict[str, Any]) -> None:
    import hashlib

    key = keys["issuer"]
    disclosure = b64url_encode(json.dumps(["salt", "issuer", "did:example:attacker"]).encode())
    digest = b64url_encode(hashlib.sha256(disclosure.encode()).digest())
    credential = build_credential(
        load(ROOT / "examples" / "microcredential.json"), issuer=key.did_key
    )
    payload = {**credential, "iss": key.did_key, "vct": "x", "_sd": [digest], "_sd_alg": "sha-256"}
    report = verify(_signed_payload(key, payload, [disclosure]), now=NOW)
    assert (
        _check(report, "parse").code == "SD_JWT_DISCLOSURE"
        and "already a claim" in _check(report, "parse").message
    )
    named_sd = b64url_encode(json.dumps(["salt", "_sd", []]).encode())
    assert (
        _check(verify(_signed_payload(key, payload, [named_sd]), now=NOW), "parse").code
        == "SD_JWT_DISCLOSURE"
    )
    repeated = {**payload, "_sd": [digest, digest]}
    assert (
        _check(verify(_signed_payload(key, repeated, []), now=NOW), "parse").code
        == "SD_JWT_DISCLOSURE"
    )
    other_alg = {**payload, "_sd": [], "_sd_alg": "sha-1"}
    assert (
        _check(verify(_signed_payload(key, other_alg, []), now=NOW), "parse").code
        == "SD_JWT_FORMAT"
    )
    no_iss = {k: v for k, v in payload.items() if k != "iss"} | {"_sd": []}
    assert (
        _check(verify(_signed_payload(key, no_iss, []), now=NOW), "jwt-claims").code
        == "JOSE_CLAIMS_MISMATCH"
    )


def _jwk_private(key: Any) -> jwk.JWK:
    from cryptography.hazmat.primitives import serialization

    return jwk.JWK.from_pem(
        key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def test_the_sd_jwt_package_verifies_what_mcvc_issues(issued: str, keys: dict[str, Any]) -> None:
    from sd_jwt.verifier import SDJWTVerifier

    public = jwk.JWK(**keys["issuer"].public_jwk())
    presented = _present(issued, keys, ["dateOfBirth"])
    checked = SDJWTVerifier(
        presented, lambda iss, header: public, expected_aud=AUD, expected_nonce="n-1"
    )
    claims = checked.get_verified_payload()
    assert claims["credentialSubject"]["dateOfBirth"].startswith("2001-04-17")
    assert "nationalID" not in claims["credentialSubject"]
    assert claims["iss"] == keys["issuer"].did_key


def test_mcvc_verifies_what_the_sd_jwt_package_issues(keys: dict[str, Any]) -> None:
    from sd_jwt.common import SDObj
    from sd_jwt.holder import SDJWTHolder
    from sd_jwt.issuer import SDJWTIssuer

    issuer = generate_key("p256")
    credential = build_credential(
        load(ROOT / "examples" / "microcredential.json"), issuer=issuer.did_key
    )
    subject = credential["credentialSubject"]
    subject[SDObj("dateOfBirth")] = subject.pop("dateOfBirth")
    claims = {
        **credential,
        "iss": issuer.did_key,
        "vct": "urn:mcvc:vct:micro-credential:1",
        "iat": int(NOW.timestamp()),
    }
    made = SDJWTIssuer(
        claims,
        _jwk_private(issuer),
        holder_key=jwk.JWK(**keys["holder"].public_jwk()),
        sign_alg="ES256",
        extra_header_parameters={"typ": "dc+sd-jwt", "kid": issuer.verification_method},
    )
    holder = SDJWTHolder(made.sd_jwt_issuance)
    holder.create_presentation(
        {}, nonce="n-1", aud=AUD, holder_key=_jwk_private(keys["holder"]), sign_alg="ES256"
    )
    trust = TrustList.from_dict({"issuers": [{"did": issuer.did_key}]})
    # the package stamps its key-binding JWT with the machine's clock: verify as of that moment
    kb = json.loads(b64url_decode(holder.sd_jwt_presentation.rsplit("~", 1)[1].split(".")[1]))
    at = datetime.fromtimestamp(kb["iat"], UTC)
    report = verify(holder.sd_jwt_presentation, now=at, trust=trust, challenge="n-1", domain=AUD)
    assert report.outcome == "verified", report.to_json()
    assert report.elements["learner"]["date_of_birth"] == ""  # type: ignore[index]
