"""Request and response shapes of the service (VC-API), as pydantic models.

They validate the envelope of each request (the credential inside is checked by mcvc itself)
and are the single source of the OpenAPI document (:mod:`mcvc.service.openapi`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ChallengeResponse",
    "CheckModel",
    "ErrorResponse",
    "IssueOptions",
    "IssueRequest",
    "IssueResponse",
    "ProblemDetail",
    "StatusEntryRef",
    "UpdateStatusRequest",
    "UpdateStatusResponse",
    "VerificationResult",
    "VerifyCredentialRequest",
    "VerifyOptions",
    "VerifyPresentationRequest",
]

JsonObject = dict[str, Any]


class _Request(BaseModel):
    # strict: "true" is not a boolean and 1 is not a string in a request envelope
    model_config = ConfigDict(extra="forbid", strict=True)


class StatusRequest(_Request):
    type: Literal["BitstringStatusListEntry"]


class IssueOptions(_Request):
    credentialId: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The caller's stable identifier of this credential (e.g. student number, "
        "offering and attempt). Issuing again with the same credentialId returns the credential "
        "already issued instead of a second one. Defaults to credential.id.",
    )
    mandatoryPointers: list[str] | None = Field(
        default=None, description="Selective disclosure is not offered: must be absent."
    )
    credentialStatus: StatusRequest | None = Field(
        default=None,
        description="Ask for status entries (revocation, and suspension where the issuer "
        "offers it) on a VC 1.1 credential of an issuer configured vc1_status = 'when-asked'; "
        "VC 2.0 credentials always get them.",
    )


class IssueRequest(_Request):
    credential: JsonObject = Field(
        description="An unsigned credential (VC 1.1 or 2.0 JSON-LD, e.g. built by mcvc build)."
    )
    options: IssueOptions = Field(default_factory=IssueOptions)


class IssueResponse(BaseModel):
    verifiableCredential: JsonObject


class VerifyOptions(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)
    challenge: str | None = Field(default=None, max_length=512)
    domain: str | None = Field(default=None, max_length=512)


class VerifyCredentialRequest(_Request):
    verifiableCredential: JsonObject = Field(
        description="A credential secured with Data Integrity proofs, or a Europass (JAdES) "
        "sealed credential, as a JSON object (a credential sent as a JSON string is refused: "
        "the VC-API takes a map)."
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class VerifyPresentationRequest(_Request):
    verifiablePresentation: JsonObject | None = None
    presentation: JsonObject | None = Field(
        default=None, description="A presentation without proof (VC-API ProoflessVerify...)."
    )
    options: VerifyOptions = Field(default_factory=VerifyOptions)


class ChallengeResponse(BaseModel):
    challenge: str


class StatusEntryRef(_Request):
    type: str
    statusPurpose: Literal["revocation", "suspension"]
    id: str | None = None
    statusListIndex: str | None = None
    statusListCredential: str | None = None


class UpdateStatusRequest(_Request):
    credentialId: str = Field(min_length=1, max_length=255)
    credentialStatus: StatusEntryRef
    status: bool


class UpdateStatusResponse(BaseModel):
    credentialId: str
    statusPurpose: str
    status: bool
    statusListCredential: str


class ProblemDetail(BaseModel):
    type: str
    title: str
    detail: str
    check: str


class CheckModel(BaseModel):
    check: str
    code: str
    outcome: Literal["pass", "fail", "error", "skipped"]
    message: str
    details: JsonObject | None = None
    informative: bool | None = None


class VerificationResult(BaseModel):
    """The mcvc report (docs/verification.md) with the VC-API fields ``verified`` and
    ``problemDetails`` (one per failed check) and ``warnings`` (checks that could not run)."""

    reportVersion: int
    verified: bool
    outcome: Literal["verified", "unconfirmed", "failed", "inconclusive"]
    facets: dict[str, Literal["pass", "fail", "unknown"]]
    policy: Literal["officer", "vc-api"]
    kind: str
    checks: list[CheckModel]
    issuer: JsonObject
    trusted: bool | None
    elements: JsonObject | None = None
    credentials: list[JsonObject] | None = None
    problemDetails: list[ProblemDetail]
    warnings: list[ProblemDetail]


class ErrorResponse(BaseModel):
    code: str = Field(description="A stable code, e.g. REQUEST_INVALID, UNAUTHORIZED.")
    message: str
    field: str | None = Field(default=None, description="The request field at fault, if one.")
