"""Verification of credentials secured with JOSE (VC-JOSE, the VCDM 1.1 JWT form, enveloped
credentials) and of SD-JWT VCs: the JWS in place of a Data Integrity proof, then the checks
every credential gets (:func:`mcvc.verification.pipeline._assess`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..canon.api import fold_contexts
from ..contexts import CREDENTIALS_V1, StaticLoader
from ..errors import InvalidInput
from ..jsontext import parse_json
from ..multibase import b64url_decode
from .jws import jws_signature
from .pipeline import (
    _assess,
    _contexts,
    _Ctx,
    _issuer_id,
    _issuer_summary,
    _more_values_than,
    _status_skipped,
    _structure,
)
from .report import Check, VerificationReport

# How long before the verification (beyond the clock skew) a key-binding JWT answering this
# verifier's nonce may have been made (RFC 9901 7.3: iat within an acceptable window).
KB_MAX_AGE = timedelta(minutes=10)


def _enveloped_token(doc: dict[str, Any]) -> str | Check | None:
    """The JWS of an EnvelopedVerifiableCredential (VC-JOSE), a refusal, or None."""
    from ..jose import unwrap_enveloped

    try:
        return unwrap_enveloped(doc)
    except InvalidInput as exc:
        return Check("parse", exc.code, "fail", str(exc))


def _verify_jose(
    token: str, ctx: _Ctx, loader: StaticLoader, report: VerificationReport | None = None
) -> VerificationReport:
    """A VC-JOSE (``vc+jwt``) or VCDM 1.1 JWT credential: the JWS in place of the proof, then
    the same checks as a Data Integrity credential."""
    from ..jose import jwt_claim_problems, parse_jose

    report = report or VerificationReport()
    report.kind = "vc-jose"
    try:
        jose = parse_jose(token)
        if jose.form == "status-list":
            raise InvalidInput(
                "a Token Status List (statuslist+jwt), not a credential", code="JOSE_FORMAT"
            )
    except InvalidInput as exc:
        report.checks.append(Check("parse", exc.code, "fail", str(exc)))
        return report
    # VCDM 1.1 §6.3.1: a JWT's nbf and exp stand for issuanceDate and expirationDate when
    # the credential omits them; in VC-JOSE, iat and exp are the signature's own times
    doc = (
        _with_jwt_dates(jose.credential, jose.claims) if jose.form == "jwt-vc" else jose.credential
    )
    report.checks.append(Check("parse", "OK", "pass", f"{jose.alg} JWS ({jose.form})"))
    if _more_values_than(fold_contexts(doc), ctx.canon.limits.max_values):
        report.checks.append(
            Check("parse", "VALUE_LIMIT", "fail", "the credential holds too many JSON values")
        )
        return report
    report.checks.append(_contexts(doc, loader, ctx.canon.limits))
    report.checks.append(_structure(doc))
    report.issuer = _issuer_summary(doc)
    problems = jwt_claim_problems(jose)
    if problems:
        report.checks.append(
            Check("jwt-claims", "JOSE_CLAIMS_MISMATCH", "fail", "; ".join(problems))
        )
    report.checks.append(jws_signature(jose, ctx.resolver))
    binding = _issuer_binding(report, doc)
    if binding is not None:
        report.checks.append(binding)
    _assess(_with_signature_times(doc, jose), ctx, report)
    # the Token Status List's status claim is defined for any JWT, not only SD-JWT VCs
    status = jose.claims.get("status")
    if isinstance(status, dict) and "status_list" in status:
        _token_status(report, status, ctx, _issuer_id(doc))
    return report


def _verify_sd_jwt(text: str, ctx: _Ctx, loader: StaticLoader) -> VerificationReport:
    """An SD-JWT VC: the issuer's JWS, the disclosures the holder chose (each referenced by
    the signed payload exactly once), the key-binding JWT when the credential is bound to a
    holder key, then the same checks as any credential on what was disclosed."""
    from ..jose import jwt_claim_problems, parse_jose
    from ..sdjwt import ENVELOPE_CLAIMS, parse_sd_jwt, reconstruct

    report = VerificationReport(kind="sd-jwt-vc")
    try:
        sd = parse_sd_jwt(text)
        jose = parse_jose(sd.jwt)
        if jose.form != "sd-jwt":
            raise InvalidInput(
                f"the issuer-signed JWT has typ {jose.header.get('typ')!r}, not dc+sd-jwt",
                code="SD_JWT_FORMAT",
            )
        rebuilt = reconstruct(jose.claims, sd.disclosures)
    except InvalidInput as exc:
        report.checks.append(Check("parse", exc.code, "fail", str(exc)))
        return report
    claims = rebuilt.claims
    doc = {k: v for k, v in claims.items() if k not in ENVELOPE_CLAIMS}
    report.checks.append(
        Check(
            "parse",
            "OK",
            "pass",
            f"{jose.alg} SD-JWT VC with {len(sd.disclosures)} disclosure(s)",
            {"vct": claims.get("vct"), "disclosed": rebuilt.disclosed},
        )
    )
    if _more_values_than(fold_contexts(doc), ctx.canon.limits.max_values):
        report.checks.append(
            Check("parse", "VALUE_LIMIT", "fail", "the credential holds too many JSON values")
        )
        return report
    report.checks.append(_contexts(doc, loader, ctx.canon.limits))
    report.checks.append(_structure(doc))
    report.issuer = _issuer_summary(doc)
    problems = [] if "iss" in claims else ["iss is required in an SD-JWT VC"]
    problems += jwt_claim_problems(jose)
    if problems:
        report.checks.append(
            Check("jwt-claims", "JOSE_CLAIMS_MISMATCH", "fail", "; ".join(problems))
        )
    report.checks.append(jws_signature(jose, ctx.resolver))
    binding = _issuer_binding(report, doc)
    if binding is not None:
        report.checks.append(binding)
        report.checks.append(_key_binding(sd, claims, ctx))
    _assess(_with_signature_times(doc, jose), ctx, report)
    if "status" in claims:
        _token_status(report, claims["status"], ctx, _issuer_id(doc))
    return report


def _token_status(report: VerificationReport, status: Any, ctx: _Ctx, issuer_id: str) -> None:
    """An SD-JWT VC's ``status`` claim (IETF Token Status List, mcvc.status.token), checked
    like ``credentialStatus`` and only once the credential is authentic: never "no status
    entry", and never "not revoked" on the strength of another entry alone."""
    from ..status.checker import StatusResult
    from ..status.token import TokenStatusChecker

    position, check = next((i, c) for i, c in enumerate(report.checks) if c.name == "status")
    if check.outcome in ("fail", "error"):
        return  # already revoked, or not known
    skipped = _status_skipped(report)
    if skipped is not None:
        report.checks[position] = skipped
        return
    if isinstance(status, dict) and "status_list" not in status:
        result = StatusResult(
            "error",
            "STATUS_NOT_CHECKABLE",
            f"the status claim names {', '.join(sorted(status)) or 'no mechanism'}, which mcvc "
            "does not check: whether the credential was revoked or suspended is NOT known",
            {"mechanisms": sorted(status)},
        )
    elif ctx.status_checker is None:
        result = StatusResult(
            "error",
            "STATUS_NOT_CHECKED",
            "the status claim refers to a Token Status List, and no network access or status "
            "list file was given: whether the credential was revoked or suspended is NOT known",
        )
    else:

        def signature(jose: Any) -> tuple[str, str, str]:
            checked = jws_signature(jose, ctx.resolver)
            if checked.outcome == "pass":
                return "pass", str(checked.details["controller"]), ""
            return checked.outcome, checked.code, checked.message

        checker = TokenStatusChecker(ctx.status_checker.fetcher, signature, max_clock_skew=ctx.skew)
        result = checker.check(status, issuer_id, ctx.now)
    before = f"{check.message}; " if check.outcome == "pass" else ""
    details = {**check.details, "token_status_list": result.details}
    report.checks[position] = Check(
        "status",
        result.code,
        result.outcome,  # type: ignore[arg-type]
        before + result.message,
        details,
    )


def _issuer_binding(report: VerificationReport, doc: dict[str, Any]) -> Check | None:
    """Whether the key that signed the JWS is the issuer's; None when the signature did not
    verify (nothing to bind)."""
    proof = report.check("proof")
    if proof is None or proof.outcome != "pass":
        return None
    controller = proof.details["controller"]
    issuer_id = _issuer_id(doc)
    if controller == issuer_id:
        return Check("issuer", "OK", "pass", f"signed by a key of the issuer {issuer_id}")
    return Check(
        "issuer",
        "ISSUER_MISMATCH",
        "fail",
        f"the issuer is {issuer_id} but the key belongs to {controller}",
        {"issuer": issuer_id, "controllers": [controller]},
    )


def _key_binding(sd: Any, claims: dict[str, Any], ctx: _Ctx) -> Check:
    """RFC 9901 §7.3: with ``cnf`` the holder proves possession over exactly what it presents,
    for this verifier's nonce (the challenge) and audience (the domain)."""
    from cryptography.exceptions import InvalidSignature

    from ..jose import ALGORITHMS
    from ..sdjwt import key_from_jwk, sd_hash

    cnf = claims.get("cnf")
    if sd.kb_jwt is None:
        if cnf is None:
            return Check(
                "holder-binding",
                "HOLDER_NOT_GIVEN",
                "skipped",
                "the credential is not bound to a holder key",
            )
        if ctx.challenge is None:
            return Check(
                "holder-binding",
                "CHALLENGE_NOT_REQUIRED",
                "skipped",
                "no nonce was required, so no key binding was checked: the presentation "
                "could be a replay",
            )
        return Check(
            "holder-binding",
            "KB_JWT_MISSING",
            "fail",
            "the credential is bound to a holder key and the presentation has no key-binding JWT",
        )
    try:
        if not isinstance(cnf, dict):
            raise InvalidInput(
                "a key-binding JWT, but no cnf claim to check it with", code="KB_JWT_INVALID"
            )
        holder = key_from_jwk(cnf.get("jwk"))
        part1, part2, part3 = sd.kb_jwt.split(".")
        header = parse_json(b64url_decode(part1), max_bytes=4096)
        kb = parse_json(b64url_decode(part2), max_bytes=16_384)
        if not isinstance(header, dict) or not isinstance(kb, dict):
            raise InvalidInput("the key-binding JWT is not two JSON objects", code="KB_JWT_INVALID")
        if header.get("typ") != "kb+jwt":
            raise InvalidInput(f"typ {header.get('typ')!r} is not kb+jwt", code="KB_JWT_INVALID")
        if ALGORITHMS.get(str(header.get("alg"))) != holder.kind:
            raise InvalidInput(
                f"alg {header.get('alg')!r} does not fit the holder's {holder.kind} key",
                code="KB_JWT_INVALID",
            )
        holder.verify(b64url_decode(part3), f"{part1}.{part2}".encode("ascii"))
        if kb.get("sd_hash") != sd_hash(sd.presented):
            raise InvalidInput("sd_hash does not cover what was presented", code="KB_JWT_INVALID")
        if ctx.challenge is not None and kb.get("nonce") != ctx.challenge:
            raise InvalidInput("nonce is not the one asked for", code="INVALID_CHALLENGE_ERROR")
        if ctx.domain is not None and kb.get("aud") != ctx.domain:
            raise InvalidInput("aud is not this verifier", code="INVALID_DOMAIN_ERROR")
        iat = kb.get("iat")
        if not isinstance(iat, int) or isinstance(iat, bool):
            raise InvalidInput("iat must be a NumericDate", code="KB_JWT_INVALID")
        issued = datetime.fromtimestamp(iat, UTC)
        if issued > ctx.now + ctx.skew:
            raise InvalidInput("the key-binding JWT was made in the future", code="KB_JWT_INVALID")
        if ctx.challenge is not None and issued < ctx.now - ctx.skew - KB_MAX_AGE:
            # A wallet signs the key binding when it answers the nonce; an old one answering
            # this nonce means the nonce was handed out long ago or is being replayed.
            raise InvalidInput(
                f"the key-binding JWT was made at {issued.isoformat()}, more than "
                f"{KB_MAX_AGE.seconds // 60} minutes before this verification",
                code="KB_JWT_INVALID",
            )
    except InvalidSignature:
        return Check(
            "holder-binding",
            "KB_JWT_INVALID",
            "fail",
            "the key-binding JWT's signature does not match",
        )
    except (InvalidInput, ValueError) as exc:
        code = getattr(exc, "code", "KB_JWT_INVALID")
        return Check("holder-binding", code, "fail", f"key binding: {exc}")
    return Check(
        "holder-binding",
        "OK",
        "pass",
        "the holder proved possession of the bound key"
        + ("" if ctx.challenge is None else " for this verifier's nonce"),
    )


def _with_signature_times(doc: dict[str, Any], jose: Any) -> dict[str, Any]:
    """The JWS's iat and exp checked as a proof's created and expires (dates check)."""
    times = {}
    for claim, name in (("iat", "created"), ("exp", "expires")):
        value = jose.claims.get(claim) if jose.form in ("vc-jose", "sd-jwt") else None
        if isinstance(value, int) and not isinstance(value, bool):
            times[name] = datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {**doc, "proof": times} if times else doc


def _with_jwt_dates(doc: dict[str, Any], claims: dict[str, Any]) -> dict[str, Any]:
    """The JWT's nbf/exp as the credential's dates when it states none itself."""
    ctx = doc.get("@context")
    v1 = (ctx[0] if isinstance(ctx, list) and ctx else ctx) == CREDENTIALS_V1
    out = doc
    for claim, names in (
        ("nbf", ("issuanceDate", "validFrom") if v1 else ("validFrom", "issuanceDate")),
        ("exp", ("expirationDate", "validUntil") if v1 else ("validUntil", "expirationDate")),
    ):
        value = claims.get(claim)
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not any(n in doc for n in names)
        ):
            stamp = datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            out = {**out, names[0]: stamp}
    return out
