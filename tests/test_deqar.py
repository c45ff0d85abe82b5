"""DEQAR as the source for the "type of quality assurance" element (issue 14): HTTP fakes
built from the response shapes in DEQAR's Web API v2 documentation (docs/trust.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import build_credential, generate_key, sign, verify
from mcvc.cli import main
from mcvc.deqar import Deqar, quality_check
from mcvc.net import Fetcher, FetchPolicy

BASE = "https://backend.deqar.eu/webapi/v2"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
INSTITUTION = {
    "id": 745,
    "deqar_id": "DEQARINST0745",
    "names": [{"name_official": "Univerzita Karlova", "name_english": "Charles University"}],
    "identifiers": [{"identifier": "CZ00216208", "resource": "EU-VAT"}],
}
REPORTS = {
    "count": 2,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": 1,
            "agency_name": "National Accreditation Bureau for Higher Education",
            "agency_acronym": "NAB",
            "agency_esg_activity": "Institutional accreditation",
            "name": "Institutional accreditation",
            "report_valid": True,
            "valid_from": "2019-10-01",
            "valid_to": "2029-09-30",
            "decision": "positive",
        },
        {
            "id": 2,
            "agency_name": "Institutional Evaluation Programme",
            "agency_acronym": "IEP",
            "agency_esg_activity": "Institutional evaluation",
            "report_valid": False,
            "valid_from": "2008-01-01",
            "valid_to": None,
            "decision": "not applicable",
        },
    ],
}


class _Deqar:
    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        if request.headers.get("authorization") != "Bearer test-token":
            return httpx.Response(401)
        path = request.url.path
        if path == "/webapi/v2/browse/institutions/DEQARINST0745/":
            return httpx.Response(200, json=INSTITUTION)
        if path == "/webapi/v2/browse/reports/institutional/by-institution/745/":
            return httpx.Response(200, json=REPORTS)
        return httpx.Response(404, json={"detail": "Not found."})


def _deqar(fake: _Deqar, token: str = "test-token") -> Deqar:
    policy = FetchPolicy(resolve=lambda host: ["93.184.215.14"])
    return Deqar(Fetcher(httpx.Client(transport=httpx.MockTransport(fake)), policy), token, BASE)


@pytest.fixture
def report(example_elements: dict[str, Any]) -> Any:
    key = generate_key()
    return verify(sign(build_credential(example_elements, issuer=key.did_key), key))


def test_quality_assurance_from_deqar(report: Any) -> None:
    fake = _Deqar()
    check = quality_check(report, _deqar(fake), NOW)
    assert check.code == "OK" and check.informative
    assert "Univerzita Karlova (DEQARINST0745): 1 valid institutional QA report(s)" in check.message
    assert "National Accreditation Bureau for Higher Education (NAB)" in check.message
    assert "valid 2019-10-01 to 2029-09-30" in check.message and "IEP" not in check.message
    assert all(r.url.host == "backend.deqar.eu" for r in fake.seen)
    outcome = report.outcome
    report.checks.append(check)
    assert report.outcome == outcome  # informative: never changes the verdict


def test_deqar_refusals_are_reported_not_raised(report: Any) -> None:
    check = quality_check(report, _deqar(_Deqar(), token="wrong"), NOW)
    assert check.outcome == "error" and "401" in check.message
    report.elements["awarding_bodies"] = []
    report.issuer["identifiers"] = [{"scheme": "DEQAR", "value": "DEQARINST9999"}]
    assert quality_check(report, _deqar(_Deqar()), NOW).outcome == "error"
    report.issuer["identifiers"] = []
    assert quality_check(report, _deqar(_Deqar()), NOW).code == "DEQAR_NO_ID"


def test_cli_deqar_needs_network_and_token(
    tmp_path: Path, report: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"not": "used"}))
    monkeypatch.delenv("DEQAR_TOKEN", raising=False)
    assert main(["verify", str(path), "--deqar"]) == 2
    assert "DEQAR_TOKEN" in capsys.readouterr().err
