"""DID resolution: did:key and did:jwk offline, did:web through the guarded fetcher.

A verification method is always taken from its controller's DID document, never from the
credential, and the caller learns which verification relationships list it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from .errors import DidResolutionError, KeyFormatError, McvcError
from .jsontext import parse_json
from .keys import KeyPair, key_from_document, public_key_from_multibase
from .multibase import b64url_decode, b64url_encode
from .net import Fetcher

__all__ = [
    "RELATIONSHIPS",
    "DidResolver",
    "ResolvedMethod",
    "did_jwk_for",
    "did_key_document",
    "did_web_document",
    "did_web_url",
]

RELATIONSHIPS = (
    "assertionMethod",
    "authentication",
    "capabilityInvocation",
    "capabilityDelegation",
    "keyAgreement",
)
_DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
_JWK_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"]
_MAX_DID_DOC = 256 * 1024


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key (Ed25519, P-256, P-384), built offline."""
    method_specific = did.removeprefix("did:key:")
    if not did.startswith("did:key:") or not method_specific or ":" in method_specific:
        raise DidResolutionError(f"{did!r} is not a did:key", code="INVALID_DID")
    try:
        public_key_from_multibase(method_specific)
    except KeyFormatError as exc:
        raise DidResolutionError(f"invalid did:key: {exc}", code="INVALID_DID") from None
    vm_id = f"{did}#{method_specific}"
    return {
        "@context": _DID_CONTEXT,
        "id": did,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": method_specific,
            }
        ],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def did_jwk_for(key: KeyPair) -> str:
    jwk = key.public_jwk()
    return "did:jwk:" + b64url_encode(json.dumps(jwk, separators=(",", ":")).encode())


def _did_jwk_document(did: str) -> dict[str, Any]:
    try:
        jwk = parse_json(b64url_decode(did.removeprefix("did:jwk:")), max_bytes=4096)
    except McvcError as exc:
        raise DidResolutionError(f"invalid did:jwk: {exc}", code="INVALID_DID") from None
    if not isinstance(jwk, dict) or "d" in jwk:
        raise DidResolutionError("did:jwk must encode a public JWK", code="INVALID_DID")
    try:
        key_from_document({"publicKeyJwk": jwk})
    except KeyFormatError as exc:
        raise DidResolutionError(f"invalid did:jwk: {exc}", code="INVALID_DID") from None
    vm_id = did + "#0"
    return {
        "@context": _JWK_CONTEXT,
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey", "controller": did, "publicKeyJwk": jwk}
        ],
        "assertionMethod": [vm_id],
        "authentication": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def did_web_url(did: str) -> str:
    """The HTTPS URL of a did:web document (did:web spec §Read)."""
    if not did.startswith("did:web:") or "#" in did or "?" in did:
        raise DidResolutionError(f"{did!r} is not a did:web", code="INVALID_DID")
    parts = did.removeprefix("did:web:").split(":")
    host = unquote(parts[0])
    if not host or "/" in host or "@" in host:
        raise DidResolutionError(f"{did!r}: invalid host", code="INVALID_DID")
    path = "/".join(quote(unquote(p), safe="") for p in parts[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def did_web_document(did: str, keys: list[KeyPair]) -> dict[str, Any]:
    """The did.json an institution publishes for ``did`` with the given keys."""
    did_web_url(did)
    methods = []
    for index, key in enumerate(keys):
        fragment = key.id.split("#", 1)[1] if "#" in key.id else f"key-{index + 1}"
        methods.append(
            {
                "id": f"{did}#{fragment}",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key_multibase,
            }
        )
    ids = [m["id"] for m in methods]
    return {
        "@context": _DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


class ResolvedMethod:
    """A verification method, its key, its controller document and where it is listed."""

    def __init__(self, method: dict[str, Any], key: KeyPair, controller_doc: dict[str, Any]):
        self.method = method
        self.key = key
        self.controller_doc = controller_doc

    @property
    def id(self) -> str:
        return str(self.method["id"])

    @property
    def controller(self) -> str:
        return str(self.method.get("controller", ""))

    def listed_under(self, relationship: str) -> bool:
        for entry in self.controller_doc.get(relationship, []) or []:
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if _absolute(ref, self.controller_doc["id"]) == self.id:
                return True
        return False


def _absolute(ref: Any, base: str) -> str:
    text = str(ref)
    return base + text if text.startswith("#") else text


class DidResolver:
    """Resolve DIDs; did:web only when a :class:`Fetcher` is given.

    ``documents`` holds controller documents known in advance (for example from a trust list
    or a file given on the command line); they are used instead of any fetch.
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        documents: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.documents = dict(documents or {})

    def resolve(self, did: str) -> dict[str, Any]:
        if did in self.documents:
            return self.documents[did]
        if did.startswith("did:key:"):
            return did_key_document(did)
        if did.startswith("did:jwk:"):
            return _did_jwk_document(did)
        if did.startswith("did:web:"):
            return self._resolve_web(did)
        method = did.split(":", 2)[1] if did.startswith("did:") and did.count(":") >= 2 else ""
        if method:
            raise DidResolutionError(
                f"DID method {method!r} is not supported", code="UNSUPPORTED_DID_METHOD"
            )
        raise DidResolutionError(f"{did!r} is not a DID", code="INVALID_DID")

    def _resolve_web(self, did: str) -> dict[str, Any]:
        url = did_web_url(did)
        if self.fetcher is None:
            raise DidResolutionError(
                f"{did} needs a network fetch, which was not allowed", code="NETWORK_NOT_ALLOWED"
            )
        try:
            body = self.fetcher.get(url, accept="application/did+json, application/json")
            doc = parse_json(body, max_bytes=_MAX_DID_DOC)
        except McvcError as exc:
            raise DidResolutionError(
                f"{did}: {exc}", code=getattr(exc, "code", "DID_RESOLUTION_ERROR")
            ) from None
        if not isinstance(doc, dict) or doc.get("id") != did:
            raise DidResolutionError(
                f"the document at {url} has id {doc.get('id') if isinstance(doc, dict) else None!r}, not {did}",
                code="DID_DOCUMENT_ID_MISMATCH",
            )
        return doc

    def method(self, vm_id: str) -> ResolvedMethod:
        """Dereference a verification method URL (``did:...#fragment``)."""
        if not isinstance(vm_id, str) or not vm_id.startswith("did:"):
            raise DidResolutionError(
                f"verification method {vm_id!r} is not a DID URL",
                code="INVALID_VERIFICATION_METHOD",
            )
        did = vm_id.split("#", 1)[0]
        doc = self.resolve(did)
        candidates = list(doc.get("verificationMethod", []) or [])
        for rel in RELATIONSHIPS:
            candidates.extend(e for e in doc.get(rel, []) or [] if isinstance(e, dict))
        for method in candidates:
            if isinstance(method, dict) and _absolute(method.get("id"), did) == vm_id:
                method = {**method, "id": vm_id}
                controller = method.get("controller")
                if controller != did:
                    raise DidResolutionError(
                        f"verification method {vm_id} names controller {controller!r}, "
                        f"but is published in {did}",
                        code="VM_CONTROLLER_MISMATCH",
                    )
                try:
                    key = key_from_document(method)
                except KeyFormatError as exc:
                    raise DidResolutionError(
                        f"verification method {vm_id}: {exc}", code=exc.code
                    ) from None
                return ResolvedMethod(method, key.with_id(vm_id, did), doc)
        raise DidResolutionError(
            f"{vm_id} is not in the DID document of {did}", code="VM_NOT_FOUND"
        )
