"""Each stage of the verifier's pipeline, asserted whole: the check's name, code, outcome,
details and whether it is informative, as a caller reading ``report.to_dict()`` sees them
(issue 17: the mutation run of verification/pipeline.py showed which of these no test read).
Stages are called directly where the input that reaches them through ``verify`` would have
to be contrived; everything else goes through ``verify``."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mcvc import (
    TrustList,
    create_presentation,
    generate_key,
    issue_sd_jwt,
    sign,
    sign_jwt,
    sign_presentation,
    verify,
)
from mcvc.canon.api import Canonicalizer
from mcvc.contexts import default_loader
from mcvc.did import DidResolver
from mcvc.ebsi import Accreditation, EbsiIssuer, EbsiStore
from mcvc.errors import DeadlineExceeded, InvalidInput, WorkLimitExceeded
from mcvc.jades.certs import TrustAnchors
from mcvc.jades.seal import SealKey, make_test_ca, make_test_seal_certificate, seal
from mcvc.limits import DEFAULT_LIMITS, Limits
from mcvc.status.checker import StatusResult
from mcvc.status.lists import status_entry
from mcvc.verification import pipeline
from mcvc.verification.pipeline import _Ctx
from mcvc.verification.report import Check, VerificationReport

from .conftest import EDDSA, NOW, ROOT, load

V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
LIST_URL = "https://status.uni.example/lists/1"


@functools.cache
def _key() -> Any:
    return generate_key()


def _unsigned(**changes: Any) -> dict[str, Any]:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = _key().did_key
    for name, value in changes.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def _signed(suite: str | None = None, **changes: Any) -> dict[str, Any]:
    return sign(_unsigned(**changes), _key(), created=NOW - timedelta(days=1), suite=suite)


def _ctx(**changes: Any) -> _Ctx:
    options: dict[str, Any] = {
        "now": NOW,
        "skew": timedelta(seconds=300),
        "trust": None,
        "resolver": DidResolver(None, None),
        "canon": Canonicalizer(default_loader()),
        "challenge": None,
        "domain": None,
        "anchors": None,
        "status_checker": None,
        "require_holder_binding": False,
        "ebsi": None,
    }
    options.update(changes)
    return _Ctx(**options)


def _named(report: VerificationReport, name: str) -> dict[str, Any]:
    found = [c.to_dict() for c in report.checks if c.name == name]
    assert len(found) == 1, report.to_json()
    return found[0]


def _without_message(check: Check | dict[str, Any]) -> dict[str, Any]:
    out = dict(check.to_dict() if isinstance(check, Check) else check)
    message = out.pop("message")
    assert isinstance(message, str) and message and message != "None", out
    return out


# --- contexts ---------------------------------------------------------------------------------


def _contexts_of(*contexts: Any, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    return _without_message(
        pipeline._contexts({"@context": list(contexts)}, default_loader(), limits)
    )


def test_context_checks_report_what_they_read() -> None:
    vc2 = "https://www.w3.org/ns/credentials/v2"
    assert _contexts_of(vc2) == {
        "check": "contexts",
        "code": "OK",
        "outcome": "pass",
        "details": {"contexts": [vc2]},
    }
    assert _contexts_of(vc2, "https://contexts.example/x") == {
        "check": "contexts",
        "code": "CONTEXT_NOT_ALLOWED",
        "outcome": "fail",
        "details": {"url": "https://contexts.example/x"},
    }
    assert _contexts_of(vc2, {"@vocab": "https://x.example/"}) == {
        "check": "contexts",
        "code": "CONTEXT_NOT_ALLOWED",
        "outcome": "fail",
    }
    assert _contexts_of(vc2, {"id": "https://x.example/id", "name": "x:name"}) == {
        "check": "contexts",
        "code": "CONTEXT_REDEFINES_TERM",
        "outcome": "fail",
        "details": {"terms": ["id", "name"]},
    }
    assert _contexts_of(vc2, 7) == {
        "check": "contexts",
        "code": "CONTEXT_NOT_ALLOWED",
        "outcome": "fail",
    }
    assert _contexts_of(vc2, vc2, limits=Limits(max_contexts=1)) == {
        "check": "contexts",
        "code": "OK",
        "outcome": "pass",
        "details": {"contexts": [vc2]},
    }, "repeats are folded before they are counted"
    assert _contexts_of(vc2, {"a": "x:a"}, limits=Limits(max_contexts=1)) == {
        "check": "contexts",
        "code": "CONTEXT_LIMIT",
        "outcome": "fail",
        "details": {"count": 2, "limit": 1},
    }


def test_keywords_of_a_preceding_context_are_not_terms_it_defines() -> None:
    # the base context sets @protected and @version; an inline context may set them too
    inline = {"@protected": True, "@version": 1.1, "learnerNickname": "https://x.example/nick"}
    assert _contexts_of(V2, inline)["code"] == "OK"
    assert pipeline._terms_of(default_loader(), [V2]) >= {"id", "type", "VerifiableCredential"}
    assert not any(t.startswith("@") for t in pipeline._terms_of(default_loader(), [V2, V1]))


def test_terms_of_a_context_whose_context_is_a_list_are_read() -> None:
    listed = [
        url
        for url in sorted(default_loader().urls)
        if isinstance(default_loader().load(url).get("@context"), list)
    ]
    assert listed, "a bundled context whose @context is a list"
    terms = pipeline._terms_of(default_loader(), listed[:1])
    assert terms, listed[0]


# --- structure --------------------------------------------------------------------------------


def _structure_of(doc: dict[str, Any], presentation: bool = False) -> dict[str, Any]:
    return _without_message(
        pipeline._structure(doc, presentation=presentation)
        if presentation
        else pipeline._structure(doc)
    )


def test_structure_checks_report_what_they_read() -> None:
    assert _structure_of(_unsigned()) == {
        "check": "structure",
        "code": "OK",
        "outcome": "pass",
        "details": {"vcdm": "2.0"},
    }
    vc1 = _unsigned(**{"@context": [V1, *_unsigned()["@context"][1:]], "validFrom": None})
    vc1["issuanceDate"] = "2026-01-01T00:00:00Z"
    assert _structure_of(vc1) == {
        "check": "structure",
        "code": "OK",
        "outcome": "pass",
        "details": {"vcdm": "1.1"},
    }
    assert _structure_of(_unsigned(issuanceDate="2026-01-01T00:00:00Z")) == {
        "check": "structure",
        "code": "VC1_FIELD_IN_VC2",
        "outcome": "fail",
        "details": {"field": "issuanceDate"},
    }
    broken = _structure_of(_unsigned(credentialSubject=None, issuer=None))
    assert broken["outcome"] == "fail" and broken["details"]["violations"] == 2, broken
    assert broken["details"]["field"] in ("issuer", "credentialSubject"), broken
    # a type that only contains the wanted name is not that type
    assert _structure_of(_unsigned(type="VerifiableCredentialDraft")) == {
        "check": "structure",
        "code": "TYPE_MISSING",
        "outcome": "fail",
    }
    assert _structure_of(_unsigned(type="VerifiableCredential")) == {
        "check": "structure",
        "code": "OK",
        "outcome": "pass",
        "details": {"vcdm": "2.0"},
    }


# --- dates ------------------------------------------------------------------------------------


def _dates_of(doc: dict[str, Any]) -> dict[str, Any]:
    return pipeline._dates(doc, _ctx()).to_dict()


def test_date_checks_report_the_dates_they_compared() -> None:
    now = NOW.isoformat()
    ok = _dates_of({"validFrom": "2026-01-01T00:00:00Z", "validUntil": "2027-01-01T00:00:00Z"})
    assert ok == {
        "check": "dates",
        "code": "OK",
        "outcome": "pass",
        "message": "within its validity period",
        "details": {
            "now": now,
            "validFrom": "2026-01-01T00:00:00+00:00",
            "validUntil": "2027-01-01T00:00:00+00:00",
        },
    }
    bad = _dates_of({"validFrom": "2026-01-01", "validUntil": "yesterday"})
    assert _without_message(bad) == {
        "check": "dates",
        "code": "DATE_INVALID",
        "outcome": "fail",
        "details": {"field": "validFrom"},
    }
    assert "validFrom" in bad["message"]
    for doc, code in (
        (
            {"validFrom": "2027-01-01T00:00:00Z", "validUntil": "2026-01-01T00:00:00Z"},
            "VALIDITY_RANGE_INVALID",
        ),
        ({"validFrom": "2027-01-01T00:00:00Z"}, "NOT_YET_VALID"),
        ({"validUntil": "2026-01-01T00:00:00Z"}, "EXPIRED"),
    ):
        found = _dates_of(doc)
        assert (found["code"], found["outcome"]) == (code, "fail"), found
        assert found["details"] == {
            "now": now,
            **{k: v.replace("Z", "+00:00") for k, v in doc.items()},
        }


def _proofs(*proofs: dict[str, Any]) -> dict[str, Any]:
    return {"validFrom": "2026-01-01T00:00:00Z", "proof": list(proofs)}


def test_every_proof_date_is_read_past_an_unreadable_one() -> None:
    future = (NOW + timedelta(days=1)).isoformat()
    past = (NOW - timedelta(days=1)).isoformat()
    details = {"now": NOW.isoformat(), "validFrom": "2026-01-01T00:00:00+00:00"}
    created = _dates_of(_proofs({"created": "soon"}, {"created": future}))
    assert _without_message(created) == {
        "check": "dates",
        "code": "PROOF_CREATED_IN_FUTURE",
        "outcome": "fail",
        "details": details,
    }
    expired = _dates_of(_proofs({"expires": "never"}, {"expires": past}))
    assert _without_message(expired) == {
        "check": "dates",
        "code": "PROOF_EXPIRED",
        "outcome": "fail",
        "details": details,
    }
    assert _dates_of({"proof": {"created": past, "expires": future}})["code"] == "OK"


# --- status -----------------------------------------------------------------------------------


class _Status:
    def __init__(self, result: StatusResult) -> None:
        self.result = result

    def check(self, credential: Any, now: Any) -> StatusResult:
        return self.result


def _report(*checks: tuple[str, str], kind: str = "credential") -> VerificationReport:
    return VerificationReport(
        checks=[Check(name, "X", outcome, "m") for name, outcome in checks],  # type: ignore[arg-type]
        kind=kind,
    )


ENTRY = status_entry(LIST_URL, 7, "revocation")


def _status_of(
    report: VerificationReport, doc: dict[str, Any] | None = None, **ctx: Any
) -> dict[str, Any]:
    doc = {"credentialStatus": ENTRY} if doc is None else doc
    return pipeline._status(doc, _ctx(**ctx), report).to_dict()


def test_status_under_a_nonstandard_key_is_not_checkable() -> None:
    found = _status_of(_report(("proof", "pass")), {"status": [ENTRY]})
    assert _without_message(found) == {
        "check": "status",
        "code": "STATUS_NOT_CHECKABLE",
        "outcome": "error",
        "details": {"key": "status"},
    }
    assert found["message"].startswith("1 status entry: BitstringStatusListEntry (revocation)")
    assert _status_of(_report(("proof", "pass")), {"status": "active"})["code"] == "NO_STATUS"


def test_a_sealed_credentials_status_is_not_checkable() -> None:
    found = _status_of(
        _report(("seal", "pass"), kind="jades-envelope"), {"credentialStatus": [ENTRY, ENTRY]}
    )
    assert _without_message(found) == {
        "check": "status",
        "code": "STATUS_NOT_CHECKABLE",
        "outcome": "error",
    }
    assert found["message"].startswith("2 status entries: BitstringStatusListEntry (revocation);")


@pytest.mark.parametrize(
    ("checks", "code"),
    [
        ((("proof", "pass"),), "STATUS_NOT_CHECKED"),
        ((("seal", "pass"),), "STATUS_NOT_CHECKED"),
        ((("proof", "pass"), ("issuer", "pass")), "STATUS_NOT_CHECKED"),
        ((("proof", "fail"),), "STATUS_SKIPPED"),
        ((("seal", "fail"),), "STATUS_SKIPPED"),
        ((("proof", "pass"), ("issuer", "fail")), "STATUS_SKIPPED"),
        ((("issuer", "pass"),), "STATUS_SKIPPED"),
        ((("parse", "pass"), ("contexts", "pass")), "STATUS_SKIPPED"),
    ],
)
def test_status_is_fetched_only_for_an_authentic_credential(
    checks: tuple[tuple[str, str], ...], code: str
) -> None:
    found = _status_of(_report(*checks))
    assert (found["code"], found["outcome"]) == (
        code,
        "error" if code == "STATUS_NOT_CHECKED" else "skipped",
    )


def test_the_status_checkers_answer_is_reported_whole() -> None:
    result = StatusResult(
        "fail", "REVOKED", "revoked by its issuer", {"index": 7, "list": LIST_URL}
    )
    found = _status_of(_report(("proof", "pass")), status_checker=_Status(result))
    assert found == {
        "check": "status",
        "code": "REVOKED",
        "outcome": "fail",
        "message": "revoked by its issuer",
        "details": {"index": 7, "list": LIST_URL},
    }


# --- elements, issuer ---------------------------------------------------------------------------


def _microcredential() -> dict[str, Any]:
    from mcvc import build_credential

    return build_credential(load(ROOT / "examples" / "microcredential.json"))


def test_element_checks_are_informative_and_say_what_is_missing() -> None:
    complete, data = pipeline._elements(_microcredential())
    assert _without_message(complete) == {
        "check": "elements",
        "code": "OK",
        "outcome": "pass",
        "informative": True,
    }
    assert data["title"]
    lacking = _microcredential()
    lacking["credentialSubject"].pop("hasClaim")
    missing, _ = pipeline._elements(lacking)
    shown = _without_message(missing)
    assert shown["details"]["missing"] and shown == {
        "check": "elements",
        "code": "ELEMENTS_MISSING",
        "outcome": "fail",
        "details": {"missing": shown["details"]["missing"]},
        "informative": True,
    }


def test_an_unreadable_element_is_reported_with_the_readers_reason() -> None:
    class _Unreadable(dict):  # type: ignore[type-arg]
        def get(self, *args: Any) -> Any:
            raise InvalidInput("the subject cannot be read", code="ELEMENTS_ERROR")

    report = VerificationReport()
    pipeline._append_elements(report, _Unreadable())
    assert [c.to_dict() for c in report.checks] == [
        {
            "check": "elements",
            "code": "ELEMENTS_UNREADABLE",
            "outcome": "skipped",
            "message": "the subject cannot be read",
            "informative": True,
        }
    ]
    assert report.elements is None


def test_the_issuer_is_read_from_an_id_or_an_object() -> None:
    assert pipeline._issuer_id({"issuer": {"name": "no id"}}) == ""
    assert pipeline._issuer_id({}) == ""
    assert pipeline._issuer_id({"issuer": "did:example:1"}) == "did:example:1"
    assert pipeline._issuer_summary({"issuer": {"id": "did:example:1", "name": "Uni"}}) == {
        "id": "did:example:1",
        "legal_name": {"und": "Uni"},
        "country": "",
        "identifiers": [],
    }
    assert pipeline._issuer_summary({"issuer": "did:example:1"}) == {"id": "did:example:1"}


def test_proofs_are_counted_whether_one_or_a_set() -> None:
    assert pipeline._proof_count({}) == 0
    assert pipeline._proof_count({"proof": {"type": "DataIntegrityProof"}}) == 1
    assert pipeline._proof_count({"proof": [{}, {}, {}]}) == 3


# --- trust --------------------------------------------------------------------------------------

ISSUER = "did:example:uni"
PASSED = Check("issuer", "OK", "pass", "signed by the issuer")


def _listed(name: str = "Rectors' list", demo: bool = False) -> TrustList:
    found = TrustList.from_dict(
        {
            "issuers": [
                {"did": ISSUER, "legal_name": "Uni", "country": "CZ", "deqar_id": "DEQARINST0001"}
            ]
        },
        name=name,
    )
    return TrustList(found.issuers, found.name, demo=demo)


def _ebsi(*kinds: str, tao: str = "did:ebsi:tao") -> EbsiStore:
    store = EbsiStore()
    store.issuers[ISSUER] = EbsiIssuer(
        did=ISSUER,
        registered=True,
        accreditations=tuple(
            Accreditation(kind, tao, "did:ebsi:root", "h", ("VerifiableAccreditationToAttest",))
            for kind in kinds
        ),
        fetched="2026-10-01T00:00:00Z",
        api="https://api.ebsi.example/tir/v5",
    )
    return store


def _trust_of(issuer_check: Check | None = PASSED, **ctx: Any) -> tuple[dict[str, Any], Any]:
    report = VerificationReport()
    found = pipeline._trust({"issuer": {"id": ISSUER}}, _ctx(**ctx), report, issuer_check)
    return found.to_dict(), report.trusted


def test_no_trust_source_confirms_nothing() -> None:
    assert _trust_of() == (
        {
            "check": "trust",
            "code": "TRUST_NOT_CHECKED",
            "outcome": "error",
            "message": "no trust source was given: nothing confirms who the issuer is",
        },
        None,
    )


def test_a_listed_issuer_is_vouched_for_with_what_the_list_says() -> None:
    assert _trust_of(trust=_listed()) == (
        {
            "check": "trust",
            "code": "OK",
            "outcome": "pass",
            "message": f"issuer {ISSUER} is on Rectors' list",
            "details": {
                "source": "Rectors' list",
                "demo": False,
                "legal_name": "Uni",
                "country": "CZ",
                "deqar_id": "DEQARINST0001",
            },
        },
        True,
    )
    found, trusted = _trust_of(trust=_listed(name="", demo=True))
    assert trusted is True
    assert (found["code"], found["message"]) == (
        "DEMO_TRUST_LIST",
        f"issuer {ISSUER} is on the trust list given",
    )
    assert found["details"]["demo"] is True


@pytest.mark.parametrize(
    "issuer_check", [None, Check("issuer", "ISSUER_MISMATCH", "fail", "another key")]
)
def test_an_issuer_whose_signature_was_not_checked_is_never_vouched_for(
    issuer_check: Check | None,
) -> None:
    for ctx in ({"trust": _listed()}, {"ebsi": _ebsi("TI")}):
        found, trusted = _trust_of(issuer_check, **ctx)
        assert (found["code"], found["outcome"], trusted) == ("ISSUER_NOT_TRUSTED", "error", False)


def test_an_unlisted_issuer_is_named_with_the_sources_asked() -> None:
    other = TrustList.from_dict({"issuers": [{"did": "did:example:other"}]}, name="Rectors' list")
    assert _trust_of(trust=other) == (
        {
            "check": "trust",
            "code": "ISSUER_NOT_TRUSTED",
            "outcome": "error",
            "message": f"issuer {ISSUER} is not on the trust list Rectors' list",
        },
        False,
    )
    unnamed = TrustList.from_dict({"issuers": [{"did": "did:example:other"}]})
    assert _trust_of(trust=unnamed)[0]["message"] == f"issuer {ISSUER} is not on the trust list"
    assert _trust_of(trust=unnamed, ebsi=EbsiStore())[0]["message"] == (
        f"issuer {ISSUER} is not vouched for by the trust list or the EBSI Trusted Issuers Registry"
    )
    assert _trust_of(ebsi=EbsiStore())[0]["message"] == (
        f"issuer {ISSUER} is not vouched for by the EBSI Trusted Issuers Registry"
    )


def test_an_accredited_issuer_on_ebsi_is_vouched_for_with_the_registrys_record() -> None:
    assert _trust_of(ebsi=_ebsi("Revoked", "TI")) == (
        {
            "check": "trust",
            "code": "OK",
            "outcome": "pass",
            "message": (
                "the EBSI Trusted Issuers Registry (https://api.ebsi.example/tir/v5) lists "
                f"{ISSUER} as TI, accredited by did:ebsi:tao (as fetched 2026-10-01T00:00:00Z)"
            ),
            "details": {
                "source": "EBSI Trusted Issuers Registry",
                "api": "https://api.ebsi.example/tir/v5",
                "fetched": "2026-10-01T00:00:00Z",
                "issuer_type": "TI",
                "tao": "did:ebsi:tao",
                "root_tao": "did:ebsi:root",
                "accredited_for": ["VerifiableAccreditationToAttest"],
            },
        },
        True,
    )
    # a root TAO accredits itself, and an accreditation may name no TAO: neither is shown
    for tao in (ISSUER, ""):
        found, _ = _trust_of(ebsi=_ebsi("RootTAO", tao=tao))
        assert found["code"] == "OK" and found["message"] == (
            "the EBSI Trusted Issuers Registry (https://api.ebsi.example/tir/v5) lists "
            f"{ISSUER} as RootTAO (as fetched 2026-10-01T00:00:00Z)"
        ), found


def test_a_revoked_accreditation_is_named_as_revoked() -> None:
    assert _trust_of(ebsi=_ebsi("Revoked")) == (
        {
            "check": "trust",
            "code": "ISSUER_NOT_TRUSTED",
            "outcome": "error",
            "message": (
                "the EBSI Trusted Issuers Registry (as fetched 2026-10-01T00:00:00Z) records "
                f"{ISSUER}'s accreditation as revoked"
            ),
            "details": {
                "source": "EBSI Trusted Issuers Registry",
                "fetched": "2026-10-01T00:00:00Z",
            },
        },
        False,
    )
    # a list that names the issuer comes first
    assert _trust_of(trust=_listed(), ebsi=_ebsi("Revoked"))[0]["code"] == "OK"


# --- the signed reading -------------------------------------------------------------------------


class _Canon:
    """Records what it was asked to read; refuses or answers as told."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.asked: list[dict[str, Any]] = []

    def dataset(self, doc: dict[str, Any]) -> Any:
        self.asked.append(doc)
        if isinstance(doc, dict) and isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_signed_reading_uses_the_graph_the_proof_check_built() -> None:
    doc = _signed()
    shared: dict[tuple[str, ...], Any] = {}
    from mcvc.proofs.engine import verify_proofs

    verify_proofs(doc, canon=Canonicalizer(default_loader()), shared=shared)
    assert ("dataset",) in shared
    canon = _Canon(InvalidInput("must not be read again", code="X"))
    assert pipeline._signed_reading(doc, _ctx(canon=canon), shared) is None
    assert canon.asked == []


def test_a_json_proof_has_its_graph_read_without_the_proof() -> None:
    doc = _signed()
    quads = Canonicalizer(default_loader()).dataset({k: v for k, v in doc.items() if k != "proof"})
    canon = _Canon(quads)
    assert pipeline._signed_reading(doc, _ctx(canon=canon), {}) is None
    assert canon.asked == [{k: v for k, v in doc.items() if k != "proof"}]


def test_a_graph_that_cannot_be_read_fails_the_signed_reading() -> None:
    canon = _Canon(InvalidInput("the graph is unreadable", code="JSONLD_ERROR"))
    found = pipeline._signed_reading(_signed(), _ctx(canon=canon), {})
    assert found is not None and found.to_dict() == {
        "check": "signed-data",
        "code": "JSONLD_ERROR",
        "outcome": "fail",
        "message": "the graph is unreadable",
    }
    late = _Canon(DeadlineExceeded("time is up"))
    with pytest.raises(DeadlineExceeded):
        pipeline._signed_reading(_signed(), _ctx(canon=late), {})


def test_a_jcs_credential_is_verified_and_its_reading_compared() -> None:
    doc = _signed(suite="eddsa-jcs-2022")
    report = verify(doc, now=NOW)
    assert report.check("proof").code == "OK", report.to_json()  # type: ignore[union-attr]
    assert report.check("signed-data") is None


# --- presentations ------------------------------------------------------------------------------

WEB = "did:web:holder.example"


def _holder() -> Any:
    return generate_key()


def _presented(holder: Any, credentials: list[Any], holder_value: Any = None) -> dict[str, Any]:
    vp = create_presentation(credentials, holder=holder.did_key)
    if holder_value is not None:
        vp["holder"] = holder_value
    return sign_presentation(vp, holder, challenge="c-1", created=NOW)


def _checks(report: VerificationReport) -> list[tuple[str, str, str]]:
    return [(c.name, c.code, c.outcome) for c in report.checks]


def test_a_presentation_without_credentials_has_no_credential_checks() -> None:
    holder = _holder()
    vp = _presented(holder, [])
    vp.pop("verifiableCredential", None)
    report = verify(
        sign_presentation(
            {k: v for k, v in vp.items() if k != "proof"}, holder, challenge="c-1", created=NOW
        ),
        now=NOW,
        challenge="c-1",
    )
    assert _checks(report) == [
        ("parse", "OK", "pass"),
        ("contexts", "OK", "pass"),
        ("structure", "OK", "pass"),
        ("proof", "OK", "pass"),
    ]
    assert report.credentials == []


def test_every_credential_of_a_presentation_is_read_past_a_bad_one() -> None:
    holder = _holder()
    credential = sign(
        _unsigned(credentialSubject={**_unsigned()["credentialSubject"], "id": holder.did_key}),
        _key(),
        created=NOW,
    )
    bad_envelope = {
        "id": "data:text/plain,not-a-token",
        "type": "EnvelopedVerifiableCredential",
        "@context": [V2],
    }
    for first, code in ((7, "CREDENTIAL_NOT_OBJECT"), (bad_envelope, None)):
        report = verify(_presented(holder, [first, credential]), now=NOW, challenge="c-1")
        problems = [c for c in report.checks if c.name == "credentials"]
        assert len(problems) == 1 and problems[0].outcome == "fail", report.to_json()
        assert code is None or problems[0].code == code
        assert problems[0].message.startswith("verifiableCredential[0]"), problems[0].message
        assert len(report.credentials) == 1, report.to_json()
        assert report.credentials[0].check("proof").code == "OK"  # type: ignore[union-attr]
        assert _named(report, "holder-binding") == {
            "check": "holder-binding",
            "code": "OK",
            "outcome": "pass",
            "message": "every credential that could be read names the holder as its subject "
            "(1 could not be read)",
        }
    both = verify(
        _presented(holder, [7, 8, bad_envelope, bad_envelope, credential]), now=NOW, challenge="c-1"
    )
    assert _named(both, "holder-binding")["message"].endswith("(4 could not be read)")
    whole = verify(_presented(holder, [credential]), now=NOW, challenge="c-1")
    assert _named(whole, "holder-binding")["message"] == "every credential's subject is the holder"


def test_a_holder_object_without_an_id_names_no_holder() -> None:
    holder = _holder()
    credential = sign(_unsigned(), _key(), created=NOW)
    report = verify(
        _presented(holder, [credential], holder_value={"name": "Ana Horvat"}),
        now=NOW,
        challenge="c-1",
    )
    assert report.check("proof").code == "OK", report.to_json()  # type: ignore[union-attr]
    assert _named(report, "holder-binding") == {
        "check": "holder-binding",
        "code": "HOLDER_NOT_GIVEN",
        "outcome": "skipped",
        "message": "the presentation names no holder",
    }


def test_a_presentation_proof_is_checked_with_the_callers_resolver_and_limits() -> None:
    from mcvc import did_web_document

    holder = _holder().with_id(f"{WEB}#k1", WEB)
    vp = sign_presentation(
        create_presentation([], holder=WEB), holder, challenge="c-1", created=NOW
    )
    document = did_web_document(WEB, [holder])
    report = verify(vp, now=NOW, challenge="c-1", did_documents={WEB: document})
    assert _named(report, "proof")["code"] == "OK", report.to_json()
    limited = verify(vp, now=NOW, challenge="c-1", limits=Limits(max_contexts=0))
    assert _named(limited, "contexts")["code"] == "CONTEXT_LIMIT", limited.to_json()
    unproved = verify(vp, now=NOW, challenge="c-1", limits=Limits(max_proofs=0))
    assert _named(unproved, "proof")["code"] == "PROOF_LIMIT", unproved.to_json()


# --- sealed (JAdES) credentials ----------------------------------------------------------------


@functools.cache
def _sealer() -> tuple[SealKey, Any]:
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = make_test_ca(ca_key, name="Test QTSP", country="CZ", not_before=NOW - timedelta(days=400))
    private = ec.generate_private_key(ec.SECP256R1())
    cert = make_test_seal_certificate(
        private,
        organization="Charles University",
        organization_identifier="VATCZ-00216208",
        country="CZ",
        not_before=NOW - timedelta(days=300),
        issuer=(ca_key, ca),
    )
    return SealKey(private, [cert, ca]), ca


def _sealed(credential: Any = None) -> dict[str, Any]:
    seal_key, _ = _sealer()
    return seal(credential or _microcredential(), seal_key, sig_time=NOW - timedelta(days=1))


def _anchors() -> TrustAnchors:
    return TrustAnchors((_sealer()[1],))


def test_a_sealed_credential_is_reported_as_an_envelope_with_its_certificate() -> None:
    report = verify(_sealed(), now=NOW, anchors=_anchors())
    assert report.kind == "jades-envelope" and report.outcome == "verified", report.to_json()
    assert report.issuer["certificate"]["organization_identifier"] == "VATCZ-00216208", (
        report.issuer
    )
    names = [c.name for c in report.checks]
    assert "dates" in names and "status" in names and "elements" in names


def test_a_sealed_payload_that_is_not_an_object_is_a_format_failure() -> None:
    report = verify(_sealed("[1, 2]"), now=NOW, anchors=_anchors())
    assert report.kind == "jades-envelope"
    assert [c.to_dict() for c in report.checks] == [
        {"check": "parse", "code": "OK", "outcome": "pass", "message": "well-formed JSON"},
        {
            "check": "seal",
            "code": "JADES_FORMAT",
            "outcome": "fail",
            "message": "the sealed payload is not a JSON object",
        },
    ]
    broken = verify({"payload": "x", "signatures": []}, now=NOW, anchors=_anchors())
    seal_check = _without_message(_named(broken, "seal"))
    assert seal_check["outcome"] == "fail" and seal_check["code"].startswith("JADES"), seal_check


def test_a_broken_seal_reads_no_dates_or_status() -> None:
    envelope = _sealed()
    envelope["signatures"][0]["signature"] = envelope["signatures"][0]["signature"][::-1]
    report = verify(envelope, now=NOW, anchors=_anchors())
    names = [c.name for c in report.checks]
    assert "dates" not in names and "status" not in names, report.to_json()
    assert report.outcome == "failed"


def test_a_sealed_credentials_status_entry_is_not_checkable() -> None:
    credential = _microcredential()
    credential["credentialStatus"] = ENTRY
    report = verify(_sealed(credential), now=NOW, anchors=_anchors())
    found = _named(report, "status")
    assert _without_message(found) == {
        "check": "status",
        "code": "STATUS_NOT_CHECKABLE",
        "outcome": "error",
    }
    assert found["message"].startswith("1 status entry: BitstringStatusListEntry (revocation);")


def test_a_sealed_credential_keeps_the_callers_limits() -> None:
    report = verify(_sealed(), now=NOW, anchors=_anchors(), limits=Limits(max_contexts=1))
    assert _named(report, "contexts")["code"] == "CONTEXT_LIMIT", report.to_json()


def _pem(certificate: Any) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def test_seal_anchors_from_a_trust_list_are_used_alone_or_with_the_callers() -> None:
    listed = TrustList.from_dict(
        {"issuers": [{"did": "did:example:cuni", "certificates": [_pem(_sealer()[1])]}]}
    )
    elsewhere = make_test_ca(
        ec.generate_private_key(ec.SECP256R1()),
        name="Other QTSP",
        country="DE",
        not_before=NOW - timedelta(days=400),
    )
    for anchors in (None, TrustAnchors((elsewhere,))):
        report = verify(_sealed(), now=NOW, trust=listed, anchors=anchors)
        assert report.trusted is True and report.outcome == "verified", report.to_json()
    assert verify(_sealed(), now=NOW, anchors=TrustAnchors((elsewhere,))).trusted is False


# --- what verify() is given -------------------------------------------------------------------


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


def test_a_given_object_is_held_to_the_parsers_depth() -> None:
    assert _named(verify(_nested(65), now=NOW), "parse")["code"] == "TOO_DEEP"
    shallow = verify(_nested(64), now=NOW)
    assert shallow.check("parse").code == "OK", shallow.to_json()  # type: ignore[union-attr]


def test_text_that_does_not_parse_says_where() -> None:
    found = _named(verify('{"a": [1, 2,, 3]}', now=NOW), "parse")
    assert found == {
        "check": "parse",
        "code": "PARSING_ERROR",
        "outcome": "fail",
        "message": "invalid JSON: Expecting value at line 1 column 13",
        "details": {"pointer": ""},
    }
    duplicate = _named(verify('{"a": {"b": 1, "b": 2}}', now=NOW), "parse")
    assert _without_message(duplicate) == {
        "check": "parse",
        "code": "DUPLICATE_KEY",
        "outcome": "fail",
        "details": {"pointer": "/a/b"},
    }


def test_too_many_values_names_the_limit() -> None:
    report = verify(_signed(), now=NOW, limits=Limits(max_values=10))
    assert _without_message(_named(report, "parse")) == {
        "check": "parse",
        "code": "VALUE_LIMIT",
        "outcome": "fail",
        "details": {"limit": 10},
    }


def test_a_refused_envelope_is_reported_as_vc_jose() -> None:
    report = verify(
        {"@context": [V2], "id": "data:text/plain,x", "type": "EnvelopedVerifiableCredential"},
        now=NOW,
    )
    assert report.kind == "vc-jose" and report.outcome == "failed", report.to_json()


@pytest.mark.parametrize("as_bytes", [False, True])
def test_tokens_are_read_as_text_or_bytes_with_white_space_around(as_bytes: bool) -> None:
    credential = _unsigned()
    trust = TrustList.from_dict({"issuers": [{"did": _key().did_key}]})
    for token in (sign_jwt(credential, _key()), issue_sd_jwt(credential, _key(), now=NOW)):
        given = f"\n {token} \n"
        report = verify(given.encode() if as_bytes else given, now=NOW, trust=trust)
        assert report.outcome == "verified", report.to_json()


def test_a_compact_jws_is_recognised_up_to_16_mib() -> None:
    limit = 16 * 1024 * 1024
    assert pipeline._looks_like_compact_jws("a" * (limit - 3) + "..")
    assert not pipeline._looks_like_compact_jws("a" * (limit - 2) + "..")


def test_only_ascii_text_is_read_as_a_token() -> None:
    assert pipeline._token_text(" \na.b.c\n") == "a.b.c"
    assert pipeline._token_text(b" eyJ.e30.c2ln\r\n") == "eyJ.e30.c2ln"
    assert pipeline._token_text(b"eyJ.e30.c2ln\xff") is None
    assert pipeline._token_text({"a": "b"}) is None
    # bytes that are not ASCII are read as what they are, never as a token
    report = verify(b"eyJ.e30.c2ln\xff", now=NOW)
    assert [(c.code, c.message) for c in report.checks] == [
        ("NOT_A_CREDENTIAL", "this is not a digital credential: text that is not JSON")
    ]
    assert verify(b"eyJ.e30.c2ln", now=NOW).checks[0].code == "JOSE_FORMAT"


@pytest.mark.parametrize(
    ("given", "what"),
    [
        ("\ud800{}", "text that is not JSON"),
        (" " * 600 + "{}", None),
        (b" " * 600 + b"[]", None),
        (b"\xef\xbb\xbf\r\n" * 200 + b"{}", None),
        ("\ufeff" + "\t" * 700 + "<html>", "an HTML or XML page"),
        (b"\n" * 600, "the file is empty"),
        ("", "the file is empty"),
        (b" " * 600 + b"hello", "text that is not JSON"),
        ("%PDF-1.7", "a PDF document"),
        (b"PK\x03\x04rest", "a ZIP archive or an Office document"),
    ],
)
def test_leading_white_space_does_not_hide_what_a_file_is(given: Any, what: str | None) -> None:
    found = pipeline._not_a_credential(given)
    assert (found is None) if what is None else (found or "").startswith(what), found


def test_a_naive_now_is_misuse() -> None:
    with pytest.raises(ValueError, match=r"^now must be timezone-aware$"):
        verify(_signed(), now=datetime(2026, 11, 1, 12, 0))


def test_a_timeout_bounds_the_verification() -> None:
    report = verify(_signed(), now=NOW, timeout=1e-9)
    assert "TIMEOUT" in report.codes and report.outcome == "inconclusive", report.to_json()
    assert verify(_signed(), now=NOW, timeout=60).outcome != "inconclusive"


class _Raising:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def check(self, credential: Any, now: Any) -> Any:
        raise self.exc


def _stopped(exc: BaseException) -> VerificationReport:
    doc = _signed(credentialStatus=ENTRY)
    return verify(doc, now=NOW, status_checker=_Raising(exc))


def test_work_stopped_anywhere_is_reported_not_raised() -> None:
    late = _stopped(DeadlineExceeded("the time limit of 2s ran out", stage="status"))
    assert late.kind == "credential" and late.outcome == "inconclusive"
    assert [c.to_dict() for c in late.checks] == [
        {
            "check": "limits",
            "code": "TIMEOUT",
            "outcome": "error",
            "message": "the time limit of 2s ran out",
            "details": {"stage": "status"},
        }
    ]
    big = _stopped(WorkLimitExceeded("too many quads", code="QUAD_LIMIT", limit=5))
    assert big.outcome == "failed"
    assert [c.to_dict() for c in big.checks] == [
        {
            "check": "limits",
            "code": "QUAD_LIMIT",
            "outcome": "fail",
            "message": "too many quads",
            "details": {"limit": 5},
        }
    ]
    deep = _stopped(RecursionError())
    assert deep.outcome == "failed"
    assert [c.to_dict() for c in deep.checks] == [
        {
            "check": "limits",
            "code": "TOO_DEEP",
            "outcome": "fail",
            "message": "the document nests or chains deeper than mcvc processes",
        }
    ]
    odd = _stopped(KeyError("x"))
    assert odd.outcome == "inconclusive"
    assert [c.to_dict() for c in odd.checks] == [
        {
            "check": "internal",
            "code": "VERIFIER_ERROR",
            "outcome": "error",
            "message": "mcvc could not finish verifying this document (KeyError); it is not verified",
        }
    ]
    with pytest.raises(ValueError, match="misuse"):
        _stopped(ValueError("misuse"))


def test_a_valid_credentials_proof_details_list_every_proof() -> None:
    report = verify(_signed(), now=NOW)
    found = _named(report, "proof")
    assert (found["code"], found["message"]) == ("OK", "1 proof(s) valid")
    assert [p["outcome"] for p in found["details"]["proofs"]] == ["pass"]
    assert found["details"]["proofs"][0]["controller"] == _key().did_key


def test_a_demo_key_is_named_as_such() -> None:
    from mcvc import load_key

    demo = load_key(ROOT / "keys" / "demo-ed25519.json")
    doc = _unsigned(issuer=demo.did_key)
    report = verify(sign(doc, demo, created=NOW), now=NOW)
    found = _named(report, "demo-key")
    assert (found["code"], found["outcome"], found["informative"]) == ("DEMO_KEY", "error", True)
    assert "demo keys" in found["message"] and "proves nothing" in found["message"]


def test_a_status_list_is_verified_with_the_callers_did_documents() -> None:
    import httpx

    from mcvc import did_web_document
    from mcvc.net import FetchPolicy
    from mcvc.status.bitstring import Bitstring
    from mcvc.status.lists import status_list_credential

    lister = generate_key().with_id("did:web:status.uni.example#k1", "did:web:status.uni.example")
    listed = status_list_credential(
        LIST_URL,
        "did:web:status.uni.example",
        Bitstring.empty(131072),
        valid_from=NOW - timedelta(days=1),
    )
    signed_list = sign(listed, lister, created=NOW - timedelta(days=1))
    served = httpx.MockTransport(
        lambda request: (
            httpx.Response(200, json=signed_list)
            if str(request.url) == LIST_URL
            else httpx.Response(404)
        )
    )
    doc = _unsigned(issuer="did:web:status.uni.example", credentialStatus=ENTRY)
    report = verify(
        sign(doc, lister, created=NOW - timedelta(days=1)),
        now=NOW,
        http=httpx.Client(transport=served),
        fetch_policy=FetchPolicy(resolve=lambda host: ["93.184.216.34"]),
        did_documents={
            "did:web:status.uni.example": did_web_document("did:web:status.uni.example", [lister])
        },
    )
    assert _without_message(_named(report, "status"))["code"] == "OK", report.to_json()


def test_a_failed_proof_lists_the_proofs_read() -> None:
    doc = _signed()
    doc["proof"]["proofValue"] = doc["proof"]["proofValue"][:-4] + "AAAA"
    found = _named(verify(doc, now=NOW), "proof")
    assert found["outcome"] == "fail" and found["message"].startswith("proof 1 of 1: ")
    assert [p["code"] for p in found["details"]["proofs"]] == [found["code"]]


def test_a_presentation_is_held_to_what_its_signature_covers() -> None:
    from mcvc.proofs.purposes import AuthenticationPurpose

    holder = _holder()
    vp = create_presentation([], holder=holder.did_key)
    vp["@context"] = [
        *vp["@context"],
        {"presenter": {"@id": "https://www.w3.org/2018/credentials#holder", "@type": "@id"}},
    ]
    vp["presenter"] = "did:example:someone-else"
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        signed = sign(
            vp,
            holder,
            suite=suite,
            purpose=AuthenticationPurpose(challenge="c-1"),
            created=NOW,
        )
        report = verify(signed, now=NOW, challenge="c-1")
        assert _named(report, "proof")["code"] == "OK", report.to_json()
        found = _named(report, "signed-data")
        assert (found["code"], found["details"]) == (
            "SIGNED_DATA_MISMATCH",
            {"property": "holder"},
        ), found
    plain = create_presentation([], holder=holder.did_key)
    jcs = sign(
        plain,
        holder,
        suite="eddsa-jcs-2022",
        purpose=AuthenticationPurpose(challenge="c-1"),
        created=NOW,
    )
    report = verify(jcs, now=NOW, challenge="c-1")
    assert [c.name for c in report.checks] == ["parse", "contexts", "structure", "proof"]
    assert report.outcome == "verified" or report.check("proof").code == "OK"  # type: ignore[union-attr]


def test_the_callers_anchors_and_the_lists_certificates_are_both_used() -> None:
    other_ca = make_test_ca(
        ec.generate_private_key(ec.SECP256R1()),
        name="Other QTSP",
        country="DE",
        not_before=NOW - timedelta(days=400),
    )
    listed = TrustList.from_dict(
        {"issuers": [{"did": "did:example:other", "certificates": [_pem(other_ca)]}]}
    )
    report = verify(_sealed(), now=NOW, trust=listed, anchors=_anchors())
    assert report.trusted is True and report.outcome == "verified", report.to_json()


def _list_host(signed_list: dict[str, Any]) -> Any:
    import httpx

    return httpx.Client(
        transport=httpx.MockTransport(
            lambda request: (
                httpx.Response(200, json=signed_list)
                if str(request.url) == LIST_URL
                else httpx.Response(404)
            )
        )
    )


def _status_verified(signed_list: dict[str, Any], **options: Any) -> dict[str, Any]:
    from mcvc.net import FetchPolicy

    report = verify(
        _signed(credentialStatus=ENTRY),
        now=NOW,
        http=_list_host(signed_list),
        fetch_policy=FetchPolicy(resolve=lambda host: ["93.184.216.34"]),
        **options,
    )
    return _named(report, "status")


def _status_list(valid_until: datetime | None = None, proofs: int = 1) -> dict[str, Any]:
    from mcvc.status.bitstring import Bitstring
    from mcvc.status.lists import status_list_credential

    listed = status_list_credential(
        LIST_URL,
        _key().did_key,
        Bitstring.empty(131072),
        valid_from=NOW - timedelta(days=1),
        valid_until=valid_until,
    )
    for n in range(proofs):
        listed = sign(listed, _key(), created=NOW - timedelta(days=1, seconds=n))
    return listed


def test_the_callers_clock_skew_applies_to_status_lists() -> None:
    stale = _status_list(valid_until=NOW - timedelta(minutes=10))
    assert _status_verified(stale, max_clock_skew=timedelta(hours=1))["code"] == "OK"
    assert _status_verified(stale)["code"] != "OK"


def test_the_callers_limits_apply_to_status_lists() -> None:
    twice = _status_list(proofs=2)
    assert _status_verified(twice)["code"] == "OK"
    refused = _status_verified(twice, limits=Limits(max_proofs=1, max_values=100_000))
    assert refused["code"] != "OK" and "PROOF_LIMIT" in refused["message"], refused
