"""Proof purposes: what a proof is for, and the rules that go with it.

Kept apart from the cryptosuites (as in jsonld-signatures): a suite proves that a key signed
the data; a purpose says whether that key may sign it for this use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["AssertionPurpose", "AuthenticationPurpose", "ProofPurpose", "PurposeIssue"]


@dataclass(frozen=True)
class PurposeIssue:
    code: str
    message: str


@dataclass(frozen=True)
class ProofPurpose:
    term: str

    def proof_options(self) -> dict[str, Any]:
        return {"proofPurpose": self.term}

    def validate(self, proof: dict[str, Any]) -> PurposeIssue | None:
        if proof.get("proofPurpose") != self.term:
            return PurposeIssue(
                "PROOF_PURPOSE_MISMATCH",
                f"proofPurpose is {proof.get('proofPurpose')!r}, expected {self.term!r}",
            )
        return None


@dataclass(frozen=True)
class AssertionPurpose(ProofPurpose):
    """assertionMethod: an issuer asserting the claims of a credential."""

    term: str = "assertionMethod"


@dataclass(frozen=True)
class AuthenticationPurpose(ProofPurpose):
    """authentication: a holder presenting, bound to the verifier's challenge and domain."""

    term: str = "authentication"
    challenge: str | None = None
    domain: str | None = None

    def proof_options(self) -> dict[str, Any]:
        out: dict[str, Any] = {"proofPurpose": self.term}
        if self.challenge is not None:
            out["challenge"] = self.challenge
        if self.domain is not None:
            out["domain"] = self.domain
        return out

    def validate(self, proof: dict[str, Any]) -> PurposeIssue | None:
        base = super().validate(proof)
        if base is not None:
            return base
        if self.challenge is not None and proof.get("challenge") != self.challenge:
            return PurposeIssue(
                "INVALID_CHALLENGE_ERROR",
                "the proof's challenge does not match the one expected"
                if "challenge" in proof
                else "the proof has no challenge, one was expected",
            )
        if self.domain is not None:
            got = proof.get("domain")
            domains = got if isinstance(got, list) else [got]
            if self.domain not in domains:
                return PurposeIssue(
                    "INVALID_DOMAIN_ERROR",
                    f"the proof's domain is {got!r}, expected {self.domain!r}",
                )
        return None
