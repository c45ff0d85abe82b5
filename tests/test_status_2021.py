"""Status formats other than Bitstring Status List (issue 14): StatusList2021 (VC 1.1, the
format of the MyNextID Europass sample), entries mcvc cannot check, and status lists the
officer has as files (``mcvc verify --status-list``)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mcvc import build_credential, generate_key, sign, verify
from mcvc.cli import main
from mcvc.status.bitstring import Bitstring
from mcvc.status.local import local_status_checker

from .conftest import SAMPLES, trust_file

SL2021 = "https://w3id.org/vc/status-list/2021/v1"
LIST_URL = "https://status.uni.example/2021/1"
SIGNED = datetime(2026, 7, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _credential(
    key: Any, elements: dict[str, Any], entry_type: str = "StatusList2021Entry"
) -> dict[str, Any]:
    doc = build_credential(elements, issuer=key.did_key)
    doc["@context"] = [*doc["@context"], SL2021]
    doc["credentialStatus"] = {
        "id": f"{LIST_URL}#94567",
        "type": entry_type,
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    return sign(doc, key, created=SIGNED)


def _list(key: Any, bits: Bitstring, signer: Any = None) -> dict[str, Any]:
    encoded = base64.urlsafe_b64encode(gzip.compress(bits.data)).rstrip(b"=").decode()
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1", SL2021],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": key.did_key,
        "issuanceDate": "2026-07-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    return sign(doc, signer or key, created=SIGNED)


@pytest.fixture
def key() -> Any:
    return generate_key()


def test_statuslist2021_not_revoked_and_revoked(
    key: Any, example_elements: dict[str, Any], tmp_path: Path
) -> None:
    credential = _credential(key, example_elements)
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(_list(key, Bitstring.empty())))
    report = verify(credential, now=NOW, status_checker=local_status_checker([listed]))
    status = report.check("status")
    assert status is not None and status.code == "OK", report.to_json()
    assert report.facet("valid") == "pass"
    listed.write_text(json.dumps(_list(key, Bitstring.empty().with_value(94567, 1))))
    report = verify(credential, now=NOW, status_checker=local_status_checker([listed]))
    assert report.outcome == "failed" and report.check("status").code == "REVOKED"  # type: ignore[union-attr]


def test_statuslist2021_list_signed_by_someone_else_fails(
    key: Any, example_elements: dict[str, Any], tmp_path: Path
) -> None:
    credential = _credential(key, example_elements)
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(_list(key, Bitstring.empty(), signer=generate_key())))
    report = verify(credential, now=NOW, status_checker=local_status_checker([listed]))
    assert report.outcome == "failed"
    assert report.check("status").code == "STATUS_VERIFICATION_ERROR"  # type: ignore[union-attr]


def test_a_list_not_among_the_files_is_not_checked(
    key: Any, example_elements: dict[str, Any], tmp_path: Path
) -> None:
    credential = _credential(key, example_elements)
    other = _list(key, Bitstring.empty())
    other["id"] = "https://status.uni.example/2021/other"
    listed = tmp_path / "other.json"
    listed.write_text(json.dumps(other))
    report = verify(credential, now=NOW, status_checker=local_status_checker([listed]))
    assert report.outcome == "inconclusive"
    assert report.check("status").code == "STATUS_RETRIEVAL_ERROR"  # type: ignore[union-attr]


def test_unknown_status_type_is_never_no_status(key: Any, example_elements: dict[str, Any]) -> None:
    doc = build_credential(example_elements, issuer=key.did_key)
    doc["credentialStatus"] = {"id": "urn:status:1", "type": "https://status.example/OtherStatus"}
    credential = sign(doc, key, created=SIGNED)
    report = verify(credential, now=NOW, status_checker=local_status_checker([]))
    assert report.check("status").code == "UNSUPPORTED_STATUS_TYPE"  # type: ignore[union-attr]
    assert report.outcome == "inconclusive" and "NOT known" in report.check("status").message  # type: ignore[union-attr]


def test_mynextid_status_entries_are_reported_not_checkable() -> None:
    report = verify((SAMPLES / "mynextid-edc-mc-signed.jsonld").read_bytes(), now=NOW)
    status = report.check("status")
    assert status is not None and status.code == "STATUS_NOT_CHECKABLE"
    assert "StatusList2021Entry (revocation)" in status.message
    assert "StatusList2021Entry (suspension)" in status.message
    assert report.outcome == "inconclusive" and report.facet("valid") == "unknown"


def test_cli_status_list_files(
    key: Any, example_elements: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    credential = tmp_path / "credential.json"
    credential.write_text(json.dumps(_credential(key, example_elements)))
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(_list(key, Bitstring.empty())))
    trust = trust_file(tmp_path, key.did_key)
    base = ["verify", str(credential), "--now", "2026-11-01T00:00:00Z", "--trust", str(trust)]
    assert main(base) == 3  # a status entry and no way to check it: inconclusive
    assert "STATUS_NOT_CHECKED" in capsys.readouterr().out
    assert main([*base, "--status-list", str(listed)]) == 0
    capsys.readouterr()
    listed.write_text(json.dumps(_list(key, Bitstring.empty().with_value(94567, 1))))
    assert main([*base, "--status-list", str(listed)]) == 1
    assert "REVOKED" in capsys.readouterr().out
    (tmp_path / "nolist.json").write_text('{"type": "nothing"}')
    assert main([*base, "--status-list", str(tmp_path / "nolist.json")]) == 2
