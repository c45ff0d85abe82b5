"""``sign``: add a Data Integrity proof to a credential or presentation, returning a new dict."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .canon.api import Canonicalizer
from .clock import Clock, SystemClock
from .contexts import CREDENTIALS_V2, DATA_INTEGRITY_V2, StaticLoader, default_loader
from .jsontext import copy_json
from .keys import KeyPair
from .proofs.engine import create_proof
from .proofs.purposes import ProofPurpose
from .proofs.suites import default_suite_for as _default_suite
from .proofs.suites import get_suite

__all__ = ["sign"]

_DI_CONTEXTS = {CREDENTIALS_V2, DATA_INTEGRITY_V2, "https://w3id.org/security/data-integrity/v1"}


def _with_di_context(document: dict[str, Any]) -> dict[str, Any]:
    """VC 1.1 documents do not define DataIntegrityProof; append the DI context as the
    reference implementation requires (data-integrity ``ensureSuiteContext``)."""
    ctx = document.get("@context")
    ctx_list = ctx if isinstance(ctx, list) else [] if ctx is None else [ctx]
    if any(c in _DI_CONTEXTS for c in ctx_list if isinstance(c, str)):
        return document
    return {**document, "@context": [*ctx_list, DATA_INTEGRITY_V2]}


def sign(
    document: dict[str, Any],
    key: KeyPair,
    *,
    suite: str | None = None,
    created: datetime | None = None,
    purpose: ProofPurpose | None = None,
    loader: StaticLoader | None = None,
    clock: Clock | None = None,
    proof_id: str | None = None,
    previous_proof: str | None = None,
    work_factor: int | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with one more Data Integrity proof (input untouched).

    The suite defaults to eddsa-rdfc-2022 for Ed25519 keys and ecdsa-rdfc-2019 for P-256/P-384.
    An existing proof is kept: the new proof joins a proof set, or a chain with
    ``previous_proof``.
    """
    if not isinstance(document, dict):
        raise TypeError("document must be a dict")
    if not isinstance(key, KeyPair):
        raise TypeError("key must be a KeyPair (see generate_key / load_key)")
    chosen = get_suite(suite) if suite else _default_suite(key.kind)
    when = created or (clock or SystemClock()).now()
    canon = Canonicalizer(loader or default_loader())
    if work_factor is not None:
        canon = Canonicalizer(canon.loader, work_factor)
    base = _with_di_context(copy_json(document))
    extra: dict[str, Any] = {}
    if proof_id:
        extra["id"] = proof_id
    if previous_proof:
        extra["previousProof"] = previous_proof
    proof = create_proof(
        base,
        key,
        suite=chosen,
        purpose=purpose,
        created=when,
        canon=canon,
        extra_options=extra or None,
    )
    existing = base.get("proof")
    if existing is None:
        base["proof"] = proof
    else:
        base["proof"] = [*(existing if isinstance(existing, list) else [existing]), proof]
    return base
