"""One set of data model rules for the issuer and the verifier (issue 15, first part): what
the issuer refuses is a 400 naming the field and the rule, and the verifier fails the same
document with the same rule code."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import generate_key, sign, verify
from mcvc.vcdm import violations

from .conftest import EDDSA, load
from .service_helpers import DEMO_KEY, TOKEN, base_config, free_port, running

V2 = "https://www.w3.org/ns/credentials/v2"


def _base(issuer: str) -> dict[str, Any]:
    return {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner", "name": "Ana"},
    }


CASES: list[tuple[str, Any, str, str]] = [
    ("id", None, "id", "ID_NOT_URL"),
    ("id", "not a url", "id", "ID_NOT_URL"),
    ("id", "https ://not-a-url/vcs/1", "id", "ID_NOT_URL"),
    ("id", ["https://a.example/1", "https://b.example/1"], "id", "ID_NOT_URL"),
    ("credentialSubject", {}, "credentialSubject", "SUBJECT_INVALID"),
    ("credentialSubject", [], "credentialSubject", "SUBJECT_INVALID"),
    ("validFrom", "Sat 25 Feb 2023 07:16:31 PM CST", "validFrom", "DATE_NOT_DATETIMESTAMP"),
    ("validUntil", "2027-01-01T00:00:00", "validUntil", "DATE_NOT_DATETIMESTAMP"),
    ("termsOfUse", {"id": "urn:terms:1"}, "termsOfUse.type", "TYPE_REQUIRED"),
    ("evidence", [{"id": "urn:evidence:1"}], "evidence[0].type", "TYPE_REQUIRED"),
    ("refreshService", {"id": "https://refresh.example/1"}, "refreshService.type", "TYPE_REQUIRED"),
    (
        "credentialSchema",
        {"id": "https://schema.example/1"},
        "credentialSchema.type",
        "TYPE_REQUIRED",
    ),
    ("credentialSchema", {"type": "JsonSchema"}, "credentialSchema.id", "ID_NOT_URL"),
    (
        "credentialSchema",
        {"type": "JsonSchema", "id": "https ://not-a-url.org/1"},
        "credentialSchema.id",
        "ID_NOT_URL",
    ),
    (
        "credentialSubject",
        {"id": ["did:example:a", "did:example:b"]},
        "credentialSubject.id",
        "ID_NOT_URL",
    ),
    ("relatedResource", ["https://a.example/x"], "relatedResource[0]", "NOT_AN_OBJECT"),
    ("relatedResource", [{"digestSRI": "sha384-x"}], "relatedResource[0].id", "ID_NOT_URL"),
    (
        "relatedResource",
        [{"id": "https://a.example/x", "digestSRI": "sha384-x"}] * 2,
        "relatedResource[1].id",
        "ID_DUPLICATE",
    ),
    ("relatedResource", [{"id": "https://a.example/x"}], "relatedResource[0]", "DIGEST_REQUIRED"),
]


@pytest.mark.parametrize(("key", "value", "field", "rule"), CASES)
def test_rule(key: str, value: Any, field: str, rule: str) -> None:
    doc = _base("did:example:issuer")
    doc[key] = value
    found = [(v.field, v.rule) for v in violations(doc)]
    assert (field, rule) in found
    assert violations(_base("did:example:issuer")) == []


# the shapes that can be signed at all (a null or relative id cannot be canonicalized)
SIGNABLE = CASES[4:10]


@pytest.mark.parametrize(("key", "value", "field", "rule"), SIGNABLE)
def test_verifier_applies_the_same_rules(key: str, value: Any, field: str, rule: str) -> None:
    signer = generate_key()
    doc = _base(signer.did_key)
    doc[key] = value
    # signed as is (the library's sign() is a primitive; the issuer service refuses this)
    signed = sign(doc, signer)
    check = verify(signed).check("structure")
    assert check is not None and check.code == rule and check.outcome == "fail"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dm")
    with running(base_config(free_port(), f"sqlite:///{folder / 'l.db'}")) as url:
        yield url


def _issuer() -> str:
    from mcvc import load_key

    return load_key(DEMO_KEY).controller_id


@pytest.mark.parametrize(("key", "value", "field", "rule"), CASES)
def test_issuer_refuses_with_field_and_rule(
    service: str, key: str, value: Any, field: str, rule: str
) -> None:
    doc = _base(_issuer())
    doc[key] = copy.deepcopy(value)
    answer = httpx.post(
        f"{service}/credentials/issue",
        json={"credential": doc},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["code"] == rule and body["field"] == f"credential.{field}"


def test_issuer_refuses_a_null_issuer(service: str) -> None:
    doc = _base(_issuer())
    doc["issuer"] = None
    answer = httpx.post(
        f"{service}/credentials/issue",
        json={"credential": doc},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=60,
    )
    assert answer.status_code == 400 and answer.json()["code"] == "ISSUER_INVALID"


def test_vectors_and_samples_break_no_rule() -> None:
    for path in sorted(Path(EDDSA).rglob("signed*.json")):
        doc = load(path)
        assert violations(doc) == [], path


def test_verify_refuses_a_credential_sent_as_a_string(service: str) -> None:
    doc = _base(_issuer())
    answer = httpx.post(
        f"{service}/credentials/verify",
        json={"verifiableCredential": json.dumps(doc)},
        timeout=60,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == "verifiableCredential"
