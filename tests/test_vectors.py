"""W3C vc-di-eddsa and vc-di-ecdsa vectors: canonical forms, hashes, proof values, verification."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcvc import load_key, sign, verify_proofs
from mcvc.canon.api import Canonicalizer

from .conftest import ECDSA, EDDSA, load

CREATED = datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC)


def _text(path: Path) -> str:
    return path.read_text("utf-8")


def test_eddsa_rdfc_canonical_document_and_hashes() -> None:
    canon = Canonicalizer()
    doc = load(EDDSA / "unsigned.json")
    nquads = canon.rdfc(doc)
    assert nquads == _text(EDDSA / "eddsa-rdfc-2022" / "canonDocDataInt.txt")
    assert (
        hashlib.sha256(nquads.encode()).hexdigest()
        == _text(EDDSA / "eddsa-rdfc-2022" / "docHashDataInt.txt").strip()
    )
    config = load(EDDSA / "eddsa-rdfc-2022" / "proofConfigDataInt.json")
    proof_canon = canon.rdfc(config)
    assert proof_canon == _text(EDDSA / "eddsa-rdfc-2022" / "proofCanonDataInt.txt")
    assert (
        hashlib.sha256(proof_canon.encode()).hexdigest()
        == _text(EDDSA / "eddsa-rdfc-2022" / "proofHashDataInt.txt").strip()
    )


@pytest.mark.parametrize(
    ("suite", "folder", "signed"),
    [
        ("eddsa-rdfc-2022", "eddsa-rdfc-2022", "signedDataInt.json"),
        ("eddsa-jcs-2022", "eddsa-jcs-2022", "signedJCS.json"),
    ],
)
def test_eddsa_signing_reproduces_vector_exactly(suite: str, folder: str, signed: str) -> None:
    key = load_key(EDDSA / "keyPair.json")
    unsigned = load(EDDSA / "unsigned.json")
    before = copy.deepcopy(unsigned)
    out = sign(unsigned, key, suite=suite, created=CREATED)
    assert unsigned == before, "sign must not mutate its input"
    assert out == load(EDDSA / folder / signed)


def test_eddsa_employment_vector() -> None:
    key = load_key(EDDSA / "keyPair.json")
    expected = load(EDDSA / "eddsa-rdfc-2022" / "employ" / "signedDataInt.json")
    out = sign(
        load(EDDSA / "employmentAuth.json"),
        key,
        created=datetime.fromisoformat(expected["proof"]["created"].replace("Z", "+00:00")),
    )
    assert out["proof"]["proofValue"] == expected["proof"]["proofValue"]


ECDSA_CASES = [
    ("ecdsa-rdfc-2019-p256", "ECDSAP256", "p256KeyPair.json", "sha256", "rdfc"),
    ("ecdsa-rdfc-2019-p384", "ECDSAP384", "p384KeyPair.json", "sha384", "rdfc"),
    ("ecdsa-jcs-2019-p256", "JCSECDSAP256", "p256KeyPair.json", "sha256", "jcs"),
    ("ecdsa-jcs-2019-p384", "JCSECDSAP384", "p384KeyPair.json", "sha384", "jcs"),
]


@pytest.mark.parametrize(("folder", "stem", "keyfile", "hash_name", "transform"), ECDSA_CASES)
def test_ecdsa_canon_and_hashes(
    folder: str, stem: str, keyfile: str, hash_name: str, transform: str
) -> None:
    canon = Canonicalizer()
    base = ECDSA / folder
    doc = load(ECDSA / "unsigned.json")
    config = load(base / f"proofConfig{stem}.json")

    def do(value: dict[str, object]) -> str:
        return canon.rdfc(value, hash_name) if transform == "rdfc" else canon.jcs(value)

    assert do(doc) == _text(base / f"canonDoc{stem}.txt")
    assert do(config) == _text(base / f"proofCanon{stem}.txt")
    assert (
        hashlib.new(hash_name, do(doc).encode()).hexdigest()
        == _text(base / f"docHash{stem}.txt").strip()
    )
    assert (
        hashlib.new(hash_name, do(config).encode()).hexdigest()
        == _text(base / f"proofHash{stem}.txt").strip()
    )


SIGNED = [
    EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json",
    EDDSA / "eddsa-rdfc-2022" / "employ" / "signedDataInt.json",
    EDDSA / "eddsa-jcs-2022" / "signedJCS.json",
    ECDSA / "ecdsa-rdfc-2019-p256" / "signedECDSAP256.json",
    ECDSA / "ecdsa-rdfc-2019-p384" / "signedECDSAP384.json",
    ECDSA / "ecdsa-rdfc-2019-p256" / "employ" / "signedECDSAP256.json",
    ECDSA / "ecdsa-rdfc-2019-p384" / "employ" / "signedECDSAP384.json",
    ECDSA / "ecdsa-jcs-2019-p256" / "signedJCSECDSAP256.json",
    ECDSA / "ecdsa-jcs-2019-p384" / "signedJCSECDSAP384.json",
    EDDSA / "proof-set-chain" / "signedProofSet2.json",
    EDDSA / "proof-set-chain" / "signedProofChain2.json",
]


@pytest.mark.parametrize("path", SIGNED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_signed_vectors_verify(path: Path) -> None:
    doc = load(path)
    results = verify_proofs(doc)
    assert results and all(r.outcome == "pass" for r in results), [r.to_dict() for r in results]


@pytest.mark.parametrize("path", SIGNED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_tampered_vectors_fail(path: Path) -> None:
    doc = load(path)
    subject = doc["credentialSubject"]
    key = next(k for k in subject if k not in ("id", "type"))
    subject[key] = "tampered" if isinstance(subject[key], str) else {"id": "urn:tampered"}
    results = verify_proofs(doc)
    assert all(r.outcome == "fail" for r in results)
    assert {r.code for r in results} <= {
        "INVALID_SIGNATURE",
        "DATA_LOSS_DETECTION_ERROR",
        "RELATIVE_IRI",
    }


def test_ecdsa_p384_employ_canonical_form_uses_sha384_labels() -> None:
    base = ECDSA / "ecdsa-rdfc-2019-p384" / "employ"
    doc = load(base / "signedECDSAP384.json")
    doc.pop("proof")
    assert Canonicalizer().rdfc(doc, "sha384") == _text(base / "canonDocECDSAP384.txt")


def test_ed25519_signature2020_is_refused_as_legacy() -> None:
    doc = load(EDDSA / "Ed25519Signature2020" / "signedEdSig.json")
    (result,) = verify_proofs(doc)
    assert result.code == "UNSUPPORTED_PROOF_TYPE"


def test_proof_set_with_one_bad_proof_fails() -> None:
    doc = load(EDDSA / "proof-set-chain" / "signedProofSet2.json")
    proof = doc["proof"][1]
    proof["proofValue"] = proof["proofValue"][:-4] + (
        "1111" if not proof["proofValue"].endswith("1111") else "2222"
    )
    results = verify_proofs(doc)
    assert [r.outcome for r in results] == ["pass", "fail"]
