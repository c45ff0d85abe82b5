"""The two transformations the cryptosuites use, bound to a loader and a work limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..contexts import StaticLoader, default_loader
from .jcs import canonicalize_json
from .jsonld_rdf import to_dataset
from .rdfc import DEFAULT_WORK_FACTOR, canonicalize

__all__ = ["Canonicalizer"]


@dataclass(frozen=True)
class Canonicalizer:
    loader: StaticLoader = field(default_factory=default_loader)
    work_factor: int = DEFAULT_WORK_FACTOR

    def rdfc(self, document: dict[str, Any], hash_algorithm: str = "sha256") -> str:
        """Canonical N-Quads (RDFC-1.0) of a JSON-LD document; ``hash_algorithm`` is the one
        RDFC-1.0 uses for blank-node labels (ecdsa-rdfc-2019 with P-384 uses SHA-384)."""
        quads = to_dataset(document, self.loader)
        return canonicalize(
            quads, hash_algorithm=hash_algorithm, work_factor=self.work_factor
        ).nquads

    def jcs(self, document: dict[str, Any]) -> str:
        return canonicalize_json(document)
