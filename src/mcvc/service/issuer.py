"""Issuing through the service: one configured issuer key, the shared ledger, exactly once.

A request names its credential with ``options.credentialId`` (or ``credential.id``); that name,
under the issuer, is the ledger's row key. The reservation (credential id, status index) is
committed before signing and the signed text after, so a repeated or concurrent request, on
this replica or another, gets the credential already issued, never a second one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..canon.api import Canonicalizer
from ..contexts import CREDENTIALS_V1, CREDENTIALS_V2, STATUS_V1
from ..errors import McvcError
from ..issuing.entries import with_status
from ..issuing.ledger import Ledger, LedgerError, ListSigner, Reservation
from ..issuing.publish import list_signer
from ..jsontext import copy_json
from ..keys import KeyPair
from ..proofs.engine import create_proof
from ..signing import _with_di_context
from ..status.checker import entry_problem
from ..vcdm import violations

__all__ = ["IssueRefused", "IssuedCredential", "ServiceIssuer"]


class IssueRefused(McvcError):
    """A request the service will not carry out; ``status`` is the HTTP status to answer."""

    code = "REQUEST_INVALID"

    def __init__(self, message: str, *, code: str, status: int = 400, field: str = "") -> None:
        super().__init__(message, code=code)
        self.status = status
        self.field = field


@dataclass(frozen=True)
class IssuedCredential:
    text: str  # the exact signed JSON stored in the ledger
    replayed: bool  # True when an earlier request had already issued it


class ServiceIssuer:
    def __init__(
        self,
        name: str,
        key: KeyPair,
        *,
        status_base: str,
        suspension: bool,
        status_ttl_ms: int,
        canon: Canonicalizer,
        now: Any,
        caller_status: bool = True,
        vc1_status: str = "always",
    ) -> None:
        self.caller_status = caller_status
        self.vc1_status = vc1_status
        self.name = name
        self.key = key
        self.id = key.controller_id
        self.status_base = status_base
        self.suspension = suspension
        self.status_ttl_ms = status_ttl_ms
        self.canon = canon
        self.sign_list: ListSigner = list_signer(key, now, ttl_ms=status_ttl_ms)

    def row_key(self, credential_id: str) -> str:
        return f"{self.name}/{credential_id}"

    def issue(
        self,
        credential: dict[str, Any],
        credential_id: str | None,
        ledger: Ledger,
        now: datetime,
        status_requested: bool = False,
    ) -> IssuedCredential:
        doc = copy_json(credential)
        self._check(doc)
        own_id = doc.get("id")
        if own_id is not None and (not isinstance(own_id, str) or ":" not in own_id):
            raise IssueRefused(
                "credential.id must be an absolute URI",
                code="REQUEST_INVALID",
                field="credential.id",
            )
        name = credential_id or own_id
        if name is None:
            # neither given: nothing to recognise a retry by, so every request is a new credential
            name = f"urn:uuid:{uuid.uuid4()}"
        try:
            reservation = ledger.reserve(
                self.row_key(name),
                status_base=self.status_base,
                now=now,
                credential_id=own_id,
            )
        except LedgerError as exc:
            raise IssueRefused(str(exc), code=exc.code, status=409, field="credential.id") from None
        prepared = self._prepare(doc, reservation, now, status_requested)
        if reservation.state == "issued":
            return self._replay(reservation, prepared)
        signed = {
            **prepared,
            "proof": create_proof(prepared, self.key, created=now, canon=self.canon),
        }
        text = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
        try:
            ledger.complete(reservation.row_key, text, now=now)
        except LedgerError:
            # a concurrent request for the same credential completed first: answer with theirs
            current = ledger.get(reservation.row_key)
            if current is None or current.state != "issued":
                raise
            return self._replay(current, prepared)
        return IssuedCredential(text, replayed=False)

    def issue_secured(
        self,
        credential: dict[str, Any],
        name: str,
        ledger: Ledger,
        now: datetime,
        secure: Callable[[dict[str, Any]], str],
    ) -> IssuedCredential:
        """Issue ``credential`` under the ledger row ``name``, secured by ``secure`` (a JWT,
        an SD-JWT, ...). A row already issued gives its stored text back: the caller has
        decided that the request is the same one (OpenID4VCI records the wallet key)."""
        doc = copy_json(credential)
        self._check(doc)
        try:
            reservation = ledger.reserve(
                self.row_key(name),
                status_base=self.status_base,
                now=now,
                credential_id=doc.get("id"),
            )
        except LedgerError as exc:
            raise IssueRefused(str(exc), code=exc.code, status=409, field="credential.id") from None
        if reservation.state == "issued":
            return IssuedCredential(reservation.signed or "", replayed=True)
        prepared = self._prepare(doc, reservation, now, False)
        text = secure(prepared)
        try:
            ledger.complete(reservation.row_key, text, now=now)
        except LedgerError:
            current = ledger.get(reservation.row_key)
            if current is None or current.state != "issued":
                raise
            return IssuedCredential(current.signed or "", replayed=True)
        return IssuedCredential(text, replayed=False)

    def data_integrity(self, prepared: dict[str, Any], now: datetime) -> str:
        signed = {
            **prepared,
            "proof": create_proof(prepared, self.key, created=now, canon=self.canon),
        }
        return json.dumps(signed, ensure_ascii=False, separators=(",", ":"))

    def _check(self, doc: dict[str, Any]) -> None:
        ctx = doc.get("@context")
        first = ctx[0] if isinstance(ctx, list) and ctx else ctx
        if first not in (CREDENTIALS_V1, CREDENTIALS_V2):
            raise IssueRefused(
                f"credential.@context must begin with {CREDENTIALS_V2} or {CREDENTIALS_V1}",
                code="REQUEST_INVALID",
                field="credential.@context",
            )
        types = doc.get("type")
        if "VerifiableCredential" not in (types if isinstance(types, list) else [types]):
            raise IssueRefused(
                "credential.type must include VerifiableCredential",
                code="REQUEST_INVALID",
                field="credential.type",
            )
        if "proof" in doc:
            raise IssueRefused(
                "the credential already has a proof; send it unsigned",
                code="REQUEST_INVALID",
                field="credential.proof",
            )
        if "credentialStatus" in doc and not self.caller_status:
            raise IssueRefused(
                "credentialStatus is allocated by the service (its status lists); leave it out",
                code="REQUEST_INVALID",
                field="credential.credentialStatus",
            )
        # the data model rules the verifier applies, before anything is reserved or signed
        broken = violations(doc)
        if broken:
            first = broken[0]
            raise IssueRefused(
                f"credential.{first.field}: {first.message} ({first.rule})",
                code=first.rule,
                field=f"credential.{first.field}",
            )
        given = doc.get("credentialStatus")
        for i, entry in enumerate(given if isinstance(given, list) else [given] if given else []):
            problem = entry_problem(entry)
            # an entry of a type mcvc does not check is the caller's business; a malformed
            # entry of a type it knows would fail every verification
            if problem is not None and problem.code != "UNSUPPORTED_STATUS_TYPE":
                where = (
                    f"credential.credentialStatus[{i}]"
                    if isinstance(given, list)
                    else ("credential.credentialStatus")
                )
                raise IssueRefused(f"{where}: {problem.message}", code=problem.code, field=where)
        issuer = doc.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id != self.id:
            raise IssueRefused(
                f"credential.issuer must be {self.id}, the DID of issuer {self.name!r}",
                code="ISSUER_MISMATCH",
                field="credential.issuer",
            )

    def _wants_status(self, doc: dict[str, Any], requested: bool) -> bool:
        """VC 2.0 defines the status terms in its base context; a VC 1.1 credential needs the
        status context added, which some clients' loaders do not know (issuer option)."""
        ctx = doc.get("@context")
        ctx = ctx if isinstance(ctx, list) else [ctx]
        return (
            CREDENTIALS_V1 not in ctx
            or self.vc1_status == "always"
            or requested
            or STATUS_V1 in ctx
        )

    def _prepare(
        self, doc: dict[str, Any], reservation: Reservation, now: datetime, requested: bool
    ) -> dict[str, Any]:
        prepared = {**doc, "id": reservation.credential_id}
        if self._wants_status(doc, requested):
            prepared = with_status(prepared, reservation, suspension=self.suspension)
        if CREDENTIALS_V1 in prepared["@context"] and "issuanceDate" not in prepared:
            prepared["issuanceDate"] = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        return _with_di_context(prepared)

    def _replay(self, reservation: Reservation, prepared: dict[str, Any]) -> IssuedCredential:
        text = reservation.signed or ""
        stored = json.loads(text)
        stored.pop("proof", None)
        if "issuanceDate" not in prepared or "issuanceDate" not in stored:
            same = stored == prepared
        else:
            # a filled-in issuanceDate is the first request's time, not this one's
            same = {**stored, "issuanceDate": None} == {**prepared, "issuanceDate": None}
        if not same:
            raise IssueRefused(
                f"credential {reservation.credential_id} was already issued with other content",
                code="CREDENTIAL_CONFLICT",
                status=409,
                field="options.credentialId",
            )
        return IssuedCredential(text, replayed=True)
