"""Every stable code mcvc can answer with, and what it means.

A report's checks, the service's refusals and the exceptions of :mod:`mcvc.errors` all carry
one of these codes. Callers switch on the code, never on the wording, so a code keeps its
meaning across versions. ``tests/test_failure_codes.py`` holds the smallest input that yields
each one and fails when the source can produce a code that is not listed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["CODES", "Code", "describe"]

Area = Literal[
    "verify", "proof", "key", "seal", "status", "trust", "input", "ledger", "service", "other"
]


@dataclass(frozen=True)
class Code:
    name: str
    area: Area
    meaning: str


_TABLE: tuple[tuple[str, Area, str], ...] = (
    # --- the verdict's own checks
    ("OK", "verify", "the check passed"),
    (
        "NOT_A_CREDENTIAL",
        "input",
        "the input is a PDF, image, HTML, text or empty, not a credential",
    ),
    ("PARSING_ERROR", "input", "the input is not acceptable JSON or not a JSON object"),
    ("DUPLICATE_KEY", "input", "a JSON object names the same member twice"),
    ("TOO_DEEP", "input", "JSON nesting deeper than the limit (64)"),
    ("INVALID_STRING", "input", "a lone UTF-16 surrogate in a string or key"),
    ("NUMBER_RANGE", "input", "a number JSON parsers disagree on (not finite, beyond 2^53-1)"),
    ("INPUT_TOO_LARGE", "input", "a document, body, download or inflated list over its size cap"),
    ("VALUE_LIMIT", "input", "more JSON values than Limits.max_values"),
    ("JOSE_FORMAT", "input", "a JWS or enveloped credential that is not well formed"),
    (
        "JOSE_CLAIMS_MISMATCH",
        "verify",
        "JWT claims (iss, jti, sub, nbf, exp) contradict the credential",
    ),
    (
        "SD_JWT_FORMAT",
        "input",
        "an SD-JWT that is not <JWT>~<disclosures>~[<KB-JWT>] or not dc+sd-jwt",
    ),
    (
        "SD_JWT_DISCLOSURE",
        "verify",
        "a disclosure not referenced once by the signed payload, or colliding",
    ),
    ("KB_JWT_MISSING", "verify", "a holder-bound SD-JWT presented without a key-binding JWT"),
    ("KB_JWT_INVALID", "verify", "a key-binding JWT that is not the holder's, for this, now"),
    ("KID_NOT_RESOLVABLE", "key", "a JWS kid that is not a DID URL: the key cannot be found"),
    ("CONTEXT_MISSING", "verify", "the document has no @context"),
    ("CONTEXT_LIMIT", "verify", "more @context entries than Limits.max_contexts"),
    ("CONTEXT_BASE_INVALID", "verify", "the first context is not a VC base context"),
    ("CONTEXT_VERSION_MIX", "verify", "VC 1.1 and VC 2.0 base contexts mixed"),
    ("CONTEXT_NOT_ALLOWED", "verify", "a context URL that is not bundled, or @vocab/@base inline"),
    ("CONTEXT_REDEFINES_TERM", "verify", "an inline context redefines a term of an earlier one"),
    ("CONTEXT_HASH_MISMATCH", "verify", "a bundled context's bytes differ from its pinned SHA-256"),
    ("DOCUMENT_LOADER_ERROR", "verify", "a JSON-LD document could not be served"),
    ("TYPE_MISSING", "verify", "type lacks VerifiableCredential/VerifiablePresentation"),
    ("ISSUER_INVALID", "verify", "issuer missing, null, or not a URL / object with a URL id"),
    ("SUBJECT_INVALID", "verify", "credentialSubject missing, empty or not an object"),
    ("ID_NOT_URL", "verify", "an id that is not a URL"),
    ("ID_DUPLICATE", "verify", "two related resources with the same id"),
    ("DATE_NOT_DATETIMESTAMP", "verify", "a date that is not an XML Schema dateTimeStamp"),
    ("TYPE_REQUIRED", "verify", "status, schema, evidence, terms, refresh entry without type"),
    ("NOT_AN_OBJECT", "verify", "a field that must be an object (or objects) is not"),
    ("DIGEST_REQUIRED", "verify", "relatedResource without digestSRI or digestMultibase"),
    ("VC1_FIELD_IN_VC2", "verify", "issuanceDate/expirationDate in a VC 2.0 credential"),
    ("ISSUANCE_DATE_MISSING", "verify", "a VC 1.1 credential without issuanceDate"),
    ("SIGNED_DATA_MISMATCH", "verify", "the JSON the checks read differs from the signed graph"),
    ("DATE_INVALID", "verify", "validFrom/validUntil (or 1.1 dates) unparsable"),
    ("VALIDITY_RANGE_INVALID", "verify", "validUntil before validFrom"),
    ("NOT_YET_VALID", "verify", "validFrom is in the future"),
    ("EXPIRED", "verify", "validUntil is in the past"),
    ("PROOF_CREATED_IN_FUTURE", "verify", "a proof's created is after now (beyond clock skew)"),
    ("PROOF_EXPIRED", "verify", "a proof's expires is in the past"),
    ("ISSUER_MISMATCH", "verify", "the signing key's controller is not the issuer"),
    (
        "AWARDING_BODY_NOT_SIGNED",
        "verify",
        "a joint credential an awarding body named has not signed (informative)",
    ),
    ("TRUST_NOT_CHECKED", "trust", "no trust source was given (unconfirmed issuer)"),
    ("ISSUER_NOT_TRUSTED", "trust", "the issuer is not on the trust list given"),
    ("DEMO_TRUST_LIST", "trust", "trusted only by the bundled demo trust list"),
    ("DEMO_KEY", "trust", "signed with one of mcvc's public demo keys"),
    ("HOLDER_MISMATCH", "verify", "the presentation is signed by someone other than its holder"),
    ("HOLDER_NOT_GIVEN", "verify", "the presentation names no holder"),
    ("HOLDER_NOT_SUBJECT", "verify", "the holder is not the subject (informative)"),
    (
        "HOLDER_BINDING_FAILED",
        "verify",
        "holder binding was required and the holder is not the subject",
    ),
    ("CHALLENGE_NOT_REQUIRED", "verify", "no challenge was asked for: a replay is not excluded"),
    (
        "CREDENTIAL_NOT_OBJECT",
        "verify",
        "a presentation's verifiableCredential entry is not an object",
    ),
    ("ELEMENTS_MISSING", "verify", "EU mandatory standard elements missing (informative)"),
    ("ELEMENTS_UNREADABLE", "verify", "the standard elements could not be read (informative)"),
    ("SKIPPED_CONTEXT", "verify", "a check skipped because an earlier one failed"),
    ("VERIFIER_ERROR", "verify", "an unexpected error inside mcvc (inconclusive)"),
    ("TIMEOUT", "verify", "the caller's deadline or a fetch timed out (inconclusive)"),
    ("WORK_LIMIT", "verify", "a count limit of Limits was crossed"),
    # --- proofs and keys
    ("PROOF_MISSING", "proof", "the document has no proof"),
    ("PROOF_LIMIT", "proof", "more proofs than Limits.max_proofs"),
    ("UNSUPPORTED_PROOF_TYPE", "proof", "a proof type other than DataIntegrityProof"),
    ("UNSUPPORTED_CRYPTOSUITE", "proof", "a cryptosuite mcvc does not implement"),
    ("PROOF_VERIFICATION_ERROR", "proof", "a proof field missing or malformed"),
    ("PROOF_PURPOSE_MISMATCH", "proof", "the proof's purpose is not the one expected"),
    (
        "INVALID_CHALLENGE_ERROR",
        "proof",
        "the presentation proof's challenge is not the one asked for",
    ),
    ("INVALID_DOMAIN_ERROR", "proof", "the presentation proof's domain is not the one asked for"),
    ("VM_NOT_AUTHORIZED", "proof", "the key is not listed under the purpose's relationship"),
    ("INVALID_SIGNATURE", "proof", "the signature does not match the signed data"),
    ("SUITE_KEY_MISMATCH", "key", "the cryptosuite does not fit the key type"),
    (
        "DATA_LOSS_DETECTION_ERROR",
        "proof",
        "a term or value would be dropped from the signed graph",
    ),
    ("RELATIVE_IRI", "proof", "an IRI resolves against no base"),
    ("PROTECTED_TERM_REDEFINITION", "proof", "a protected JSON-LD term is redefined"),
    ("JSONLD_ERROR", "proof", "JSON-LD processing failed"),
    ("CANONICALIZATION_ERROR", "proof", "RDF canonicalization could not finish"),
    ("CANONICALIZATION_LIMIT", "proof", "the canonicalization work budget ran out (poison graph)"),
    ("INVALID_DID", "key", "the DID is malformed"),
    ("UNSUPPORTED_DID_METHOD", "key", "a DID method mcvc does not resolve"),
    ("DID_RESOLUTION_ERROR", "key", "the DID could not be resolved"),
    ("DID_DOCUMENT_ID_MISMATCH", "key", "the DID document describes another DID"),
    ("INVALID_VERIFICATION_METHOD", "key", "the verification method is malformed"),
    ("VM_CONTROLLER_MISMATCH", "key", "the method's controller is not the DID that lists it"),
    ("VM_NOT_FOUND", "key", "the verification method is not in the DID document"),
    ("INVALID_PUBLIC_KEY", "key", "the public key value is malformed or of the wrong kind"),
    ("INVALID_KEY", "key", "a key file, multikey or JWK is malformed"),
    ("NETWORK_NOT_ALLOWED", "key", "a fetch was needed and the caller allowed no network"),
    ("NETWORK_ERROR", "key", "the fetch failed (DNS, connection)"),
    ("HTTP_STATUS", "key", "the server answered with an error status"),
    ("URL_NOT_ALLOWED", "key", "plain http, an IP literal, a local or private address"),
    ("REDIRECT_REFUSED", "key", "a redirect the fetch policy does not follow"),
    # --- Europass seals (JAdES)
    ("JADES_FORMAT", "seal", "not a well-formed JAdES JSON envelope"),
    ("SEAL_CERTIFICATE_LIMIT", "seal", "more certificates than the seal cap"),
    ("SEAL_REVOCATION_LIMIT", "seal", "more CRLs and OCSP answers than the seal cap"),
    ("UNSUPPORTED_ALGORITHM", "seal", "alg none, HMAC or another unsupported algorithm"),
    ("UNTRUSTED_KEY", "seal", "a key in the header itself (jwk, jku, x5u; x5c in a JWT): not used"),
    ("UNSUPPORTED_CRITICAL_HEADER", "seal", "crit names a header mcvc does not understand"),
    ("X5C_MISSING", "seal", "the seal carries no certificate"),
    ("X5C_INVALID", "seal", "a certificate in x5c does not parse"),
    ("X5T_MISMATCH", "seal", "x5t#S256 is not the hash of the signing certificate"),
    ("ALGORITHM_KEY_MISMATCH", "seal", "the algorithm does not fit the certificate's key"),
    ("WEAK_KEY", "seal", "an RSA key under 2048 bits"),
    ("SIGT_MISSING", "seal", "the seal has no signing time"),
    ("INVALID_DATE", "seal", "a date in the seal or elsewhere does not parse"),
    ("CERT_NOT_VALID_AT_SIGNING", "seal", "the certificate was not valid at the signing time"),
    ("CERT_KEY_USAGE", "seal", "the certificate may not sign (key usage)"),
    ("CERT_REVOKED", "seal", "a carried CRL or OCSP answer revokes the certificate"),
    ("REVOCATION_NOT_VERIFIED", "seal", "carried revocation data could not be verified"),
    ("REVOCATION_NOT_CHECKED", "seal", "no revocation data to check the certificate with"),
    (
        "ISSUER_CERT_MISMATCH",
        "seal",
        "the credential's issuer is not the certificate's organisation",
    ),
    ("CERTIFICATE_NOT_TRUSTED", "trust", "the certificate chains to no trust anchor"),
    ("ANCHOR_IS_SEAL_CERTIFICATE", "trust", "the seal's own certificate given as its anchor"),
    ("SERVICE_NOT_GRANTED", "trust", "the Trusted List service was not granted at signing time"),
    ("TSL_EXPIRED", "trust", "the Trusted List is past its next update, or closed (none)"),
    # --- status
    ("NO_STATUS", "status", "the credential has no status entry"),
    ("STATUS_SKIPPED", "status", "not checked because the proof or issuer check failed"),
    ("STATUS_NOT_CHECKED", "status", "a status entry, and no network or list file to check it"),
    ("STATUS_NOT_CHECKABLE", "status", "a status entry mcvc cannot check (non-standard shape)"),
    ("UNSUPPORTED_STATUS_TYPE", "status", "a status entry of a type mcvc does not know"),
    (
        "STATUS_RETRIEVAL_ERROR",
        "status",
        "the status list, or its issuer's key, could not be fetched",
    ),
    ("STATUS_VERIFICATION_ERROR", "status", "the status list is not authentic or well-formed"),
    ("STATUS_LIST_LENGTH_ERROR", "status", "the status list is shorter than the minimum"),
    ("RANGE_ERROR", "status", "the status index is outside the list"),
    ("MALFORMED_VALUE_ERROR", "status", "a status entry field is malformed"),
    ("REVOKED", "status", "the credential is revoked"),
    ("SUSPENDED", "status", "the credential is suspended"),
    ("STATUS_SET", "status", "the credential's status bit for another purpose is set"),
    # --- trust sources
    ("INVALID_TRUST_LIST", "trust", "a trust list file of the wrong shape"),
    ("TRUST_LIST_SIGNATURE", "trust", "a signed trust list whose signature does not verify"),
    ("TRUST_LIST_SIGNER", "trust", "a trust list signed by someone other than the pinned signer"),
    ("TSL_INVALID", "trust", "a stored EU Trusted List failed a check"),
    ("TSL_FORMAT", "trust", "a Trusted List that is not ETSI TS 119 612 XML"),
    ("TSL_NOT_PINNED", "trust", "no pinned certificate to verify a Trusted List with"),
    ("TSL_SIGNATURE_INVALID", "trust", "a Trusted List's XML signature does not verify"),
    ("TSL_NOT_FETCHED", "trust", "no Trusted Lists stored yet (run mcvc trust update)"),
    ("TSL_NOT_LISTED", "trust", "a stored national list is no longer in the LOTL"),
    ("TSL_UNREACHABLE", "trust", "a Trusted List could not be downloaded"),
    ("TSL_PIVOT", "trust", "a pivot LOTL that announces no signers, or too many pivots"),
    ("TSL_ROLLBACK", "trust", "a Trusted List older than the one stored (lower sequence)"),
    ("EBSI_ERROR", "trust", "an EBSI registry record could not be used"),
    ("EBSI_UNREACHABLE", "trust", "the EBSI registry could not be asked"),
    ("EBSI_FORMAT", "trust", "an EBSI registry answer or kept record of the wrong shape"),
    ("DEQAR_ERROR", "trust", "DEQAR could not be asked"),
    ("DEQAR_NOT_FOUND", "trust", "DEQAR has no institution with that id"),
    ("DEQAR_NO_ID", "trust", "the awarding body states no DEQAR id"),
    ("DEQAR_ID_INVALID", "trust", "the DEQAR id is malformed"),
    # --- issuing and the ledger
    ("ELEMENTS_INVALID", "ledger", "standard elements that do not validate"),
    ("UNKNOWN_PROFILE", "other", "a rules profile that is neither bundled nor a file"),
    ("INVALID_PROFILE", "other", "a rules profile with unknown keys or requirements"),
    ("LEDGER_ERROR", "ledger", "the ledger refused the operation"),
    ("CREDENTIAL_ID_TAKEN", "ledger", "the credential id is already issued with other content"),
    ("NOT_FOUND", "ledger", "no such credential, status list or document"),
    ("STATUS_LIST_CONFLICT", "ledger", "the status base belongs to another issuer in this ledger"),
    ("LIST_ISSUER_MISMATCH", "ledger", "a status list change signed with a key not of its issuer"),
    ("LEDGER_CONFLICT", "ledger", "an output or publish folder that belongs to another ledger"),
    ("ROWS_ENCODING", "ledger", "a rows file that is not UTF-8 (or not the encoding named)"),
    ("ROWS_FORMAT", "ledger", "a rows file that cannot be read as CSV, JSON Lines or XLSX"),
    # --- the service
    ("REQUEST_INVALID", "service", "a request body of the wrong shape (field named)"),
    ("UNSUPPORTED_MEDIA_TYPE", "service", "a body that is not application/json"),
    ("REQUEST_TIMEOUT", "service", "the request body did not arrive in time"),
    ("UNAUTHORIZED", "service", "no or wrong bearer token"),
    ("FORBIDDEN", "service", "the token may not do this"),
    ("RATE_LIMITED", "service", "too many requests from this client"),
    ("BUSY", "service", "no verification slot came free in time"),
    ("UNKNOWN_ISSUER", "service", "no issuer of that name is configured"),
    ("UNKNOWN_ROW", "service", "an offer for a ledger row that does not exist"),
    ("VERIFIER_OFF", "service", "OpenID4VP requests on a service with no verifier key"),
    ("CREDENTIAL_CONFLICT", "service", "the credential id was issued with other content"),
    ("LEDGER_UNAVAILABLE", "service", "the ledger database cannot be reached"),
    ("INTERNAL_ERROR", "service", "an unexpected error (logged, no trace sent)"),
    ("CHALLENGE_UNKNOWN", "service", "a challenge this service did not issue"),
    ("CHALLENGE_EXPIRED", "service", "a challenge past its lifetime"),
    ("CHALLENGE_REUSED", "service", "a challenge already used (replay)"),
    ("CHALLENGE_FOREIGN", "service", "another verifier's challenge, accepted by configuration"),
    ("CONFIG_INVALID", "service", "the service configuration is invalid"),
    ("MCVC_ERROR", "other", "the base code of mcvc's exceptions"),
)

CODES: Mapping[str, Code] = MappingProxyType(
    {name: Code(name, area, meaning) for name, area, meaning in _TABLE}
)


def describe(code: str) -> str:
    """The one-line meaning of ``code``; unknown codes are named as such, never guessed."""
    entry = CODES.get(code)
    return entry.meaning if entry else f"{code}: not a code of this version of mcvc"
