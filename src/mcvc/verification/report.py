"""The verification report: a verdict and the ordered checks that led to it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Check", "CheckOutcome", "Facet", "TrustPolicy", "Verdict", "VerificationReport"]

CheckOutcome = Literal["pass", "fail", "error", "skipped"]
Verdict = Literal["verified", "unconfirmed", "failed", "inconclusive"]
Facet = Literal["pass", "fail", "unknown"]
TrustPolicy = Literal["officer", "vc-api"]
"""``officer`` (the default): ``verified`` only when a trust source vouches for the issuer;
a valid signature from an issuer none vouches for is ``unconfirmed``. ``vc-api``: a
cryptographically valid, currently valid credential is ``verified`` and the unconfirmed issuer
is a warning, as the W3C VC-API expects."""
REPORT_VERSION = 2

# Which of the three facets a check speaks to; every other check is about integrity.
# "issuer" is the binding of the named issuer to the signing key: when it fails, the content
# is intact but signed by someone else, which is about who issued it
_FACET_OF = {"trust": "issuer", "issuer": "issuer", "dates": "valid", "status": "valid"}


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
    policy: TrustPolicy = "officer"

    def facet(self, name: Literal["intact", "issuer", "valid"]) -> Facet:
        """One of the three things a verdict names: ``intact`` (the signature or seal covers
        exactly this content), ``issuer`` (a trust source vouches for who signed it) and
        ``valid`` (dates and status). Nested credentials count."""
        checks = [
            c for c in self.checks if not c.informative and _FACET_OF.get(c.name, "intact") == name
        ]
        nested = [r.facet(name) for r in self.credentials]
        if any(c.outcome == "fail" for c in checks) or "fail" in nested:
            return "fail"
        if any(c.outcome == "error" for c in checks) or "unknown" in nested:
            return "unknown"
        if name == "issuer":
            # vouched for only by a passing trust check, never by its absence
            vouched = any(c.outcome == "pass" and c.name == "trust" for c in checks)
            return "pass" if vouched or nested else "unknown"
        if name == "intact" and not any(c.outcome == "pass" for c in checks):
            return "unknown"
        return "pass"

    @property
    def facets(self) -> dict[str, Facet]:
        return {
            "intact": self.facet("intact"),
            "issuer": self.facet("issuer"),
            "valid": self.facet("valid"),
        }

    @property
    def outcome(self) -> Verdict:
        intact, issuer, valid = self.facet("intact"), self.facet("issuer"), self.facet("valid")
        if "fail" in (intact, issuer, valid):
            return "failed"
        if "unknown" in (intact, valid):
            return "inconclusive"
        if issuer != "pass" and self.policy == "officer":
            return "unconfirmed"
        return "verified"

    @property
    def verified(self) -> bool:
        return self.outcome == "verified"

    def with_policy(self, policy: TrustPolicy) -> VerificationReport:
        """Set the trust policy of this report and the credentials inside it."""
        self.policy = policy
        for inner in self.credentials:
            inner.with_policy(policy)
        return self

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
            "facets": self.facets,
            "policy": self.policy,
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerificationReport:
        """The report :meth:`to_dict` gave (a verdict stored by the service, say), so that it
        renders as it did; the outcome is recomputed from the checks, not read."""
        checks = [
            Check(
                name=c["check"],
                code=c["code"],
                outcome=c["outcome"],
                message=c["message"],
                details=c.get("details", {}),
                informative=c.get("informative", False),
            )
            for c in data.get("checks", [])
        ]
        return cls(
            checks=checks,
            kind=data.get("kind", "credential"),
            elements=data.get("elements"),
            issuer=data.get("issuer", {}),
            trusted=data.get("trusted"),
            credentials=[cls.from_dict(r) for r in data.get("credentials", [])],
            source=data.get("source", ""),
            policy=data.get("policy", "officer"),
        )
