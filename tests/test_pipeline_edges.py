"""The verifier's own rules at their edges (mutation testing asked for them): clock skew on
every date, the context and structure rules, when status is and is not checked, when trust
counts, holder binding shapes, and how the three facets make the verdict."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from mcvc import TrustList, create_presentation, generate_key, sign, sign_presentation, verify
from mcvc.limits import Limits
from mcvc.status.lists import status_entry
from mcvc.verification.report import Check, VerificationReport

from .conftest import EDDSA, NOW, load

SKEW = timedelta(seconds=300)
V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"


@pytest.fixture(scope="module")
def key() -> Any:
    return generate_key()


def _trust(*dids: str) -> TrustList:
    return TrustList.from_dict({"issuers": [{"did": d} for d in dids]})


def _signed(key: Any, created: Any = None, **changes: Any) -> dict[str, Any]:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    for name, value in changes.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return sign(doc, key, created=created or NOW - timedelta(days=1))


def _stamp(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dates(report: Any) -> str:
    return str(report.check("dates").code)


@pytest.mark.parametrize(
    ("field", "offset", "code"),
    [
        ("validFrom", SKEW, "OK"),
        ("validFrom", SKEW + timedelta(seconds=1), "NOT_YET_VALID"),
        ("validUntil", -SKEW, "OK"),
        ("validUntil", -SKEW - timedelta(seconds=1), "EXPIRED"),
    ],
)
def test_validity_with_skew(key: Any, field: str, offset: timedelta, code: str) -> None:
    changes = {"validFrom": _stamp(NOW - timedelta(days=2)), field: _stamp(NOW + offset)}
    if field == "validFrom":
        changes["validUntil"] = None
    report = verify(_signed(key, **changes), now=NOW, trust=_trust(key.did_key))
    assert _dates(report) == code
    assert report.outcome == ("verified" if code == "OK" else "failed")


def test_skew_is_the_callers(key: Any) -> None:
    doc = _signed(key, validFrom=_stamp(NOW + timedelta(seconds=10)), validUntil=None)
    assert _dates(verify(doc, now=NOW)) == "OK"
    assert _dates(verify(doc, now=NOW, max_clock_skew=timedelta(0))) == "NOT_YET_VALID"
    assert _dates(verify(doc, now=NOW, max_clock_skew=timedelta(seconds=10))) == "OK"


def test_proof_times_with_skew(key: Any) -> None:
    assert _dates(verify(_signed(key, created=NOW + SKEW), now=NOW)) == "OK"
    assert _dates(verify(_signed(key, created=NOW + SKEW + timedelta(seconds=1)), now=NOW)) == (
        "PROOF_CREATED_IN_FUTURE"
    )
    doc = _signed(key)
    doc["proof"]["expires"] = _stamp(NOW - SKEW)
    assert _dates(verify(doc, now=NOW)) == "OK"
    doc["proof"]["expires"] = _stamp(NOW - SKEW - timedelta(seconds=1))
    assert _dates(verify(doc, now=NOW)) == "PROOF_EXPIRED"
    # every proof of a set is looked at
    two = sign(_signed(key), key, created=NOW + timedelta(hours=1))
    assert _dates(verify(two, now=NOW)) == "PROOF_CREATED_IN_FUTURE"
    unreadable = _signed(key)
    unreadable["proof"]["created"] = "later"
    assert _dates(verify(unreadable, now=NOW)) == "OK", "the proof check names that one"


def test_validity_range(key: Any) -> None:
    same = _stamp(NOW - timedelta(days=1))
    assert (
        _dates(verify(_signed(key, validFrom=same, validUntil=same), now=NOW - timedelta(days=1)))
        == "OK"
    )
    earlier = _stamp(NOW - timedelta(days=1, seconds=1))
    report = verify(_signed(key, validFrom=same, validUntil=earlier), now=NOW)
    assert _dates(report) == "VALIDITY_RANGE_INVALID"


def test_vc_1_1_dates(key: Any) -> None:
    v1 = {"@context": [V1, "https://www.w3.org/ns/credentials/examples/v2"]}
    doc = load(EDDSA / "unsigned.json")
    doc.update(v1)
    doc.pop("validFrom", None)
    doc.pop("validUntil", None)
    doc.update(issuer=key.did_key, issuanceDate=_stamp(NOW + timedelta(days=1)))
    report = verify(doc, now=NOW)
    assert _dates(report) == "NOT_YET_VALID"
    doc.update(
        issuanceDate=_stamp(NOW - timedelta(days=2)), expirationDate=_stamp(NOW - timedelta(days=1))
    )
    assert _dates(verify(doc, now=NOW)) == "EXPIRED"
    doc["expirationDate"] = "never"
    report = verify(doc, now=NOW)
    assert (
        _dates(report) == "DATE_INVALID"
        and report.check("dates").details["field"] == "expirationDate"
    )  # type: ignore[union-attr]


def test_context_count_limit_is_exact(key: Any) -> None:
    doc = _signed(key)
    count = len(doc["@context"])
    assert verify(doc, now=NOW, limits=Limits(max_contexts=count)).check("contexts").code == "OK"  # type: ignore[union-attr]
    over = verify(doc, now=NOW, limits=Limits(max_contexts=count - 1))
    assert over.check("contexts").code == "CONTEXT_LIMIT"  # type: ignore[union-attr]
    assert over.check("contexts").details == {"count": count, "limit": count - 1}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("context", "code"),
    [
        ([V2, 5], "CONTEXT_NOT_ALLOWED"),
        ([V2, {"@vocab": "https://x.example/"}], "CONTEXT_NOT_ALLOWED"),
        ([V2, {"@base": "https://x.example/"}], "CONTEXT_NOT_ALLOWED"),
        ([V2, {"ex": "https://x.example/#"}], "OK"),
        ([V2, {"@protected": True, "other": "https://x.example/#o"}], "OK"),
        (V2, "OK"),
        ([], "CONTEXT_BASE_INVALID"),
        ([V1, "https://www.w3.org/ns/credentials/examples/v2", V2], "CONTEXT_VERSION_MIX"),
    ],
)
def test_context_rules(key: Any, context: Any, code: str) -> None:
    doc = _signed(key)
    doc["@context"] = context
    assert verify(doc, now=NOW).check("contexts").code == code  # type: ignore[union-attr]


def test_a_single_context_string_is_read_as_vc_2(key: Any) -> None:
    doc = _signed(key)
    doc["@context"] = V2
    structure = verify(doc, now=NOW).check("structure")
    assert structure is not None and structure.details == {"vcdm": "2.0"}


def test_status_is_only_checked_for_an_authentic_credential(key: Any) -> None:
    entry = status_entry("https://status.uni.example/lists/1", 5)
    other = generate_key()
    # valid signature, but not the issuer's key: the issuer check fails, nothing is fetched
    stranger = sign(
        dict(load(EDDSA / "unsigned.json"), issuer=key.did_key, credentialStatus=entry),
        other,
        created=NOW - timedelta(days=1),
    )

    class Never:
        def check(self, *a: Any) -> Any:
            raise AssertionError("the status of an inauthentic credential was checked")

    report = verify(stranger, now=NOW, status_checker=Never())
    assert report.check("status").code == "STATUS_SKIPPED"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("loose", "code"),
    [
        ({"statusPurpose": "revocation"}, "STATUS_NOT_CHECKABLE"),
        ([{"statusListCredential": "https://x.example/1"}], "STATUS_NOT_CHECKABLE"),
        ({"note": "no status here"}, "NO_STATUS"),
        ("revoked?", "NO_STATUS"),
    ],
)
def test_the_non_standard_status_key(key: Any, loose: Any, code: str) -> None:
    report = verify(_signed(key, status=loose), now=NOW)
    assert report.check("status").code == code  # type: ignore[union-attr]


def test_trust_needs_the_issuer_check_to_pass(key: Any) -> None:
    other = generate_key()
    doc = sign(
        dict(load(EDDSA / "unsigned.json"), issuer=key.did_key),
        other,
        created=NOW - timedelta(days=1),
    )
    report = verify(doc, now=NOW, trust=_trust(key.did_key))
    assert report.check("trust").code == "ISSUER_NOT_TRUSTED" and report.trusted is False  # type: ignore[union-attr]
    good = verify(_signed(key), now=NOW, trust=_trust(key.did_key))
    assert good.trusted is True and good.check("trust").details["source"] == ""  # type: ignore[union-attr]
    assert verify(_signed(key), now=NOW).trusted is None
    assert verify(_signed(key), now=NOW).check("demo-key") is None


def test_holder_shapes(key: Any) -> None:
    holder = generate_key()
    credential = _signed(key, credentialSubject={"id": holder.did_key, "name": "Ana"})
    vp = create_presentation([credential], holder=holder.did_key)
    vp["holder"] = {"id": holder.did_key, "name": "Ana"}
    report = verify(
        sign_presentation(vp, holder, challenge="c"),
        now=NOW,
        challenge="c",
        trust=_trust(key.did_key),
    )
    assert report.outcome == "verified" and report.check("holder-binding").code == "OK"  # type: ignore[union-attr]
    both = _signed(
        key, credentialSubject=[{"id": holder.did_key, "a": 1}, {"id": key.did_key, "b": 2}]
    )
    vp = sign_presentation(
        create_presentation([both], holder=holder.did_key), holder, challenge="c"
    )
    check = verify(vp, now=NOW, challenge="c").check("holder-binding")
    assert check is not None and check.code == "HOLDER_NOT_SUBJECT" and key.did_key in check.message
    empty = sign_presentation(create_presentation([], holder=holder.did_key), holder, challenge="c")
    assert verify(empty, now=NOW, challenge="c").check("holder-binding") is None


def test_the_verdict_from_the_facets() -> None:
    def report(
        *checks: tuple[str, str],
        policy: Any = "officer",
        nested: list[VerificationReport] | None = None,
    ) -> VerificationReport:
        out = VerificationReport(checks=[Check(n, "X", o, "") for n, o in checks], policy=policy)  # type: ignore[arg-type]
        out.credentials = nested or []
        return out

    ok = (("proof", "pass"), ("trust", "pass"), ("dates", "pass"))
    assert report(*ok).outcome == "verified"
    assert report(("proof", "pass"), ("dates", "pass")).outcome == "unconfirmed"
    assert report(("proof", "pass"), ("dates", "pass"), policy="vc-api").outcome == "verified"
    assert report(("proof", "pass"), ("trust", "error"), ("dates", "pass")).outcome == "unconfirmed"
    assert (
        report(("proof", "error"), ("trust", "pass"), ("dates", "pass")).outcome == "inconclusive"
    )
    assert (
        report(("proof", "pass"), ("trust", "pass"), ("status", "error")).outcome == "inconclusive"
    )
    assert report(("proof", "pass"), ("trust", "fail")).outcome == "failed"
    assert report(("proof", "fail"), ("trust", "pass")).outcome == "failed"
    assert report(("proof", "pass"), ("trust", "pass"), ("status", "fail")).outcome == "failed"
    assert report(("trust", "pass"), ("dates", "pass")).facet("intact") == "unknown"
    assert report(("proof", "pass"), ("trust", "pass"), ("status", "skipped")).outcome == "verified"
    informative = report(*ok)
    informative.checks.append(Check("elements", "ELEMENTS_MISSING", "fail", "", informative=True))
    assert informative.outcome == "verified"
    inner_bad = report(("proof", "fail"))
    assert report(*ok, nested=[inner_bad]).outcome == "failed"
    inner_unknown = report(("proof", "pass"), ("dates", "error"))
    assert report(*ok, nested=[inner_unknown]).outcome == "inconclusive"
    holder_only = report(("proof", "pass"), nested=[report(*ok)])
    assert holder_only.facet("issuer") == "pass"


def test_value_count_is_exact() -> None:
    from mcvc.verification.pipeline import _more_values_than

    doc = {"a": [1, 2, {"b": None}], "c": {}}  # root, a, 1, 2, {b}, None, c = 7 values
    assert not _more_values_than(doc, 7)
    assert _more_values_than(doc, 6)
    assert not _more_values_than([], 1) and _more_values_than([[]], 1)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDF-1.4", "PDF"),
        (b"\x89PNG\r\n", "PNG"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"GIF89a", "GIF"),
        (b"PK\x03\x04", "ZIP"),
        (b"\xd0\xcf\x11\xe0", "Office"),
        (b"   ", "empty"),
        (b"\xef\xbb\xbf<html>", "HTML"),
        (b"hello", "not JSON"),
    ],
)
def test_what_is_not_a_credential_is_named(data: bytes, says: str) -> None:
    report = verify(data, now=NOW)
    check = report.check("parse")
    assert check is not None and check.code == "NOT_A_CREDENTIAL" and says in check.message
    assert report.outcome == "failed"
    assert verify(data.decode("latin-1"), now=NOW).check("parse").code == "NOT_A_CREDENTIAL"  # type: ignore[union-attr]


def test_json_text_that_is_a_credential_is_not_refused_as_text(key: Any) -> None:
    import json

    text = "\n  " + json.dumps(_signed(key))
    assert verify(text, now=NOW).check("parse").code == "OK"  # type: ignore[union-attr]
    assert verify(b"[1]", now=NOW).check("parse").code == "PARSING_ERROR"  # type: ignore[union-attr]
