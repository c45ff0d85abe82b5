"""One negative test per failure code (issue 17): the smallest input that yields each code of
:data:`mcvc.codes.CODES`, with the code and the verdict asserted.

Two meta-tests keep the table honest: every registered code has a case here (or names the test
elsewhere that builds it, which must assert that code), and every code-like string the source
of the verifier, status checker, seal verifier, ledger and service can return is registered.
"""

from __future__ import annotations

import ast
import base64
import functools
import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from mcvc import (
    TrustList,
    create_presentation,
    enveloped,
    generate_key,
    sign,
    sign_jwt,
    sign_presentation,
    verify,
)
from mcvc.codes import CODES, describe
from mcvc.errors import McvcError
from mcvc.jades.certs import TrustAnchors
from mcvc.jades.seal import SealKey, make_test_ca, make_test_seal_certificate, seal
from mcvc.limits import Deadline, Limits
from mcvc.net import FetchPolicy
from mcvc.status.bitstring import Bitstring
from mcvc.status.lists import status_entry, status_list_credential
from mcvc.verification.trust import demo_trust_list

from .conftest import EDDSA, NOW, ROOT, load

SIGNED_AT = NOW - timedelta(days=30)
LIST_URL = "https://status.uni.example/lists/1"
POLICY = FetchPolicy(resolve=lambda host: ["93.184.216.34"])
V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"


# --- shared material -------------------------------------------------------------------------


@functools.cache
def key() -> Any:
    return generate_key()


@functools.cache
def other() -> Any:
    return generate_key()


def trusting(*dids: str) -> TrustList:
    return TrustList.from_dict({"name": "case list", "issuers": [{"did": d} for d in dids]})


def unsigned(**changes: Any) -> dict[str, Any]:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key().did_key
    for name, value in changes.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def signed(signer: Any = None, created: datetime = SIGNED_AT, **changes: Any) -> dict[str, Any]:
    return sign(unsigned(**changes), signer or key(), created=created)


def changed(**changes: Any) -> dict[str, Any]:
    """A signed credential changed afterwards (for checks that run before the proof)."""
    doc = signed()
    for name, value in changes.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def check_of(report: Any, name: str) -> Any:
    found = report.check(name)
    assert found is not None, f"no {name!r} check in {report.codes}"
    return found


def expect(
    report: Any, name: str, code: str, outcome: str, verdict: str, *, informative: bool = False
) -> None:
    found = check_of(report, name)
    assert (found.code, found.outcome) == (code, outcome), report.to_json()
    assert found.informative is informative
    assert report.outcome == verdict, report.to_json()


def raises(code: str, call: Callable[[], Any]) -> McvcError:
    with pytest.raises(McvcError) as info:
        call()
    assert info.value.code == code, str(info.value)
    return info.value


class Host:
    """Routes for httpx.MockTransport: a response, or an exception to raise."""

    def __init__(self, routes: dict[str, Any] | None = None, default: Any = None) -> None:
        self.routes = dict(routes or {})
        self.default = default if default is not None else httpx.Response(404)

    def handler(self, request: httpx.Request) -> httpx.Response:
        found = self.routes.get(str(request.url), self.default)
        if isinstance(found, Exception):
            raise found
        return found  # type: ignore[no-any-return]

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))


CASES: dict[str, list[Callable[[], None]]] = {}
"""code -> its cases (some codes arise in several places: each place gets a case)"""


def case(*codes: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        for code in codes:
            CASES.setdefault(code, []).append(fn)
        return fn

    return register


def verify_case(
    code: str,
    check: str,
    outcome: str,
    verdict: str,
    make: Callable[[], tuple[Any, dict[str, Any]]],
    *,
    informative: bool = False,
) -> None:
    def run() -> None:
        document, options = make()
        expect(
            verify(document, now=NOW, **options),
            check,
            code,
            outcome,
            verdict,
            informative=informative,
        )

    case(code)(run)


def plain(document: Any, **options: Any) -> Callable[[], tuple[Any, dict[str, Any]]]:
    return lambda: (document, options)


def built(build: Callable[[], Any], **options: Any) -> Callable[[], tuple[Any, dict[str, Any]]]:
    return lambda: (build(), options)


# --- input that is not a credential, or not acceptable JSON ---------------------------------

verify_case("NOT_A_CREDENTIAL", "parse", "fail", "failed", plain(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"))
verify_case("PARSING_ERROR", "parse", "fail", "failed", plain(b'{"@context": [}'))
verify_case("DUPLICATE_KEY", "parse", "fail", "failed", plain(b'{"type": 1, "type": 2}'))
verify_case("TOO_DEEP", "parse", "fail", "failed", plain('{"a":' * 80 + "1" + "}" * 80))
verify_case("INVALID_STRING", "parse", "fail", "failed", plain('{"a": "\\ud800"}'))
verify_case("NUMBER_RANGE", "parse", "fail", "failed", plain('{"a": 1e400}'))
verify_case(
    "INPUT_TOO_LARGE", "parse", "fail", "failed", plain(b'{"a": "' + b"x" * (17 << 20) + b'"}')
)
verify_case("VALUE_LIMIT", "parse", "fail", "failed", built(signed, limits=Limits(max_values=10)))


@case("JOSE_FORMAT")
def _not_a_jws() -> None:
    report = verify(
        {**enveloped("eyJhbGciOiJFZERTQSJ9.e30.c2ln"), "id": "https://x.example"}, now=NOW
    )
    expect(report, "parse", "JOSE_FORMAT", "fail", "failed")


@case("KID_NOT_RESOLVABLE")
def _kid_is_a_thumbprint() -> None:
    token = sign_jwt(signed_free(), key(), kid="ExHkBMW9fmbkvV266mRpuP2sUY_N_EWIN1lapUzO8ro")
    expect(verify(token, now=NOW), "proof", "KID_NOT_RESOLVABLE", "error", "inconclusive")


def signed_free() -> dict[str, Any]:
    return unsigned()


# --- contexts ---------------------------------------------------------------------------------

verify_case(
    "CONTEXT_MISSING", "contexts", "fail", "failed", built(lambda: changed(**{"@context": None}))
)
verify_case(
    "CONTEXT_LIMIT", "contexts", "fail", "failed", built(signed, limits=Limits(max_contexts=1))
)
verify_case(
    "CONTEXT_BASE_INVALID",
    "contexts",
    "fail",
    "failed",
    built(lambda: changed(**{"@context": ["https://w3id.org/security/data-integrity/v2"]})),
)
verify_case(
    "CONTEXT_VERSION_MIX",
    "contexts",
    "fail",
    "failed",
    built(lambda: changed(**{"@context": [V2, V1]})),
)
verify_case(
    "CONTEXT_NOT_ALLOWED",
    "contexts",
    "fail",
    "failed",
    built(lambda: changed(**{"@context": [V2, "https://attacker.example/context.jsonld"]})),
)
verify_case(
    "CONTEXT_REDEFINES_TERM",
    "contexts",
    "fail",
    "failed",
    built(lambda: changed(**{"@context": [V2, {"name": "https://attacker.example/name"}]})),
)
verify_case(
    "SKIPPED_CONTEXT",
    "proof",
    "skipped",
    "failed",
    built(lambda: changed(**{"@context": [V2, "https://attacker.example/context.jsonld"]})),
)


@case("CONTEXT_HASH_MISMATCH")
def _context_bytes_changed() -> None:
    from mcvc.contexts import ContextEntry, StaticLoader

    url = "https://www.w3.org/ns/credentials/examples/v2"
    data = StaticLoader()._entry(url).data
    loader = StaticLoader().with_entries({url: ContextEntry(url, data, "0" * 64)})
    raises("CONTEXT_HASH_MISMATCH", lambda: loader.load(url))
    report = verify(signed(), now=NOW, loader=loader, trust=trusting(key().did_key))
    assert check_of(report, "proof").code == "CONTEXT_HASH_MISMATCH", report.to_json()
    assert report.outcome == "failed"


# --- structure (mcvc.vcdm, the issuer's rules too) --------------------------------------------


def _structure(code: str, **changes: Any) -> None:
    verify_case(code, "structure", "fail", "failed", built(lambda: signed(**changes)))


_structure("TYPE_MISSING", type=["UniversityDegreeCredential"])
_structure("ISSUER_INVALID", issuer=[])
_structure("SUBJECT_INVALID", credentialSubject={})
# a credential with such an id cannot be signed (its statements would leave the signed data):
# the id is changed after signing, the structure check runs before the proof
verify_case("ID_NOT_URL", "structure", "fail", "failed", built(lambda: changed(id="not a url")))
_structure("DATE_NOT_DATETIMESTAMP", validFrom="2026-07-01")
_structure("TYPE_REQUIRED", evidence=[{"id": "https://uni.example/evidence/1"}])
_structure("NOT_AN_OBJECT", credentialSchema=["https://uni.example/schema.json"])
_structure(
    "ID_DUPLICATE",
    relatedResource=[
        {"id": "https://uni.example/a", "digestSRI": "sha384-" + "A" * 64},
        {"id": "https://uni.example/a", "digestSRI": "sha384-" + "A" * 64},
    ],
)
_structure("DIGEST_REQUIRED", relatedResource=[{"id": "https://uni.example/a"}])
_structure("VC1_FIELD_IN_VC2", issuanceDate="2026-07-01T00:00:00Z")


verify_case(
    "ISSUANCE_DATE_MISSING",
    "structure",
    "fail",
    "failed",
    built(lambda: changed(**{"@context": [V1], "validFrom": None, "validUntil": None})),
)


@case("SIGNED_DATA_MISMATCH")
def _json_reads_other_than_signed() -> None:
    # the same graph spelled so that a JSON reader finds no status entry: the signature holds,
    # the reading is refused
    doc = signed(credentialStatus=status_entry(LIST_URL, 7))
    doc["@nest"] = {"credentialStatus": doc.pop("credentialStatus")}
    report = verify(doc, now=NOW, trust=trusting(key().did_key))
    assert check_of(report, "proof").outcome == "pass", report.to_json()
    expect(report, "signed-data", "SIGNED_DATA_MISMATCH", "fail", "failed")


# --- dates ------------------------------------------------------------------------------------


def _dates(code: str, make: Callable[[], Any]) -> None:
    verify_case(code, "dates", "fail", "failed", built(make, trust=trusting(key().did_key)))


_dates("DATE_INVALID", lambda: signed(issued="the fifth of May"))
_dates(
    "VALIDITY_RANGE_INVALID",
    lambda: signed(validFrom="2026-07-01T00:00:00Z", validUntil="2026-06-01T00:00:00Z"),
)
_dates("NOT_YET_VALID", lambda: signed(validFrom="2026-11-02T12:00:00Z"))
_dates("EXPIRED", lambda: signed(validUntil="2026-10-31T12:00:00Z"))
_dates("PROOF_CREATED_IN_FUTURE", lambda: signed(created=NOW + timedelta(hours=1)))


def _proof_expired() -> dict[str, Any]:
    doc = signed()
    doc["proof"]["expires"] = "2026-10-01T00:00:00Z"
    return doc


_dates("PROOF_EXPIRED", _proof_expired)


# --- issuer, trust, demo keys -----------------------------------------------------------------

verify_case("ISSUER_MISMATCH", "issuer", "fail", "failed", built(lambda: signed(other())))


@case("ISSUER_MISMATCH")
def _proof_set_with_a_stranger() -> None:
    # the issuer's proof and a stranger's in one set: every proof's key must be the issuer's
    doc = sign(signed(), other(), created=SIGNED_AT)
    report = verify(doc, now=NOW, trust=trusting(key().did_key))
    assert check_of(report, "proof").outcome == "pass"
    expect(report, "issuer", "ISSUER_MISMATCH", "fail", "failed")


verify_case("TRUST_NOT_CHECKED", "trust", "error", "unconfirmed", built(signed))
verify_case(
    "ISSUER_NOT_TRUSTED",
    "trust",
    "error",
    "unconfirmed",
    built(signed, trust=trusting(other().did_key)),
)


def _demo_signed() -> dict[str, Any]:
    from mcvc import load_key

    demo = load_key(ROOT / "keys" / "demo-ed25519.json")
    return sign(unsigned(issuer=demo.did_key), demo, created=SIGNED_AT)


verify_case(
    "DEMO_TRUST_LIST", "trust", "pass", "verified", built(_demo_signed, trust=demo_trust_list())
)
verify_case(
    "DEMO_KEY",
    "demo-key",
    "error",
    "verified",
    built(_demo_signed, trust=demo_trust_list()),
    informative=True,
)
verify_case(
    "ELEMENTS_MISSING",
    "elements",
    "fail",
    "verified",
    built(signed, trust=trusting(key().did_key)),
    informative=True,
)


@case("OK")
def _all_pass() -> None:
    report = verify(signed(), now=NOW, trust=trusting(key().did_key))
    assert report.outcome == "verified"
    assert {c.code for c in report.checks if not c.informative} == {"OK", "NO_STATUS"}


@case("ELEMENTS_UNREADABLE")
def _elements_reader_refuses() -> None:
    # a member "payload" that is not JSON: the reader takes it for a sealed envelope
    doc = signed(payload="{not json", signatures="none")
    report = verify(doc, now=NOW, trust=trusting(key().did_key))
    found = check_of(report, "elements")
    if found.code != "ELEMENTS_UNREADABLE":
        pytest.fail(report.to_json())
    assert found.outcome == "skipped" and found.informative


# --- presentations ----------------------------------------------------------------------------


def _vp(holder: str | None, signer: Any = None, **kw: Any) -> dict[str, Any]:
    credential = signed(credentialSubject={"id": key().did_key, "name": "Ana"})
    vp = create_presentation([credential], holder=holder or "")
    if holder is None:
        del vp["holder"]
    return sign_presentation(vp, signer or key(), challenge=kw.pop("challenge", "c-1"), **kw)


verify_case(
    "HOLDER_MISMATCH",
    "proof",
    "fail",
    "failed",
    built(lambda: _vp(key().did_key, other()), challenge="c-1"),
)
verify_case(
    "HOLDER_NOT_GIVEN",
    "holder-binding",
    "skipped",
    "unconfirmed",
    built(lambda: _vp(None), challenge="c-1"),
)
verify_case(
    "HOLDER_NOT_SUBJECT",
    "holder-binding",
    "error",
    "unconfirmed",
    built(lambda: _vp(other().did_key, other()), challenge="c-1"),
    informative=True,
)
verify_case(
    "HOLDER_BINDING_FAILED",
    "holder-binding",
    "fail",
    "failed",
    built(lambda: _vp(other().did_key, other()), challenge="c-1", require_holder_binding=True),
)
verify_case(
    "CHALLENGE_NOT_REQUIRED", "challenge", "skipped", "unconfirmed", built(lambda: _vp(None))
)
verify_case(
    "INVALID_CHALLENGE_ERROR",
    "proof",
    "fail",
    "failed",
    built(lambda: _vp(key().did_key), challenge="c-2"),
)
verify_case(
    "INVALID_DOMAIN_ERROR",
    "proof",
    "fail",
    "failed",
    built(lambda: _vp(key().did_key, domain="a.example"), challenge="c-1", domain="b.example"),
)


@case("CREDENTIAL_NOT_OBJECT")
def _string_inside_presentation() -> None:
    vp = create_presentation([], holder=key().did_key)
    vp["verifiableCredential"] = ["eyJhbGciOiJFZERTQSJ9.e30.c2ln"]
    report = verify(sign_presentation(vp, key(), challenge="c-1"), now=NOW, challenge="c-1")
    expect(report, "credentials", "CREDENTIAL_NOT_OBJECT", "fail", "failed")


# --- proofs -----------------------------------------------------------------------------------


def _proof(code: str, make: Callable[[], Any], outcome: str = "fail", **options: Any) -> None:
    verdict = "inconclusive" if outcome == "error" else "failed"
    verify_case(code, "proof", outcome, verdict, built(make, **options))


def _edit_proof(**changes: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        doc = signed()
        for name, value in changes.items():
            if value is None:
                doc["proof"].pop(name, None)
            else:
                doc["proof"][name] = value
        return doc

    return make


_proof("PROOF_MISSING", unsigned)
_proof("PROOF_LIMIT", signed, limits=Limits(max_proofs=0))
_proof("UNSUPPORTED_PROOF_TYPE", _edit_proof(type="Ed25519Signature2020"))
_proof("UNSUPPORTED_CRYPTOSUITE", _edit_proof(cryptosuite="eddsa-2099"))
_proof("PROOF_VERIFICATION_ERROR", _edit_proof(proofValue=None))
_proof("PROOF_PURPOSE_MISMATCH", _edit_proof(proofPurpose="authentication"))
_proof("INVALID_SIGNATURE", lambda: dict(signed(), validFrom="2026-07-02T00:00:00Z"))
_proof("SUITE_KEY_MISMATCH", _edit_proof(cryptosuite="ecdsa-rdfc-2019"))


def _parse_error_proof() -> dict[str, Any]:
    doc = signed()
    doc["proof"] = [doc["proof"], "not a proof"]
    return doc


@case("PARSING_ERROR")
def _proof_not_an_object() -> None:
    report = verify(_parse_error_proof(), now=NOW)
    assert check_of(report, "proof").code == "PARSING_ERROR" and report.outcome == "failed"


def _with_key_term(term: str, value: Any) -> Callable[[], dict[str, Any]]:
    def make() -> dict[str, Any]:
        # added after signing: the transform refuses it before any signature is compared
        doc = signed()
        doc["credentialSubject"] = dict(doc["credentialSubject"], **{term: value})
        return doc

    return make


_proof("DATA_LOSS_DETECTION_ERROR", _with_key_term("_:b0", "dropped"))
_proof("RELATIVE_IRI", _with_key_term("id", "relative/learner"))
_proof(
    "PROTECTED_TERM_REDEFINITION",
    _with_key_term("@context", {"name": "https://attacker.example/name"}),
)
_proof("JSONLD_ERROR", _with_key_term("@context", {"@version": 2.0}))


@case("CANONICALIZATION_LIMIT")
def _poison_graph() -> None:
    # a ring of three indistinguishable blank nodes: signable with a higher work factor, refused
    # by a verifier with the default one
    ring = [
        {"@id": f"_:n{i}", "https://ex.example/p": {"@id": f"_:n{(i + 1) % 3}"}} for i in range(3)
    ]
    doc = unsigned()
    doc["credentialSubject"] = dict(doc["credentialSubject"], related=ring)
    report = verify(sign(doc, key(), created=SIGNED_AT, work_factor=3), now=NOW)
    expect(report, "proof", "CANONICALIZATION_LIMIT", "fail", "failed")


@case("CANONICALIZATION_ERROR")
def _unknown_hash() -> None:
    from mcvc.canon.rdfc import canonicalize

    raises("CANONICALIZATION_ERROR", lambda: canonicalize([], hash_algorithm="md4"))


# --- keys and DIDs ----------------------------------------------------------------------------

WEB = "did:web:uni.example"
WEB_URL = "https://uni.example/.well-known/did.json"


def _web_signed() -> dict[str, Any]:
    web_key = key().with_id(f"{WEB}#k1", WEB)
    return sign(unsigned(issuer=WEB), web_key, created=SIGNED_AT)


def _web_document(**method: Any) -> dict[str, Any]:
    vm = {
        "id": f"{WEB}#k1",
        "type": "Multikey",
        "controller": WEB,
        "publicKeyMultibase": key().public_key_multibase,
    }
    vm.update(method)
    relationships = vm.pop("relationships", ["assertionMethod"])
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": vm.pop("doc_id", WEB),
        "verificationMethod": [vm],
        **{rel: [f"{WEB}#k1"] for rel in relationships},
    }


def _resolved(**method: Any) -> Callable[[], tuple[Any, dict[str, Any]]]:
    return lambda: (_web_signed(), {"did_documents": {WEB: _web_document(**method)}})


def _key_case(
    code: str, make: Callable[[], tuple[Any, dict[str, Any]]], outcome: str = "fail"
) -> None:
    verify_case(code, "proof", outcome, "inconclusive" if outcome == "error" else "failed", make)


_key_case("VM_NOT_AUTHORIZED", _resolved(relationships=["authentication"]))
_key_case("VM_CONTROLLER_MISMATCH", _resolved(controller="did:web:other.example"))
_key_case("VM_NOT_FOUND", _resolved(id=f"{WEB}#k2"))
_key_case("INVALID_PUBLIC_KEY", _resolved(publicKeyMultibase="z6MkNotAKey"))
_key_case("INVALID_VERIFICATION_METHOD", built(_edit_proof(verificationMethod="key-1")))
_key_case("INVALID_DID", built(_edit_proof(verificationMethod="did:key:zNotBase58!#x")))
_key_case("UNSUPPORTED_DID_METHOD", built(_edit_proof(verificationMethod="did:example:123#key-1")))
_key_case("NETWORK_NOT_ALLOWED", built(_web_signed), outcome="error")


def _fetched(response: Any, **options: Any) -> Callable[[], tuple[Any, dict[str, Any]]]:
    def make() -> tuple[Any, dict[str, Any]]:
        host = Host({WEB_URL: response})
        return _web_signed(), {"http": host.client(), "fetch_policy": POLICY, **options}

    return make


_key_case("HTTP_STATUS", _fetched(httpx.Response(500)), outcome="error")
_key_case(
    "DID_DOCUMENT_ID_MISMATCH",
    _fetched(httpx.Response(200, json=_web_document(doc_id="did:web:other.example"))),
)
_key_case("NETWORK_ERROR", _fetched(httpx.ConnectError("refused")), outcome="error")
_key_case(
    "REDIRECT_REFUSED",
    _fetched(httpx.Response(302, headers={"Location": "https://127.0.0.1/did.json"})),
)
_key_case("INPUT_TOO_LARGE", _fetched(httpx.Response(200, content=b" " * (2 << 20))))
_key_case(
    "URL_NOT_ALLOWED", _fetched(None, fetch_policy=FetchPolicy(resolve=lambda h: ["10.0.0.1"]))
)


@case("DID_RESOLUTION_ERROR")
def _resolver_default() -> None:
    from mcvc.errors import DidResolutionError

    assert DidResolutionError("x").code == "DID_RESOLUTION_ERROR"
    host = Host({WEB_URL: httpx.Response(200, content=b"not json")})
    report = verify(_web_signed(), now=NOW, http=host.client(), fetch_policy=POLICY)
    assert check_of(report, "proof").code in {"PARSING_ERROR", "DID_RESOLUTION_ERROR"}
    assert report.outcome == "failed"


@case("INVALID_KEY")
def _bad_key_document() -> None:
    from mcvc.keys import key_from_document

    raises("INVALID_KEY", lambda: key_from_document({"type": "Multikey"}))


# --- bounded work and internal errors ---------------------------------------------------------


class _Boom:
    def check(self, credential: Any, now: Any) -> Any:
        raise RuntimeError("a bug")


verify_case(
    "VERIFIER_ERROR",
    "internal",
    "error",
    "inconclusive",
    built(
        lambda: signed(credentialStatus=status_entry(LIST_URL, 7, "revocation")),
        status_checker=_Boom(),
        trust=None,
    ),
)


@case("TIMEOUT")
def _deadline_reached() -> None:
    ticks = iter(range(0, 10_000))
    deadline = Deadline(0.5, clock=lambda: float(next(ticks)))
    report = verify(signed(), now=NOW, deadline=deadline)
    assert "TIMEOUT" in report.codes and report.outcome == "inconclusive", report.to_json()


_key_case("TIMEOUT", _fetched(httpx.ReadTimeout("slow")), outcome="error")


# --- Europass seals (JAdES) -------------------------------------------------------------------

SIG_TIME = NOW - timedelta(days=30)


@dataclass(frozen=True)
class _Sealer:
    key: Any
    certificate: x509.Certificate
    ca_key: Any
    ca: x509.Certificate

    @property
    def seal_key(self) -> SealKey:
        return SealKey(self.key, [self.certificate, self.ca])

    @property
    def anchors(self) -> TrustAnchors:
        return TrustAnchors((self.ca,))


def _sealer(private: Any = None) -> _Sealer:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_test_ca(ca_key, name="Test QTSP", country="CZ", not_before=SIG_TIME - timedelta(90))
    private = private or ec.generate_private_key(ec.SECP256R1())
    cert = make_test_seal_certificate(
        private,
        organization="Charles University",
        organization_identifier="VATCZ-00216208",
        country="CZ",
        not_before=SIG_TIME - timedelta(days=30),
        issuer=(ca_key, ca),
    )
    return _Sealer(private, cert, ca_key, ca)


SEALER = functools.cache(_sealer)


def _sealed_credential() -> dict[str, Any]:
    from mcvc import build_credential

    return build_credential(load(ROOT / "examples" / "microcredential.json"))


def _envelope(sealer: _Sealer | None = None, sig_time: datetime = SIG_TIME) -> dict[str, Any]:
    return seal(_sealed_credential(), (sealer or SEALER()).seal_key, sig_time=sig_time)


def _reseal(private: Any, envelope: dict[str, Any], **header: Any) -> dict[str, Any]:
    """Change the protected header and sign again, so only the change is wrong."""
    from mcvc.jades.seal import _sign
    from mcvc.multibase import b64url_decode, b64url_encode

    out = json.loads(json.dumps(envelope))
    signature = out["signatures"][0]
    values = json.loads(b64url_decode(signature["protected"]))
    values.update(header)
    values = {k: v for k, v in values.items() if v is not None}
    signature["protected"] = b64url_encode(json.dumps(values).encode())
    data = signature["protected"].encode() + b"." + out["payload"].encode()
    alg = values.get("alg")
    # an algorithm the key cannot make (none, RS256 on an EC key) keeps an ES256 signature
    alg = alg if isinstance(alg, str) and alg.startswith("ES") else "ES256"
    signature["signature"] = b64url_encode(_sign(private, alg, data))
    return out


def _seal_case(
    code: str,
    check: str,
    outcome: str,
    verdict: str,
    make: Callable[[], Any],
    *,
    anchored: bool = True,
    **options: Any,
) -> None:
    """A seal case; ``anchored`` verifies against the test CA, so that only the change fails."""

    def run() -> tuple[Any, dict[str, Any]]:
        extra = {"anchors": SEALER().anchors} if anchored else {}
        return make(), {**options, **extra}

    verify_case(code, check, outcome, verdict, run)


def _resealed(**header: Any) -> Callable[[], Any]:
    return lambda: _reseal(SEALER().key, _envelope(), **header)


_seal_case("JADES_FORMAT", "seal", "fail", "failed", _resealed(b64=True))
_seal_case("UNSUPPORTED_ALGORITHM", "seal", "fail", "failed", _resealed(alg="none"))
_seal_case(
    "UNTRUSTED_KEY", "seal", "fail", "failed", _resealed(jku="https://attacker.example/jwks")
)
_seal_case(
    "UNSUPPORTED_CRITICAL_HEADER",
    "seal",
    "fail",
    "failed",
    _resealed(crit=["b64", "sigT", "exp2"], exp2=1),
)
_seal_case("X5C_MISSING", "seal", "fail", "failed", _resealed(x5c=None))
_seal_case("X5C_INVALID", "seal", "fail", "failed", _resealed(x5c=["AAAA"]))
_seal_case("X5T_MISMATCH", "seal", "fail", "failed", _resealed(**{"x5t#S256": "AAAA"}))
_seal_case("ALGORITHM_KEY_MISMATCH", "seal", "fail", "failed", _resealed(alg="RS256"))
_seal_case(
    "SEAL_CERTIFICATE_LIMIT",
    "seal",
    "fail",
    "failed",
    _envelope,
    limits=Limits(max_seal_certificates=1),
)


def _crl(issuer_key: Any, issuer_name: x509.Name, serial: int) -> str:
    start = SIG_TIME - timedelta(days=1)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_name)
        .last_update(start)
        .next_update(start + timedelta(days=30))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(start).build()
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return base64.b64encode(crl.public_bytes(serialization.Encoding.DER)).decode()


def _with_crls(*crls: str) -> dict[str, Any]:
    from mcvc.multibase import b64url_encode

    out = _envelope()
    entry = b64url_encode(json.dumps({"rVals": {"crlVals": list(crls)}}).encode())
    out["signatures"][0]["header"] = {"etsiU": [entry]}
    return out


def _revoked() -> dict[str, Any]:
    s = SEALER()
    return _with_crls(_crl(s.ca_key, s.ca.subject, s.certificate.serial_number))


def _revoked_by_stranger() -> dict[str, Any]:
    s = SEALER()
    stranger = ec.generate_private_key(ec.SECP256R1())
    return _with_crls(_crl(stranger, s.ca.subject, s.certificate.serial_number))


_seal_case(
    "SEAL_REVOCATION_LIMIT",
    "seal",
    "fail",
    "failed",
    _revoked,
    limits=Limits(max_seal_revocation_values=0),
)
_seal_case("CERT_REVOKED", "revocation", "fail", "failed", _revoked)
_seal_case("REVOCATION_NOT_VERIFIED", "revocation", "error", "inconclusive", _revoked_by_stranger)
_seal_case("REVOCATION_NOT_CHECKED", "revocation", "skipped", "verified", _envelope)
_seal_case("SIGT_MISSING", "certificate", "fail", "failed", _resealed(sigT=None, crit=["b64"]))
_seal_case("INVALID_DATE", "certificate", "fail", "failed", _resealed(sigT="yesterday"))
_seal_case(
    "CERT_NOT_VALID_AT_SIGNING",
    "certificate",
    "fail",
    "failed",
    lambda: _envelope(sig_time=SIG_TIME - timedelta(days=31)),
)
_seal_case("CERTIFICATE_NOT_TRUSTED", "trust", "error", "unconfirmed", _envelope, anchored=False)


def _weak() -> dict[str, Any]:
    return _envelope(_sealer(rsa.generate_private_key(65537, 1024)))


_seal_case("WEAK_KEY", "seal", "fail", "failed", _weak)


def _not_for_signing() -> dict[str, Any]:
    s = SEALER()
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Charles University"),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "VATCZ-00216208"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Charles University"),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(s.ca.subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(SIG_TIME - timedelta(days=1))
        .not_valid_after(SIG_TIME + timedelta(days=365))
        .add_extension(usage, critical=True)
        .sign(s.ca_key, hashes.SHA256())
    )
    return seal(_sealed_credential(), SealKey(private, [cert, s.ca]), sig_time=SIG_TIME)


_seal_case("CERT_KEY_USAGE", "certificate", "fail", "failed", _not_for_signing)


def _other_organisation() -> dict[str, Any]:
    doc = load(ROOT / "examples" / "microcredential.json")
    doc["awarding_bodies"][0]["legal_identifiers"][1]["value"] = "VATCZ-99999999"
    from mcvc import build_credential

    return seal(build_credential(doc), SEALER().seal_key, sig_time=SIG_TIME)


_seal_case("ISSUER_CERT_MISMATCH", "issuer", "fail", "failed", _other_organisation)


@case("ANCHOR_IS_SEAL_CERTIFICATE")
def _own_certificate_as_anchor() -> None:
    s = SEALER()
    report = verify(_envelope(), now=NOW, anchors=TrustAnchors((s.certificate,)))
    expect(report, "trust", "ANCHOR_IS_SEAL_CERTIFICATE", "error", "unconfirmed")


@case("INVALID_SIGNATURE")
def _seal_over_other_bytes() -> None:
    forged = _envelope()
    forged["payload"] = forged["payload"].replace("Charles", "Charlez")
    report = verify(forged, now=NOW, anchors=SEALER().anchors)
    expect(report, "seal", "INVALID_SIGNATURE", "fail", "failed")


@case("DUPLICATE_KEY")
def _header_name_twice() -> None:
    forged = _envelope()
    forged["signatures"][0]["header"] = {"alg": "none"}
    report = verify(forged, now=NOW, anchors=SEALER().anchors)
    expect(report, "seal", "DUPLICATE_KEY", "fail", "failed")


# --- status -----------------------------------------------------------------------------------

TRUSTED = {"trust": None}


def _status_credential(index: int = 7, purpose: str = "revocation", **entry: Any) -> dict[str, Any]:
    status = {**status_entry(LIST_URL, index, purpose), **entry}
    status = {k: v for k, v in status.items() if v is not None}
    return signed(credentialStatus=status)


def _list(
    bits: Bitstring | None = None, *, signer: Any = None, purpose: str = "revocation", **kw: Any
) -> httpx.Response:
    doc = status_list_credential(
        LIST_URL,
        kw.pop("issuer", key().did_key),
        bits or Bitstring.empty(),
        purpose=purpose,
        valid_from=SIGNED_AT,
        **kw,
    )
    return httpx.Response(200, json=sign(doc, signer or key(), created=SIGNED_AT))


def _status_case(
    code: str,
    outcome: str,
    verdict: str,
    credential: Callable[[], dict[str, Any]],
    response: Callable[[], Any] | None = None,
    **options: Any,
) -> None:
    def make() -> tuple[Any, dict[str, Any]]:
        extra: dict[str, Any] = {"trust": trusting(key().did_key)}
        if response is not None:
            extra["http"] = Host({LIST_URL: response()}).client()
            extra["fetch_policy"] = POLICY
        return credential(), {**extra, **options}

    verify_case(code, "status", outcome, verdict, make)


def _gzip_list(raw: bytes) -> httpx.Response:
    doc = status_list_credential(LIST_URL, key().did_key, Bitstring.empty(), valid_from=SIGNED_AT)
    doc["credentialSubject"]["encodedList"] = (
        "u" + base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()
    )
    return httpx.Response(200, json=sign(doc, key(), created=SIGNED_AT))


_status_case("NO_STATUS", "skipped", "verified", signed)
_status_case("STATUS_NOT_CHECKED", "error", "inconclusive", _status_credential)
_status_case(
    "STATUS_SKIPPED",
    "skipped",
    "failed",
    lambda: dict(_status_credential(), validFrom="2026-07-02T00:00:00Z"),
    _list,
)
_status_case(
    "STATUS_NOT_CHECKABLE",
    "error",
    "inconclusive",
    lambda: signed(status={"type": "StatusList2021Entry", "statusPurpose": "revocation"}),
)
_status_case(
    "UNSUPPORTED_STATUS_TYPE",
    "error",
    "inconclusive",
    lambda: _status_credential(type="CRLEntry2099"),
    _list,
)
_status_case(
    "STATUS_RETRIEVAL_ERROR",
    "error",
    "inconclusive",
    _status_credential,
    lambda: httpx.Response(503),
)
_status_case(
    "STATUS_VERIFICATION_ERROR",
    "fail",
    "failed",
    _status_credential,
    lambda: _list(signer=other()),
)
_status_case(
    "STATUS_LIST_LENGTH_ERROR", "fail", "failed", _status_credential, lambda: _gzip_list(bytes(100))
)
_status_case(
    "RANGE_ERROR",
    "fail",
    "failed",
    lambda: _status_credential(index=131_072 + 5),
    _list,
)
_status_case(
    "MALFORMED_VALUE_ERROR",
    "fail",
    "failed",
    lambda: _status_credential(statusListIndex="07"),
    _list,
)
_status_case(
    "REVOKED",
    "fail",
    "failed",
    _status_credential,
    lambda: _list(Bitstring.empty().with_value(7, 1)),
)
_status_case(
    "SUSPENDED",
    "fail",
    "failed",
    lambda: _status_credential(purpose="suspension"),
    lambda: _list(Bitstring.empty().with_value(7, 1), purpose="suspension"),
)
_status_case(
    "STATUS_SET",
    "fail",
    "failed",
    lambda: _status_credential(purpose="refresh"),
    lambda: _list(Bitstring.empty().with_value(7, 1), purpose="refresh"),
)
_status_case(
    "INPUT_TOO_LARGE",
    "fail",
    "failed",
    _status_credential,
    lambda: _gzip_list(bytes(64 << 20)),
)


# --- trust sources ----------------------------------------------------------------------------


@case("INVALID_TRUST_LIST")
def _trust_list_shape() -> None:
    raises("INVALID_TRUST_LIST", lambda: TrustList.from_dict({"name": "no issuers"}))


@case("TSL_NOT_FETCHED", "TSL_NOT_PINNED", "TSL_NOT_LISTED", "TSL_UNREACHABLE")
def _trusted_list_store() -> None:
    import tempfile

    from mcvc.net import Fetcher
    from mcvc.tsl.store import INDEX, PINS, TrustedLists, _fetch, verify_signed_list

    from .tsl_helpers import Signer, sign_list, trusted_list

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        raises("TSL_NOT_FETCHED", lambda: TrustedLists.load(folder))
        signer = Signer.new("LOTL signer")
        (folder / "lotl.xml").write_bytes(sign_list(trusted_list("EU"), signer))
        (folder / PINS).write_bytes(signer.pem())
        (folder / INDEX).write_text(json.dumps({"lists": {"XX": {"fetched": "2026-10-01"}}}))
        store = TrustedLists.load(folder)
        assert store.lists == {} and store.problems["XX"].startswith("TSL_NOT_LISTED: ")
    raises("TSL_NOT_PINNED", lambda: verify_signed_list(b"<TrustServiceStatusList/>", []))
    fetcher = Fetcher(Host().client(), POLICY)
    raises("TSL_UNREACHABLE", lambda: _fetch(fetcher, "https://tl.example/eu.xml", "the LOTL"))


# --- the service (in process, no socket) ------------------------------------------------------


class _Service:
    """The service on a loopback socket reserved for it (tests/service_helpers.running)."""

    def __init__(self, tmp: Path, clock: Any = None, **extra: Any) -> None:
        from .service_helpers import base_config, free_port, running

        self.running = running(
            base_config(free_port(), f"sqlite:///{tmp / 'ledger.db'}", **extra), clock
        )

    def __enter__(self) -> Any:
        url = self.running.__enter__()
        self.http = _Http(url, url.app)
        return self.http

    def __exit__(self, *exc: Any) -> None:
        self.http.close()
        self.running.__exit__(*exc)


class _Http(httpx.Client):
    def __init__(self, url: str, app: Any) -> None:
        super().__init__(base_url=url, timeout=30)
        self.app = app


def _refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body.get("code") == code or body.get("error", {}).get("code") == code, body
    return body  # type: ignore[no-any-return]


def _auth() -> dict[str, str]:
    from .service_helpers import TOKEN

    return {"Authorization": f"Bearer {TOKEN}"}


def _in_service(fn: Callable[[Any], None], **extra: Any) -> Callable[[], None]:
    def run() -> None:
        import tempfile

        with tempfile.TemporaryDirectory() as folder, _Service(Path(folder), **extra) as http:
            fn(http)

    return run


def _demo_unsigned() -> dict[str, Any]:
    from mcvc import load_key

    demo = load_key(ROOT / "keys" / "demo-ed25519.json")
    return unsigned(issuer=demo.did_key)


case("REQUEST_INVALID")(
    _in_service(
        lambda http: _refused(
            http.post("/credentials/verify", json={"verifiableCredential": "{}"}),
            400,
            "REQUEST_INVALID",
        )
    )
)
case("UNSUPPORTED_MEDIA_TYPE")(
    _in_service(
        lambda http: _refused(
            http.post("/credentials/verify", content=b"{}", headers={"Content-Type": "text/plain"}),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        )
    )
)
case("INPUT_TOO_LARGE")(
    _in_service(
        lambda http: _refused(
            http.post(
                "/credentials/verify",
                content=b'{"verifiableCredential": "' + b"x" * 4096 + b'"}',
                headers={"Content-Type": "application/json"},
            ),
            413,
            "INPUT_TOO_LARGE",
        ),
        limits={"max_body_bytes": 1024},
    )
)
case("UNAUTHORIZED")(
    _in_service(
        lambda http: _refused(
            http.post("/credentials/issue", json={"credential": _demo_unsigned()}),
            401,
            "UNAUTHORIZED",
        )
    )
)
case("UNKNOWN_ISSUER")(
    _in_service(
        lambda http: _refused(
            http.post(
                "/credentials/issue",
                json={"credential": unsigned(issuer=other().did_key)},
                headers=_auth(),
            ),
            400,
            "UNKNOWN_ISSUER",
        )
    )
)
case("NOT_FOUND")(
    _in_service(
        lambda http: _refused(
            http.post(
                "/credentials/status",
                json={
                    "credentialId": "urn:uuid:never-issued",
                    "credentialStatus": {
                        "type": "BitstringStatusListEntry",
                        "statusPurpose": "revocation",
                    },
                    "status": True,
                },
                headers=_auth(),
            ),
            404,
            "NOT_FOUND",
        )
    )
)


def _conflict(http: Any) -> None:
    first = dict(_demo_unsigned(), id="urn:uuid:7b6c")
    assert (
        http.post("/credentials/issue", json={"credential": first}, headers=_auth()).status_code
        == 201
    )
    changed = dict(first, validFrom="2026-07-02T00:00:00Z")
    _refused(
        http.post("/credentials/issue", json={"credential": changed}, headers=_auth()),
        409,
        "CREDENTIAL_CONFLICT",
    )


case("CREDENTIAL_CONFLICT")(_in_service(_conflict))


def _challenges(http: Any) -> None:
    from mcvc import load_key

    demo = load_key(ROOT / "keys" / "demo-ed25519.json")
    credential = sign(_demo_unsigned(), demo, created=SIGNED_AT)

    def present(challenge: str) -> Any:
        vp = sign_presentation(
            create_presentation([credential], holder=demo.did_key), demo, challenge=challenge
        )
        return http.post(
            "/presentations/verify",
            json={"verifiablePresentation": vp, "options": {"challenge": challenge}},
        )

    unknown = present("not-from-this-service").json()
    assert "CHALLENGE_UNKNOWN" in json.dumps(unknown), unknown
    challenge = http.post("/challenges", json={}).json()["challenge"]
    assert present(challenge).status_code == 200
    assert "CHALLENGE_REUSED" in present(challenge).text


case("CHALLENGE_UNKNOWN", "CHALLENGE_REUSED")(_in_service(_challenges))


def _foreign(http: Any) -> None:
    from mcvc import load_key

    demo = load_key(ROOT / "keys" / "demo-ed25519.json")
    credential = sign(_demo_unsigned(), demo, created=SIGNED_AT)
    vp = sign_presentation(
        create_presentation([credential], holder=demo.did_key), demo, challenge="from-another"
    )
    answer = http.post(
        "/presentations/verify",
        json={"verifiablePresentation": vp, "options": {"challenge": "from-another"}},
    )
    assert "CHALLENGE_FOREIGN" in answer.text and answer.status_code == 200, answer.text


case("CHALLENGE_FOREIGN")(_in_service(_foreign, verify={"accept_foreign_challenges": True}))


@case("CHALLENGE_EXPIRED")
def _expired_challenge() -> None:
    import tempfile

    class Clock:
        at = NOW

        def now(self) -> datetime:
            return self.at

    clock = Clock()
    with tempfile.TemporaryDirectory() as folder, _Service(Path(folder), clock=clock) as http:
        challenge = http.post("/challenges", json={}).json()["challenge"]
        clock.at = NOW + timedelta(days=1)
        vp = sign_presentation(
            create_presentation([], holder=key().did_key), key(), challenge=challenge
        )
        answer = http.post(
            "/presentations/verify",
            json={"verifiablePresentation": vp, "options": {"challenge": challenge}},
        )
        assert "CHALLENGE_EXPIRED" in answer.text, answer.text


@case("LEDGER_UNAVAILABLE")
def _ledger_gone() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder, _Service(Path(folder)) as http:
        http.app.state.service.ledger.engine.dispose()
        (Path(folder) / "ledger.db").unlink()
        (Path(folder)).chmod(0o500)
        try:
            _refused(http.get("/health"), 503, "LEDGER_UNAVAILABLE")
        finally:
            Path(folder).chmod(0o700)


@case("INTERNAL_ERROR")
def _unexpected() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder, _Service(Path(folder)) as http:
        service = http.app.state.service

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a bug")

        service.ledger.get = broken
        service.ledger.find_credential = broken
        answer = http.post(
            "/credentials/status",
            json={
                "credentialId": "urn:uuid:1",
                "credentialStatus": {"type": "BitstringStatusList", "statusPurpose": "revocation"},
                "status": True,
            },
            headers=_auth(),
        )
        _refused(answer, 500, "INTERNAL_ERROR")
        assert "a bug" not in answer.text


@case("CONFIG_INVALID")
def _config() -> None:
    from mcvc.service.config import ServiceConfig

    raises("CONFIG_INVALID", lambda: ServiceConfig.from_dict({"public_url": "ftp://x"}))


# --- issuing and the ledger -------------------------------------------------------------------


@case("LEDGER_ERROR", "CREDENTIAL_ID_TAKEN")
def _ledger_refusals() -> None:
    import tempfile

    from mcvc.issuing.ledger import Ledger

    with tempfile.TemporaryDirectory() as folder:
        ledger = Ledger(f"sqlite:///{folder}/l.db")
        base = "https://s.example/lists/"
        try:
            ledger.reserve("row-1", status_base=base, now=NOW, credential_id="urn:uuid:1")
            raises(
                "CREDENTIAL_ID_TAKEN",
                lambda: ledger.reserve(
                    "row-2", status_base=base, now=NOW, credential_id="urn:uuid:1"
                ),
            )
            raises("NOT_FOUND", lambda: ledger.find_credential("urn:uuid:2"))
            raises("LEDGER_ERROR", lambda: ledger.reserve("", status_base=base, now=NOW))
            raises("LEDGER_ERROR", lambda: ledger.complete("row-9", "{}", now=NOW))
        finally:
            ledger.close()


@case("ROWS_FORMAT")
def _rows_unreadable() -> None:
    import tempfile

    from mcvc.issuing.rows import read_rows

    with tempfile.TemporaryDirectory() as name:
        not_a_workbook = Path(name) / "rows.xlsx"
        not_a_workbook.write_bytes(b"row_key,given_name\n1,Ana\n")
        raises("ROWS_FORMAT", lambda: list(read_rows(not_a_workbook)))
        repeated = Path(name) / "rows.csv"
        repeated.write_text("row_key,name,name\n1,a,b\n")
        raises("ROWS_FORMAT", lambda: list(read_rows(repeated)))


@case("ELEMENTS_INVALID")
def _elements_refused() -> None:
    from mcvc import elements_from_dict

    data = load(ROOT / "examples" / "microcredential.json")
    data["ects"] = -5
    raises("ELEMENTS_INVALID", lambda: elements_from_dict(data))


@case("UNKNOWN_PROFILE", "INVALID_PROFILE")
def _rules_profiles() -> None:
    import tempfile

    from mcvc.rules import load_profile

    raises("UNKNOWN_PROFILE", lambda: load_profile("no-such-profile"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.json"
        path.write_text(json.dumps({"name": "x", "colour": "blue"}))
        raises("INVALID_PROFILE", lambda: load_profile(str(path)))


# --- DEQAR ------------------------------------------------------------------------------------


@case("DEQAR_ID_INVALID", "DEQAR_NOT_FOUND", "DEQAR_ERROR", "DEQAR_NO_ID")
def _deqar() -> None:
    from mcvc import build_credential
    from mcvc.deqar import Deqar, quality_check
    from mcvc.net import Fetcher

    def source(record: Any) -> Deqar:
        host = Host(default=httpx.Response(200, json=record))
        return Deqar(Fetcher(host.client(), POLICY), token="t")

    raises("DEQAR_ID_INVALID", lambda: source({}).institution("../admin"))
    raises("DEQAR_NOT_FOUND", lambda: source({}).institution("DEQARINST0001"))
    report = verify(signed(), now=NOW)
    assert quality_check(report, source({}), NOW).code == "DEQAR_NO_ID"
    elements = load(ROOT / "examples" / "microcredential.json")
    credential = sign(build_credential(elements, issuer=key().did_key), key(), created=SIGNED_AT)
    report = verify(credential, now=NOW)
    found = quality_check(report, source({"id": "not a number"}), NOW)
    assert (found.code, found.outcome, found.informative) == ("DEQAR_ERROR", "error", True)


# --- codes whose smallest input lives with the tests of their feature -------------------------

ELSEWHERE: dict[str, str] = {
    "TRUST_LIST_SIGNATURE": "test_trust_list_signed.py::test_changed_or_foreign_lists_are_refused",
    "TRUST_LIST_SIGNER": "test_trust_list_signed.py::test_changed_or_foreign_lists_are_refused",
    "SERVICE_NOT_GRANTED": "test_trusted_lists.py::test_service_withdrawn_before_the_signing_time",
    "TSL_EXPIRED": "test_trusted_lists.py::test_expired_list_is_not_relied_on",
    "TSL_SIGNATURE_INVALID": "test_trusted_lists.py::test_signature_must_cover_the_whole_list",
    "TSL_FORMAT": "test_trusted_lists.py::test_signature_must_cover_the_whole_list",
    "TSL_PIVOT": "test_trusted_lists.py::test_a_pivot_must_announce_the_next_signers_and_pivots_are_few",
    "TSL_ROLLBACK": "test_trusted_lists.py::test_an_older_list_served_again_is_refused",
    "BUSY": "test_service_bounds.py::test_hostile_stream_stops_with_its_answers",
    "REQUEST_TIMEOUT": "test_service_bounds.py::test_hostile_stream_stops_with_its_answers",
    "RATE_LIMITED": "test_service.py::test_verification_is_rate_limited",
    "FORBIDDEN": "test_service.py::test_issuer_not_configured_or_not_the_tokens",
    "UNKNOWN_ROW": "test_oid4vci.py::test_offer_refusals",
    "EBSI_FORMAT": "test_ebsi.py::test_registry_refusal_codes",
    "EBSI_UNREACHABLE": "test_ebsi.py::test_registry_refusal_codes",
    "VERIFIER_OFF": "test_oid4vp.py::test_no_verifier_key_no_requests",
    "AWARDING_BODY_NOT_SIGNED": "test_joint.py::test_a_body_that_has_not_signed_is_named",
    "JOSE_CLAIMS_MISMATCH": "test_jose.py::test_vcdm_1_1_jwt_form",
    "SD_JWT_FORMAT": "test_sd_jwt.py::test_a_disclosure_may_not_overwrite_a_signed_claim",
    "SD_JWT_DISCLOSURE": "test_sd_jwt.py::test_disclosure_attacks",
    "KB_JWT_MISSING": "test_sd_jwt.py::test_key_binding_attacks",
    "KB_JWT_INVALID": "test_sd_jwt.py::test_key_binding_attacks",
    "STATUS_LIST_CONFLICT": (
        "test_registrar.py::test_another_issuer_cannot_issue_into_or_revoke_on_these_lists"
    ),
    "LIST_ISSUER_MISMATCH": (
        "test_registrar.py::test_another_issuer_cannot_issue_into_or_revoke_on_these_lists"
    ),
    "LEDGER_CONFLICT": "test_registrar.py::test_a_second_ledger_cannot_take_over_an_output_folder",
    "ROWS_ENCODING": (
        "test_registrar.py::test_encodings_are_refused_with_the_one_to_name_or_read_when_named"
    ),
}

NEVER_PRODUCED: dict[str, str] = {
    "MCVC_ERROR": "the base class's code; every raise names its own",
    "WORK_LIMIT": "the base class's code; each limit has its own code (CONTEXT_LIMIT, ...)",
    "DOCUMENT_LOADER_ERROR": "the base class's code; the loader raises its two subclasses",
    "TSL_INVALID": "the base class's code; every Trusted List refusal names its own",
    "EBSI_ERROR": "the base class's code; every EBSI refusal names its own",
}


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "index"),
    [(code, i) for code, fns in sorted(CASES.items()) for i in range(len(fns))],
)
def test_failure_code(code: str, index: int) -> None:
    CASES[code][index]()


def test_every_code_has_a_case() -> None:
    registered = set(CODES)
    covered = set(CASES) | set(ELSEWHERE) | set(NEVER_PRODUCED)
    assert sorted(registered - covered) == [], "codes without a negative test"
    assert sorted(covered - registered) == [], "cases for codes mcvc.codes does not list"


@pytest.mark.parametrize("code", sorted(ELSEWHERE))
def test_cases_elsewhere_assert_their_code(code: str) -> None:
    file, name = ELSEWHERE[code].split("::")
    tree = ast.parse((ROOT / "tests" / file).read_text("utf-8"))
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name]
    assert found, f"{ELSEWHERE[code]} does not exist"
    asserted = [
        n
        for a in ast.walk(found[0])
        if isinstance(a, ast.Assert)
        for n in ast.walk(a)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and code in n.value
    ]
    assert asserted, f"{ELSEWHERE[code]} does not assert {code}"


SOURCES = [
    "ebsi.py",
    "oid4vci",
    "oid4vp",
    "verification",
    "proofs",
    "status",
    "jades",
    "issuing",
    "service",
    "canon",
    "tsl",
    "jsontext.py",
    "net.py",
    "did.py",
    "keys.py",
    "vcdm.py",
    "errors.py",
    "contexts.py",
    "dates.py",
    "deqar.py",
    "rules/__init__.py",
    "limits.py",
    "signing.py",
    "presentation.py",
]
NOT_CODES = {
    "JWT",  # a JOSE typ value
    "A128GCM",  # JWE content encryption algorithms
    "A256GCM",
    "TAO",  # EBSI issuer types
    "TI",
    "GET",
    "POST",
    "NFKD",
    "ES",
    "PS",
    "RS",
    "ALGORITHMS",
    "SUITES",
    "OPERATIONS",
    "LOTL",
    "EU",  # the LOTL's own territory
    "URI",  # an XML element name
    "MIN_BITS",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "DEFAULT_LIMITS",
    "DEFAULT_WORK_FACTOR",
    "DEMO_DIDS",
    "RELATIONSHIPS",
    "CONFIG_ENV",
    "MCVC_SERVICE_CONFIG",
    "MCVC_CHALLENGE_SECRET",
    "MCVC_TRUST_DIR",
    "XDG_CACHE_HOME",
    "DEQAR_API",
    "DEQAR_TOKEN",
    "EU_LOTL",
    "IRI",
    "JSON",
    "EC",
    "OKP",
    "RSA",
    "X25519",
    *(f"{family}{bits}" for family in ("ES", "PS", "RS") for bits in (256, 384, 512)),
}


def _code_like(tree: ast.AST) -> set[str]:
    import re

    skip: set[int] = set()
    for node in ast.walk(tree):
        # __all__ lists names, not codes
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            skip.update(id(n) for n in ast.walk(node.value))
    pattern = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and id(n) not in skip
        and 1 < len(n.value) <= 40
        and pattern.match(n.value)
    }


def test_every_code_in_the_source_is_registered() -> None:
    package = ROOT / "src" / "mcvc"
    found: dict[str, str] = {}
    for name in SOURCES:
        path = package / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            text = file.read_text("utf-8")
            if "__mutmut_" in text:
                pytest.skip("the source is a mutation-testing copy: its strings are mutants")
            for code in _code_like(ast.parse(text)):
                found.setdefault(code, str(file.relative_to(package)))
    unregistered = {c: f for c, f in found.items() if c not in CODES and c not in NOT_CODES}
    assert unregistered == {}, "register these in mcvc.codes (with a case here)"


def test_describe() -> None:
    assert describe("REVOKED") == "the credential is revoked"
    assert "not a code" in describe("NO_SUCH_CODE")
    assert all(c.meaning and c.name == n for n, c in CODES.items())


def _codes_page() -> str:
    lines = [
        "# Codes",
        "",
        "Every stable code mcvc answers with: in a report's checks, in the service's refusals",
        "and on the exceptions of `mcvc.errors`. Switch on the code, never on the wording.",
        "`mcvc.codes.describe(code)` gives the same meaning in Python. Each code has a negative",
        "test that builds the smallest input yielding it (`tests/test_failure_codes.py`); this",
        "page is generated from `mcvc.codes` (`MCVC_WRITE_DOCS=1` rewrites it).",
        "",
    ]
    titles = {
        "input": "Input",
        "verify": "Verification checks",
        "proof": "Proofs",
        "key": "Keys, DIDs and fetching",
        "seal": "Europass seals (JAdES)",
        "status": "Status",
        "trust": "Trust sources",
        "ledger": "Issuing and the ledger",
        "service": "The service",
        "other": "Other",
    }
    for area, title in titles.items():
        entries = [c for c in CODES.values() if c.area == area]
        if not entries:
            continue
        lines += [f"## {title}", "", "| code | meaning |", "| --- | --- |"]
        lines += [f"| `{c.name}` | {c.meaning} |" for c in entries]
        lines.append("")
    return "\n".join(lines)


def test_codes_page_is_current() -> None:
    import os

    page = ROOT / "docs" / "codes.md"
    if os.environ.get("MCVC_WRITE_DOCS") == "1":
        page.write_text(_codes_page(), "utf-8")
    assert page.read_text("utf-8") == _codes_page(), "run with MCVC_WRITE_DOCS=1 to update"
