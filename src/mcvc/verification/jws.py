"""The signature of a JOSE-secured credential, presentation or status list, checked
against the key its ``kid`` names (shared by VC-JOSE credentials and JWT status lists)."""

from __future__ import annotations

from typing import Any

from ..did import DidResolver
from ..errors import DidResolutionError
from ..jose import JoseCredential
from ..proofs.engine import _NETWORK_CODES as _NETWORK
from .report import Check, CheckOutcome

__all__ = ["jws_signature"]


def jws_signature(jose: JoseCredential, resolver: DidResolver) -> Check:
    """The ``proof`` check of a compact JWS: its ``kid`` is a DID URL whose method, listed
    under ``assertionMethod``, holds a key of the ``alg``'s kind that verifies the signature.
    ``details["controller"]`` names the key's controller when it was resolved."""
    from cryptography.exceptions import InvalidSignature

    from ..jose import ALGORITHMS

    details: dict[str, Any] = {"alg": jose.alg, "kid": jose.kid, "form": jose.form}
    if not jose.kid.startswith("did:"):
        # a JWK thumbprint or a bare key id names a key only the issuer's own key directory
        # can give; without it nothing can be checked
        return Check(
            "proof",
            "KID_NOT_RESOLVABLE",
            "error",
            f"kid {jose.kid or '(none)'} is not a DID URL, so the signing key cannot be found",
            details,
        )
    try:
        method = resolver.method(jose.kid)
    except DidResolutionError as exc:
        outcome: CheckOutcome = "error" if exc.code in _NETWORK else "fail"
        return Check("proof", exc.code, outcome, f"kid {jose.kid}: {exc}", details)
    details["controller"] = method.controller
    if method.key.kind != ALGORITHMS[jose.alg]:
        return Check(
            "proof",
            "ALGORITHM_KEY_MISMATCH",
            "fail",
            f"alg {jose.alg} needs a {ALGORITHMS[jose.alg]} key; {jose.kid} is {method.key.kind}",
            details,
        )
    if not method.listed_under("assertionMethod"):
        return Check(
            "proof",
            "VM_NOT_AUTHORIZED",
            "fail",
            f"{jose.kid} is not listed under assertionMethod in the DID document of "
            f"{method.controller}",
            details,
        )
    try:
        method.key.verify(jose.signature, jose.signing_input)
    except InvalidSignature as exc:
        return Check(
            "proof",
            "INVALID_SIGNATURE",
            "fail",
            str(exc) or "the JWS signature does not match",
            details,
        )
    return Check("proof", "OK", "pass", f"{jose.alg} signature valid", details)
