"""The verification report: a verdict and the ordered checks that led to it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Check", "CheckOutcome", "Verdict", "VerificationReport"]

CheckOutcome = Literal["pass", "fail", "error", "skipped"]
Verdict = Literal["verified", "failed", "inconclusive"]
REPORT_VERSION = 1


@dataclass
class Check:
    """One step of verification. ``code`` is stable (docs/verification.md lists them all);
    ``informative`` checks are shown but never change the verdict."""

    name: str
    code: str
    outcome: CheckOutcome
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    informative: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.name,
            "code": self.code,
            "outcome": self.outcome,
            "message": self.message,
        }
        if self.details:
            out["details"] = self.details
        if self.informative:
            out["informative"] = True
        return out


@dataclass
class VerificationReport:
    checks: list[Check] = field(default_factory=list)
    kind: str = "credential"
    elements: dict[str, Any] | None = None
    issuer: dict[str, Any] = field(default_factory=dict)
    trusted: bool | None = None
    credentials: list[VerificationReport] = field(default_factory=list)
    source: str = ""

    @property
    def outcome(self) -> Verdict:
        relevant = [c for c in self.checks if not c.informative]
        nested = [r.outcome for r in self.credentials]
        if any(c.outcome == "fail" for c in relevant) or "failed" in nested:
            return "failed"
        if any(c.outcome == "error" for c in relevant) or "inconclusive" in nested:
            return "inconclusive"
        if not any(c.outcome == "pass" for c in relevant):
            return "inconclusive"
        return "verified"

    @property
    def verified(self) -> bool:
        return self.outcome == "verified"

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.checks]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "reportVersion": REPORT_VERSION,
            "verified": self.verified,
            "outcome": self.outcome,
            "kind": self.kind,
            "checks": [c.to_dict() for c in self.checks],
            "issuer": self.issuer,
            "trusted": self.trusted,
        }
        if self.source:
            out["source"] = self.source
        if self.elements is not None:
            out["elements"] = self.elements
        if self.credentials:
            out["credentials"] = [r.to_dict() for r in self.credentials]
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)
