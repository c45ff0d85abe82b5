"""Reading a trust list (verification/trust.py) rule by rule: the shape it must have, which
entries and certificates it yields, how a signed list is named after its signer, and that an
issuer is found by its exact identifier only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mcvc import generate_key, sign
from mcvc.did import DidResolver, did_web_document
from mcvc.errors import InvalidInput
from mcvc.jades.seal import make_test_ca
from mcvc.verification.trust import DEMO_DIDS, TrustedIssuer, TrustList, demo_trust_list

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _pem(name: str) -> str:
    ca = make_test_ca(
        ec.generate_private_key(ec.SECP256R1()),
        name=name,
        country="CZ",
        not_before=NOW - timedelta(1),
    )
    return ca.public_bytes(serialization.Encoding.PEM).decode()


def _refused(data: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        TrustList.from_dict(data)
    assert caught.value.code == "INVALID_TRUST_LIST", caught.value
    return caught.value


@pytest.mark.parametrize("data", [[], "x", {}, {"issuers": {"did": "did:example:1"}}])
def test_a_list_is_an_object_with_a_list_of_issuers(data: Any) -> None:
    assert "issuers" in str(_refused(data))


@pytest.mark.parametrize("entry", ["did:example:1", {"legal_name": "x"}, {"did": 5}])
def test_every_entry_names_a_did(entry: Any) -> None:
    refused = _refused({"issuers": [{"did": "did:example:0"}, entry]})
    assert str(refused) == "trust list entry 1 has no did"
    assert refused.details == {"pointer": "/issuers/1"}


def test_entries_keep_what_they_say_and_nothing_else() -> None:
    listed = TrustList.from_dict(
        {
            "name": "Rectors' list",
            "issuers": [
                {"did": "did:example:1", "legal_name": "Uni", "country": "CZ", "deqar_id": 42},
                {"did": "did:example:2"},
            ],
        }
    )
    assert listed == TrustList(
        (
            TrustedIssuer("did:example:1", "Uni", "CZ", "42"),
            TrustedIssuer("did:example:2", "", "", ""),
        ),
        "Rectors' list",
    )
    assert listed.anchors() is None and listed.demo is False and listed.signer == ""
    renamed = TrustList.from_dict({"name": "x", "issuers": []}, name="given", signer="did:s")
    assert (renamed.name, renamed.signer) == ("given", "did:s")


def test_an_issuer_is_found_by_its_exact_identifier() -> None:
    listed = TrustList.from_dict(
        {"issuers": [{"did": "did:example:uni"}, {"did": "did:example:u"}]}
    )
    assert listed.find("did:example:uni") == TrustedIssuer("did:example:uni")
    assert listed.find("did:example:u") == TrustedIssuer("did:example:u")
    for other in ("did:example:UNI", "did:example:un", "did:example:uni ", "", "did:example:unix"):
        assert listed.find(other) is None, other


def test_certificates_are_pem_strings_and_become_anchors() -> None:
    one, two, three = _pem("One CA"), _pem("Two CA"), _pem("Three CA")
    listed = TrustList.from_dict(
        {
            "name": "with seals",
            "issuers": [
                {"did": "did:example:1", "certificates": [one + two]},
                {"did": "did:example:2", "certificates": [three]},
                {"did": "did:example:3", "certificates": None},
            ],
        }
    )
    names = [c.subject.rfc4514_string() for c in listed.certificates]
    assert [n.split(",")[0] for n in names] == ["CN=One CA", "CN=Two CA", "CN=Three CA"]
    anchors = listed.anchors()
    assert anchors is not None
    assert anchors.certificates == listed.certificates and anchors.source == "with seals"


@pytest.mark.parametrize("certificates", ["-----BEGIN", [5], ["not a certificate"], {"a": 1}])
def test_certificates_that_are_not_pem_are_refused(certificates: Any) -> None:
    refused = _refused(
        {"issuers": [{"did": "did:example:0"}, {"did": "did:x", "certificates": certificates}]}
    )
    assert str(refused).startswith("trust list entry 1: ")
    assert refused.details == {"pointer": "/issuers/1/certificates"}


def test_the_demo_list_names_only_the_public_keys_and_says_so() -> None:
    demo = demo_trust_list()
    assert demo.demo is True and "DEMO" in demo.name
    assert [i.did for i in demo.issuers] == sorted(DEMO_DIDS)
    assert all("demo" in i.legal_name for i in demo.issuers)


# --- files -------------------------------------------------------------------------------------


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data))
    return path


MEMBERS = {"name": "UNIC members", "issuers": [{"did": "did:example:cuni"}]}


def test_a_list_without_a_name_has_an_empty_title() -> None:
    assert TrustList.from_dict({"issuers": []}).name == ""
    assert TrustList.from_dict({"issuers": [], "name": 7}).name == "7"


def test_an_unsigned_file_is_named_by_its_title_or_its_path(tmp_path: Path) -> None:
    titled = TrustList.load(_write(tmp_path / "a.json", MEMBERS))
    assert (titled.name, titled.signer) == ("UNIC members", "")
    untitled = _write(tmp_path / "b.json", {"issuers": []})
    assert TrustList.load(untitled).name == str(untitled)
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(_write(tmp_path / "c.json", [MEMBERS]))
    assert caught.value.code == "INVALID_TRUST_LIST"


def test_a_signed_file_is_named_after_its_signer(tmp_path: Path) -> None:
    office = generate_key()
    path = _write(tmp_path / "s.json", sign(MEMBERS, office, suite="eddsa-jcs-2022"))
    listed = TrustList.load(path, signer=office.controller_id)
    assert listed.signer == office.controller_id
    assert listed.name == f"UNIC members (signed by {office.controller_id})"
    assert TrustList.load(path).signer == office.controller_id


def test_the_required_signer_is_named_in_the_refusal(tmp_path: Path) -> None:
    office, mallory = generate_key(), generate_key()
    unsigned = _write(tmp_path / "u.json", MEMBERS)
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(unsigned, signer=office.controller_id)
    assert caught.value.code == "TRUST_LIST_SIGNER"
    assert str(caught.value) == (
        f"{unsigned}: the trust list must be signed by {office.controller_id}, but it is not signed"
    )
    other = _write(tmp_path / "o.json", sign(MEMBERS, mallory, suite="eddsa-jcs-2022"))
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(other, signer=office.controller_id)
    assert str(caught.value) == (
        f"{other}: the trust list must be signed by {office.controller_id}, "
        f"but {mallory.controller_id} signed it"
    )


def test_a_list_signed_by_two_keys_or_changed_is_refused(tmp_path: Path) -> None:
    one, two = generate_key(), generate_key()
    both = sign(sign(MEMBERS, one, suite="eddsa-jcs-2022"), two, suite="eddsa-jcs-2022")
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(_write(tmp_path / "two.json", both))
    assert (caught.value.code, str(caught.value)) == (
        "TRUST_LIST_SIGNATURE",
        "the trust list is signed by several keys",
    )
    changed = sign(MEMBERS, one, suite="eddsa-jcs-2022")
    changed["name"] = "UNIC members and friends"
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(_write(tmp_path / "changed.json", changed))
    assert caught.value.code == "TRUST_LIST_SIGNATURE"
    assert str(caught.value) == (
        "the trust list's signature does not verify (INVALID_SIGNATURE: the signature does not "
        "match the data): it was changed or signed by someone else"
    )
    unproved = {**MEMBERS, "proof": []}
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(_write(tmp_path / "empty.json", unproved))
    assert caught.value.code == "TRUST_LIST_SIGNATURE"
    assert str(caught.value).startswith(
        "the trust list's signature does not verify (PROOF_MISSING: the document has no proof)"
    )


def test_a_list_signed_by_a_did_web_is_checked_with_the_resolver_given(tmp_path: Path) -> None:
    did = "did:web:office.unic.example"
    office = generate_key().with_id(f"{did}#k1", did)
    path = _write(tmp_path / "web.json", sign(MEMBERS, office, suite="eddsa-jcs-2022"))
    resolver = DidResolver(None, {did: did_web_document(did, [office])})
    assert TrustList.load(path, signer=did, resolver=resolver).signer == did
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(path, signer=did)  # nothing resolves did:web offline
    assert caught.value.code == "TRUST_LIST_SIGNATURE"
