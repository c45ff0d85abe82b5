"""Whose proofs a credential carries, rule by rule (verification/signers.py): the issuer's,
a named awarding body's, or earlier proofs the issuer's proof covers; anyone else's proof
fails the issuer check. The whole pipeline runs these through tests/test_joint.py; here each
rule and each reported field is pinned on its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mcvc.verification.signers import _awarding_body_ids, _chained_from, _signers

ISSUER = "did:key:z6MkIssuer"
BODY = "did:web:partner.example"
STRANGER = "did:key:z6MkStranger"


@dataclass
class _Result:
    controller: str


def _doc(*proofs: Any, bodies: list[Any] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"proof": list(proofs) if len(proofs) != 1 else proofs[0]}
    if bodies is not None:
        doc["credentialSubject"] = {
            "hasClaim": {"awardedBy": {"awardingBody": bodies}},
        }
    return doc


# --- previousProof chains ------------------------------------------------------------------


def test_chains_are_followed_through_strings_and_lists_transitively() -> None:
    doc = _doc(
        {"id": "urn:a"},
        {"id": "urn:b", "previousProof": "urn:a"},
        {"id": "urn:c", "previousProof": ["urn:b", "urn:x"]},
        {"id": "urn:d"},
    )
    assert _chained_from(doc, [2]) == {0, 1}
    assert _chained_from(doc, [1]) == {0}
    assert _chained_from(doc, [0]) == set()
    assert _chained_from(doc, [3]) == set()


def test_chains_skip_what_is_not_a_proof_and_stop_on_cycles() -> None:
    doc = _doc(
        7, {"id": "urn:a", "previousProof": "urn:b"}, {"id": "urn:b", "previousProof": "urn:a"}
    )
    assert _chained_from(doc, [0]) == set()
    assert _chained_from(doc, [1]) == {1, 2}
    single = _doc({"id": "urn:a", "previousProof": "urn:a"})
    assert _chained_from(single, [0]) == {0}


# --- awarding bodies -------------------------------------------------------------------------


def test_awarding_body_ids_are_read_from_every_shape() -> None:
    doc = {
        "credentialSubject": [
            "urn:subject-as-reference",
            {"hasClaim": ["urn:claim", {"awardedBy": ["urn:process", {"awardingBody": [BODY]}]}]},
            {
                "hasClaim": {
                    "awardedBy": {
                        "awardingBody": [
                            {"id": ISSUER},
                            {"id": ""},
                            {"id": 5},
                            5,
                            "",
                            {"name": "no id"},
                        ]
                    }
                }
            },
        ]
    }
    assert _awarding_body_ids(doc) == [BODY, ISSUER]
    assert _awarding_body_ids({}) == []


# --- the issuer check ------------------------------------------------------------------------


def test_no_proof_by_the_issuer() -> None:
    (check,) = _signers(_doc({}), [_Result(STRANGER), _Result(BODY)], ISSUER)
    assert (check.name, check.code, check.outcome) == ("issuer", "ISSUER_MISMATCH", "fail")
    assert check.message == f"the issuer is {ISSUER} but the key belongs to {STRANGER}, {BODY}"
    assert check.details == {"issuer": ISSUER, "controllers": [STRANGER, BODY]}  # sorted


def test_a_strangers_proof_beside_the_issuers() -> None:
    (check,) = _signers(_doc({}, {}), [_Result(ISSUER), _Result(STRANGER)], ISSUER)
    assert (check.code, check.outcome) == ("ISSUER_MISMATCH", "fail")
    assert check.message.startswith(f"proof 2 of 2 is by {STRANGER}, who is neither the issuer")
    assert check.details == {"issuer": ISSUER, "controllers": [ISSUER, STRANGER]}


def test_one_proof_by_the_issuer() -> None:
    (check,) = _signers(_doc({}), [_Result(ISSUER)], ISSUER)
    assert (check.code, check.outcome) == ("OK", "pass")
    assert check.message == f"signed by a key of the issuer {ISSUER}"
    assert check.details == {
        "controller": ISSUER,
        "signers": [{"proof": 1, "controller": ISSUER, "role": "issuer"}],
    }


def test_every_role_in_a_set_and_a_chain() -> None:
    doc = _doc(
        {"id": "urn:first"},
        {"id": "urn:issuer", "previousProof": "urn:first"},
        {"id": "urn:body"},
        bodies=[{"id": BODY}],
    )
    checks = _signers(doc, [_Result(STRANGER), _Result(ISSUER), _Result(BODY)], ISSUER)
    issuer, cosigners = checks
    assert issuer.code == "OK"
    assert issuer.message == f"signed by a key of the issuer {ISSUER} (3 proofs)"
    assert issuer.details["signers"] == [
        {"proof": 1, "controller": STRANGER, "role": "earlier proof signed over by the issuer"},
        {"proof": 2, "controller": ISSUER, "role": "issuer"},
        {"proof": 3, "controller": BODY, "role": "awarding body"},
    ]
    assert (cosigners.name, cosigners.code, cosigners.outcome) == ("co-signers", "OK", "pass")
    assert cosigners.message == f"every awarding body named has signed: {BODY}"
    assert cosigners.details == {"signed": [BODY], "not_signed": []}
    assert cosigners.informative is True


def test_two_proofs_of_the_issuer_are_counted() -> None:
    (check,) = _signers(_doc({}, {}), [_Result(ISSUER), _Result(ISSUER)], ISSUER)
    assert check.message == f"signed by a key of the issuer {ISSUER} (2 proofs)"


def test_awarding_bodies_that_have_not_signed() -> None:
    other = "did:web:third.example"
    doc = _doc({}, bodies=[{"id": BODY}, {"id": other}, {"id": BODY}, {"id": ISSUER}, "urn:x"])
    issuer, cosigners = _signers(doc, [_Result(ISSUER)], ISSUER)
    assert issuer.code == "OK"
    assert (cosigners.code, cosigners.outcome) == ("AWARDING_BODY_NOT_SIGNED", "error")
    assert cosigners.message == (
        f"not signed by {BODY}, {other}, named as awarding bodies (the issuer vouches for them)"
    )
    assert cosigners.details == {"signed": [], "not_signed": [BODY, other]}
    one = _doc({}, {}, bodies=[{"id": BODY}, {"id": other}])
    _, partly = _signers(one, [_Result(ISSUER), _Result(BODY)], ISSUER)
    assert partly.message == (
        f"not signed by {other}, named as awarding body (the issuer vouches for them)"
    )
    assert partly.details == {"signed": [BODY], "not_signed": [other]}


def test_bodies_without_a_did_and_the_issuer_itself_ask_for_no_co_signature() -> None:
    doc = _doc({}, bodies=[{"id": ISSUER}, {"id": "urn:uuid:partner"}])
    assert [c.name for c in _signers(doc, [_Result(ISSUER)], ISSUER)] == ["issuer"]
