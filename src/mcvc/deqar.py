"""DEQAR, the Database of External Quality Assurance Results: what the awarding body's
quality assurance is, as its registered agencies reported it ("type of quality assurance",
an EU standard element). Informative: it never changes the verdict.

DEQAR Web API v2 (https://backend.deqar.eu/webapi/v2, Bearer token; see docs/trust.md for the
documentation relied on): ``GET /browse/institutions/{DEQARINST id}`` and ``GET
/browse/reports/institutional/by-institution/{numeric id}/``. Fetches go through the guarded
:class:`~mcvc.net.Fetcher` and only when the caller asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import McvcError
from .jsontext import parse_json
from .verification.report import Check, VerificationReport

__all__ = ["DEQAR_API", "Deqar", "DeqarInstitution", "QaReport", "quality_check"]

DEQAR_API = "https://backend.deqar.eu/webapi/v2"
_ID = re.compile(r"^DEQARINST\d{4,6}$")


@dataclass(frozen=True)
class QaReport:
    agency: str
    acronym: str
    activity: str
    decision: str
    valid_from: str
    valid_to: str
    valid: bool


@dataclass(frozen=True)
class DeqarInstitution:
    deqar_id: str
    name: str
    reports: tuple[QaReport, ...]


class Deqar:
    def __init__(self, fetcher: Any, token: str, base: str = DEQAR_API) -> None:
        self.fetcher = fetcher
        self.token = token
        self.base = base.rstrip("/")

    def _get(self, path: str) -> Any:
        body = self.fetcher.get(f"{self.base}{path}", bearer=self.token)
        return parse_json(body)

    def institution(self, deqar_id: str) -> DeqarInstitution:
        if not _ID.match(deqar_id):
            raise McvcError(f"{deqar_id!r} is not a DEQAR institution id", code="DEQAR_ID_INVALID")
        record = self._get(f"/browse/institutions/{deqar_id}/")
        if not isinstance(record, dict) or "id" not in record:
            raise McvcError(f"DEQAR has no record {deqar_id}", code="DEQAR_NOT_FOUND")
        names = record.get("names") if isinstance(record.get("names"), list) else []
        first = names[0] if names and isinstance(names[0], dict) else {}
        name = str(first.get("name_official") or record.get("name_primary") or deqar_id)
        listing = self._get(f"/browse/reports/institutional/by-institution/{int(record['id'])}/")
        results = listing.get("results", []) if isinstance(listing, dict) else []
        reports = tuple(
            QaReport(
                str(r.get("agency_name", "")),
                str(r.get("agency_acronym", "")),
                str(r.get("agency_esg_activity") or r.get("name") or ""),
                str(r.get("decision", "")),
                str(r.get("valid_from") or ""),
                str(r.get("valid_to") or ""),
                bool(r.get("report_valid")),
            )
            for r in results[:50]
            if isinstance(r, dict)
        )
        return DeqarInstitution(deqar_id, name, reports)


def _deqar_ids(report: VerificationReport) -> list[str]:
    el = report.elements or {}
    found = []
    for body in [report.issuer, *el.get("awarding_bodies", [])]:
        for ident in body.get("identifiers", []) if isinstance(body, dict) else []:
            value = str(ident.get("value", ""))
            if str(ident.get("scheme", "")).lower() == "deqar" and value not in found:
                found.append(value)
    return found


def quality_check(report: VerificationReport, deqar: Deqar, now: datetime) -> Check:
    """An informative ``quality-assurance`` check: what DEQAR records for the awarding
    bodies' DEQAR ids (as the credential states them; DEQAR is not asked who they are)."""
    ids = _deqar_ids(report)
    if not ids:
        return Check(
            "quality-assurance",
            "DEQAR_NO_ID",
            "skipped",
            "the credential names no DEQAR id for its awarding bodies",
            informative=True,
        )
    lines, details = [], []
    for deqar_id in ids:
        try:
            inst = deqar.institution(deqar_id)
        except (McvcError, ValueError, TypeError) as exc:
            return Check(
                "quality-assurance",
                getattr(exc, "code", "DEQAR_ERROR") or "DEQAR_ERROR",
                "error",
                f"DEQAR could not be read for {deqar_id}: {exc}",
                informative=True,
            )
        valid = [r for r in inst.reports if r.valid]
        shown = valid or list(inst.reports)[:1]
        about = "; ".join(
            f"{r.agency} ({r.acronym}): {r.activity}, {r.decision}, valid "
            f"{r.valid_from or '?'} to {r.valid_to or 'open'}"
            for r in shown
        )
        lines.append(
            f"{inst.name} ({deqar_id}): {len(valid)} valid institutional QA report(s)"
            + (f": {about}" if about else "")
        )
        details.append({"deqar_id": deqar_id, "name": inst.name, "valid_reports": len(valid)})
    return Check(
        "quality-assurance",
        "OK",
        "pass",
        f"DEQAR (read {now.date().isoformat()}): " + " | ".join(lines),
        {"institutions": details},
        informative=True,
    )
