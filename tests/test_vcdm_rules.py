"""The data model rules (mcvc.vcdm.violations) one at a time: each case changes one field of a
conforming VCDM 2.0 or 1.1 credential and names every violation it must yield, whole."""

from __future__ import annotations

from typing import Any

import pytest

from mcvc.vcdm import Violation, violations

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"


def _doc(version: int = 2, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2 if version == 2 else V1],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:uni",
        "credentialSubject": {"id": "did:example:ana", "name": "Ana"},
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def _found(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(v.field, v.rule, v.message) for v in violations(doc)]


def test_conforming_credentials_break_nothing() -> None:
    assert violations(_doc()) == []
    assert violations(_doc(1, issuanceDate="2026-01-01T00:00:00Z")) == []
    assert violations(_doc(issuer={"id": "did:example:uni", "name": "Uni"})) == []


@pytest.mark.parametrize("issuer", [None, "not a url", {"name": "Uni"}, {"id": 5}, ["did:x:y"]])
def test_the_issuer(issuer: Any) -> None:
    doc = _doc(issuer=issuer) if issuer is not None else {**_doc(), "issuer": None}
    assert _found(doc) == [
        ("issuer", "ISSUER_INVALID", "issuer must be a URL or an object whose id is a URL")
    ]


@pytest.mark.parametrize("subjects", [{}, [], [{"name": "Ana"}, {}], ["did:example:ana"], 5])
def test_subjects_must_be_objects_with_claims(subjects: Any) -> None:
    assert _found(_doc(credentialSubject=subjects)) == [
        (
            "credentialSubject",
            "SUBJECT_INVALID",
            "credentialSubject must be one or more objects, each with claims",
        )
    ]


def test_subject_ids_are_named_by_position() -> None:
    message = "a subject's id, when present, must be a single URL"
    assert _found(_doc(credentialSubject={"id": "ana", "name": "Ana"})) == [
        ("credentialSubject.id", "ID_NOT_URL", message)
    ]
    two = [{"id": "did:example:a", "n": 1}, {"id": "b c", "n": 2}]
    assert _found(_doc(credentialSubject=two)) == [
        ("credentialSubject[1].id", "ID_NOT_URL", message)
    ]


@pytest.mark.parametrize("version", [1, 2])
def test_the_dates_of_each_version(version: int) -> None:
    names = ("validFrom", "validUntil") if version == 2 else ("issuanceDate", "expirationDate")
    others = ("issuanceDate", "expirationDate") if version == 2 else ("validFrom", "validUntil")
    bad = {name: "2026-01-01" for name in (*names, *others)}
    assert _found(_doc(version, **bad)) == [
        (
            name,
            "DATE_NOT_DATETIMESTAMP",
            f"{name} must be an XML Schema dateTimeStamp (date, time and time zone)",
        )
        for name in names
    ]


def test_the_version_is_read_from_the_first_context() -> None:
    v2_string = {**_doc(), "@context": V2, "validFrom": "x"}
    assert [v.field for v in violations(v2_string)] == ["validFrom"]
    v1_second = {**_doc(), "@context": [V1, V2], "validFrom": "x", "issuanceDate": "x"}
    assert [v.field for v in violations(v1_second)] == ["issuanceDate"]
    empty = {**_doc(), "@context": [], "issuanceDate": "x", "validFrom": "x"}
    assert [v.field for v in violations(empty)] == ["issuanceDate"]


def test_typed_properties() -> None:
    found = _found(
        _doc(
            evidence=[
                {"type": "Evidence", "id": "urn:e:1"},
                "urn:e:2",
                {"id": "urn:e:3"},
                {"type": ["Evidence", ""]},
                {"type": "Evidence", "id": "not a url"},
                {"type": []},
            ],
            termsOfUse={"type": "Policy", "id": "x y"},
            credentialSchema={"type": "JsonSchema"},
        )
    )
    assert found == [
        ("termsOfUse.id", "ID_NOT_URL", "termsOfUse ids, when present, are URLs"),
        ("evidence[1]", "NOT_AN_OBJECT", "evidence values must be objects"),
        ("evidence[2].type", "TYPE_REQUIRED", "evidence objects must have a type"),
        ("evidence[3].type", "TYPE_REQUIRED", "evidence objects must have a type"),
        ("evidence[4].id", "ID_NOT_URL", "evidence ids, when present, are URLs"),
        ("evidence[5].type", "TYPE_REQUIRED", "evidence objects must have a type"),
        ("credentialSchema.id", "ID_NOT_URL", "credentialSchema objects need an id URL"),
    ]
    assert violations(_doc(evidence={"type": ""})) == [
        Violation("evidence.type", "TYPE_REQUIRED", "evidence objects must have a type")
    ]
    assert violations(_doc(evidence={"type": [5]}))[0].rule == "TYPE_REQUIRED"
    assert violations(_doc(refreshService={"type": "R"})) == []
    assert violations(_doc(evidence=[{"type": ["Evidence", "Record"]}])) == []


def test_related_resources() -> None:
    found = _found(
        _doc(
            relatedResource=[
                "urn:r:0",
                {"id": "https://a.example", "digestSRI": "sha384-x"},
                {"id": "https://a.example", "digestMultibase": "u"},
                {"id": "no url", "digestSRI": "sha384-x"},
                {"id": "https://b.example"},
            ]
        )
    )
    assert found == [
        ("relatedResource[0]", "NOT_AN_OBJECT", "relatedResource values must be objects"),
        (
            "relatedResource[2].id",
            "ID_DUPLICATE",
            "related resource https://a.example is listed twice",
        ),
        ("relatedResource[3].id", "ID_NOT_URL", "a related resource needs an id URL"),
        (
            "relatedResource[4]",
            "DIGEST_REQUIRED",
            "a related resource needs digestSRI or digestMultibase",
        ),
    ]
    # VCDM 1.1 has no relatedResource: not read there
    assert violations(_doc(1, relatedResource=["x"])) == []
