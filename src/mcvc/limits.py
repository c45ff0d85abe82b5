"""Work bounds for everything an attacker reaches before a signature is checked.

Two kinds of bound, both passed in, never global:

- :class:`Limits`: counts (contexts per document, proofs per set, certificates and CRLs per
  seal, canonicalization steps). Crossing one is a verdict with a stable code, independent of
  the machine's speed, so the same input gets the same answer everywhere.
- :class:`Deadline`: wall-clock time for one verification. Every loop whose length an attacker
  controls checks it cooperatively, so work past the deadline stops instead of running on in
  an abandoned thread (the service's timeout relies on this).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .errors import DeadlineExceeded

__all__ = ["DEFAULT_LIMITS", "Deadline", "Limits"]


@dataclass(frozen=True)
class Limits:
    """Caps per stage; each crossing is reported with its own code (docs/security.md)."""

    max_contexts: int = 32
    """``@context`` entries after repeats are folded away (``CONTEXT_LIMIT``)."""
    max_proofs: int = 16
    """Proofs in one proof set or chain (``PROOF_LIMIT``)."""
    canon_steps: int = 50_000
    """RDFC-1.0 work units: permutations, issuer copies and Hash N-Degree Quads calls, each
    weighed by its size (``CANONICALIZATION_LIMIT``)."""
    max_seal_certificates: int = 16
    """Certificates in one JAdES seal: ``x5c`` plus those carried in unsigned headers."""
    max_seal_revocation_values: int = 16
    """CRLs plus OCSP responses carried in one JAdES seal."""
    max_blank_nodes: int = 100_000
    max_values: int = 10_000
    """JSON values in one document, containers and scalars (``VALUE_LIMIT``), counted before
    any JSON-LD work: the reference path costs up to about 15 µs per value, so this bounds
    each of its stages to about 100 ms; the largest real Europass credential has about 1,000."""


DEFAULT_LIMITS = Limits()


class Deadline:
    """A point in monotonic time after which verification work stops.

    ``check`` is cheap (one clock read); loops call it every few hundred iterations."""

    __slots__ = ("_at", "_clock", "seconds")

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        if seconds is not None and seconds <= 0:
            raise ValueError("a deadline needs a positive number of seconds")
        self.seconds = seconds
        self._clock = clock
        self._at = None if seconds is None else clock() + seconds

    @classmethod
    def never(cls) -> Deadline:
        return cls(None)

    @property
    def remaining(self) -> float:
        """Seconds left (``inf`` for a deadline that never comes), never negative."""
        return float("inf") if self._at is None else max(0.0, self._at - self._clock())

    @property
    def expired(self) -> bool:
        return self._at is not None and self._clock() >= self._at

    def check(self, stage: str) -> None:
        if self._at is not None and self._clock() >= self._at:
            raise DeadlineExceeded(
                f"verification stopped during {stage}: the time limit of {self.seconds:g} s was reached",
                stage=stage,
            )
