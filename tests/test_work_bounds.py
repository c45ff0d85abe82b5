"""Bounded work (issue 13): canonicalization, proof sets, contexts, numbers, data loss,
deadlines. Every assertion counts work or reads a verdict code; none measures time."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

import mcvc
from mcvc.canon import rdfc
from mcvc.canon.api import Canonicalizer, fold_contexts
from mcvc.canon.nquads import parse_nquads
from mcvc.errors import CanonicalizationLimitExceeded, DeadlineExceeded
from mcvc.limits import Deadline, Limits
from mcvc.proofs.engine import create_proof, verify_proofs

from .conftest import ROOT

NOW = datetime(2026, 12, 1, tzinfo=UTC)
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _graph_name_repeats(values: int) -> str:
    return "".join(f'_:{n} <http://ex.org/p> "{i}" _:g .\n' for n in "xy" for i in range(values))


def _ring(n: int) -> str:
    return "".join(f"_:r{i} <http://ex.org/p> _:r{(i + 1) % n} .\n" for i in range(n))


def _equal_list(n: int) -> str:
    text = "<http://ex.org/s> <http://ex.org/p> _:l0 .\n"
    for i in range(n):
        rest = f"_:l{i + 1}" if i < n - 1 else f"<{RDF}nil>"
        text += f'_:l{i} <{RDF}first> "x" .\n_:l{i} <{RDF}rest> {rest} .\n'
    return text


def _twin_chains(depth: int) -> str:
    text = ""
    for c in "ab":
        text += f"<http://ex.org/s> <http://ex.org/p> _:{c}0 .\n"
        text += "".join(f"_:{c}{i} <http://ex.org/p{i}> _:{c}{i + 1} .\n" for i in range(depth))
    return text


def test_repeated_graph_name_walks_distinct_orderings_only() -> None:
    # one node with 40 quads in a blank-node graph lists that graph 40 times: 40! orderings
    # before, one now; a tiny step budget proves the work is linear
    quads = parse_nquads(_graph_name_repeats(40))
    result = rdfc.canonicalize(quads, limits=Limits(canon_steps=2_000))
    assert len(result.lines) == 80


@pytest.mark.parametrize("text", [_ring(1000), _equal_list(1000)], ids=["ring", "list"])
def test_long_chains_hit_the_call_limit_not_the_recursion_limit(text: str) -> None:
    with pytest.raises(CanonicalizationLimitExceeded):
        rdfc.canonicalize(parse_nquads(text))


def test_deep_recursion_runs_on_an_explicit_stack() -> None:
    # accepted by the reference at its default limit (2 x 601 calls); depth 600
    quads = parse_nquads(_twin_chains(600))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        result = rdfc.canonicalize(quads, limits=Limits(canon_steps=10**7))
    finally:
        sys.setrecursionlimit(limit)
    assert len(result.lines) == 1202


def test_step_budget_counts_issuer_copies() -> None:
    quads = parse_nquads(_twin_chains(1000))
    with pytest.raises(CanonicalizationLimitExceeded, match="steps"):
        rdfc.canonicalize(quads)
    assert rdfc.canonicalize(quads, limits=Limits(canon_steps=10**7)).lines


@dataclass
class _Clock:
    t: float = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def test_deadline_stops_canonicalization() -> None:
    deadline = Deadline(5, clock=_Clock())
    with pytest.raises(DeadlineExceeded) as info:
        rdfc.canonicalize(
            parse_nquads(_twin_chains(600)), limits=Limits(canon_steps=10**7), deadline=deadline
        )
    assert info.value.code == "TIMEOUT"


def test_deadline_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Deadline(0)
    assert not Deadline.never().expired


@pytest.fixture(scope="module")
def signed() -> dict[str, Any]:
    key = mcvc.load_key(ROOT / "keys" / "demo-ed25519.json")
    elements = json.loads((ROOT / "examples" / "microcredential.json").read_text())
    credential = mcvc.build_credential(elements, issuer=key.did_key, profile="vc2")
    return mcvc.sign(credential, key, created=NOW)


def _codes(report: mcvc.VerificationReport) -> list[str]:
    return [c.code for c in report.checks if c.outcome not in ("pass", "skipped")]


def test_verify_with_an_expired_deadline_is_inconclusive(signed: dict[str, Any]) -> None:
    report = mcvc.verify(signed, now=NOW, deadline=Deadline(1, clock=_Clock()))
    assert report.outcome == "inconclusive"
    assert "TIMEOUT" in _codes(report)


def test_verify_accepts_timeout(signed: dict[str, Any]) -> None:
    assert mcvc.verify(signed, now=NOW, timeout=60).check("proof").outcome == "pass"  # type: ignore[union-attr]


class _CountingCanon(Canonicalizer):
    def __init__(self) -> None:
        super().__init__()
        object.__setattr__(self, "documents", [])

    def dataset(self, document: dict[str, Any]) -> Any:
        if "credentialSubject" in document:
            self.documents.append(document)  # type: ignore[attr-defined]
        return super().dataset(document)


def _with_proofs(
    signed: dict[str, Any], count: int, *, break_first: bool = False
) -> dict[str, Any]:
    key = mcvc.load_key(ROOT / "keys" / "demo-ed25519.json")
    unsecured = {k: v for k, v in signed.items() if k != "proof"}
    proof = create_proof(unsecured, key, created=NOW, canon=Canonicalizer())
    proofs = [dict(proof) for _ in range(count)]
    if break_first:
        proofs[0]["proofValue"] = signed["proof"]["proofValue"][:-2] + "11"
    return {**unsecured, "proof": proofs}


def test_proof_set_canonicalizes_the_document_once(signed: dict[str, Any]) -> None:
    canon = _CountingCanon()
    results = verify_proofs(_with_proofs(signed, 3), canon=canon)
    assert [r.outcome for r in results] == ["pass"] * 3
    assert len(canon.documents) == 1  # type: ignore[attr-defined]


def test_proof_set_stops_at_the_first_failure(signed: dict[str, Any]) -> None:
    results = verify_proofs(_with_proofs(signed, 4, break_first=True))
    assert [r.outcome for r in results] == ["fail"]
    report = mcvc.verify(_with_proofs(signed, 4, break_first=True), now=NOW)
    assert "proof 1 of 4" in report.check("proof").message  # type: ignore[union-attr]


def test_too_many_proofs(signed: dict[str, Any]) -> None:
    report = mcvc.verify(_with_proofs(signed, 17), now=NOW)
    assert report.outcome == "failed"
    assert "PROOF_LIMIT" in _codes(report)
    assert (
        verify_proofs(_with_proofs(signed, 3), canon=Canonicalizer(limits=Limits(max_proofs=2)))[
            0
        ].code
        == "PROOF_LIMIT"
    )


def test_repeated_context_urls_still_verify(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    first = doc["@context"][0]
    doc["@context"] = [first] * 20_000 + doc["@context"][1:]
    report = mcvc.verify(doc, now=NOW)
    assert report.check("proof").outcome == "pass"  # type: ignore[union-attr]
    assert signed["@context"][0] == first and len(signed["@context"]) < 10  # input unchanged


def test_alternating_contexts_hit_the_context_limit(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    doc["@context"] = doc["@context"][:1] + doc["@context"][1:] * 40
    report = mcvc.verify(doc, now=NOW)
    assert report.outcome == "failed"
    assert "CONTEXT_LIMIT" in _codes(report)


def test_fold_contexts_keeps_distinct_neighbours() -> None:
    doc = {"@context": ["a", "a", {"x": "y"}, {"x": "y"}, "b", "a", "a"]}
    assert fold_contexts(doc)["@context"] == ["a", {"x": "y"}, {"x": "y"}, "b", "a"]
    assert fold_contexts({"@context": "a"}) == {"@context": "a"}


@pytest.mark.parametrize(
    "text", ['{"a": 1e400}', '{"a": -1e400}', '{"a": 9007199254740993}', '{"a": -9007199254740993}']
)
def test_numbers_json_parsers_disagree_on_are_refused(text: str) -> None:
    report = mcvc.verify(text)
    assert report.outcome == "failed"
    assert report.checks[0].code == "NUMBER_RANGE"


def test_non_finite_numbers_in_a_dict_are_refused(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    doc["credentialSubject"]["x"] = float("inf")
    assert mcvc.verify(doc, now=NOW).checks[0].code == "NUMBER_RANGE"
    doc["credentialSubject"]["x"] = 2**60
    assert mcvc.verify(doc, now=NOW).checks[0].code == "NUMBER_RANGE"
    doc["credentialSubject"]["x"] = 2**53 - 1
    assert mcvc.verify(doc, now=NOW).checks[0].code == "OK"


def _mutations() -> Iterator[tuple[str, Any]]:
    yield "blank-node key in subject", lambda d: d["credentialSubject"].__setitem__("_:grade", "A+")
    yield "blank-node key in proof", lambda d: d["proof"].__setitem__("_:x", "y")
    yield "@included of strings", lambda d: d.__setitem__("@included", ["a", "b"])
    yield "null @value", lambda d: d["credentialSubject"].__setitem__("extra", {"@value": None})
    yield (
        "only @language",
        lambda d: d["credentialSubject"].__setitem__("name", {"@language": "en"}),
    )


@pytest.mark.parametrize(("name", "change"), list(_mutations()), ids=[n for n, _ in _mutations()])
def test_anything_dropped_from_the_signed_graph_is_data_loss(
    signed: dict[str, Any], name: str, change: Any
) -> None:
    doc = copy.deepcopy(signed)
    change(doc)
    report = mcvc.verify(doc, now=NOW)
    assert report.outcome == "failed", name
    expected = "PROOF_VERIFICATION_ERROR" if "proof" in name else "DATA_LOSS_DETECTION_ERROR"
    assert report.check("proof").code == expected  # type: ignore[union-attr]


def test_verify_never_raises_for_values_that_are_not_json(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    doc["credentialSubject"]["x"] = {1, 2}
    report = mcvc.verify(doc, now=NOW)
    assert report.outcome in ("failed", "inconclusive")


# --- checks read what was signed (issue 13, item 3) ---


@pytest.fixture(scope="module")
def signed_v1() -> dict[str, Any]:
    key = mcvc.load_key(ROOT / "keys" / "demo-ed25519.json")
    elements = json.loads((ROOT / "examples" / "microcredential.json").read_text())
    credential = mcvc.build_credential(elements, issuer=key.did_key, profile="edc")
    credential["expirationDate"] = "2026-06-01T00:00:00Z"
    credential["credentialStatus"] = {
        "id": "https://uni.example/status/1#5",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "https://uni.example/status/1",
    }
    credential["@context"] = [*credential["@context"], "https://w3id.org/vc/status-list/2021/v1"]
    return mcvc.sign(credential, key, created=datetime(2026, 1, 1, tzinfo=UTC))


def _respell(doc: dict[str, Any], key: str, new_key: str, value: Any = None) -> dict[str, Any]:
    return {
        (new_key if k == key else k): (value if k == key and value is not None else v)
        for k, v in doc.items()
    }


CRED_IRI = "https://www.w3.org/2018/credentials#"


def test_baseline_credential_reads_as_signed(signed_v1: dict[str, Any]) -> None:
    report = mcvc.verify(signed_v1, now=NOW)
    assert report.check("proof").outcome == "pass"  # type: ignore[union-attr]
    assert report.check("signed-data") is None
    assert "EXPIRED" in _codes(report)


def _respellings(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    yield "status as full IRI", _respell(doc, "credentialStatus", CRED_IRI + "credentialStatus")
    yield (
        "expiry as full IRI with @value",
        _respell(
            doc,
            "expirationDate",
            CRED_IRI + "expirationDate",
            {"@value": doc["expirationDate"], "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
        ),
    )
    nested = {k: v for k, v in doc.items() if k != "credentialStatus"}
    nested["@nest"] = {"credentialStatus": doc["credentialStatus"]}
    yield "status under @nest", nested
    merged = copy.deepcopy({k: v for k, v in doc.items() if k != "expirationDate"})
    subject = merged["credentialSubject"]
    subject["@included"] = [
        {
            "id": doc["id"],
            CRED_IRI + "expirationDate": {
                "@value": doc["expirationDate"],
                "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
            },
        }
    ]
    yield "expiry merged from another node", merged


def test_respelled_properties_are_refused(signed_v1: dict[str, Any]) -> None:
    for name, doc in _respellings(signed_v1):
        report = mcvc.verify(doc, now=NOW)
        assert report.outcome == "failed", name
        # the signature still holds (the graph is the same); the spelling is what is refused
        assert report.check("proof").outcome == "pass", name  # type: ignore[union-attr]
        assert "SIGNED_DATA_MISMATCH" in _codes(report), name


def test_proof_option_spelled_as_iri_is_refused(signed: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed)
    doc["proof"]["https://w3id.org/security#expiration"] = {
        "@value": "2020-01-01T00:00:00Z",
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    }
    report = mcvc.verify(doc, now=NOW)
    assert report.outcome == "failed"
    assert "not a Data Integrity proof option" in report.check("proof").message  # type: ignore[union-attr]


def test_extra_status_property_is_refused(signed_v1: dict[str, Any]) -> None:
    doc = copy.deepcopy(signed_v1)
    doc["credentialStatus"]["https://w3id.org/vc/status-list#statusPurpose"] = "suspension"
    report = mcvc.verify(doc, now=NOW)
    assert report.outcome == "failed"


def test_cli_timeout_option(tmp_path: Any, signed: dict[str, Any], capsys: Any) -> None:
    from mcvc.cli import main

    path = tmp_path / "signed.json"
    path.write_text(json.dumps(signed))
    assert main(["verify", str(path), "--timeout", "0"]) == 2
    capsys.readouterr()
    code = main(["verify", str(path), "--timeout", "60", "--json", "--now", "2026-12-01T00:00:00Z"])
    out = json.loads(capsys.readouterr().out)
    # signed with the public demo key and no trust list: authentic, issuer not confirmed
    assert code == 3 and out["outcome"] == "unconfirmed"
    assert "TIMEOUT" not in [c["code"] for c in out["checks"]]
    assert "DEMO_KEY" in [c["code"] for c in out["checks"]]


E = "https://ex.org/"
_NODE_MAP_CASES = [
    {
        "@id": "urn:a",
        E + "p": [
            {"@id": "urn:b"},
            {"@id": "urn:b"},
            "x",
            "x",
            1,
            True,
            {"@value": "x", "@language": "en"},
        ],
        "@reverse": {E + "q": [{"@id": "urn:c"}, {"@id": "urn:c"}]},
    },
    {
        "@id": "urn:a",
        E + "l": {"@list": ["a", "a", {"@id": "urn:b"}, {"@list": [1, 1]}]},
        "@included": [{"@id": "urn:a", E + "p": "x"}],
    },
    {
        "@id": "urn:g",
        "@graph": [
            {"@id": "urn:a", E + "p": "y"},
            {"@id": "urn:a", E + "p": "y", "@type": ["urn:T", "urn:T"]},
        ],
    },
    {"@graph": [{E + "p": {"@id": "_:x"}}, {"@id": "_:x", E + "p": {"@id": "_:x"}}]},
    {"@id": "urn:a", E + "p": [{"@id": "urn:a", E + "p": ["x", "z"]}, "x"]},
]


@pytest.mark.parametrize("case", _NODE_MAP_CASES)
def test_node_map_is_pylds(case: dict[str, Any]) -> None:
    from pyld import jsonld
    from pyld.identifier_issuer import IdentifierIssuer

    from mcvc.canon import jsonld_rdf
    from mcvc.contexts import default_loader

    expanded = jsonld.expand(case, {"documentLoader": default_loader()})
    maps = []
    for proc in (jsonld.JsonLdProcessor(), jsonld_rdf._NodeMapper()):
        node_map: dict[str, Any] = {"@default": {}}
        proc._create_node_map(
            copy.deepcopy(expanded), node_map, "@default", IdentifierIssuer("_:b")
        )
        maps.append(node_map)
    assert maps[0] == maps[1]


def _many_values(values: list[Any]) -> dict[str, Any]:
    """An unsigned VC 2.0 credential whose subject has ``values`` on one property."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:s", E + "v": values},
    }


def test_many_values_of_one_property_build_in_linear_time(signed: dict[str, Any]) -> None:
    # pyld compares each new value with all earlier ones (30,000 values: about 150 s); the
    # deadline is 30 times what the linear build needs on a slow machine
    from mcvc.canon.jsonld_rdf import to_dataset
    from mcvc.contexts import default_loader

    doc = _many_values([f"value {i}" for i in range(30_000)])
    quads = to_dataset(doc, default_loader(), Deadline(30))
    assert len(quads) == 30_000 + 3  # two types and the issuer
    canon = Canonicalizer()
    assert canon.rdfc_quads(quads) == canon.rdfc_quads(canon.dataset(doc))


def test_deadline_stops_the_fast_json_ld_walk() -> None:
    # a clock that advances 10 ms per reading: the walk's checks (every 256 nodes) reach the
    # one-second deadline after about 25,000 nodes of the 60,000 here
    ticks = iter(range(1_000_000))
    deadline = Deadline(1.0, clock=lambda: next(ticks) / 100)
    doc = _many_values([{"id": f"urn:x:{i}", E + "p": {"id": f"urn:y:{i}"}} for i in range(30_000)])
    with pytest.raises(DeadlineExceeded) as caught:
        Canonicalizer(deadline=deadline).dataset(doc)
    assert "JSON-LD to RDF" in str(caught.value)
