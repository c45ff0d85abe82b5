"""The two transformations the cryptosuites use, bound to a loader and a work limit."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..contexts import StaticLoader, default_loader
from ..errors import DeadlineExceeded, McvcError
from ..limits import DEFAULT_LIMITS, Deadline, Limits
from .fast_rdf import SubtreeCache, Unsupported, to_dataset_fast
from .jcs import canonicalize_json
from .jsonld_rdf import to_dataset
from .nquads import Quad
from .rdfc import DEFAULT_WORK_FACTOR, canonicalize

__all__ = ["Canonicalizer"]

_SMALL_CACHE = 1024


def fold_contexts(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with runs of the same context URL in its ``@context`` list cut to one.

    Processing a context right after itself changes nothing (every term is defined again
    as it was; no bundled context uses ``@propagate`` or ``@import``), so the RDF is the
    same, while each repeat costs a full context merge in pyld (about 1.3 ms): a few
    megabytes of repeats would otherwise hold the verifier for minutes. The input is not
    changed; a shallow copy carries the shorter list."""
    ctx = document.get("@context") if isinstance(document, dict) else None
    if not isinstance(ctx, list) or len(ctx) < 2:
        return document
    folded = [
        item
        for i, item in enumerate(ctx)
        if i == 0 or not isinstance(item, str) or item != ctx[i - 1]
    ]
    if len(folded) == len(ctx):
        return document
    return {**document, "@context": folded}


@dataclass(frozen=True)
class Canonicalizer:
    loader: StaticLoader = field(default_factory=default_loader)
    work_factor: int = DEFAULT_WORK_FACTOR
    subtrees: SubtreeCache | None = None
    """Reuse the quads of sub-trees across documents (for issuing many similar credentials;
    see :class:`~mcvc.canon.fast_rdf.SubtreeCache`)."""
    limits: Limits = DEFAULT_LIMITS
    deadline: Deadline | None = None

    def rdfc(self, document: dict[str, Any], hash_algorithm: str = "sha256") -> str:
        """Canonical N-Quads (RDFC-1.0) of a JSON-LD document; ``hash_algorithm`` is the one
        RDFC-1.0 uses for blank-node labels (ecdsa-rdfc-2019 with P-384 uses SHA-384)."""
        return self.rdfc_quads(self.dataset(document), hash_algorithm)

    def rdfc_quads(self, quads: list[Quad], hash_algorithm: str = "sha256") -> str:
        """Canonical N-Quads of a dataset already built by :meth:`dataset`."""
        return canonicalize(
            quads,
            hash_algorithm=hash_algorithm,
            work_factor=self.work_factor,
            limits=self.limits,
            deadline=self.deadline,
        ).nquads

    def dataset(self, document: dict[str, Any]) -> list[Quad]:
        """The document's quads: the fast path when it covers the document and succeeds; any
        doubt (an unsupported construct, or any error) goes to the pyld path, so every error
        a caller sees comes from the reference path."""
        if self.deadline is not None:
            self.deadline.check("JSON-LD expansion")
        document = fold_contexts(document)
        try:
            return to_dataset_fast(document, self.loader, self.subtrees, self.deadline)
        except DeadlineExceeded:
            raise
        except (Unsupported, McvcError):
            return to_dataset(document, self.loader, self.deadline)

    def rdfc_small(self, document: dict[str, Any], hash_algorithm: str = "sha256") -> str:
        """``rdfc`` for small documents that repeat (proof options in a batch): memoized per
        loader, keyed by the document's JCS form, so equal inputs give the same output."""
        cache: OrderedDict[str, str] | None = getattr(self.loader, "_mcvc_small_cache", None)
        if cache is None:
            cache = OrderedDict()
            self.loader._mcvc_small_cache = cache  # type: ignore[attr-defined]
        key = f"{hash_algorithm}|{self.work_factor}|{self.limits.canon_steps}|{canonicalize_json(document)}"
        found = cache.get(key)
        if found is not None:
            cache.move_to_end(key)
            return found
        value = self.rdfc(document, hash_algorithm)
        cache[key] = value
        if len(cache) > _SMALL_CACHE:
            cache.popitem(last=False)
        return value

    def jcs(self, document: dict[str, Any]) -> str:
        return canonicalize_json(document)
