"""``verify``: the ordered checks for credentials and presentations.

Order (fixed): parse -> contexts -> structure -> proof -> issuer -> trust -> dates -> status ->
elements. Nothing remote is fetched unless the caller passed an HTTP client, and no status
is fetched for a credential whose proof failed. A bad credential never raises.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..canon.api import Canonicalizer, fold_contexts
from ..clock import ensure_aware
from ..contexts import CREDENTIALS_V1, CREDENTIALS_V2, StaticLoader, default_loader
from ..dates import parse_datetime
from ..did import DidResolver
from ..ebsi import EbsiStore
from ..errors import (
    DeadlineExceeded,
    InvalidInput,
    McvcError,
    WorkLimitExceeded,
)
from ..jsontext import _check_tree, parse_json
from ..limits import DEFAULT_LIMITS, Deadline, Limits
from ..model.reader import from_credential
from ..net import Fetcher, FetchPolicy
from ..proofs.engine import verify_proofs
from ..proofs.purposes import AuthenticationPurpose
from ..status.checker import StatusChecker, default_list_verifier, default_token_verifier
from ..vcdm import violations
from .report import Check, TrustPolicy, VerificationReport
from .signed import compare_signed_reading
from .signers import _signers
from .trust import DEMO_DIDS, TrustList

if TYPE_CHECKING:
    import httpx

    from ..jades.certs import TrustAnchors

__all__ = ["verify"]

DEFAULT_SKEW = timedelta(seconds=300)


class _Ctx:
    """What every stage of one verification shares (built once by ``_verify``)."""

    def __init__(
        self,
        *,
        now: datetime,
        skew: timedelta,
        trust: TrustList | None,
        resolver: DidResolver,
        canon: Canonicalizer,
        challenge: str | None,
        domain: str | None,
        anchors: TrustAnchors | None,
        status_checker: StatusChecker | None,
        require_holder_binding: bool,
        ebsi: EbsiStore | None,
    ) -> None:
        self.now = now
        self.skew = skew
        self.trust = trust
        self.resolver = resolver
        self.canon = canon
        self.challenge = challenge
        self.domain = domain
        self.anchors = anchors
        self.status_checker = status_checker
        self.require_holder_binding = require_holder_binding
        self.ebsi = ebsi


def _contexts(doc: dict[str, Any], loader: StaticLoader, limits: Limits = DEFAULT_LIMITS) -> Check:
    ctx = fold_contexts(doc).get("@context")
    if ctx is None:
        return Check("contexts", "CONTEXT_MISSING", "fail", "the document has no @context")
    items = ctx if isinstance(ctx, list) else [ctx]
    if len(items) > limits.max_contexts:
        return Check(
            "contexts",
            "CONTEXT_LIMIT",
            "fail",
            f"{len(items)} @context entries (after folding repeats) exceed the limit of "
            f"{limits.max_contexts}",
            {"count": len(items), "limit": limits.max_contexts},
        )
    base = items[0] if items else None
    if base not in (CREDENTIALS_V1, CREDENTIALS_V2):
        return Check(
            "contexts",
            "CONTEXT_BASE_INVALID",
            "fail",
            f"the first @context must be {CREDENTIALS_V2} or {CREDENTIALS_V1}, not {base!r}",
        )
    if CREDENTIALS_V1 in items and CREDENTIALS_V2 in items:
        return Check(
            "contexts", "CONTEXT_VERSION_MIX", "fail", "VC 1.1 and 2.0 base contexts are mixed"
        )
    for i, item in enumerate(items):
        if isinstance(item, str):
            if item not in loader.urls:
                return Check(
                    "contexts",
                    "CONTEXT_NOT_ALLOWED",
                    "fail",
                    f"@context[{i}] {item!r} is not a bundled, pinned context (nothing was fetched)",
                    {"url": item},
                )
        elif isinstance(item, dict):
            if "@vocab" in item or "@base" in item:
                return Check(
                    "contexts",
                    "CONTEXT_NOT_ALLOWED",
                    "fail",
                    f"@context[{i}] sets @vocab or @base, which would make unsigned terms look signed",
                )
            defined = _terms_of(loader, [c for c in items[:i] if isinstance(c, str)])
            redefined = sorted(k for k in item if k in defined)  # (keywords are never terms)
            if redefined:
                return Check(
                    "contexts",
                    "CONTEXT_REDEFINES_TERM",
                    "fail",
                    f"@context[{i}] redefines {', '.join(redefined[:5])}, defined by a preceding context",
                    {"terms": redefined},
                )
        else:
            return Check(
                "contexts",
                "CONTEXT_NOT_ALLOWED",
                "fail",
                f"@context[{i}] is neither a URL nor an object",
            )
    return Check(
        "contexts",
        "OK",
        "pass",
        "all contexts are bundled and pinned",
        {"contexts": [c for c in items if isinstance(c, str)]},
    )


def _terms_of(loader: StaticLoader, urls: list[str]) -> set[str]:
    """The top-level terms the given bundled contexts define."""
    terms: set[str] = set()
    for url in urls:
        try:
            ctx = loader.load(url).get("@context")
        except McvcError:
            continue
        for part in ctx if isinstance(ctx, list) else [ctx]:
            if isinstance(part, dict):
                terms.update(k for k in part if not k.startswith("@"))
    return terms


def _issuer_id(doc: dict[str, Any]) -> str:
    issuer = doc.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id", ""))
    return str(issuer or "")


def _structure(doc: dict[str, Any], *, presentation: bool = False) -> Check:
    ctx = doc.get("@context")
    # a lone context is a string, not a list of one (indexing it would read its first letter)
    version = 2 if (ctx[0] if isinstance(ctx, list) and ctx else ctx) == CREDENTIALS_V2 else 1
    types = doc.get("type")
    types = types if isinstance(types, list) else [types]
    wanted = "VerifiablePresentation" if presentation else "VerifiableCredential"
    if wanted not in types:
        return Check("structure", "TYPE_MISSING", "fail", f"type must include {wanted}")
    if not presentation:
        # the same rules the issuer applies before signing (mcvc.vcdm)
        broken = violations(doc)
        if broken:
            first = broken[0]
            return Check(
                "structure",
                first.rule,
                "fail",
                f"{first.field}: {first.message}",
                {"field": first.field, "violations": len(broken)},
            )
        if version == 2:
            for legacy in ("issuanceDate", "expirationDate"):
                if legacy in doc:
                    return Check(
                        "structure",
                        "VC1_FIELD_IN_VC2",
                        "fail",
                        f"{legacy} is a VC 1.1 property; a VC 2.0 credential uses validFrom/validUntil",
                        {"field": legacy},
                    )
        elif "issuanceDate" not in doc:
            return Check(
                "structure",
                "ISSUANCE_DATE_MISSING",
                "fail",
                "a VC 1.1 credential needs issuanceDate",
            )
    return Check(
        "structure",
        "OK",
        "pass",
        f"VC data model {'2.0' if version == 2 else '1.1'}",
        {"vcdm": "2.0" if version == 2 else "1.1"},
    )


def _dates(doc: dict[str, Any], ctx: _Ctx) -> Check:
    found: dict[str, datetime] = {}
    for name in ("validFrom", "validUntil", "issuanceDate", "expirationDate", "issued"):
        if name in doc:
            try:
                found[name] = parse_datetime(doc[name], name)
            except InvalidInput as exc:
                return Check("dates", "DATE_INVALID", "fail", str(exc), {"field": name})
    now, skew = ctx.now, ctx.skew
    start = found.get("validFrom") or found.get("issuanceDate")
    end = found.get("validUntil") or found.get("expirationDate")
    details = {"now": now.isoformat(), **{k: v.isoformat() for k, v in found.items()}}
    if "validFrom" in found and "validUntil" in found and found["validUntil"] < found["validFrom"]:
        return Check(
            "dates", "VALIDITY_RANGE_INVALID", "fail", "validUntil is before validFrom", details
        )
    if start and now + skew < start:
        return Check(
            "dates", "NOT_YET_VALID", "fail", f"not valid before {start.isoformat()}", details
        )
    if end and now - skew > end:
        return Check("dates", "EXPIRED", "fail", f"expired at {end.isoformat()}", details)
    proofs = doc.get("proof")
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        if isinstance(proof, dict) and "created" in proof:
            try:
                created = parse_datetime(proof["created"], "proof.created")
            except InvalidInput:
                continue
            if created > now + skew:
                return Check(
                    "dates",
                    "PROOF_CREATED_IN_FUTURE",
                    "fail",
                    f"the proof was created in the future ({created.isoformat()})",
                    details,
                )
        if isinstance(proof, dict) and "expires" in proof:
            try:
                expires = parse_datetime(proof["expires"], "proof.expires")
            except InvalidInput:
                continue
            if now - skew > expires:
                return Check(
                    "dates",
                    "PROOF_EXPIRED",
                    "fail",
                    f"the proof expired at {expires.isoformat()}",
                    details,
                )
    return Check("dates", "OK", "pass", "within its validity period", details)


def _status_summary(entries: list[Any]) -> str:
    kinds = sorted(
        {
            f"{e.get('type')} ({e.get('statusPurpose', 'no purpose')})"
            for e in entries
            if isinstance(e, dict)
        }
    )
    count = f"{len(entries)} status entr{'y' if len(entries) == 1 else 'ies'}"
    return f"{count}: {', '.join(kinds) or 'not objects'}"


def _status_skipped(report: VerificationReport) -> Check | None:
    """``STATUS_SKIPPED`` unless the proof or seal and the issuer binding passed: nothing is
    fetched for a credential that is not authentic."""
    authentic = all(
        c.outcome == "pass" for c in report.checks if c.name in ("proof", "seal", "issuer")
    ) and any(c.name in ("proof", "seal") for c in report.checks)
    if authentic:
        return None
    return Check(
        "status",
        "STATUS_SKIPPED",
        "skipped",
        "not checked: the credential is not authentic, so nothing was fetched",
    )


def _status(doc: dict[str, Any], ctx: _Ctx, report: VerificationReport) -> Check:
    status = doc.get("credentialStatus")
    if status is None:
        # Some issuers (the MyNextID Europass sample) put status entries under "status";
        # a credential that declares a way to be revoked is never reported as having none.
        loose = doc.get("status")
        loose_entries = loose if isinstance(loose, list) else [loose]
        if any(
            isinstance(e, dict) and ("statusListCredential" in e or "statusPurpose" in e)
            for e in loose_entries
        ):
            return Check(
                "status",
                "STATUS_NOT_CHECKABLE",
                "error",
                f"{_status_summary(loose_entries)} under the non-standard key 'status' (not "
                "credentialStatus), which mcvc does not check: whether the credential was "
                "revoked or suspended is NOT known",
                {"key": "status"},
            )
        return Check("status", "NO_STATUS", "skipped", "the credential has no status entry")
    entries = status if isinstance(status, list) else [status]
    if report.kind == "jades-envelope":
        return Check(
            "status",
            "STATUS_NOT_CHECKABLE",
            "error",
            f"{_status_summary(entries)}; status lists of sealed (JAdES) credentials are not "
            "checked yet: whether the credential was revoked or suspended is NOT known",
        )
    skipped = _status_skipped(report)
    if skipped is not None:
        return skipped
    if ctx.status_checker is None:
        return Check(
            "status",
            "STATUS_NOT_CHECKED",
            "error",
            "the credential has a status entry and status checking is off (no HTTP client was given)",
        )
    result = ctx.status_checker.check(doc, ctx.now)
    return Check("status", result.code, result.outcome, result.message, result.details)  # type: ignore[arg-type]


def _elements(doc: dict[str, Any]) -> tuple[Check, dict[str, Any]]:
    elements = from_credential(doc)
    data = elements.to_dict()
    if elements.missing:
        return (
            Check(
                "elements",
                "ELEMENTS_MISSING",
                "fail",
                "missing mandatory standard elements: " + ", ".join(elements.missing),
                {"missing": elements.missing},
                informative=True,
            ),
            data,
        )
    return Check(
        "elements", "OK", "pass", "all mandatory EU standard elements present", informative=True
    ), data


def _append_elements(report: VerificationReport, doc: dict[str, Any]) -> None:
    try:
        check, data = _elements(doc)
    except McvcError as exc:  # the reader is lenient; a failure here is informative only
        report.checks.append(
            Check("elements", "ELEMENTS_UNREADABLE", "skipped", str(exc), informative=True)
        )
        return
    report.checks.append(check)
    report.elements = data


def _issuer_summary(doc: dict[str, Any]) -> dict[str, Any]:
    from ..model.reader import _org

    issuer = doc.get("issuer")
    summary: dict[str, Any] = {"id": _issuer_id(doc)}
    if isinstance(issuer, dict):
        summary.update(_org(issuer))
    return summary


def _verify_credential(doc: dict[str, Any], ctx: _Ctx, loader: StaticLoader) -> VerificationReport:
    report = VerificationReport(kind="credential")
    report.checks.append(Check("parse", "OK", "pass", "well-formed JSON"))
    if isinstance(doc.get("payload"), str) and isinstance(doc.get("signatures"), list):
        return _verify_sealed(doc, ctx, loader, report)
    ctx_check = _contexts(doc, loader, ctx.canon.limits)
    report.checks.append(ctx_check)
    structure = _structure(doc)
    report.checks.append(structure)
    report.issuer = _issuer_summary(doc)
    if ctx_check.outcome == "fail":
        report.checks.append(
            Check(
                "proof",
                "SKIPPED_CONTEXT",
                "skipped",
                "not checked: the contexts are not acceptable",
            )
        )
    else:
        shared: dict[tuple[str, ...], Any] = {}
        results = verify_proofs(doc, resolver=ctx.resolver, canon=ctx.canon, shared=shared)
        bad = [r for r in results if r.outcome != "pass"]
        if not bad:
            reading = _signed_reading(doc, ctx, shared)
            if reading is not None:
                report.checks.append(reading)
        details = {"proofs": [r.to_dict() for r in results]}
        if bad:
            first = bad[0]
            report.checks.append(
                Check(
                    "proof",
                    first.code,
                    first.outcome,
                    f"proof {first.index + 1} of {_proof_count(doc)}: {first.message}",
                    details,
                )
            )
        else:
            report.checks.append(
                Check("proof", "OK", "pass", f"{len(results)} proof(s) valid", details)
            )
            report.checks.extend(_signers(doc, results, _issuer_id(doc)))
    _assess(doc, ctx, report)
    return report


def _trust(
    doc: dict[str, Any], ctx: _Ctx, report: VerificationReport, issuer_check: Check | None
) -> Check:
    """Which trust source vouches for the issuer: the caller's trust list first, then the
    EBSI Trusted Issuers Registry as last fetched. Only an issuer whose signature was checked
    (``issuer`` passed) can be vouched for."""
    issuer = _issuer_id(doc)
    if ctx.trust is None and ctx.ebsi is None:
        return Check(
            "trust",
            "TRUST_NOT_CHECKED",
            "error",
            "no trust source was given: nothing confirms who the issuer is",
        )
    signed = issuer_check is not None and issuer_check.outcome == "pass"
    report.trusted = False
    if ctx.trust is not None:
        entry = ctx.trust.find(issuer)
        if entry is not None and signed:
            report.trusted = True
            return Check(
                "trust",
                "DEMO_TRUST_LIST" if ctx.trust.demo else "OK",
                "pass",
                f"issuer {entry.did} is on {ctx.trust.name or 'the trust list given'}",
                {
                    "source": ctx.trust.name,
                    "demo": ctx.trust.demo,
                    "legal_name": entry.legal_name,
                    "country": entry.country,
                    "deqar_id": entry.deqar_id,
                },
            )
    sources = [f"the trust list {ctx.trust.name}".rstrip()] if ctx.trust is not None else []
    if ctx.ebsi is not None:
        sources.append("the EBSI Trusted Issuers Registry")
        record = ctx.ebsi.issuers.get(issuer)
        if record is not None and record.accredited and signed:
            best = record.accredited[0]
            report.trusted = True
            by = f", accredited by {best.tao}" if best.tao and best.tao != issuer else ""
            return Check(
                "trust",
                "OK",
                "pass",
                f"the EBSI Trusted Issuers Registry ({record.api}) lists {issuer} as "
                f"{best.issuer_type}{by} (as fetched {record.fetched})",
                {
                    "source": "EBSI Trusted Issuers Registry",
                    "api": record.api,
                    "fetched": record.fetched,
                    "issuer_type": best.issuer_type,
                    "tao": best.tao,
                    "root_tao": best.root_tao,
                    "accredited_for": list(best.types),
                },
            )
        if record is not None and record.accreditations and not record.accredited:
            return Check(
                "trust",
                "ISSUER_NOT_TRUSTED",
                "error",
                f"the EBSI Trusted Issuers Registry (as fetched {record.fetched}) records "
                f"{issuer}'s accreditation as revoked",
                {"source": "EBSI Trusted Issuers Registry", "fetched": record.fetched},
            )
    if ctx.ebsi is None and ctx.trust is not None:
        said = f"issuer {issuer} is not on the trust list {ctx.trust.name}".rstrip()
    else:
        said = f"issuer {issuer} is not vouched for by {' or '.join(sources)}"
    return Check("trust", "ISSUER_NOT_TRUSTED", "error", said)


def _assess(doc: dict[str, Any], ctx: _Ctx, report: VerificationReport) -> None:
    """What follows the signature, whatever secured it: demo keys, trust, dates, status and
    the standard elements (the ``issuer`` check already in the report decides trust)."""
    issuer_check = report.check("issuer")
    if _issuer_id(doc) in DEMO_DIDS:
        report.checks.append(
            Check(
                "demo-key",
                "DEMO_KEY",
                "error",
                "signed with one of mcvc's public demo keys (keys/ in its repository): anyone "
                "can sign with it, so this credential proves nothing about any institution",
                informative=True,
            )
        )
    report.checks.append(_trust(doc, ctx, report, issuer_check))
    report.checks.append(_dates(doc, ctx))
    report.checks.append(_status(doc, ctx, report))
    _append_elements(report, doc)


def _verify_sealed(
    doc: dict[str, Any], ctx: _Ctx, loader: StaticLoader, report: VerificationReport
) -> VerificationReport:
    from ..jades.envelope import parse_envelope
    from ..jades.verify import verify_seal

    report.kind = "jades-envelope"
    try:
        envelope = parse_envelope(doc, ctx.canon.limits)
        credential = parse_json(envelope.payload)
    except InvalidInput as exc:
        report.checks.append(Check("seal", exc.code, "fail", str(exc)))
        return report
    if not isinstance(credential, dict):
        report.checks.append(
            Check("seal", "JADES_FORMAT", "fail", "the sealed payload is not a JSON object")
        )
        return report
    ctx_check = _contexts(credential, loader, ctx.canon.limits)
    report.checks.append(ctx_check)
    report.checks.append(_structure(credential))
    seal = verify_seal(envelope, credential, ctx.anchors, ctx.now)
    report.checks.extend(seal.checks)
    report.trusted = seal.trusted
    report.issuer = {**_issuer_summary(credential), "certificate": seal.certificate}
    if seal.checks and seal.checks[0].outcome == "pass":
        report.checks.append(_dates(credential, ctx))
        report.checks.append(_status(credential, ctx, report))
    _append_elements(report, credential)
    return report


def _signed_reading(
    doc: dict[str, Any],
    ctx: _Ctx,
    shared: dict[tuple[str, ...], Any],
    *,
    presentation: bool = False,
) -> Check | None:
    """Compare what the checks read with the signed graph (see :mod:`.signed`)."""
    quads = shared.get(("dataset",))
    if quads is None:  # JCS proofs hash the JSON; the meaning still comes from the graph
        try:
            quads = ctx.canon.dataset({k: v for k, v in doc.items() if k != "proof"})
        except DeadlineExceeded:
            raise
        except McvcError as exc:
            return Check("signed-data", exc.code, "fail", str(exc))
    return compare_signed_reading(doc, quads, presentation=presentation)


def _proof_count(doc: dict[str, Any]) -> int:
    proof = doc.get("proof")
    return len(proof) if isinstance(proof, list) else int(proof is not None)


def _verify_presentation(
    doc: dict[str, Any], ctx: _Ctx, loader: StaticLoader
) -> VerificationReport:
    report = VerificationReport(kind="presentation")
    report.checks.append(Check("parse", "OK", "pass", "well-formed JSON"))
    ctx_check = _contexts(doc, loader, ctx.canon.limits)
    report.checks.append(ctx_check)
    report.checks.append(_structure(doc, presentation=True))
    holder = doc.get("holder")
    holder_id = str(holder.get("id", "")) if isinstance(holder, dict) else str(holder or "")
    if ctx_check.outcome != "fail":
        purpose = AuthenticationPurpose(challenge=ctx.challenge, domain=ctx.domain)
        shared_vp: dict[tuple[str, ...], Any] = {}
        results = verify_proofs(
            doc, purpose=purpose, resolver=ctx.resolver, canon=ctx.canon, shared=shared_vp
        )
        bad = [r for r in results if r.outcome != "pass"]
        if not bad:
            reading = _signed_reading(doc, ctx, shared_vp, presentation=True)
            if reading is not None:
                report.checks.append(reading)
        details = {"proofs": [r.to_dict() for r in results]}
        if bad:
            report.checks.append(
                Check(
                    "proof", bad[0].code, bad[0].outcome, f"holder proof: {bad[0].message}", details
                )
            )
        elif holder_id and {r.controller for r in results} != {holder_id}:
            report.checks.append(
                Check(
                    "proof",
                    "HOLDER_MISMATCH",
                    "fail",
                    f"the holder is {holder_id} but the proof key belongs to {results[0].controller}",
                    details,
                )
            )
        else:
            report.checks.append(Check("proof", "OK", "pass", "holder proof valid", details))
    if ctx.challenge is None:
        report.checks.append(
            Check(
                "challenge",
                "CHALLENGE_NOT_REQUIRED",
                "skipped",
                "no challenge was required: the presentation could be a replay",
            )
        )
    credentials = doc.get("verifiableCredential", [])
    unread = 0  # credentials whose subject could not be compared with the holder
    for index, cred in enumerate(credentials if isinstance(credentials, list) else [credentials]):
        if not isinstance(cred, dict):
            unread += 1
            report.checks.append(
                Check(
                    "credentials",
                    "CREDENTIAL_NOT_OBJECT",
                    "fail",
                    f"verifiableCredential[{index}] is not an object",
                )
            )
            continue
        from .jose_checks import _enveloped_token, _verify_jose

        token = _enveloped_token(cred)
        if isinstance(token, Check):
            unread += 1
            report.checks.append(
                Check(
                    "credentials",
                    token.code,
                    "fail",
                    f"verifiableCredential[{index}]: {token.message}",
                )
            )
            continue
        if token is not None:
            inner = _verify_jose(token, ctx, loader)
            from ..jose import parse_jose

            try:
                cred = parse_jose(token).credential
            except InvalidInput:
                cred = {}
        else:
            inner = _verify_credential(cred, ctx, loader)
        report.credentials.append(inner)
        subjects = cred.get("credentialSubject")
        subject_ids = {
            str(s.get("id", ""))
            for s in (subjects if isinstance(subjects, list) else [subjects])
            if isinstance(s, dict)
        }
        if holder_id and subject_ids != {holder_id}:
            # The data model lets anyone present a credential; whether the presenter must be
            # its subject is the verifier's policy (require_holder_binding), so otherwise
            # this is shown, not failed.
            required = ctx.require_holder_binding
            report.checks.append(
                Check(
                    "holder-binding",
                    "HOLDER_BINDING_FAILED" if required else "HOLDER_NOT_SUBJECT",
                    "fail" if required else "error",
                    f"credential {index + 1}: subject {', '.join(sorted(subject_ids)) or '(none)'} "
                    f"is not the holder {holder_id}"
                    + ("" if required else ": the presenter is not the learner it names"),
                    informative=not required,
                )
            )
    if credentials and not any(c.name == "holder-binding" for c in report.checks):
        report.checks.append(
            Check(
                "holder-binding",
                "OK" if holder_id else "HOLDER_NOT_GIVEN",
                "pass" if holder_id else "skipped",
                (
                    "every credential's subject is the holder"
                    if not unread
                    else f"every credential that could be read names the holder as its "
                    f"subject ({unread} could not be read)"
                )
                if holder_id
                else "the presentation names no holder",
            )
        )
    return report


_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")


def _token_text(document: object) -> str | None:
    """The document as text a compact token could be, or None: tokens are ASCII only, so bytes
    that are not cannot be one (and are read as JSON or named for what they are)."""
    if isinstance(document, str):
        return document.strip()
    if isinstance(document, bytes) and document.isascii():
        return document.decode("ascii").strip()
    return None


def _looks_like_compact_jws(text: str) -> bool:
    return len(text) < 16 * 1024 * 1024 and bool(_JWS.match(text))


def verify(
    document: dict[str, Any] | str | bytes,
    *,
    now: datetime | None = None,
    trust: TrustList | None = None,
    http: httpx.Client | None = None,
    fetch_policy: FetchPolicy | None = None,
    challenge: str | None = None,
    domain: str | None = None,
    loader: StaticLoader | None = None,
    anchors: TrustAnchors | None = None,
    status_checker: StatusChecker | None = None,
    did_documents: dict[str, dict[str, Any]] | None = None,
    max_clock_skew: timedelta = DEFAULT_SKEW,
    limits: Limits = DEFAULT_LIMITS,
    timeout: float | None = None,
    deadline: Deadline | None = None,
    policy: TrustPolicy = "officer",
    require_holder_binding: bool = False,
    ebsi: EbsiStore | None = None,
) -> VerificationReport:
    """Verify a credential or presentation (dict, JSON text or bytes) and explain the result.

    The verdict names three facets (``report.facets``): intact, issuer confirmed by a trust
    source, currently valid. Under the default ``policy="officer"`` it is ``verified`` only
    when all three hold, and ``unconfirmed`` when the signature is valid but no trust source
    vouches for the issuer; ``policy="vc-api"`` calls that ``verified`` with the issuer as a
    warning (docs/verification.md). ``require_holder_binding`` fails a presentation whose
    holder is not the subject of every credential in it (otherwise an informative check).

    ``now`` defaults to the current time; pass it for reproducible results. Without ``http``
    nothing is fetched (did:web then cannot be resolved and the result is inconclusive).
    ``anchors`` are the certificates trusted for Europass (JAdES) seals; ``trust`` lists
    trusted issuer DIDs for Data Integrity credentials.

    ``limits`` caps the work per stage (:class:`~mcvc.limits.Limits`); ``timeout`` (seconds)
    or ``deadline`` stops the work cooperatively when the time is up, with an inconclusive
    ``TIMEOUT`` verdict. Whatever the input, the answer is a report: an unexpected failure
    inside mcvc is reported as ``VERIFIER_ERROR`` (inconclusive), never raised.
    """
    if policy not in ("officer", "vc-api"):
        raise ValueError(f"policy must be 'officer' or 'vc-api', not {policy!r}")
    if deadline is None:
        deadline = Deadline(timeout)
    return _verify_guarded(
        document,
        now=now,
        trust=trust,
        http=http,
        fetch_policy=fetch_policy,
        challenge=challenge,
        domain=domain,
        loader=loader,
        anchors=anchors,
        status_checker=status_checker,
        did_documents=did_documents,
        max_clock_skew=max_clock_skew,
        limits=limits,
        deadline=deadline,
        require_holder_binding=require_holder_binding,
        ebsi=ebsi,
    ).with_policy(policy)


def _verify_guarded(document: dict[str, Any] | str | bytes, **options: Any) -> VerificationReport:
    try:
        return _verify(document, **options)
    except DeadlineExceeded as exc:
        report = VerificationReport()
        report.checks.append(Check("limits", exc.code, "error", str(exc), dict(exc.details)))
        return report
    except WorkLimitExceeded as exc:
        report = VerificationReport()
        report.checks.append(Check("limits", exc.code, "fail", str(exc), dict(exc.details)))
        return report
    except ValueError:
        raise  # misuse: a naive ``now``, a bad timeout
    except RecursionError:
        report = VerificationReport()
        report.checks.append(
            Check(
                "limits",
                "TOO_DEEP",
                "fail",
                "the document nests or chains deeper than mcvc processes",
            )
        )
        return report
    except Exception as exc:
        report = VerificationReport()
        report.checks.append(
            Check(
                "internal",
                "VERIFIER_ERROR",
                "error",
                f"mcvc could not finish verifying this document ({type(exc).__name__}); "
                "it is not verified",
            )
        )
        return report


_MAGIC = (
    (
        b"%PDF",
        "a PDF document (a Europass PDF may carry the credential as an attachment: ask "
        "for the .json or .jsonld file)",
    ),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or an Office document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
)


_LEADING_BYTES = re.compile(rb"(?:\xef\xbb\xbf|[ \t\r\n])*")
_LEADING_TEXT = re.compile("[\ufeff \t\r\n]*")


def _not_a_credential(document: str | bytes) -> str | None:
    """What the input is when it is plainly not a JSON credential (named, not parsed)."""
    head = document if isinstance(document, bytes) else document[:8].encode("utf-8", "replace")
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if isinstance(document, bytes):
        start = _LEADING_BYTES.match(document).end()  # type: ignore[union-attr]
        first = document[start : start + 1].decode("latin-1")
    else:
        # however much white space comes first, the first character decides
        start = _LEADING_TEXT.match(document).end()  # type: ignore[union-attr]
        first = document[start : start + 1]
    if not first:
        return "the file is empty"
    if first == "<":
        return "an HTML or XML page"
    # (a compact JWS never gets here: verify() answers it as VC-JOSE first)
    if first not in ("{", "["):
        return "text that is not JSON"
    return None


def _more_values_than(doc: Any, limit: int) -> bool:
    """Whether ``doc`` holds more than ``limit`` JSON values; stops as soon as it does."""
    count = 1
    stack = [doc]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        children = node.values() if type(node) is dict else node
        count += len(children)
        if count > limit:
            return True
        for child in children:
            kind = type(child)
            if (kind is dict or kind is list) and child:
                push(child)
    return False


def _verify(
    document: dict[str, Any] | str | bytes,
    *,
    now: datetime | None,
    trust: TrustList | None,
    http: httpx.Client | None,
    fetch_policy: FetchPolicy | None,
    challenge: str | None,
    domain: str | None,
    loader: StaticLoader | None,
    anchors: TrustAnchors | None,
    status_checker: StatusChecker | None,
    did_documents: dict[str, dict[str, Any]] | None,
    max_clock_skew: timedelta,
    limits: Limits,
    deadline: Deadline | None,
    require_holder_binding: bool,
    ebsi: EbsiStore | None,
) -> VerificationReport:
    if now is not None:
        ensure_aware(now, "now")
    from ..clock import SystemClock

    moment = now or SystemClock().now()
    loader = loader or default_loader()
    fetcher = Fetcher(http, fetch_policy) if http is not None else None
    listed = trust.anchors() if trust is not None else None
    if listed is not None:  # seal certificates a trust list vouches for
        anchors = listed if anchors is None else anchors.merged(listed)
    if ebsi is not None and ebsi.documents:
        # did:ebsi keys as the DID Registry gave them when the officer updated the store
        did_documents = {**ebsi.documents, **(did_documents or {})}
    resolver = DidResolver(fetcher, did_documents)
    canon = Canonicalizer(loader, limits=limits, deadline=deadline)
    if status_checker is None and fetcher is not None:
        status_checker = StatusChecker(
            fetcher,
            default_list_verifier(resolver, canon),
            max_clock_skew=max_clock_skew,
            verify_token=default_token_verifier(resolver),
        )
    ctx = _Ctx(
        now=moment,
        skew=max_clock_skew,
        trust=trust,
        resolver=resolver,
        canon=canon,
        challenge=challenge,
        domain=domain,
        anchors=anchors,
        status_checker=status_checker,
        require_holder_binding=require_holder_binding,
        ebsi=ebsi,
    )
    token = _token_text(document)
    if token is not None:
        from ..sdjwt import looks_like_sd_jwt
        from .jose_checks import _verify_jose, _verify_sd_jwt

        if looks_like_sd_jwt(token):
            return _verify_sd_jwt(token, ctx, loader)
        if _looks_like_compact_jws(token):
            return _verify_jose(token, ctx, loader)
    what = _not_a_credential(document) if isinstance(document, (str, bytes)) else None
    if what is not None:
        report = VerificationReport()
        report.checks.append(
            Check("parse", "NOT_A_CREDENTIAL", "fail", f"this is not a digital credential: {what}")
        )
        return report
    try:
        if isinstance(document, (str, bytes)):
            doc = parse_json(document)
        else:
            _check_tree(document, 64)
            doc = document
    except InvalidInput as exc:
        report = VerificationReport()
        report.checks.append(Check("parse", exc.code, "fail", str(exc), {"pointer": exc.pointer}))
        return report
    if not isinstance(doc, dict):
        report = VerificationReport()
        report.checks.append(
            Check("parse", "PARSING_ERROR", "fail", "the document is not a JSON object")
        )
        return report
    from .jose_checks import _enveloped_token, _verify_jose

    enveloped = _enveloped_token(doc)
    if isinstance(enveloped, Check):
        report = VerificationReport(kind="vc-jose")
        report.checks.append(enveloped)
        return report
    if enveloped is not None:
        return _verify_jose(enveloped, ctx, loader)
    if _more_values_than(fold_contexts(doc), limits.max_values):
        report = VerificationReport()
        report.checks.append(
            Check(
                "parse",
                "VALUE_LIMIT",
                "fail",
                f"the document holds more than {limits.max_values} JSON values",
                {"limit": limits.max_values},
            )
        )
        return report
    types = doc.get("type")
    types = types if isinstance(types, list) else [types]
    if "VerifiablePresentation" in types:
        return _verify_presentation(doc, ctx, loader)
    return _verify_credential(doc, ctx, loader)
