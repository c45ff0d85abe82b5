"""mcvc: micro-credentials as verifiable credentials.

Build European Digital Credentials (ELM v3) from the EU standard elements, sign them with
W3C Data Integrity proofs, and verify them with a report that explains the verdict.

The public API is what ``__all__`` lists; lower-level modules (``mcvc.canon``, ``mcvc.proofs``,
``mcvc.keys``, ``mcvc.did``) are importable but may change between minor versions. Names are
imported on first use, so ``mcvc verify`` does not pay for pydantic or httpx it does not need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    CanonicalizationError,
    CanonicalizationLimitExceeded,
    ContextIntegrityError,
    ContextNotAllowed,
    DidResolutionError,
    DocumentLoaderError,
    ElementsError,
    InvalidInput,
    JsonLdProcessingError,
    KeyFormatError,
    McvcError,
    NetworkPolicyError,
    UnsupportedSuite,
)

if TYPE_CHECKING:
    from .clock import Clock, FixedClock, SystemClock
    from .contexts import StaticLoader
    from .did import DidResolver, did_web_document
    from .jose import enveloped, sign_jwt
    from .keys import KeyPair, generate_key, load_key, save_key
    from .model.elements import MicroCredential, elements_from_dict
    from .model.reader import StandardElements, from_credential
    from .model.render import build_credential
    from .net import FetchPolicy
    from .presentation import create_presentation, sign_presentation
    from .proofs.engine import ProofResult, verify_proofs
    from .rules import check_profile
    from .sdjwt import issue_sd_jwt, present_sd_jwt
    from .signing import sign
    from .verification.pipeline import verify
    from .verification.report import Check, VerificationReport
    from .verification.trust import TrustList

__version__ = "0.1.0"

_LAZY = {
    "Clock": "clock",
    "FixedClock": "clock",
    "SystemClock": "clock",
    "StaticLoader": "contexts",
    "DidResolver": "did",
    "did_web_document": "did",
    "KeyPair": "keys",
    "generate_key": "keys",
    "load_key": "keys",
    "save_key": "keys",
    "MicroCredential": "model.elements",
    "elements_from_dict": "model.elements",
    "StandardElements": "model.reader",
    "from_credential": "model.reader",
    "build_credential": "model.render",
    "FetchPolicy": "net",
    "enveloped": "jose",
    "sign_jwt": "jose",
    "issue_sd_jwt": "sdjwt",
    "present_sd_jwt": "sdjwt",
    "create_presentation": "presentation",
    "sign_presentation": "presentation",
    "ProofResult": "proofs.engine",
    "verify_proofs": "proofs.engine",
    "check_profile": "rules",
    "sign": "signing",
    "verify": "verification.pipeline",
    "Check": "verification.report",
    "VerificationReport": "verification.report",
    "TrustList": "verification.trust",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mcvc' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CanonicalizationError",
    "CanonicalizationLimitExceeded",
    "Check",
    "Clock",
    "ContextIntegrityError",
    "ContextNotAllowed",
    "DidResolutionError",
    "DidResolver",
    "DocumentLoaderError",
    "ElementsError",
    "FetchPolicy",
    "FixedClock",
    "InvalidInput",
    "JsonLdProcessingError",
    "KeyFormatError",
    "KeyPair",
    "McvcError",
    "MicroCredential",
    "NetworkPolicyError",
    "ProofResult",
    "StandardElements",
    "StaticLoader",
    "SystemClock",
    "TrustList",
    "UnsupportedSuite",
    "VerificationReport",
    "build_credential",
    "check_profile",
    "create_presentation",
    "did_web_document",
    "elements_from_dict",
    "enveloped",
    "from_credential",
    "generate_key",
    "issue_sd_jwt",
    "load_key",
    "present_sd_jwt",
    "save_key",
    "sign",
    "sign_jwt",
    "sign_presentation",
    "verify",
    "verify_proofs",
]
