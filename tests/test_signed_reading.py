"""The signed graph against the JSON the checks read (verification/signed.py), rule by rule:
each case starts from the graph a real credential signs and changes one quad or one JSON key,
and names the property the comparison must report."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mcvc.canon.api import Canonicalizer
from mcvc.canon.nquads import Quad
from mcvc.contexts import default_loader
from mcvc.presentation import create_presentation
from mcvc.status.lists import status_entry
from mcvc.verification.signed import compare_signed_reading

from .conftest import EDDSA, load

CRED = "https://www.w3.org/2018/credentials#"
TYPE = ("I", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
STATUS = "https://www.w3.org/ns/credentials/status#"
ENTRY = status_entry("https://status.uni.example/lists/1", 7, "revocation")


def _credential(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = load(EDDSA / "unsigned.json")
    doc["credentialStatus"] = copy.deepcopy(ENTRY)
    doc.update(changes)
    return doc


def _graph(doc: dict[str, Any]) -> list[Quad]:
    return Canonicalizer(default_loader()).dataset(doc)


def _node(doc: dict[str, Any]) -> tuple[str, str]:
    return ("I", doc["id"])


def _mismatch(doc: dict[str, Any], quads: list[Quad], presentation: bool = False) -> str | None:
    found = compare_signed_reading(doc, quads, presentation=presentation)
    if found is None:
        return None
    shown = found.to_dict()
    assert (shown["check"], shown["code"], shown["outcome"]) == (
        "signed-data",
        "SIGNED_DATA_MISMATCH",
        "fail",
    ), shown
    assert shown["message"].startswith(shown["details"]["property"] + ": "), shown
    return str(shown["details"]["property"])


def test_a_credential_reads_as_it_was_signed() -> None:
    doc = _credential()
    assert _mismatch(doc, _graph(doc)) is None


def test_quads_in_named_graphs_are_not_the_credentials() -> None:
    doc = _credential()
    other = ("B", "_:g")
    stray: list[Quad] = [
        (_node(doc), ("I", CRED + "issuer"), ("I", "did:example:mallory"), other),
        (("I", "urn:x"), TYPE, ("I", CRED + "VerifiableCredential"), other),
        (_node(doc), ("I", CRED + "validUntil"), ("L", "2000-01-01T00:00:00Z", "", ""), other),
    ]
    assert _mismatch(doc, _graph(doc) + stray) is None


def test_the_credential_is_the_one_node_of_its_type() -> None:
    doc = _credential()
    quads = _graph(doc)
    untyped = [
        q for q in quads if not (q[1] == TYPE and q[2] == ("I", CRED + "VerifiableCredential"))
    ]
    assert _mismatch(doc, untyped) == "type"
    second = (("I", "urn:uuid:another"), TYPE, ("I", CRED + "VerifiableCredential"), None)
    assert _mismatch(doc, [*quads, second]) == "type"
    assert _mismatch(doc, _graph(doc), presentation=True) == "type"


def test_the_json_id_must_be_the_signed_node() -> None:
    doc = _credential()
    quads = _graph(doc)
    assert _mismatch({**doc, "id": "urn:uuid:not-this-one"}, quads) == "id"
    # a blank node id, or no usable id, names no node
    assert _mismatch({**doc, "id": "_:b0"}, quads) is None
    assert _mismatch({**doc, "id": 7}, quads) is None


def test_types_are_counted_once_each() -> None:
    doc = _credential()
    quads = _graph(doc)
    repeated = {**doc, "type": [*doc["type"], doc["type"][0]]}
    assert _mismatch(repeated, quads) is None
    assert _mismatch({**doc, "type": doc["type"][:1]}, quads) == "type"
    extra = (_node(doc), TYPE, ("I", "https://x.example/Other"), None)
    assert _mismatch(doc, [*quads, extra]) == "type"
    ignored = {**doc, "type": [*doc["type"], 5]}
    assert _mismatch(ignored, quads) is None


def test_the_issuer_is_the_signed_one() -> None:
    doc = _credential()
    quads = _graph(doc)
    assert _mismatch({**doc, "issuer": {"id": doc["issuer"]}}, quads) is None
    assert _mismatch({**doc, "issuer": "did:example:mallory"}, quads) == "issuer"
    second = (_node(doc), ("I", CRED + "issuer"), ("I", "did:example:mallory"), None)
    assert _mismatch(doc, [*quads, second]) == "issuer"


@pytest.mark.parametrize(
    "name", ["validFrom", "validUntil", "issuanceDate", "expirationDate", "issued"]
)
def test_every_date_a_check_reads_is_the_signed_one(name: str) -> None:
    doc = _credential()
    quads = _graph(doc)
    signed = (_node(doc), ("I", CRED + name), ("L", "2030-01-01T00:00:00Z", "", ""), None)
    assert _mismatch(doc, [*quads, signed]) == name
    written = {**doc, name: "2030-01-01T00:00:00Z"}
    assert _mismatch(written, quads) == name
    # the example already signs a validFrom: a second one is a second value
    both = _mismatch(written, [*quads, signed])
    assert both == (name if name == "validFrom" else None)


def test_a_changed_date_literal_is_named() -> None:
    doc = _credential()
    assert _mismatch({**doc, "validFrom": "2023-01-01T00:00:01Z"}, _graph(doc)) == "validFrom"


def test_subjects_are_counted() -> None:
    doc = _credential()
    quads = _graph(doc)
    two = {**doc, "credentialSubject": [doc["credentialSubject"], {"id": "did:example:2"}]}
    assert _mismatch(two, quads) == "credentialSubject"
    assert _mismatch({k: v for k, v in doc.items() if k != "credentialSubject"}, quads) == (
        "credentialSubject"
    )


def test_every_subject_the_json_names_is_a_signed_one() -> None:
    doc = _credential()
    quads = _graph(doc)
    subject = doc["credentialSubject"]
    assert isinstance(subject.get("id"), str) and not subject["id"].startswith("_:")
    assert _mismatch(doc, quads) is None
    other = {**doc, "credentialSubject": {**subject, "id": "did:example:someone-else"}}
    assert _mismatch(other, quads) == "credentialSubject"
    # a subject given as its id alone
    assert _mismatch({**doc, "credentialSubject": subject["id"]}, quads) is None
    assert _mismatch({**doc, "credentialSubject": "did:example:someone-else"}, quads) == (
        "credentialSubject"
    )
    # a blank node id, or none, names no node
    assert _mismatch({**doc, "credentialSubject": {**subject, "id": "_:b0"}}, quads) is None
    assert _mismatch({**doc, "credentialSubject": {**subject, "id": 7}}, quads) is None
    found = compare_signed_reading(other, quads, presentation=False)
    assert (
        found is not None
        and "'did:example:someone-else' is not a signed subject" in (found.to_dict()["message"])
    )


def test_status_entries_are_counted_and_read_whole() -> None:
    doc = _credential()
    quads = _graph(doc)
    assert _mismatch({**doc, "credentialStatus": [ENTRY, ENTRY]}, quads) == "credentialStatus"
    assert _mismatch({k: v for k, v in doc.items() if k != "credentialStatus"}, quads) == (
        "credentialStatus"
    )
    unread = {**doc, "credentialStatus": {**ENTRY, "statusNote": "x"}}
    assert _mismatch(unread, quads) == "credentialStatus[0].statusNote"
    numeric = {**doc, "credentialStatus": {**ENTRY, "statusListIndex": 7}}
    assert _mismatch(numeric, quads) == "credentialStatus[0]"
    # statusSize and statusMessage are not strings, and type may be a list
    sized = {**doc, "credentialStatus": {**ENTRY, "type": [ENTRY["type"]], "statusSize": 1}}
    assert _mismatch(sized, quads) == "credentialStatus", "the graph has no statusSize"
    entry = ("I", ENTRY["id"])
    extra = (entry, ("I", STATUS + "statusSize"), ("L", "1", "", ""), None)
    assert _mismatch(sized, [*quads, extra]) is None
    assert _mismatch(doc, [*quads, extra]) == "credentialStatus"
    # an entry that is not an object is the status check's to refuse
    assert _mismatch({**doc, "credentialStatus": "revoked?"}, quads) is None


def test_every_status_entry_after_one_that_is_not_an_object_is_read() -> None:
    doc = _credential()
    stray = "https://status.uni.example/not-an-entry"
    both = {**doc, "credentialStatus": [stray, ENTRY]}
    quads = _graph(both)
    assert _mismatch(both, quads) is None
    noted = {**doc, "credentialStatus": [stray, {**ENTRY, "statusNote": "x"}]}
    assert _mismatch(noted, _graph(noted)) == "credentialStatus[1].statusNote"


def test_a_status_entry_type_listed_twice_is_one_signed_type() -> None:
    doc = _credential(credentialStatus={**ENTRY, "type": [ENTRY["type"], ENTRY["type"]]})
    assert _mismatch(doc, _graph(doc)) is None
    # other values are counted as given: the same purpose twice is not what was signed once
    twice = {**doc, "credentialStatus": {**ENTRY, "statusPurpose": [ENTRY["statusPurpose"]] * 2}}
    assert _mismatch(twice, _graph(doc)) == "credentialStatus[0]"


def test_a_status_message_list_is_read_with_the_entry() -> None:
    messages = [{"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "revoked"}]
    doc = _credential(credentialStatus={**ENTRY, "statusSize": 1, "statusMessage": messages})
    assert _mismatch(doc, _graph(doc)) is None


def test_a_value_the_json_repeats_is_one_signed_quad() -> None:
    doc = _credential(type=["VerifiableCredential", "AlumniCredential", "VerifiableCredential"])
    quads = _graph(doc)
    assert _mismatch(doc, quads) is None
    # the same quad given twice is still one statement of the signed dataset
    assert _mismatch(doc, [*quads, *quads]) is None


def test_properties_of_another_entry_do_not_count() -> None:
    doc = _credential()
    quads = _graph(doc)
    elsewhere = (("I", "urn:other"), ("I", STATUS + "statusSize"), ("L", "1", "", ""), None)
    assert _mismatch(doc, [*quads, elsewhere]) is None
    named = (("I", ENTRY["id"]), ("I", STATUS + "statusSize"), ("L", "1", "", ""), ("B", "_:g"))
    assert _mismatch(doc, [*quads, named]) is None


def _presentation(holder: Any = "did:example:holder", credentials: int = 1) -> dict[str, Any]:
    vp = create_presentation([_credential()] * credentials, holder="x", id="urn:uuid:vp-1")
    if holder is None:
        vp.pop("holder")
    else:
        vp["holder"] = holder
    return vp


def test_a_presentation_names_its_signed_holder_and_credentials() -> None:
    vp = _presentation()
    quads = _graph(vp)
    assert _mismatch(vp, quads, presentation=True) is None
    assert _mismatch({**vp, "holder": {"id": "did:example:holder"}}, quads, True) is None
    assert _mismatch({**vp, "holder": "did:example:else"}, quads, True) == "holder"
    assert _mismatch({k: v for k, v in vp.items() if k != "holder"}, quads, True) == "holder"
    unheld = _presentation(holder=None)
    assert _mismatch(unheld, _graph(unheld), True) is None
    assert _mismatch({**unheld, "holder": "did:example:holder"}, _graph(unheld), True) == "holder"
    assert _mismatch({**vp, "verifiableCredential": []}, quads, True) == "verifiableCredential"
    two = _presentation(credentials=2)
    assert _mismatch(two, _graph(two), True) is None
    assert _mismatch(two, quads, True) == "verifiableCredential"
    # what a presentation does not sign is not compared: its issuer and dates are not read
    assert _mismatch({**vp, "validFrom": "2030-01-01T00:00:00Z"}, quads, True) is None
