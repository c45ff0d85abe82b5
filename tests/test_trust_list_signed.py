"""A trust list of one's own, signed by its publisher (issue 14): an alliance office signs the
list of its members; officers pin the publisher's DID; a changed or re-signed list is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcvc import build_credential, generate_key, save_key, sign, verify
from mcvc.cli import main
from mcvc.errors import InvalidInput
from mcvc.verification.trust import TrustList


@pytest.fixture
def setup(tmp_path: Path, example_elements: dict[str, Any]) -> dict[str, Any]:
    office, member = generate_key(), generate_key()
    save_key(office, tmp_path / "office.json")
    credential = sign(build_credential(example_elements, issuer=member.did_key), member)
    (tmp_path / "credential.json").write_text(json.dumps(credential))
    members = {
        "name": "UNIC alliance members",
        "issuers": [{"did": member.did_key, "legal_name": "Charles University", "country": "CZ"}],
    }
    (tmp_path / "members.json").write_text(json.dumps(members))
    return {"office": office, "member": member, "credential": credential, "dir": tmp_path}


def test_signed_list_names_its_signer_and_confirms_the_issuer(
    setup: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    d: Path = setup["dir"]
    office_did = setup["office"].controller_id
    assert (
        main(
            [
                "trust",
                "sign",
                str(d / "members.json"),
                "--key",
                str(d / "office.json"),
                "-o",
                str(d / "signed.json"),
            ]
        )
        == 0
    )
    listed = TrustList.load(d / "signed.json", signer=office_did)
    assert listed.signer == office_did and office_did in listed.name
    report = verify(setup["credential"], trust=listed)
    assert report.outcome == "verified" and report.check("trust").code == "OK"  # type: ignore[union-attr]
    assert "UNIC alliance members" in report.check("trust").message  # type: ignore[union-attr]
    capsys.readouterr()
    base = ["verify", str(d / "credential.json"), "--trust", str(d / "signed.json")]
    assert main([*base, "--trust-signer", office_did]) == 0


def test_changed_or_foreign_lists_are_refused(setup: dict[str, Any]) -> None:
    d: Path = setup["dir"]
    office = setup["office"]
    signed = sign(json.loads((d / "members.json").read_text()), office, suite="eddsa-jcs-2022")
    # someone adds their own DID to the published list
    forged = json.loads(json.dumps(signed))
    forged["issuers"].append({"did": generate_key().did_key, "legal_name": "Diploma Mill"})
    (d / "forged.json").write_text(json.dumps(forged))
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(d / "forged.json")
    assert caught.value.code == "TRUST_LIST_SIGNATURE"
    # or re-signs it with a key of their own: valid, but not the office's
    mallory = generate_key()
    own = sign({k: v for k, v in forged.items() if k != "proof"}, mallory, suite="eddsa-jcs-2022")
    (d / "own.json").write_text(json.dumps(own))
    assert TrustList.load(d / "own.json").signer == mallory.controller_id
    with pytest.raises(InvalidInput) as caught:
        TrustList.load(d / "own.json", signer=office.controller_id)
    assert caught.value.code == "TRUST_LIST_SIGNER"
    # an unsigned list is not the office's either
    with pytest.raises(InvalidInput):
        TrustList.load(d / "members.json", signer=office.controller_id)


def test_cli_refuses_a_list_from_the_wrong_signer(
    setup: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    d: Path = setup["dir"]
    base = ["verify", str(d / "credential.json"), "--trust", str(d / "members.json")]
    assert main([*base, "--trust-signer", setup["office"].controller_id]) == 2
    assert "must be signed by" in capsys.readouterr().err
    assert main(["verify", str(d / "credential.json"), "--trust-signer", "did:x"]) == 2
