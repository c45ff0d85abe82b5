"""mcvc: micro-credentials as verifiable credentials.

Build European Digital Credentials (ELM v3) from the EU standard elements, sign them with
W3C Data Integrity proofs, and verify them with a report that explains the verdict.

The public API is what ``__all__`` lists; lower-level modules (``mcvc.canon``, ``mcvc.proofs``,
``mcvc.keys``, ``mcvc.did``) are importable but may change between minor versions.
"""

from .clock import Clock, FixedClock, SystemClock
from .contexts import StaticLoader
from .did import DidResolver, did_web_document
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
from .keys import KeyPair, generate_key, load_key, save_key
from .model.elements import MicroCredential, elements_from_dict
from .model.reader import StandardElements, from_credential
from .model.render import build_credential
from .net import FetchPolicy
from .presentation import create_presentation, sign_presentation
from .proofs.engine import ProofResult, verify_proofs
from .rules import check_profile
from .signing import sign
from .verify.pipeline import verify
from .verify.report import Check, VerificationReport
from .verify.trust import TrustList

__version__ = "0.1.0"

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
    "from_credential",
    "generate_key",
    "load_key",
    "save_key",
    "sign",
    "sign_presentation",
    "verify",
    "verify_proofs",
]
