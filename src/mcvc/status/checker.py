"""Checking ``credentialStatus`` against Bitstring Status List credentials.

Fetches go through the guarded :class:`~mcvc.net.Fetcher`, only after the credential's own
proof and issuer binding passed (the pipeline enforces that). The list credential's proof must
verify and its issuer must be the credential's issuer. An unreachable list is never "not
revoked": it is ``STATUS_RETRIEVAL_ERROR`` (inconclusive), and so is a list whose issuer key
could not be fetched (an offline officer, a did:web server down): unchecked is not invalid.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..dates import parse_datetime
from ..errors import InvalidInput, McvcError
from ..jsontext import parse_json
from ..net import Fetcher
from .bitstring import Bitstring, StatusListError, decode_list, parse_index

if TYPE_CHECKING:
    from ..jose import JoseCredential

__all__ = ["StatusChecker", "StatusResult"]

# entry type -> (list credential type, list subject type, multibase encodedList)
FORMATS = {
    "BitstringStatusListEntry": ("BitstringStatusListCredential", "BitstringStatusList", True),
    # VC Status List 2021 (W3C CCG), used with VCDM 1.1 credentials and in Europass samples
    "StatusList2021Entry": ("StatusList2021Credential", "StatusList2021", False),
}
_MAX_LIST_DOC = 20 * 1024 * 1024
_DEFAULT_TTL = timedelta(minutes=5)


def entry_problem(entry: Any) -> StatusResult | None:
    """What makes a status entry uncheckable or malformed, before anything is fetched (the
    issuer refuses the same entries); None for a well-formed entry of a known type."""
    if not isinstance(entry, dict):
        return StatusResult(
            "fail", "MALFORMED_VALUE_ERROR", "credentialStatus entry is not an object"
        )
    types = entry.get("type")
    types = types if isinstance(types, list) else [types]
    known = [t for t in types if t in FORMATS]
    if not known:
        return StatusResult(
            "error",
            "UNSUPPORTED_STATUS_TYPE",
            f"status entry of type {types}, which mcvc cannot check: whether the "
            "credential was revoked or suspended is NOT known",
        )
    purpose = entry.get("statusPurpose")
    url = entry.get("statusListCredential")
    if not isinstance(purpose, str) or not purpose:
        return StatusResult("fail", "MALFORMED_VALUE_ERROR", "statusPurpose must be a string")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return StatusResult(
            "fail", "MALFORMED_VALUE_ERROR", "statusListCredential must be an http(s) URL"
        )
    size = entry.get("statusSize", 1) if known[0] == "BitstringStatusListEntry" else 1
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 8:
        return StatusResult(
            "fail", "MALFORMED_VALUE_ERROR", "statusSize must be an integer from 1 to 8"
        )
    if size > 1 and not isinstance(entry.get("statusMessage"), list):
        return StatusResult(
            "fail", "MALFORMED_VALUE_ERROR", "statusSize above 1 needs statusMessage"
        )
    try:
        parse_index(entry.get("statusListIndex"))
    except StatusListError as exc:
        return StatusResult("fail", exc.code, str(exc))
    return None


@dataclass(frozen=True)
class StatusResult:
    outcome: str  # pass | fail | error
    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Cached:
    bitstring: Bitstring
    purposes: list[str]
    issuer: str
    expires_at: float
    valid_until: datetime | None
    etag: str | None = None
    ttl_seconds: float = 300.0


ListVerifier = Callable[[dict[str, Any]], tuple[bool, str, str]]
"""Given a status list credential, return (proof valid, issuer id, reason)."""
TokenVerifier = Callable[["JoseCredential"], tuple[bool, str, str]]
"""The same for a status list credential secured as a compact JWS (EBSI, VC-JOSE)."""


class StatusChecker:
    def __init__(
        self,
        fetcher: Fetcher,
        verify_list: ListVerifier,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clock_skew: timedelta = timedelta(seconds=300),
        verify_token: TokenVerifier | None = None,
    ) -> None:
        self.fetcher = fetcher
        self.verify_list = verify_list
        self.verify_token = verify_token
        self.clock = clock
        # an issuer's clock a little ahead of ours must not make a freshly re-signed list
        # "not valid yet" (the same tolerance as for credentials)
        self.skew = max_clock_skew
        self._cache: dict[str, _Cached] = {}

    def check(self, credential: dict[str, Any], now: datetime) -> StatusResult:
        status = credential.get("credentialStatus")
        entries = status if isinstance(status, list) else [status]
        issuer = credential.get("issuer")
        issuer_id = str(issuer.get("id", "")) if isinstance(issuer, dict) else str(issuer or "")
        results = []
        for position, entry in enumerate(entries):
            result = self._check_entry(entry, issuer_id, now)
            if result.outcome != "pass":
                return StatusResult(
                    result.outcome,
                    result.code,
                    f"status entry {position + 1}: {result.message}",
                    result.details,
                )
            results.append(result.details)
        return StatusResult(
            "pass", "OK", "; ".join(r["summary"] for r in results), {"entries": results}
        )

    def _check_entry(self, entry: Any, issuer_id: str, now: datetime) -> StatusResult:
        problem = entry_problem(entry)
        if problem is not None:
            return problem
        types = entry.get("type")
        fmt = next(t for t in (types if isinstance(types, list) else [types]) if t in FORMATS)
        purpose = entry["statusPurpose"]
        url = entry["statusListCredential"]
        size = entry.get("statusSize", 1) if fmt == "BitstringStatusListEntry" else 1
        index = parse_index(entry.get("statusListIndex"))
        try:
            cached = self._load(url, size, now, fmt)
        except StatusListError as exc:
            outcome = "error" if exc.code == "STATUS_RETRIEVAL_ERROR" else "fail"
            return StatusResult(outcome, exc.code, str(exc), {"url": url})
        if cached.issuer != issuer_id:
            return StatusResult(
                "fail",
                "STATUS_VERIFICATION_ERROR",
                f"the status list is issued by {cached.issuer}, the credential by {issuer_id}",
                {"url": url},
            )
        if purpose not in cached.purposes:
            return StatusResult(
                "fail",
                "STATUS_VERIFICATION_ERROR",
                f"the list serves {cached.purposes}, the entry asks for {purpose!r}",
                {"url": url},
            )
        try:
            value = cached.bitstring.value(index)
        except StatusListError as exc:
            return StatusResult("fail", exc.code, str(exc), {"url": url, "index": index})
        details: dict[str, Any] = {"url": url, "index": index, "purpose": purpose, "value": value}
        if size == 1 and value == 1:
            code = {"revocation": "REVOKED", "suspension": "SUSPENDED"}.get(purpose, "STATUS_SET")
            return StatusResult("fail", code, f"{purpose} bit {index} is set in {url}", details)
        if size > 1:
            summary = f"{purpose}: status value {value}"
        else:
            summary = (
                f"not {'revoked' if purpose == 'revocation' else purpose + ' set'} ({url} #{index})"
            )
        details["summary"] = summary
        return StatusResult("pass", "OK", summary, details)

    def _load(self, url: str, size: int, now: datetime, fmt: str) -> _Cached:
        list_type, subject_type, multibase = FORMATS[fmt]
        key = f"{fmt} {size} {url}"  # a list read with another status size is another list
        cached = self._cache.get(key)
        if (
            cached is not None
            and self.clock() < cached.expires_at
            and (cached.valid_until is None or now <= cached.valid_until)
        ):
            return cached
        stale = (
            cached
            if cached is not None and cached.etag and cached.bitstring.status_size == size
            else None
        )
        try:
            fetched = self.fetcher.fetch(
                url,
                accept=(
                    "application/vc+ld+json, application/ld+json, application/json, "
                    "application/vc+jwt;q=0.9, application/jwt;q=0.9"
                ),
                etag=stale.etag if stale else None,
            )
            if fetched.status == 304 and stale is not None:
                # unchanged since the verified copy: keep it for another ttl (not past validUntil)
                if stale.valid_until is not None and now > stale.valid_until:
                    raise StatusListError(
                        "the status list has expired", code="STATUS_VERIFICATION_ERROR"
                    )
                stale.expires_at = self.clock() + stale.ttl_seconds
                return stale
            token = _read_token(fetched.body, url)
            doc = token.credential if token else parse_json(fetched.body, max_bytes=_MAX_LIST_DOC)
        except StatusListError:
            raise  # already says what is wrong with the list (an expired copy)
        except McvcError as exc:
            code = (
                "STATUS_VERIFICATION_ERROR"
                if isinstance(exc, InvalidInput)
                else "STATUS_RETRIEVAL_ERROR"
            )
            raise StatusListError(f"status list {url}: {exc}", code=code) from None
        if not isinstance(doc, dict):
            raise StatusListError(
                f"status list {url} is not a JSON object", code="STATUS_VERIFICATION_ERROR"
            )
        raw_types = doc.get("type")
        types: list[Any] = raw_types if isinstance(raw_types, list) else [raw_types]
        if list_type not in types:
            raise StatusListError(f"{url} is not a {list_type}", code="STATUS_VERIFICATION_ERROR")
        if token is None:
            valid, issuer, reason = self.verify_list(doc)
        elif self.verify_token is None:
            valid, issuer, reason = False, "", "this checker has no verifier for JWT status lists"
        else:
            valid, issuer, reason = self.verify_token(token)
        if not valid:
            raise StatusListError(
                f"the status list credential does not verify: {reason}",
                code="STATUS_VERIFICATION_ERROR",
            )
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("type") != subject_type:
            raise StatusListError(
                f"the list's credentialSubject is not a {subject_type}",
                code="STATUS_VERIFICATION_ERROR",
            )
        purposes = subject.get("statusPurpose")
        purposes = purposes if isinstance(purposes, list) else [purposes]
        valid_until = None
        for name in ("validFrom", "validUntil", "issuanceDate", "expirationDate"):
            if name in doc:
                try:
                    moment = parse_datetime(doc[name], f"statusList.{name}")
                except InvalidInput as exc:
                    raise StatusListError(str(exc), code="STATUS_VERIFICATION_ERROR") from None
                if name in ("validFrom", "issuanceDate") and now + self.skew < moment:
                    raise StatusListError(
                        "the status list is not valid yet", code="STATUS_VERIFICATION_ERROR"
                    )
                if name in ("validUntil", "expirationDate"):
                    if now - self.skew > moment:
                        raise StatusListError(
                            "the status list has expired", code="STATUS_VERIFICATION_ERROR"
                        )
                    valid_until = moment
        bitstring = decode_list(subject.get("encodedList"), status_size=size, multibase=multibase)
        ttl = subject.get("ttl")
        seconds = (
            ttl / 1000
            if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl > 0
            else _DEFAULT_TTL.total_seconds()
        )
        entry = _Cached(
            bitstring,
            [str(p) for p in purposes],
            issuer,
            self.clock() + seconds,
            valid_until,
            fetched.etag,
            seconds,
        )
        self._cache[key] = entry
        return entry


def _read_token(body: bytes, url: str) -> JoseCredential | None:
    """A status list credential secured as a compact JWS (the JWT form EBSI uses, with the
    credential in a ``vc`` claim, or VC-JOSE ``vc+jwt``), None for any other body. The JWT's
    ``nbf``/``exp`` count as the list's dates when it states none itself."""
    from ..jose import looks_like_jws, parse_jose

    if not looks_like_jws(body):
        return None
    token = parse_jose(body)  # refusals are InvalidInput: the list is malformed
    if token.form not in ("jwt-vc", "vc-jose"):
        raise StatusListError(
            f"status list {url} is a {token.form} token, not a status list credential",
            code="STATUS_VERIFICATION_ERROR",
        )
    if token.form == "jwt-vc":
        from ..verification.jose_checks import _with_jwt_dates

        token = replace(token, credential=_with_jwt_dates(token.credential, token.claims))
    return token


def default_token_verifier(resolver: Any) -> TokenVerifier:
    """Verify a JWT status list: the signature against the key its ``kid`` names, listed
    under ``assertionMethod``; that key's controller must be the list's declared issuer and the
    JWT's registered claims must agree with the credential inside."""
    from ..jose import jwt_claim_problems
    from ..verification.jws import jws_signature

    def verify_token(token: JoseCredential) -> tuple[bool, str, str]:
        checked = jws_signature(token, resolver)
        if checked.outcome == "error":
            raise StatusListError(
                f"the status list's key could not be resolved: {checked.code}: {checked.message}",
                code="STATUS_RETRIEVAL_ERROR",
            )
        if checked.outcome != "pass":
            return False, "", f"{checked.code}: {checked.message}"
        issuer = token.credential.get("issuer")
        issuer_id = str(issuer.get("id", "")) if isinstance(issuer, dict) else str(issuer or "")
        if checked.details["controller"] != issuer_id:
            return False, "", "the list's signing key does not belong to the list's issuer"
        problems = jwt_claim_problems(token)
        if problems:
            return False, "", problems[0]
        return True, issuer_id, ""

    return verify_token


def default_list_verifier(resolver: Any, canon: Any) -> ListVerifier:
    """Verify a status list credential's Data Integrity proofs (all must pass) and report the
    controller of the key as the list's issuer only when it is the declared issuer."""
    from ..proofs.engine import verify_proofs
    from ..proofs.purposes import AssertionPurpose

    def verify_list(doc: dict[str, Any]) -> tuple[bool, str, str]:
        results = verify_proofs(doc, purpose=AssertionPurpose(), resolver=resolver, canon=canon)
        failed = [r for r in results if r.outcome == "fail"]
        if failed:
            return False, "", f"{failed[0].code}: {failed[0].message}"
        unreached = [r for r in results if r.outcome != "pass"]
        if unreached:
            # the list's key could not be fetched (offline, a did:web server down): the list is
            # unchecked, which says nothing against the credential
            raise StatusListError(
                f"the status list's key could not be resolved: "
                f"{unreached[0].code}: {unreached[0].message}",
                code="STATUS_RETRIEVAL_ERROR",
            )
        issuer = doc.get("issuer")
        issuer_id = str(issuer.get("id", "")) if isinstance(issuer, dict) else str(issuer or "")
        if {r.controller for r in results} != {issuer_id}:
            return False, "", "the list's proof key does not belong to the list's issuer"
        return True, issuer_id, ""

    return verify_list


def status_checker(http: Any, *, fetch_policy: Any = None, loader: Any = None) -> StatusChecker:
    """A checker with its own cache, to reuse across many ``verify`` calls."""
    from ..canon.api import Canonicalizer
    from ..contexts import default_loader
    from ..did import DidResolver

    fetcher = Fetcher(http, fetch_policy)
    resolver = DidResolver(fetcher)
    return StatusChecker(
        fetcher,
        default_list_verifier(resolver, Canonicalizer(loader or default_loader())),
        verify_token=default_token_verifier(resolver),
    )
