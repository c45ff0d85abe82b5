"""The Data Integrity proof engine (VC Data Integrity 1.0 with the eddsa/ecdsa suites).

``create_proof`` and ``verify_proof`` implement the suites' algorithms once: proof options,
transformation (RDFC-1.0 or JCS), hashing (proof options hash || document hash) and the
multibase proof value. Verification never raises because a proof is bad: it returns a
:class:`ProofResult` naming the step that failed and a stable code.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature

from ..canon.api import Canonicalizer
from ..dates import parse_datetime
from ..did import DidResolver, ResolvedMethod
from ..errors import (
    CanonicalizationError,
    DeadlineExceeded,
    DidResolutionError,
    InvalidInput,
    JsonLdProcessingError,
    KeyFormatError,
    McvcError,
    UnsupportedSuite,
)
from ..keys import KeyPair
from ..multibase import multibase_decode, multibase_encode
from .purposes import AssertionPurpose, ProofPurpose
from .suites import Cryptosuite, default_suite_for, get_suite

__all__ = ["ProofResult", "create_proof", "format_created", "verify_proofs"]

Outcome = Literal["pass", "fail", "error"]
_NETWORK_CODES = {"NETWORK_ERROR", "TIMEOUT", "NETWORK_NOT_ALLOWED", "HTTP_STATUS"}


def format_created(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("created must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hash(suite: Cryptosuite, key: KeyPair, text: str) -> bytes:
    return hashlib.new(suite.hash_name(key.kind), text.encode("utf-8")).digest()


def _hash_data(
    suite: Cryptosuite,
    key: KeyPair,
    unsecured: dict[str, Any],
    options: dict[str, Any],
    canon: Canonicalizer,
    shared: dict[tuple[str, ...], str] | None = None,
    shared_key: tuple[str, ...] = (),
) -> bytes:
    """``shared`` keeps the document's canonical form across the proofs of one set: proofs
    that secure the same unsecured document (same transformation, hash and previous proofs)
    canonicalize it once. It also keeps the document's dataset (key ``("dataset", ...)``),
    which the verifier's checks read."""
    shared_quads: Any = shared
    if suite.transform == "rdfc":
        # ecdsa-rdfc-2019 with P-384 uses SHA-384 inside RDFC-1.0 as well (the W3C vectors'
        # blank-node labels depend on it), not only for the two proof hashes.
        algo = suite.hash_name(key.kind)
        options_nquads = canon.rdfc_small(options, algo)  # repeats across a batch
        key_ = ("rdfc", algo, *shared_key)
        document_form = shared.get(key_) if shared is not None else None
        if document_form is None:
            quads = canon.dataset(unsecured)
            if shared is not None:
                shared_quads[("dataset", *shared_key)] = quads
            document_form = canon.rdfc_quads(quads, algo)
            if shared is not None:
                shared[key_] = document_form
        return _hash(suite, key, options_nquads) + _hash(suite, key, document_form)
    key_ = ("jcs", *shared_key)
    document_form = shared.get(key_) if shared is not None else None
    if document_form is None:
        document_form = canon.jcs(unsecured)
        if shared is not None:
            shared[key_] = document_form
    return _hash(suite, key, canon.jcs(options)) + _hash(suite, key, document_form)


def create_proof(
    document: dict[str, Any],
    key: KeyPair,
    *,
    suite: Cryptosuite | None = None,
    purpose: ProofPurpose | None = None,
    created: datetime,
    canon: Canonicalizer,
    extra_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return the proof object for ``document`` (which must not carry the new proof)."""
    suite = suite or default_suite_for(key.kind)
    suite.check_key(key.kind)
    purpose = purpose or AssertionPurpose()
    options: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite.name,
        "created": format_created(created),
        "verificationMethod": key.verification_method,
        **purpose.proof_options(),
        **(extra_options or {}),
    }
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "previousProof" in options:
        # Add Proof (Data Integrity 1.0 §4.2): the new proof secures the proofs it names, in
        # the document's order, exactly as a verifier selects them
        wanted = options["previousProof"]
        wanted = wanted if isinstance(wanted, list) else [wanted]
        existing = _proofs_of(document)
        found = [p for p in existing if isinstance(p, dict) and p.get("id") in wanted]
        if len(found) != len(wanted):
            raise InvalidInput(
                f"previousProof {options['previousProof']!r} names a proof the document does "
                "not have",
                code="PROOF_VERIFICATION_ERROR",
            )
        unsecured["proof"] = found[0] if len(found) == 1 else found
    hashed = _hash_data(
        suite, key, unsecured, {**options, "@context": document.get("@context")}, canon
    )
    proof = dict(options)
    if suite.transform == "jcs" and "@context" in document:
        # the JCS suites carry the context inside the proof (vc-di-eddsa §3.3.1 step 4)
        proof["@context"] = document["@context"]
    proof["proofValue"] = multibase_encode(key.sign(hashed))
    return proof


@dataclass
class ProofResult:
    """The verdict on one proof: which proof, which step, which code."""

    index: int
    outcome: Outcome
    code: str
    step: str
    message: str
    cryptosuite: str = ""
    verification_method: str = ""
    controller: str = ""
    created: str = ""
    method: ResolvedMethod | None = None

    @property
    def verified(self) -> bool:
        return self.outcome == "pass"

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "outcome": self.outcome,
            "code": self.code,
            "step": self.step,
            "message": self.message,
            "cryptosuite": self.cryptosuite,
            "verificationMethod": self.verification_method,
            "controller": self.controller,
            "created": self.created,
        }


_PROOF_KEYS = frozenset(
    {
        "@context",
        "id",
        "type",
        "cryptosuite",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
        "created",
        "expires",
        "challenge",
        "domain",
        "nonce",
        "previousProof",
    }
)


def _proofs_of(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def _check_context_prefix(document: dict[str, Any], proof: dict[str, Any]) -> str | None:
    if "@context" not in proof:
        return None
    doc_ctx = document.get("@context")
    doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
    proof_ctx = proof["@context"]
    proof_list = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
    if doc_list[: len(proof_list)] != proof_list:
        return "the proof's @context is not a prefix of the document's @context"
    return None


def _verify_one(
    document: dict[str, Any],
    proof: Any,
    index: int,
    all_proofs: list[Any],
    *,
    purpose: ProofPurpose,
    resolver: DidResolver,
    canon: Canonicalizer,
    shared: dict[tuple[str, ...], str],
) -> ProofResult:
    def fail(
        code: str, step: str, message: str, outcome: Outcome = "fail", **kw: Any
    ) -> ProofResult:
        return ProofResult(index, outcome, code, step, message, **kw)

    if not isinstance(proof, dict):
        return fail("PARSING_ERROR", "parse", f"proof {index + 1} is not an object")
    ptype = proof.get("type")
    suite_name = proof.get("cryptosuite")
    if ptype != "DataIntegrityProof":
        return fail(
            "UNSUPPORTED_PROOF_TYPE",
            "suite",
            f"proof type {ptype!r} is not supported (legacy and unknown types are refused)",
        )
    try:
        suite = get_suite(str(suite_name))
    except UnsupportedSuite as exc:
        return fail(exc.code, "suite", str(exc))
    info: dict[str, Any] = {"cryptosuite": suite.name}
    unread = sorted(k for k in proof if k not in _PROOF_KEYS)
    if unread:
        # the signature covers the proof options' meaning, the checks read these keys: a
        # property spelled otherwise (full IRI, alias, @nest) would be signed but not checked
        return fail(
            "PROOF_VERIFICATION_ERROR",
            "parse",
            f"proof.{unread[0]} is not a Data Integrity proof option that mcvc reads; "
            "proof options must use the terms of the Data Integrity context",
            **info,
        )
    for name in ("verificationMethod", "proofPurpose", "proofValue"):
        if not isinstance(proof.get(name), str) or not proof[name]:
            return fail(
                "PROOF_VERIFICATION_ERROR",
                "parse",
                f"proof.{name} is missing or not a string",
                **info,
            )
    vm_id = proof["verificationMethod"]
    info["verification_method"] = vm_id
    for text_field in ("id", "challenge", "nonce"):
        if text_field in proof and not isinstance(proof[text_field], str):
            return fail(
                "PROOF_VERIFICATION_ERROR", "parse", f"proof.{text_field} must be a string", **info
            )
    domain = proof.get("domain")
    if domain is not None and not (
        isinstance(domain, str)
        or (isinstance(domain, list) and all(isinstance(d, str) for d in domain))
    ):
        return fail(
            "PROOF_VERIFICATION_ERROR", "parse", "proof.domain must be a string or strings", **info
        )
    for date_field in ("created", "expires"):
        if date_field in proof:
            try:
                parse_datetime(proof[date_field], f"proof.{date_field}")
            except InvalidInput as exc:
                return fail("PROOF_VERIFICATION_ERROR", "parse", str(exc), **info)
    info["created"] = str(proof.get("created", ""))
    issue = purpose.validate(proof)
    if issue is not None:
        return fail(issue.code, "purpose", issue.message, **info)
    context_issue = _check_context_prefix(document, proof)
    if context_issue:
        return fail("PROOF_VERIFICATION_ERROR", "parse", context_issue, **info)
    try:
        signature = multibase_decode(proof["proofValue"], allowed="z")
    except KeyFormatError as exc:
        return fail("PROOF_VERIFICATION_ERROR", "parse", f"proofValue: {exc}", **info)

    try:
        method = resolver.method(vm_id)
    except DidResolutionError as exc:
        outcome: Outcome = "error" if exc.code in _NETWORK_CODES else "fail"
        return fail(exc.code, "key", str(exc), outcome, **info)
    info["controller"] = method.controller
    info["method"] = method
    try:
        suite.check_key(method.key.kind)
    except UnsupportedSuite as exc:
        return fail(exc.code, "key", str(exc), **info)

    unsecured = {k: v for k, v in document.items() if k != "proof"}
    previous = proof.get("previousProof")
    shared_key: tuple[str, ...] = ()
    if previous is not None:
        wanted = previous if isinstance(previous, list) else [previous]
        if not all(isinstance(w, str) for w in wanted):
            return fail(
                "PROOF_VERIFICATION_ERROR",
                "parse",
                "previousProof must be a string or strings",
                **info,
            )
        found = [p for p in all_proofs if isinstance(p, dict) and p.get("id") in wanted]
        if len(found) != len(wanted):
            return fail(
                "PROOF_VERIFICATION_ERROR",
                "parse",
                "previousProof names a proof that is not present",
                **info,
            )
        unsecured["proof"] = found[0] if len(found) == 1 else found
        shared_key = tuple(str(i) for i, p in enumerate(all_proofs) if p in found)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    options["@context"] = document.get("@context")
    try:
        hashed = _hash_data(suite, method.key, unsecured, options, canon, shared, shared_key)
    except DeadlineExceeded:
        raise
    except (JsonLdProcessingError, CanonicalizationError, InvalidInput) as exc:
        return fail(exc.code, "transform", str(exc), **info)
    except McvcError as exc:
        return fail(exc.code, "transform", str(exc), **info)
    try:
        method.key.verify(signature, hashed)
    except InvalidSignature as exc:
        detail = str(exc) or "the signature does not match the data"
        return fail("INVALID_SIGNATURE", "signature", detail, **info)
    if not method.listed_under(purpose.term):
        return fail(
            "VM_NOT_AUTHORIZED",
            "purpose",
            f"{vm_id} is not listed under {purpose.term} in the DID document of {method.controller}",
            **info,
        )
    return ProofResult(index, "pass", "OK", "done", "signature valid", **info)


def verify_proofs(
    document: dict[str, Any],
    *,
    purpose: ProofPurpose | None = None,
    resolver: DidResolver | None = None,
    canon: Canonicalizer | None = None,
    shared: dict[tuple[str, ...], Any] | None = None,
) -> list[ProofResult]:
    """Verify the proofs of ``document`` in order; a proof set passes only if all of them
    pass, so the results end at the first proof that does not (the rest are not checked).
    More proofs than ``canon.limits.max_proofs`` are refused before any is checked."""
    proofs = _proofs_of(document)
    if not proofs:
        return [ProofResult(0, "fail", "PROOF_MISSING", "parse", "the document has no proof")]
    canon = canon or Canonicalizer()
    if len(proofs) > canon.limits.max_proofs:
        return [
            ProofResult(
                0,
                "fail",
                "PROOF_LIMIT",
                "parse",
                f"{len(proofs)} proofs exceed the limit of {canon.limits.max_proofs} per document",
            )
        ]
    shared = {} if shared is None else shared
    results: list[ProofResult] = []
    for i, proof in enumerate(proofs):
        if canon.deadline is not None:
            canon.deadline.check("proof verification")
        result = _verify_one(
            document,
            proof,
            i,
            proofs,
            purpose=purpose or AssertionPurpose(),
            resolver=resolver or DidResolver(),
            canon=canon,
            shared=shared,
        )
        results.append(result)
        if result.outcome != "pass":
            break
    return results
