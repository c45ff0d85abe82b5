"""The one exception tree of mcvc.

Exceptions are for misuse and for input that a function cannot work with; a verdict on a
credential is never an exception (see :mod:`mcvc.verify`). Every class carries a stable
``code`` so callers and the verifier can map an error to a report entry without parsing text.

    McvcError
    ├── InvalidInput                 bad JSON / bad document shape (code, pointer)
    ├── ElementsError                standard elements that do not validate (list of issues)
    ├── DocumentLoaderError          a JSON-LD document could not be served
    │   ├── ContextNotAllowed        URL not in the bundled manifest (never fetched)
    │   └── ContextIntegrityError    bytes do not match the pinned SHA-256
    ├── JsonLdProcessingError        strict JSON-LD: undefined term, relative IRI, redefinition
    ├── CanonicalizationError        RDFC-1.0 could not finish
    │   └── CanonicalizationLimitExceeded   the work limit stopped a poison graph
    ├── KeyFormatError               a key file or multikey/JWK value is malformed
    ├── UnsupportedSuite             unknown cryptosuite, or suite/key mismatch
    ├── DidResolutionError           a DID could not be resolved (offline or remote)
    ├── NetworkPolicyError           a fetch refused by the guarded HTTP client
    ├── WorkLimitExceeded            a count limit of mcvc.limits.Limits was crossed
    └── DeadlineExceeded             the caller's time limit ran out (work stopped)
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CanonicalizationError",
    "CanonicalizationLimitExceeded",
    "ContextIntegrityError",
    "ContextNotAllowed",
    "DeadlineExceeded",
    "DidResolutionError",
    "DocumentLoaderError",
    "ElementsError",
    "InvalidInput",
    "JsonLdProcessingError",
    "KeyFormatError",
    "McvcError",
    "NetworkPolicyError",
    "UnsupportedSuite",
    "WorkLimitExceeded",
]


class McvcError(Exception):
    """Base class of every mcvc exception."""

    code: str = "MCVC_ERROR"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details

    def __str__(self) -> str:
        return self.message


class InvalidInput(McvcError):
    """The input is not acceptable JSON or not a document of the expected shape."""

    code = "PARSING_ERROR"

    def __init__(self, message: str, *, code: str | None = None, pointer: str = "") -> None:
        super().__init__(message, code=code, pointer=pointer)
        self.pointer = pointer


class ElementsError(McvcError):
    """Standard elements did not validate; ``issues`` lists (path, rule, message)."""

    code = "ELEMENTS_INVALID"

    def __init__(self, message: str, *, issues: list[dict[str, str]]) -> None:
        super().__init__(message, issues=issues)
        self.issues = issues


class DocumentLoaderError(McvcError):
    """A JSON-LD document could not be served by the loader."""

    code = "DOCUMENT_LOADER_ERROR"

    def __init__(self, message: str, *, url: str, code: str | None = None) -> None:
        super().__init__(message, code=code, url=url)
        self.url = url


class ContextNotAllowed(DocumentLoaderError):
    """The URL is not one of the bundled, hash-pinned contexts; nothing was fetched."""

    code = "CONTEXT_NOT_ALLOWED"


class ContextIntegrityError(DocumentLoaderError):
    """A bundled context's bytes do not match the pinned SHA-256."""

    code = "CONTEXT_HASH_MISMATCH"


class JsonLdProcessingError(McvcError):
    """Strict JSON-LD processing refused the document."""

    code = "JSONLD_ERROR"


class CanonicalizationError(McvcError):
    """RDF Dataset Canonicalization failed."""

    code = "CANONICALIZATION_ERROR"


class CanonicalizationLimitExceeded(CanonicalizationError):
    """The work limit of RDFC-1.0 was reached (poison graph defence)."""

    code = "CANONICALIZATION_LIMIT"


class KeyFormatError(McvcError):
    """A key file, multikey or JWK value is malformed or of an unsupported kind."""

    code = "INVALID_KEY"


class UnsupportedSuite(McvcError):
    """An unknown cryptosuite was requested, or the key does not fit the suite."""

    code = "UNSUPPORTED_CRYPTOSUITE"


class DidResolutionError(McvcError):
    """A DID or verification method could not be resolved."""

    code = "DID_RESOLUTION_ERROR"


class NetworkPolicyError(McvcError):
    """The guarded HTTP client refused or could not complete a fetch."""

    code = "NETWORK_ERROR"


class WorkLimitExceeded(McvcError):
    """Input crossed one of the per-stage caps of :class:`mcvc.limits.Limits`."""

    code = "WORK_LIMIT"


class DeadlineExceeded(McvcError):
    """The caller's time limit ran out; the work was stopped, not abandoned."""

    code = "TIMEOUT"
