"""Proof sets and chains (issue 15): joint credentials of alliances signed by each awarding
body, chains whose earlier proof is another signer's, and strangers' proofs refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcvc import TrustList, build_credential, generate_key, sign, verify
from mcvc.cli import main

from .conftest import EDDSA, NOW, ROOT, load

SIGNED_AT = NOW.replace(month=10)


@pytest.fixture(scope="module")
def keys() -> dict[str, Any]:
    return {name: generate_key() for name in ("charles", "warsaw", "stranger")}


def _joint(keys: dict[str, Any]) -> dict[str, Any]:
    # the example is a 4EU+ co-created course: Charles University and the University of Warsaw
    elements = load(ROOT / "examples" / "microcredential.json")
    assert elements["awarding_bodies"][1]["legal_name"]["en"] == "University of Warsaw"
    elements["awarding_bodies"][0]["did"] = keys["charles"].did_key
    elements["awarding_bodies"][1]["did"] = keys["warsaw"].did_key
    return build_credential(elements, issuer=keys["charles"].did_key)


def _trust(keys: dict[str, Any]) -> TrustList:
    return TrustList.from_dict({"issuers": [{"did": keys["charles"].did_key}]})


def _check(report: Any, name: str) -> Any:
    found = report.check(name)
    assert found is not None, report.codes
    return found


def test_a_joint_credential_signed_by_every_body(keys: dict[str, Any]) -> None:
    credential = _joint(keys)
    both = sign(
        sign(credential, keys["charles"], created=SIGNED_AT), keys["warsaw"], created=SIGNED_AT
    )
    report = verify(both, now=NOW, trust=_trust(keys))
    assert report.outcome == "verified", report.to_json()
    signers = _check(report, "issuer").details["signers"]
    assert [s["role"] for s in signers] == ["issuer", "awarding body"]
    co = _check(report, "co-signers")
    assert (co.code, co.outcome, co.informative) == ("OK", "pass", True)
    assert co.details["signed"] == [keys["warsaw"].did_key]


def test_a_body_that_has_not_signed_is_named(keys: dict[str, Any]) -> None:
    one = sign(_joint(keys), keys["charles"], created=SIGNED_AT)
    report = verify(one, now=NOW, trust=_trust(keys))
    assert report.outcome == "verified", "the issuer vouches for the credential"
    co = _check(report, "co-signers")
    assert (co.code, co.outcome, co.informative) == ("AWARDING_BODY_NOT_SIGNED", "error", True)
    assert co.details["not_signed"] == [keys["warsaw"].did_key]
    assert keys["warsaw"].did_key in co.message


def test_a_body_alone_is_not_the_issuer(keys: dict[str, Any]) -> None:
    only_partner = sign(_joint(keys), keys["warsaw"], created=SIGNED_AT)
    report = verify(only_partner, now=NOW, trust=_trust(keys))
    assert report.outcome == "failed" and _check(report, "issuer").code == "ISSUER_MISMATCH"


def test_a_strangers_proof_in_the_set_is_refused(keys: dict[str, Any]) -> None:
    mixed = sign(
        sign(_joint(keys), keys["charles"], created=SIGNED_AT), keys["stranger"], created=SIGNED_AT
    )
    report = verify(mixed, now=NOW, trust=_trust(keys))
    assert report.outcome == "failed"
    issuer = _check(report, "issuer")
    assert issuer.code == "ISSUER_MISMATCH" and "proof 2 of 2" in issuer.message
    assert keys["stranger"].did_key in issuer.message


def test_a_chain_over_another_signers_proof_verifies(keys: dict[str, Any]) -> None:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = keys["charles"].did_key
    notary = sign(doc, keys["stranger"], created=SIGNED_AT, proof_id="urn:uuid:notary-proof")
    chained = sign(
        notary, keys["charles"], created=SIGNED_AT, previous_proof="urn:uuid:notary-proof"
    )
    report = verify(chained, now=NOW, trust=_trust(keys))
    assert report.outcome == "verified", report.to_json()
    roles = [s["role"] for s in _check(report, "issuer").details["signers"]]
    assert roles == ["earlier proof signed over by the issuer", "issuer"]
    # the other way round the issuer's proof is what the stranger signs over: refused
    reverse = sign(
        sign(doc, keys["charles"], created=SIGNED_AT, proof_id="urn:uuid:issuer-proof"),
        keys["stranger"],
        created=SIGNED_AT,
        previous_proof="urn:uuid:issuer-proof",
    )
    assert _check(verify(reverse, now=NOW, trust=_trust(keys)), "issuer").code == "ISSUER_MISMATCH"


def test_bodies_without_a_did_are_vouched_for_by_the_issuer(keys: dict[str, Any]) -> None:
    elements = load(ROOT / "examples" / "microcredential.json")
    credential = build_credential(elements, issuer=keys["charles"].did_key)
    report = verify(
        sign(credential, keys["charles"], created=SIGNED_AT), now=NOW, trust=_trust(keys)
    )
    assert report.outcome == "verified" and report.check("co-signers") is None


def test_mcvc_sign_adds_a_proof_and_chains(
    keys: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcvc import save_key

    for name in ("charles", "warsaw"):
        save_key(keys[name], tmp_path / f"{name}.json")
    (tmp_path / "joint.json").write_text(json.dumps(_joint(keys)))
    assert (
        main(
            [
                "sign",
                str(tmp_path / "joint.json"),
                "--key",
                str(tmp_path / "charles.json"),
                "--proof-id",
                "urn:uuid:p1",
                "-o",
                str(tmp_path / "one.json"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "sign",
                str(tmp_path / "one.json"),
                "--key",
                str(tmp_path / "warsaw.json"),
                "-o",
                str(tmp_path / "two.json"),
            ]
        )
        == 0
    )
    two = json.loads((tmp_path / "two.json").read_text())
    assert len(two["proof"]) == 2
    assert verify(two, now=NOW, trust=_trust(keys)).check("co-signers").code == "OK"  # type: ignore[union-attr]
    assert (
        main(
            [
                "sign",
                str(tmp_path / "one.json"),
                "--key",
                str(tmp_path / "warsaw.json"),
                "--previous-proof",
                "urn:uuid:p1",
                "-o",
                str(tmp_path / "chain.json"),
            ]
        )
        == 0
    )
    chain = json.loads((tmp_path / "chain.json").read_text())
    assert chain["proof"][1]["previousProof"] == "urn:uuid:p1"
    assert (
        main(
            [
                "sign",
                str(tmp_path / "one.json"),
                "--key",
                str(tmp_path / "warsaw.json"),
                "--previous-proof",
                "urn:uuid:nothing",
            ]
        )
        == 2
    )
    assert "urn:uuid:nothing" in capsys.readouterr().err
