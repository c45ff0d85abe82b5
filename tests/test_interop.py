"""Interop both ways with the reference JavaScript stack (../shared/interop/dbvc).

.ci/run copies dbvc to a temporary folder, installs it and sets MCVC_DBVC_DIR; there
MCVC_REQUIRE_INTEROP=1 turns a missing peer into a failure instead of a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcvc import FixedClock, build_credential, generate_key, load_key, sign, verify

from .conftest import EDDSA, NOW, ROOT, SAMPLES, VECTORS

DBVC = os.environ.get("MCVC_DBVC_DIR", "")
_AVAILABLE = (
    bool(DBVC) and (Path(DBVC) / "node_modules").is_dir() and shutil.which("node") is not None
)
if not _AVAILABLE and os.environ.get("MCVC_REQUIRE_INTEROP") == "1":
    raise RuntimeError("MCVC_REQUIRE_INTEROP=1 but the reference implementation is not installed")
pytestmark = [
    pytest.mark.interop,
    pytest.mark.skipif(
        not _AVAILABLE, reason="reference implementation not installed (see .ci/run)"
    ),
]
CREATED = datetime(2026, 7, 14, 20, 0, tzinfo=UTC)


def _node(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DBVC_CONTEXTS_DIR": str(VECTORS / "contexts")}
    return subprocess.run(
        ["node", str(Path(DBVC) / "dbvc.js"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _dbvc_verifies(doc: dict[str, Any], tmp_path: Path, *extra: str) -> bool:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    result = _node("verify", "--now", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), *extra, str(path))
    assert result.returncode in (0, 1), result.stderr
    return bool(json.loads(result.stdout)["verified"])


def _tamper(doc: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(doc))
    out["credentialSubject"]["hasClaim"]["title"]["en"] += " (forged)"
    return out


@pytest.mark.parametrize("kind", ["ed25519", "p256", "p384"])
@pytest.mark.parametrize("profile", ["edc", "vc2"])
def test_mcvc_signed_verifies_in_reference(
    tmp_path: Path, example_elements: dict[str, Any], kind: str, profile: str
) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    signed = sign(
        build_credential(example_elements, profile=profile, issuer=key.did_key),
        key,
        created=CREATED,
    )
    assert _dbvc_verifies(signed, tmp_path)
    assert not _dbvc_verifies(_tamper(signed), tmp_path)
    assert verify(_tamper(signed), now=NOW).outcome == "failed"


@pytest.mark.parametrize(
    "keyfile",
    [EDDSA / "keyPair.json", VECTORS / "vc-di-ecdsa" / "TestVectors" / "p256KeyPair.json"],
)
@pytest.mark.parametrize("source", ["example-edc", "europass-annex1"])
def test_reference_signed_verifies_in_mcvc(
    tmp_path: Path, example_elements: dict[str, Any], keyfile: Path, source: str
) -> None:
    key = load_key(keyfile)
    if source == "example-edc":
        doc = build_credential(example_elements, issuer=key.did_key)
    else:
        doc = json.loads((SAMPLES / "elm-v3-mc-annex1-unsigned.jsonld").read_text("utf-8"))
        doc["issuer"]["id"] = key.did_key
        doc["issuanceDate"] = "2023-01-01T00:00:00Z"
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    result = _node("sign", "--key", str(keyfile), "--created", "2026-07-14T20:00:00Z", str(path))
    assert result.returncode == 0, result.stderr
    signed = json.loads(result.stdout)
    report = verify(signed, now=NOW)
    assert report.check("proof").code == "OK", report.to_json()  # type: ignore[union-attr]
    assert report.check("issuer").code == "OK"  # type: ignore[union-attr]
    tampered = _tamper(signed)
    assert verify(tampered, now=NOW).check("proof").outcome == "fail"  # type: ignore[union-attr]
    if key.kind == "ed25519":
        # Ed25519 is deterministic: mcvc reproduces the reference signature byte for byte
        ours = sign(doc, key, created=CREATED)
        assert ours["proof"]["proofValue"] == signed["proof"]["proofValue"]


def test_reference_canonical_form_matches(tmp_path: Path, example_elements: dict[str, Any]) -> None:
    from mcvc.canon.api import Canonicalizer

    doc = build_credential(
        example_elements,
        profile="vc2",
        issuer="did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    )
    path = tmp_path / "c.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    result = _node("canon", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == Canonicalizer().rdfc(doc)


def test_control_characters_interoperate(tmp_path: Path) -> None:
    key = generate_key()
    doc = json.loads((EDDSA / "unsigned.json").read_text())
    doc["issuer"] = key.did_key
    doc["credentialSubject"]["alumniOf"] = "a\bb\fc\u0001d\u007fe"
    assert _dbvc_verifies(sign(doc, key, created=CREATED), tmp_path)


def test_w3c_vector_verifies_in_both(tmp_path: Path) -> None:
    doc = json.loads((EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json").read_text())
    assert _dbvc_verifies(doc, tmp_path, "--no-issuer-binding")
    assert verify(doc, now=NOW).check("proof").code == "OK"  # type: ignore[union-attr]
    assert (ROOT / "keys" / "README.md").is_file()


def test_batch_issued_credential_with_status_verifies_in_reference(tmp_path: Path) -> None:
    from mcvc.issuing.batch import issue_batch
    from mcvc.issuing.ledger import Ledger

    template = json.loads((ROOT / "examples" / "course-template.json").read_text())
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps({"row_key": "r1", "given_name": "Ana", "family_name": "Horvat", "grade": "A"})
        + "\n"
    )
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    summary = issue_batch(
        rows,
        template,
        key_path=ROOT / "keys" / "demo-ed25519.json",
        ledger=ledger,
        out_dir=tmp_path / "out",
        status_base="https://status.uni.example/lists/",
        workers=1,
        suspension=True,
        clock=FixedClock(CREATED),
    )
    ledger.close()
    assert summary.issued == 1
    (issued,) = (tmp_path / "out").glob("*.json")
    assert _dbvc_verifies(json.loads(issued.read_text()), tmp_path, "--skip-status")
