"""Property-based fuzzing of verification (issue 13): real credentials (the W3C vectors, the
Europass seals) and mcvc's own, mutated anywhere in their JSON.

Properties, for every mutant:
- ``verify`` returns a report (never raises) whose outcome is one of the four verdicts;
- the work stays within its limits: the generous deadline never fires (``TIMEOUT``);
- a mutant whose signature or seal still checks carries exactly the signed content: the same
  canonical RDF (Data Integrity, proof values aside) or the same payload and protected header
  (JAdES). So no change to signed content gets past the signature check.

CI runs a bounded, derandomized set (``MCVC_FUZZ_EXAMPLES``, default 1,500 per seed, about a
minute in all); docs/security.md gives the command for the long run.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mcvc
from mcvc.canon.api import Canonicalizer

from .conftest import ECDSA, EDDSA, NOW, ROOT, SAMPLES, load

EXAMPLES = int(os.environ.get("MCVC_FUZZ_EXAMPLES", "1500"))
LONG = os.environ.get("MCVC_FUZZ_LONG") == "1"
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,
    suppress_health_check=list(HealthCheck),
    database=None,
)
VERDICTS = {"verified", "unconfirmed", "failed", "inconclusive"}


def _own() -> list[tuple[str, dict[str, Any]]]:
    key = mcvc.load_key(ROOT / "keys" / "demo-ed25519.json")
    elements = mcvc.elements_from_dict(load(ROOT / "examples" / "microcredential.json"))
    seeds = []
    for profile in ("edc", "vc2"):
        unsigned = mcvc.build_credential(elements, profile=profile, issuer=key.controller_id)  # type: ignore[arg-type]
        seeds.append((f"mcvc-{profile}", mcvc.sign(unsigned, key)))
    return seeds


def _vectors() -> list[tuple[str, dict[str, Any]]]:
    names = [
        EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json",
        EDDSA / "eddsa-jcs-2022" / "signedJCS.json",
        EDDSA / "proof-set-chain" / "signedProofChain2.json",
        ECDSA / "ecdsa-rdfc-2019-p384" / "signedECDSAP384.json",
    ]
    return [(p.parent.name + "/" + p.name, load(p)) for p in names]


def _seals() -> list[tuple[str, dict[str, Any]]]:
    names = ["elm-v3-mc-annex1-signed.jsonld", "mynextid-edc-mc-signed.jsonld"]
    return [(n, load(SAMPLES / n)) for n in names]


SEEDS = _own() + _vectors() + _seals()

# --- mutations --------------------------------------------------------------------------------

_KEYS = [
    "id",
    "type",
    "issuer",
    "@id",
    "@type",
    "@value",
    "@language",
    "@context",
    "@included",
    "@graph",
    "@list",
    "@reverse",
    "@nest",
    "_:x",
    "credentialStatus",
    "proof",
    "https://www.w3.org/2018/credentials#credentialStatus",
    "https://www.w3.org/2018/credentials#expirationDate",
    "validUntil",
    "expirationDate",
    "proofValue",
    "previousProof",
    "verificationMethod",
    "cryptosuite",
    "x",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([1e400, -1e400, 0.1, 1.0, -0.0, 1e21, 2.0**53]),
    st.text(max_size=20),
    st.sampled_from(["did:example:evil", "2099-01-01T00:00:00Z", "_:b0", "@id", "urn:x"]),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3),
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*prefix, i)))
    return out


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


Mutation = Callable[[Any], Any]


class _Mutant:
    """A mutated document, shown by its change (the documents are too large to print)."""

    def __init__(self, doc: dict[str, Any], change: str) -> None:
        self.doc, self.change = doc, change

    def __repr__(self) -> str:
        return self.change


@st.composite
def _mutant(draw: st.DrawFn, seed: dict[str, Any]) -> _Mutant:
    doc = copy.deepcopy(seed)
    payload_doc = None
    if "payload" in doc and draw(st.booleans()):
        # mutate the sealed payload's JSON and write it back as text
        payload_doc = json.loads(doc["payload"])
        target = payload_doc
    else:
        target = doc
    path = draw(st.sampled_from(_paths(target)))
    parent_path, last = path[:-1], path[-1] if path else None
    node = _at(target, path)
    kind = draw(
        st.sampled_from(
            ["replace", "delete", "rename", "wrap-list", "wrap-value", "add", "edit", "dup"]
        )
    )
    if not path:
        kind = "add"
    parent = _at(target, parent_path) if path else None
    if kind == "replace":
        parent[last] = draw(_JSON)
    elif kind == "delete":
        if isinstance(parent, dict):
            del parent[last]
        else:
            parent.pop(last)
    elif kind == "rename" and isinstance(parent, dict):
        new = draw(st.sampled_from(_KEYS))
        parent[new] = parent.pop(last)
    elif kind == "wrap-list":
        parent[last] = [node]
    elif kind == "wrap-value":
        parent[last] = {"@value": node}
    elif kind == "add" and isinstance(node, dict):
        node[draw(st.sampled_from(_KEYS))] = draw(_JSON)
    elif kind == "add" and isinstance(node, list):
        node.insert(draw(st.integers(0, len(node))), draw(_JSON))
    elif kind == "edit" and isinstance(node, str) and node:
        i = draw(st.integers(0, len(node) - 1))
        parent[last] = (
            node[:i] + draw(st.sampled_from(["A", "0", "é", "", "\u0000"])) + node[i + 1 :]
        )
    elif kind == "dup" and isinstance(parent, list):
        parent.append(copy.deepcopy(node))
    if payload_doc is not None:
        doc["payload"] = json.dumps(payload_doc, ensure_ascii=False)
    where = "payload:" if payload_doc is not None else ""
    return _Mutant(doc, f"{kind} at {where}/{'/'.join(map(str, path))}")


# --- the signed content -----------------------------------------------------------------------


def _without_proof_values(doc: dict[str, Any]) -> dict[str, Any]:
    proofs = doc.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    return {
        "document": {k: v for k, v in doc.items() if k != "proof"},
        "proofs": [
            {k: v for k, v in p.items() if k != "proofValue"} if isinstance(p, dict) else p
            for p in proofs
        ],
    }


def _signed_content(doc: dict[str, Any]) -> Any:
    if "payload" in doc:
        # a repeated signature adds nothing: the set of protected headers is what was signed
        return (doc["payload"], sorted({str(s.get("protected")) for s in doc["signatures"]}))
    canon = Canonicalizer()
    parts = _without_proof_values(doc)
    return (
        canon.rdfc(parts["document"]),
        [
            canon.rdfc({"@context": doc["@context"], **p}) if isinstance(p, dict) else p
            for p in parts["proofs"]
        ],
    )


@pytest.mark.parametrize(("name", "seed"), SEEDS, ids=[n for n, _ in SEEDS])
def test_fuzzed_credentials(name: str, seed: dict[str, Any]) -> None:
    original = mcvc.verify(seed, now=NOW)
    signature = "seal" if "payload" in seed else "proof"
    assert original.check(signature).outcome == "pass", original.to_json()  # type: ignore[union-attr]
    expected = _signed_content(seed)

    @FUZZ
    @given(_mutant(seed))
    def run(mutant: _Mutant) -> None:
        doc, change = mutant.doc, mutant.change
        report = mcvc.verify(doc, now=NOW, timeout=20)
        assert report.outcome in VERDICTS, change
        assert "TIMEOUT" not in report.codes, change
        check = report.check(signature)
        if check is not None and check.outcome == "pass" and report.outcome != "failed":
            assert _signed_content(doc) == expected, f"{change}: {report.codes}"
        json.dumps(report.to_dict())  # the report is always JSON

    run()


@FUZZ
@given(
    st.binary(max_size=300)
    | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_fuzzed_bytes_never_raise(data: bytes) -> None:
    report = mcvc.verify(data, now=NOW)
    assert report.outcome in ("failed", "inconclusive")  # bytes are never a credential one trusts
