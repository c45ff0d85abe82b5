"""Each proof's result names what was known when it stopped: the suite once it is known, the
verification method once it is read, the creation time once it parses, the controller once the
key is resolved. Reports and wallets read these fields (report.proofs[*]), so each stage's
result is asserted whole."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mcvc import generate_key, sign
from mcvc.jsontext import copy_json as json_copy
from mcvc.proofs.engine import ProofResult, create_proof, format_created, verify_proofs

from .conftest import EDDSA, load
from .test_mutation_kills import _engine_key as _key
from .test_mutation_kills import _engine_signed as _signed

_AT = datetime(2026, 10, 1, tzinfo=UTC)
_CREATED = "2026-10-01T00:00:00Z"


def _expected(level: int, code: str, step: str, outcome: str = "fail") -> dict[str, Any]:
    """The result fields known at ``level``: 0 nothing, 1 the suite, 2 the method, 3 its
    creation time, 4 the controller."""
    key = _key()
    return {
        "index": 0,
        "outcome": outcome,
        "code": code,
        "step": step,
        "cryptosuite": "eddsa-rdfc-2022" if level >= 1 else "",
        "verificationMethod": key.verification_method if level >= 2 else "",
        "created": _CREATED if level >= 3 else "",
        "controller": key.did_key if level >= 4 else "",
    }


@pytest.mark.parametrize(
    ("changes", "level", "code", "step", "says"),
    [
        ({"type": "Ed25519Signature2020"}, 0, "UNSUPPORTED_PROOF_TYPE", "suite", "legacy"),
        ({"cryptosuite": "bbs-2023"}, 0, "UNSUPPORTED_CRYPTOSUITE", "suite", "bbs-2023"),
        ({"extra": "x"}, 1, "PROOF_VERIFICATION_ERROR", "parse", "proof.extra"),
        ({"proofValue": None}, 1, "PROOF_VERIFICATION_ERROR", "parse", "proof.proofValue"),
        ({"nonce": 5}, 2, "PROOF_VERIFICATION_ERROR", "parse", "proof.nonce must be"),
        ({"domain": 5}, 2, "PROOF_VERIFICATION_ERROR", "parse", "proof.domain must be"),
        ({"created": "soon"}, 2, "PROOF_VERIFICATION_ERROR", "parse", "proof.created"),
        (
            {"proofPurpose": "authentication"},
            3,
            "PROOF_PURPOSE_MISMATCH",
            "purpose",
            "authentication",
        ),
        (
            {"@context": ["https://www.w3.org/ns/credentials/examples/v2"]},
            3,
            "PROOF_VERIFICATION_ERROR",
            "parse",
            "@context",
        ),
        ({"proofValue": "uAAAA"}, 3, "PROOF_VERIFICATION_ERROR", "parse", "proofValue: "),
        (
            {"verificationMethod": "did:example:1#k"},
            2,
            "UNSUPPORTED_DID_METHOD",
            "key",
            "'example'",
        ),
        ({"cryptosuite": "ecdsa-rdfc-2019"}, 4, "SUITE_KEY_MISMATCH", "key", "ecdsa-rdfc-2019"),
        ({"previousProof": 5}, 4, "PROOF_VERIFICATION_ERROR", "parse", "previousProof must"),
        (
            {"previousProof": "urn:uuid:absent"},
            4,
            "PROOF_VERIFICATION_ERROR",
            "parse",
            "not present",
        ),
        ({"proofValue": "z" + "1" * 86}, 4, "INVALID_SIGNATURE", "signature", ""),
    ],
)
def test_what_each_stage_reports(
    changes: dict[str, Any], level: int, code: str, step: str, says: str
) -> None:
    (result,) = verify_proofs(_signed(**changes))
    got = result.to_dict()
    message = got.pop("message")
    expected = _expected(level, code, step)
    if changes.get("verificationMethod"):
        expected["verificationMethod"] = changes["verificationMethod"]
        expected["created"] = _CREATED
    if changes.get("cryptosuite") == "ecdsa-rdfc-2019":
        expected["cryptosuite"] = "ecdsa-rdfc-2019"
    assert got == expected
    assert says in message and message, message
    if code == "UNSUPPORTED_DID_METHOD":
        assert result.method is None


def test_a_valid_proof_reports_everything() -> None:
    (result,) = verify_proofs(_signed())
    got = result.to_dict()
    assert got.pop("message") == "signature valid"
    assert got == _expected(4, "OK", "done", "pass")
    assert result.method is not None and result.method.controller == _key().did_key


def test_a_purpose_mismatch_reports_what_was_read() -> None:
    from mcvc.proofs.purposes import AuthenticationPurpose

    doc = sign(
        {k: v for k, v in _signed().items() if k != "proof"},
        _key(),
        created=_AT,
        purpose=AuthenticationPurpose(challenge="c1"),
    )
    (passed,) = verify_proofs(doc, purpose=AuthenticationPurpose(challenge="c1"))
    assert passed.verified, passed.message
    (wrong,) = verify_proofs(doc)
    got = wrong.to_dict()
    assert "authentication" in got.pop("message")
    assert got == _expected(3, "PROOF_PURPOSE_MISMATCH", "purpose")


def test_a_second_proof_is_reported_with_its_own_index() -> None:
    doc = _signed()
    broken = dict(doc["proof"], proofValue="z" + "1" * 86)
    doc["proof"] = [doc["proof"], broken]
    first, second = verify_proofs(doc)
    assert (first.index, first.outcome) == (0, "pass")
    assert (second.index, second.outcome, second.code) == (1, "fail", "INVALID_SIGNATURE")
    assert second.to_dict()["index"] == 1


def test_a_transform_failure_names_its_step_and_reason() -> None:
    doc = _signed()
    doc["credentialSubject"]["_:grade"] = "A"  # dropped by expansion: refused, not ignored
    (result,) = verify_proofs(doc)
    got = result.to_dict()
    message = got.pop("message")
    assert (got["step"], got["outcome"]) == ("transform", "fail")
    assert got["code"] not in ("", "OK", "INVALID_SIGNATURE")
    assert "blank node" in message and "predicate" in message, message
    assert got == {**_expected(4, got["code"], "transform")}


def test_proof_results_have_the_report_keys() -> None:
    result = ProofResult(3, "error", "C", "key", "m", "s", "vm", "ctl", "t")
    assert result.to_dict() == {
        "index": 3,
        "outcome": "error",
        "code": "C",
        "step": "key",
        "message": "m",
        "cryptosuite": "s",
        "verificationMethod": "vm",
        "controller": "ctl",
        "created": "t",
    }


def test_created_is_written_in_utc_whatever_the_zone() -> None:
    from datetime import timedelta, timezone

    prague = datetime(2026, 10, 1, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_created(prague) == _CREATED


def test_adding_a_proof_over_a_missing_previous_one_is_refused() -> None:
    from mcvc.canon.api import Canonicalizer
    from mcvc.errors import McvcError

    doc = _signed()
    with pytest.raises(McvcError) as caught:
        create_proof(
            doc,
            _key(),
            created=_AT,
            canon=Canonicalizer(),
            extra_options={"previousProof": "urn:uuid:nowhere"},
        )
    assert caught.value.code == "PROOF_VERIFICATION_ERROR"
    assert "'urn:uuid:nowhere' names a proof the document does not have" in str(caught.value)


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022"])
def test_a_chain_over_one_proof_secures_that_proof_as_an_object(suite: str) -> None:
    # Add Proof secures {"proof": <the named proof>}: one proof is an object, not a list of
    # one (JCS hashes the JSON as written, so the two differ there)
    first = sign(
        load(EDDSA / "unsigned.json"), _key(), suite=suite, created=_AT, proof_id="urn:uuid:first"
    )
    second = sign(first, generate_key(), suite=suite, created=_AT, previous_proof="urn:uuid:first")
    results = verify_proofs(second)
    assert [r.outcome for r in results] == ["pass", "pass"], [r.message for r in results]
    listed = json_copy(second)
    listed["proof"][1]["previousProof"] = ["urn:uuid:first"]
    # the same statement in RDF; different JSON under JCS
    expected = "INVALID_SIGNATURE" if suite.endswith("jcs-2022") else "OK"
    assert verify_proofs(listed)[1].code == expected


def test_a_context_the_loader_refuses_is_a_transform_failure_with_its_reason() -> None:
    doc = _signed()
    doc["@context"] = [*doc["@context"], "https://unknown.example/ctx"]
    (result,) = verify_proofs(doc)
    got = result.to_dict()
    message = got.pop("message")
    assert "https://unknown.example/ctx" in message and "not fetched" in message
    assert got == _expected(4, "CONTEXT_NOT_ALLOWED", "transform")
