"""Whose proofs a credential carries: the issuer's, the awarding bodies' of a joint
credential, or earlier proofs the issuer's proof signs over (``previousProof``)."""

from __future__ import annotations

from typing import Any

from .report import Check


def _chained_from(doc: dict[str, Any], starts: list[int]) -> set[int]:
    """The proofs that the proofs ``starts`` cover through previousProof, transitively: a
    proof signs the earlier proofs it names, so those are part of what its signer asserts."""
    proofs = doc.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    by_id = {p.get("id"): i for i, p in enumerate(proofs) if isinstance(p, dict) and p.get("id")}
    covered: set[int] = set()
    todo = list(starts)
    while todo:
        proof = proofs[todo.pop()]
        previous = proof.get("previousProof") if isinstance(proof, dict) else None
        for ref in previous if isinstance(previous, list) else [previous]:
            index = by_id.get(ref)
            if index is not None and index not in covered:
                covered.add(index)
                todo.append(index)
    return covered


def _awarding_body_ids(doc: dict[str, Any]) -> list[str]:
    """The ids of the awarding bodies an ELM credential names (the claim's awarding process),
    read directly: this runs on every verification, the full elements reader only once."""

    def items(value: Any) -> list[Any]:
        return value if isinstance(value, list) else [value]

    ids = []
    for subject in items(doc.get("credentialSubject")):
        for claim in items(subject.get("hasClaim")) if isinstance(subject, dict) else []:
            for process in items(claim.get("awardedBy")) if isinstance(claim, dict) else []:
                bodies = process.get("awardingBody") if isinstance(process, dict) else None
                for body in items(bodies):
                    body_id = body.get("id") if isinstance(body, dict) else body
                    if isinstance(body_id, str) and body_id:
                        ids.append(body_id)
    return ids


def _signers(doc: dict[str, Any], results: list[Any], issuer_id: str) -> list[Check]:
    """Whose proofs these are. Every proof must come from the issuer, from an awarding body
    the credential names (a joint credential), or be an earlier proof that a proof of the
    issuer signs over (previousProof); a stranger's proof in the set is refused, because it
    would let a verifier that reads only "some proof is valid" accept a credential its issuer
    never signed."""
    controllers = [str(r.controller) for r in results]
    issuer_proofs = [i for i, c in enumerate(controllers) if c == issuer_id]
    bodies = _awarding_body_ids(doc)
    if not issuer_proofs:
        return [
            Check(
                "issuer",
                "ISSUER_MISMATCH",
                "fail",
                f"the issuer is {issuer_id} but the key belongs to "
                f"{', '.join(sorted(set(controllers)))}",
                {"issuer": issuer_id, "controllers": sorted(set(controllers))},
            )
        ]
    covered = _chained_from(doc, issuer_proofs)
    roles: list[dict[str, Any]] = []
    for i, controller in enumerate(controllers):
        if controller == issuer_id:
            role = "issuer"
        elif controller in bodies:
            role = "awarding body"
        elif i in covered:
            role = "earlier proof signed over by the issuer"
        else:
            return [
                Check(
                    "issuer",
                    "ISSUER_MISMATCH",
                    "fail",
                    f"proof {i + 1} of {len(controllers)} is by {controller}, who is neither the "
                    f"issuer {issuer_id} nor an awarding body the credential names, and no proof "
                    "of the issuer covers it",
                    {"issuer": issuer_id, "controllers": sorted(set(controllers))},
                )
            ]
        roles.append({"proof": i + 1, "controller": controller, "role": role})
    checks = [
        Check(
            "issuer",
            "OK",
            "pass",
            f"signed by a key of the issuer {issuer_id}"
            + (f" ({len(controllers)} proofs)" if len(controllers) > 1 else ""),
            {"controller": issuer_id, "signers": roles},
        )
    ]
    others = [b for b in dict.fromkeys(bodies) if b != issuer_id and b.startswith("did:")]
    if others:
        # a joint credential: say which of the bodies it names (with a DID, so able to sign)
        # have signed it themselves
        missing = [b for b in others if b not in controllers]
        checks.append(
            Check(
                "co-signers",
                "AWARDING_BODY_NOT_SIGNED" if missing else "OK",
                "error" if missing else "pass",
                (
                    f"not signed by {', '.join(missing)}, named as awarding bod"
                    f"{'y' if len(missing) == 1 else 'ies'} (the issuer vouches for them)"
                )
                if missing
                else f"every awarding body named has signed: {', '.join(others)}",
                {"signed": [b for b in others if b in controllers], "not_signed": missing},
                informative=True,
            )
        )
    return checks
