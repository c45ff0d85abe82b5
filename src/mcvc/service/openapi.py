"""The OpenAPI 3.1 document of the service, generated from the pydantic models and the route
table, so the document and the validation code cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import models as m

__all__ = ["OPERATIONS", "Operation", "openapi_document"]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    request: type[BaseModel] | None = None
    responses: dict[int, tuple[str, Any]] = field(default_factory=dict)
    secured: bool = False
    parameters: tuple[str, ...] = ()
    raw_json: bool = False  # the response is a JSON document that is not described by a model


_ERR = m.ErrorResponse
_REPORT_OR_ERR = (m.VerificationResult, _ERR)
_BODY: dict[int, tuple[str, Any]] = {
    408: ("the request body did not arrive in time", _ERR),
    413: ("request body too large", _ERR),
    415: ("not a JSON request", _ERR),
    503: ("the request took too long (see Retry-After)", _ERR),
}
_LIMITS: dict[int, tuple[str, Any]] = {
    **_BODY,
    429: ("rate limit exceeded (see Retry-After)", _ERR),
}

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "post",
        "/credentials/issue",
        "issueCredential",
        "Sign a credential as a configured issuer (exactly once per credentialId)",
        "Credentials",
        m.IssueRequest,
        {
            201: ("issued", m.IssueResponse),
            200: (
                "already issued for this credentialId: the same credential again",
                m.IssueResponse,
            ),
            400: ("invalid request or credential", _ERR),
            401: ("no valid bearer token", _ERR),
            403: ("the token may not issue as this issuer", _ERR),
            409: ("credentialId or credential.id already issued with other content", _ERR),
            **_BODY,
        },
        secured=True,
    ),
    Operation(
        "post",
        "/credentials/status",
        "updateCredentialStatus",
        "Revoke, suspend or lift a suspension; the status list is re-signed at once",
        "Credentials",
        m.UpdateStatusRequest,
        {
            200: ("status changed and list re-signed", m.UpdateStatusResponse),
            400: ("invalid request", _ERR),
            401: ("no valid bearer token", _ERR),
            403: ("the token may not change this credential", _ERR),
            404: ("no such credential", _ERR),
            **_BODY,
        },
        secured=True,
    ),
    Operation(
        "post",
        "/credentials/verify",
        "verifyCredential",
        "Verify a credential and explain the result",
        "Credentials",
        m.VerifyCredentialRequest,
        {
            200: ("verified", m.VerificationResult),
            400: ("failed (report), or a malformed request (error)", _REPORT_OR_ERR),
            422: ("inconclusive: a check could not be carried out (report)", m.VerificationResult),
            **_LIMITS,
        },
    ),
    Operation(
        "post",
        "/presentations/verify",
        "verifyPresentation",
        "Verify a presentation (challenge, domain, holder) and every credential in it",
        "Presentations",
        m.VerifyPresentationRequest,
        {
            200: ("verified", m.VerificationResult),
            400: ("failed (report), or a malformed request (error)", _REPORT_OR_ERR),
            422: ("inconclusive (report)", m.VerificationResult),
            **_LIMITS,
        },
    ),
    Operation(
        "post",
        "/challenges",
        "createChallenge",
        "A single-use challenge for options.challenge of a later presentation",
        "Presentations",
        None,
        {200: ("a new challenge", m.ChallengeResponse), 429: _LIMITS[429], 503: _BODY[503]},
    ),
    Operation(
        "get",
        "/status/{issuer}/{list}",
        "getStatusList",
        "The signed BitstringStatusListCredential (ETag, If-None-Match)",
        "Status",
        None,
        {
            200: ("the status list credential", None),
            304: ("not modified", None),
            404: ("no such list", _ERR),
        },
        parameters=("issuer", "list"),
        raw_json=True,
    ),
    Operation(
        "get",
        "/.well-known/did.json",
        "getDidDocument",
        "The DID document of a did:web issuer served by this service",
        "Issuers",
        None,
        {200: ("DID document", None), 404: ("no did:web issuer here", _ERR)},
        raw_json=True,
    ),
    Operation(
        "get",
        "/health",
        "health",
        "Liveness and the ledger's reachability",
        "Service",
        None,
        {200: ("healthy", None), 503: ("the ledger cannot be reached", _ERR)},
        raw_json=True,
    ),
)

_MODELS: tuple[type[BaseModel], ...] = (
    m.IssueRequest,
    m.IssueResponse,
    m.UpdateStatusRequest,
    m.UpdateStatusResponse,
    m.VerifyCredentialRequest,
    m.VerifyPresentationRequest,
    m.VerificationResult,
    m.ChallengeResponse,
    m.ErrorResponse,
)


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _schema(model: Any) -> dict[str, Any]:
    if isinstance(model, tuple):
        return {"anyOf": [_ref(one) for one in model]}
    return _ref(model)


def openapi_document(*, version: str, server_url: str) -> dict[str, Any]:
    _, top = models_json_schema(
        [(model, "validation") for model in _MODELS],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        spec: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": {},
        }
        if op.parameters:
            spec["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in op.parameters
            ]
        if op.request is not None:
            spec["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(op.request)}},
            }
        for status, (description, model) in sorted(op.responses.items()):
            response: dict[str, Any] = {"description": description}
            if model is not None:
                response["content"] = {"application/json": {"schema": _schema(model)}}
            elif op.raw_json and status == 200:
                response["content"] = {"application/json": {"schema": {"type": "object"}}}
            spec["responses"][str(status)] = response
        spec["security"] = [{"bearerAuth": []}] if op.secured else []
        paths.setdefault(op.path, {})[op.method] = spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "mcvc VC-API service",
            "version": version,
            "description": "Issue, verify and revoke EU micro-credentials (W3C VC-API shape).",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
