"""A presentation's report, check by check (verification/pipeline.py, _verify_presentation):
the holder's proof, the challenge, each credential inside and whether its subject is the
holder. Each case asserts the checks it produces, their outcomes and what they say."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

import pytest

from mcvc import create_presentation, generate_key, sign, sign_presentation, verify
from mcvc.keys import KeyPair
from mcvc.verification.report import VerificationReport

from .conftest import EDDSA, NOW, load


@functools.cache
def _issuer() -> KeyPair:
    return generate_key()


@functools.cache
def _holder() -> KeyPair:
    return generate_key()


def _credential(subject: Any = None) -> dict[str, Any]:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = _issuer().did_key
    doc["credentialSubject"] = (
        {"id": _holder().did_key, "name": "Ana"} if subject is None else subject
    )
    return sign(doc, _issuer(), created=NOW - timedelta(days=1))


def _vp(
    credentials: list[Any], holder: Any = None, *, key: KeyPair | None = None, challenge: str = "c"
) -> dict[str, Any]:
    vp = create_presentation(credentials, holder=_holder().did_key)
    if holder is not None:
        vp["holder"] = holder
    if holder == "":
        del vp["holder"]
    return sign_presentation(vp, key or _holder(), challenge=challenge, created=NOW)


def _checks(report: VerificationReport) -> list[tuple[str, str, str]]:
    return [(c.name, c.code, c.outcome) for c in report.checks]


def _check(report: VerificationReport, name: str) -> Any:
    found = report.check(name)
    assert found is not None, _checks(report)
    return found


def test_a_presentation_by_the_learner() -> None:
    report = verify(_vp([_credential()]), now=NOW, challenge="c")
    assert report.kind == "presentation"
    assert _checks(report) == [
        ("parse", "OK", "pass"),
        ("contexts", "OK", "pass"),
        ("structure", "OK", "pass"),
        ("proof", "OK", "pass"),
        ("holder-binding", "OK", "pass"),
    ]
    proof = _check(report, "proof")
    assert proof.message == "holder proof valid"
    (only,) = proof.details["proofs"]
    assert only["controller"] == _holder().did_key and only["code"] == "OK"
    binding = _check(report, "holder-binding")
    assert binding.message == "every credential's subject is the holder"
    assert [c.kind for c in report.credentials] == ["credential"]
    assert report.credentials[0].check("proof").code == "OK"  # type: ignore[union-attr]


def test_without_a_challenge_a_replay_is_possible() -> None:
    report = verify(_vp([_credential()]), now=NOW)
    check = _check(report, "challenge")
    assert (check.code, check.outcome) == ("CHALLENGE_NOT_REQUIRED", "skipped")
    assert check.message == "no challenge was required: the presentation could be a replay"
    assert verify(_vp([_credential()]), now=NOW, challenge="c").check("challenge") is None


def test_a_wrong_challenge_fails_the_holder_proof() -> None:
    report = verify(_vp([_credential()], challenge="other"), now=NOW, challenge="c")
    proof = _check(report, "proof")
    assert (proof.code, proof.outcome) == ("INVALID_CHALLENGE_ERROR", "fail")
    assert proof.message.startswith("holder proof: ")
    assert proof.details["proofs"][0]["code"] == "INVALID_CHALLENGE_ERROR"


def test_a_holder_who_did_not_sign() -> None:
    stranger = generate_key()
    report = verify(_vp([_credential()], key=stranger), now=NOW, challenge="c")
    proof = _check(report, "proof")
    assert (proof.code, proof.outcome) == ("HOLDER_MISMATCH", "fail")
    assert proof.message == (
        f"the holder is {_holder().did_key} but the proof key belongs to {stranger.did_key}"
    )
    assert proof.details["proofs"][0]["controller"] == stranger.did_key
    assert report.outcome == "failed"


def test_a_holder_given_as_an_object() -> None:
    report = verify(
        _vp([_credential()], holder={"id": _holder().did_key, "name": "Ana"}),
        now=NOW,
        challenge="c",
    )
    assert _check(report, "proof").code == "OK"
    assert _check(report, "holder-binding").code == "OK"


def test_a_presentation_without_a_holder() -> None:
    report = verify(_vp([_credential()], holder=""), now=NOW, challenge="c")
    assert _check(report, "proof").code == "OK", "anyone may sign a holder-less presentation"
    binding = _check(report, "holder-binding")
    assert (binding.code, binding.outcome) == ("HOLDER_NOT_GIVEN", "skipped")
    assert binding.message == "the presentation names no holder"


@pytest.mark.parametrize("required", [False, True])
def test_a_credential_about_someone_else(required: bool) -> None:
    other = generate_key().did_key
    report = verify(
        _vp([_credential(), _credential({"id": other, "name": "Bo"})]),
        now=NOW,
        challenge="c",
        require_holder_binding=required,
    )
    bindings = [c for c in report.checks if c.name == "holder-binding"]
    assert len(bindings) == 1, "only the credential about someone else is named"
    (binding,) = bindings
    said = f"credential 2: subject {other} is not the holder {_holder().did_key}"
    if required:
        assert (binding.code, binding.outcome, binding.informative) == (
            "HOLDER_BINDING_FAILED",
            "fail",
            False,
        )
        assert binding.message == said
        assert report.outcome == "failed"
    else:
        assert (binding.code, binding.outcome, binding.informative) == (
            "HOLDER_NOT_SUBJECT",
            "error",
            True,
        )
        assert binding.message == said + ": the presenter is not the learner it names"


def test_subjects_without_ids_are_named_as_none() -> None:
    report = verify(_vp([_credential([{"name": "Ana"}, "urn:x"])]), now=NOW, challenge="c")
    binding = _check(report, "holder-binding")
    assert binding.code == "HOLDER_NOT_SUBJECT"
    assert binding.message.startswith("credential 1: subject (none) is not the holder ")


def test_what_is_not_a_credential_inside() -> None:
    report = verify(_vp([_credential(), 7]), now=NOW, challenge="c")
    check = [c for c in report.checks if c.name == "credentials"]
    assert [(c.code, c.outcome, c.message) for c in check] == [
        ("CREDENTIAL_NOT_OBJECT", "fail", "verifiableCredential[1] is not an object")
    ]
    assert len(report.credentials) == 1
    single = create_presentation([], holder=_holder().did_key)
    single["verifiableCredential"] = _credential()  # one credential, not a list
    report = verify(sign_presentation(single, _holder(), challenge="c"), now=NOW, challenge="c")
    assert len(report.credentials) == 1 and _check(report, "holder-binding").code == "OK"


def test_an_enveloped_credential_inside() -> None:
    from mcvc.jose import enveloped, sign_jwt

    unsigned = {k: v for k, v in _credential().items() if k != "proof"}
    report = verify(_vp([enveloped(sign_jwt(unsigned, _issuer()))]), now=NOW, challenge="c")
    assert [c.kind for c in report.credentials] == ["vc-jose"], report.credentials
    assert _check(report, "holder-binding").code == "OK"
    not_a_token = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "data:application/vc+jwt,not-a-token",
        "type": ["EnvelopedVerifiableCredential"],
    }
    report = verify(_vp([not_a_token]), now=NOW, challenge="c")
    (inner,) = report.credentials
    assert (inner.kind, inner.outcome, inner.codes) == ("vc-jose", "failed", ["JOSE_FORMAT"])
    # nothing could be read from it, so no subject is the holder
    assert _check(report, "holder-binding").message.startswith("credential 1: subject (none)")
    elsewhere = dict(not_a_token, id="https://x.example/1")
    report = verify(_vp([elsewhere]), now=NOW, challenge="c")
    (check,) = [c for c in report.checks if c.name == "credentials"]
    assert (check.code, check.outcome) == ("JOSE_FORMAT", "fail")
    assert check.message.startswith("verifiableCredential[0]: ")
    assert report.credentials == []


def test_no_credentials_no_binding_check() -> None:
    report = verify(_vp([]), now=NOW, challenge="c")
    assert report.check("holder-binding") is None
    assert _check(report, "proof").code == "OK"


def test_a_context_failure_skips_the_proof() -> None:
    vp = _vp([_credential()])
    vp["@context"] = ["https://example.org/unknown"]
    report = verify(vp, now=NOW, challenge="c")
    assert _check(report, "contexts").outcome == "fail"
    assert report.check("proof") is None
