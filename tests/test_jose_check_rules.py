"""The VC-JOSE signature and issuer checks (verification/jose_checks.py) rule by rule, on
hand-built JWS parts and DID documents, each outcome asserted as the whole check."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from mcvc import generate_key
from mcvc.did import DidResolver, did_web_document
from mcvc.verification.jose_checks import (
    _issuer_binding,
    _with_jwt_dates,
    _with_signature_times,
)
from mcvc.verification.jws import jws_signature
from mcvc.verification.report import Check, VerificationReport

from .conftest import NOW

KEY = generate_key()
DID = "did:web:uni.example"
SIGNING_INPUT = b"header.payload"


def _jose(kid: str, *, alg: str = "EdDSA", signature: bytes | None = None) -> Any:
    return SimpleNamespace(
        alg=alg,
        kid=kid,
        form="vc-jose",
        signing_input=SIGNING_INPUT,
        signature=KEY.sign(SIGNING_INPUT) if signature is None else signature,
    )


def _checked(jose: Any, documents: dict[str, Any] | None = None) -> dict[str, Any]:
    return jws_signature(jose, DidResolver(None, documents or {})).to_dict()


def _details(kid: str, alg: str = "EdDSA", **more: Any) -> dict[str, Any]:
    return {"alg": alg, "kid": kid, "form": "vc-jose", **more}


def test_a_valid_signature_names_its_key_and_controller() -> None:
    kid = KEY.did_key + "#" + KEY.did_key.removeprefix("did:key:")
    assert _checked(_jose(kid)) == {
        "check": "proof",
        "code": "OK",
        "outcome": "pass",
        "message": "EdDSA signature valid",
        "details": _details(kid, controller=KEY.did_key),
    }


def test_a_kid_that_is_not_a_did_url_cannot_be_checked() -> None:
    assert _checked(_jose("k-1")) == {
        "check": "proof",
        "code": "KID_NOT_RESOLVABLE",
        "outcome": "error",
        "message": "kid k-1 is not a DID URL, so the signing key cannot be found",
        "details": _details("k-1"),
    }
    assert _checked(_jose(""))["message"] == (
        "kid (none) is not a DID URL, so the signing key cannot be found"
    )


def test_resolution_failures_fail_and_network_ones_are_inconclusive() -> None:
    missing = _checked(_jose(f"{KEY.did_key}#other"))
    assert (missing["code"], missing["outcome"]) == ("VM_NOT_FOUND", "fail")
    assert missing["message"].startswith(f"kid {KEY.did_key}#other: ")
    assert missing["details"] == _details(f"{KEY.did_key}#other")
    offline = _checked(_jose(f"{DID}#k1"))
    assert (offline["code"], offline["outcome"]) == ("NETWORK_NOT_ALLOWED", "error")
    assert offline["message"] == (
        f"kid {DID}#k1: {DID} needs a network fetch, which was not allowed"
    )


def test_the_key_must_fit_the_algorithm_and_be_an_assertion_method() -> None:
    kid = KEY.did_key + "#" + KEY.did_key.removeprefix("did:key:")
    assert _checked(_jose(kid, alg="ES256")) == {
        "check": "proof",
        "code": "ALGORITHM_KEY_MISMATCH",
        "outcome": "fail",
        "message": f"alg ES256 needs a p256 key; {kid} is ed25519",
        "details": _details(kid, "ES256", controller=KEY.did_key),
    }
    doc = did_web_document(DID, [KEY.with_id(f"{DID}#k1", DID)])
    doc["assertionMethod"] = []
    assert _checked(_jose(f"{DID}#k1"), {DID: doc}) == {
        "check": "proof",
        "code": "VM_NOT_AUTHORIZED",
        "outcome": "fail",
        "message": f"{DID}#k1 is not listed under assertionMethod in the DID document of {DID}",
        "details": _details(f"{DID}#k1", controller=DID),
    }


def test_a_signature_that_does_not_match() -> None:
    kid = KEY.did_key + "#" + KEY.did_key.removeprefix("did:key:")
    assert _checked(_jose(kid, signature=b"\x00" * 64)) == {
        "check": "proof",
        "code": "INVALID_SIGNATURE",
        "outcome": "fail",
        "message": "the JWS signature does not match",
        "details": _details(kid, controller=KEY.did_key),
    }


def _report(*checks: Check) -> VerificationReport:
    report = VerificationReport()
    report.checks.extend(checks)
    return report


def test_the_issuer_is_the_signing_keys_controller() -> None:
    signed = Check("proof", "OK", "pass", "ok", {"controller": DID})
    assert _issuer_binding(_report(signed), {"issuer": {"id": DID}}).to_dict() == {  # type: ignore[union-attr]
        "check": "issuer",
        "code": "OK",
        "outcome": "pass",
        "message": f"signed by a key of the issuer {DID}",
    }
    assert _issuer_binding(_report(signed), {"issuer": "did:web:other.example"}).to_dict() == {  # type: ignore[union-attr]
        "check": "issuer",
        "code": "ISSUER_MISMATCH",
        "outcome": "fail",
        "message": f"the issuer is did:web:other.example but the key belongs to {DID}",
        "details": {"issuer": "did:web:other.example", "controllers": [DID]},
    }
    failed = Check("proof", "INVALID_SIGNATURE", "fail", "no")
    assert _issuer_binding(_report(failed), {"issuer": DID}) is None
    assert _issuer_binding(_report(), {"issuer": DID}) is None


V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
NBF, EXP = 1_767_225_600, 1_798_761_600  # 2026-01-01, 2027-01-01 (UTC)


@pytest.fixture
def away_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # the times are UTC whatever the host's zone is
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("away_from_utc")
def test_jwt_nbf_and_exp_become_the_dates_of_the_version() -> None:
    claims = {"nbf": NBF, "exp": EXP}
    assert _with_jwt_dates({"@context": [V1]}, claims) == {
        "@context": [V1],
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z",
    }
    assert _with_jwt_dates({"@context": V2}, claims) == {
        "@context": V2,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
    }
    assert _with_jwt_dates({"@context": []}, claims)["validFrom"] == "2026-01-01T00:00:00Z"
    assert _with_jwt_dates({"@context": V1}, claims)["issuanceDate"] == "2026-01-01T00:00:00Z"


def test_dates_the_credential_states_in_either_spelling_are_kept() -> None:
    claims = {"nbf": NBF, "exp": EXP}
    for doc in (
        {"@context": [V1], "validFrom": "x", "validUntil": "y"},
        {"@context": [V2], "issuanceDate": "x", "expirationDate": "y"},
        {"@context": [V1], "issuanceDate": "x", "expirationDate": "y"},
        {"@context": [V2], "validFrom": "x", "validUntil": "y"},
    ):
        assert _with_jwt_dates(doc, claims) == doc
    assert _with_jwt_dates({"@context": [V2]}, {"nbf": True, "exp": "1"}) == {"@context": [V2]}


@pytest.mark.usefixtures("away_from_utc")
def test_iat_and_exp_of_the_jws_are_the_proofs_times() -> None:
    def jose(form: str, claims: dict[str, Any]) -> Any:
        return SimpleNamespace(form=form, claims=claims)

    doc = {"id": "urn:x"}
    for form in ("vc-jose", "sd-jwt"):
        assert _with_signature_times(doc, jose(form, {"iat": NBF, "exp": EXP})) == {
            "id": "urn:x",
            "proof": {"created": "2026-01-01T00:00:00Z", "expires": "2027-01-01T00:00:00Z"},
        }
    assert _with_signature_times(doc, jose("ebsi", {"iat": NBF})) is doc
    assert _with_signature_times(doc, jose("vc-jose", {"iat": True})) is doc


# --- the whole VC-JOSE and SD-JWT VC readings ----------------------------------------------


def _credential() -> dict[str, Any]:
    from mcvc import build_credential

    from .conftest import ROOT, load

    return build_credential(load(ROOT / "examples" / "microcredential.json"), issuer=KEY.did_key)


def _first(report: Any, name: str) -> tuple[str, str, str, str]:
    check = next(c for c in report.checks if c.name == name)
    return (check.name, check.code, check.outcome, check.message)


def test_a_vc_jose_token_is_read_and_named() -> None:
    from mcvc import verify
    from mcvc.jose import sign_jwt

    report = verify(sign_jwt(_credential(), KEY), now=NOW)
    assert report.kind == "vc-jose"
    assert report.checks[0].to_dict() == {
        "check": "parse",
        "code": "OK",
        "outcome": "pass",
        "message": "EdDSA JWS (vc-jose)",
    }
    assert report.issuer["id"] == KEY.did_key  # type: ignore[index]
    broken = verify("eyJ.e30.c2ln", now=NOW)
    assert broken.kind == "vc-jose"
    assert [c.to_dict() for c in broken.checks] == [
        {
            "check": "parse",
            "code": "JOSE_FORMAT",
            "outcome": "fail",
            "message": broken.checks[0].message,
        }
    ]
    assert broken.checks[0].message and broken.checks[0].message != "None"


def test_too_many_values_stop_the_reading_of_a_token() -> None:
    from mcvc import verify
    from mcvc.jose import sign_jwt
    from mcvc.limits import Limits
    from mcvc.sdjwt import issue_sd_jwt

    small = Limits(max_values=20)
    for token in (sign_jwt(_credential(), KEY), issue_sd_jwt(_credential(), KEY, now=NOW)):
        report = verify(token, now=NOW, limits=small)
        assert report.checks[-1].to_dict() == {
            "check": "parse",
            "code": "VALUE_LIMIT",
            "outcome": "fail",
            "message": "the credential holds too many JSON values",
        }
        assert [c.name for c in report.checks] == ["parse", "parse"]


def test_claims_that_contradict_the_credential_are_named() -> None:
    from mcvc import verify
    from mcvc.sdjwt import _jws

    credential = _credential()
    kid = KEY.did_key + "#" + KEY.did_key.removeprefix("did:key:")
    token = _jws(
        {"alg": "EdDSA", "typ": "vc+jwt", "kid": kid},
        {**credential, "iss": "did:example:else"},
        KEY,
    )
    report = verify(token, now=NOW)
    assert _first(report, "jwt-claims") == (
        "jwt-claims",
        "JOSE_CLAIMS_MISMATCH",
        "fail",
        f"iss 'did:example:else' is not the credential's issuer '{KEY.did_key}'",
    )


def test_an_sd_jwt_vc_is_read_with_what_it_discloses() -> None:
    from mcvc import verify
    from mcvc.sdjwt import VCT, issue_sd_jwt, present_sd_jwt

    issued = issue_sd_jwt(_credential(), KEY, now=NOW)
    shown = present_sd_jwt(issued, reveal=["dateOfBirth"])
    report = verify(shown, now=NOW)
    assert report.kind == "sd-jwt-vc"
    first = report.checks[0].to_dict()
    assert (first["check"], first["code"], first["outcome"]) == ("parse", "OK", "pass")
    assert first["message"] == "EdDSA SD-JWT VC with 1 disclosure(s)"
    assert first["details"]["vct"] == VCT
    assert first["details"]["disclosed"] == ["credentialSubject.dateOfBirth"]
    assert report.issuer["id"] == KEY.did_key  # type: ignore[index]
    from mcvc.jose import sign_jwt

    not_sd = verify(sign_jwt(_credential(), KEY) + "~", now=NOW)
    assert not_sd.kind == "sd-jwt-vc"
    assert [c.to_dict() for c in not_sd.checks] == [
        {
            "check": "parse",
            "code": "SD_JWT_FORMAT",
            "outcome": "fail",
            "message": "the issuer-signed JWT has typ 'vc+jwt', not dc+sd-jwt",
        }
    ]


def test_the_context_limit_holds_for_tokens() -> None:
    from mcvc import verify
    from mcvc.jose import sign_jwt
    from mcvc.limits import Limits
    from mcvc.sdjwt import issue_sd_jwt

    credential = _credential()
    assert len(credential["@context"]) == 2
    one = Limits(max_contexts=1)
    for token in (sign_jwt(credential, KEY), issue_sd_jwt(credential, KEY, now=NOW)):
        check = verify(token, now=NOW, limits=one).check("contexts")
        assert check is not None and (check.code, check.outcome) == ("CONTEXT_LIMIT", "fail")
        assert check.details == {"count": 2, "limit": 1}


def test_an_sd_jwt_vc_without_iss_is_named() -> None:
    import json

    from mcvc import verify
    from mcvc.multibase import b64url_decode
    from mcvc.sdjwt import _jws, issue_sd_jwt

    issued = issue_sd_jwt(_credential(), KEY, now=NOW)
    jws, _, rest = issued.partition("~")
    header, payload, _ = jws.split(".")
    claims = json.loads(b64url_decode(payload))
    claims.pop("iss")
    forged = _jws(json.loads(b64url_decode(header)), claims, KEY) + "~" + rest
    report = verify(forged, now=NOW)
    assert _first(report, "jwt-claims") == (
        "jwt-claims",
        "JOSE_CLAIMS_MISMATCH",
        "fail",
        "iss is required in an SD-JWT VC",
    )
    assert report.outcome == "failed"


def test_a_token_status_list_beside_a_credential_status_is_checked_too(
    tmp_path: Any,
) -> None:
    import json
    from datetime import timedelta

    from mcvc import sign, verify
    from mcvc.multibase import b64url_decode
    from mcvc.sdjwt import _jws, issue_sd_jwt
    from mcvc.status.bitstring import Bitstring
    from mcvc.status.lists import status_entry, status_list_credential
    from mcvc.status.local import local_status_checker

    url = "https://status.example/lists/1"
    signed_list = sign(
        status_list_credential(
            url,
            KEY.did_key,
            Bitstring.empty(131072).with_value(3, 1),
            valid_from=NOW - timedelta(1),
        ),
        KEY,
        created=NOW - timedelta(days=1),
    )
    path = tmp_path / "list.json"
    path.write_text(json.dumps(signed_list))
    credential = _credential()
    if "https://www.w3.org/ns/credentials/status/v1" not in credential["@context"]:
        credential["@context"] = [
            *credential["@context"],
            "https://www.w3.org/ns/credentials/status/v1",
        ]
    for index, code, outcome in ((7, "STATUS_RETRIEVAL_ERROR", "error"), (3, "REVOKED", "fail")):
        credential["credentialStatus"] = status_entry(url, index, "revocation")
        issued = issue_sd_jwt(credential, KEY, now=NOW)
        jws, _, rest = issued.partition("~")
        header, payload, _ = jws.split(".")
        claims = json.loads(b64url_decode(payload))
        claims["status"] = {"status_list": {"idx": 1, "uri": "https://status.example/tsl/1"}}
        token = _jws(json.loads(b64url_decode(header)), claims, KEY) + "~" + rest
        report = verify(token, now=NOW, status_checker=local_status_checker([path]))
        check = report.check("status")
        assert check is not None and (check.code, check.outcome) == (code, outcome), (
            report.to_json()
        )
        if index == 7:
            # the Token Status List file was not given and fetching is off
            assert check.message.startswith(
                f"not revoked ({url} #7); Token Status List https://status.example/tsl/1: "
                "not fetched: "
            )
            assert check.details["entries"][0]["url"] == url
            assert check.details["token_status_list"] == {"uri": "https://status.example/tsl/1"}
            assert report.outcome == "inconclusive"
        else:
            assert report.outcome == "failed"
    # offline, the credentialStatus itself is not known: that is what the check says
    offline = verify(token, now=NOW).check("status")
    assert offline is not None and (offline.code, offline.message) == (
        "STATUS_NOT_CHECKED",
        "the credential has a status entry and status checking is off (no HTTP client was given)",
    )
