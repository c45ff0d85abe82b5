"""The IETF Token Status List (mcvc.status.token): the draft's own test vectors, the reading
rules one by one, the checker against a fake fetcher, and SD-JWT VCs checked end to end."""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import generate_key, verify
from mcvc.errors import NetworkPolicyError
from mcvc.multibase import b64url_decode, b64url_encode
from mcvc.net import Fetched, FetchPolicy
from mcvc.sdjwt import _jws, issue_sd_jwt
from mcvc.status.bitstring import StatusListError
from mcvc.status.token import (
    MAX_LIST_BYTES,
    TokenStatusChecker,
    TokenStatusList,
    decode_token_list,
    encode_token_list,
    status_reference,
)

from .conftest import NOW

DATA = Path(__file__).parent / "data" / "token-status-list"
KEY = generate_key()
URI = "https://status.example/tsl/1"


def _example(name: str) -> dict[str, Any]:
    text = (DATA / name).read_text()
    found = json.loads(text[text.index("{") :].replace("\n", "").replace(" ", ""))
    assert isinstance(found, dict)
    return found


def _vectors() -> list[tuple[int, str, dict[int, int]]]:
    """(bits, example file, non-zero statuses) of each section of the draft's test vectors."""
    text = (DATA / "test-vectors.md").read_text()
    out = []
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        bits = int(section.split("-bit", 1)[0])
        values = {
            int(i): int(v, 2) for i, v in re.findall(r"status\[(\d+)\]\s*=\s*0b([01]+)", section)
        }
        include = re.search(r"\{::include examples/(status_list_\w+_json\.md)\}", section)
        assert include is not None
        out.append((bits, include.group(1), {i: v for i, v in values.items() if v}))
    return out


def test_the_draft_examples_of_section_4() -> None:
    one = decode_token_list(_example("status_list_encoding_json.md"))
    assert (one.bits, one.data) == (1, bytes([0xB9, 0xA3]))
    assert [one.value(i) for i in range(16)] == [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1]
    two = decode_token_list(_example("status_list_encoding2_json.md"))
    assert (two.bits, two.data) == (2, bytes([0xC9, 0x44, 0xF9]))
    assert [two.value(i) for i in range(12)] == [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3]


@pytest.mark.parametrize(("bits", "name", "values"), _vectors(), ids=lambda v: str(v)[:20])
def test_the_draft_test_vectors(bits: int, name: str, values: dict[int, int]) -> None:
    assert len(values) >= 10
    decoded = decode_token_list(_example(name))
    assert decoded.bits == bits and decoded.size == 2**20
    for index, value in values.items():
        assert decoded.value(index) == value, index
    # every status not listed is 0
    nonzero = 0
    for position, byte in enumerate(decoded.data):
        if byte:
            per = 8 // bits
            nonzero += sum(1 for k in range(per) if decoded.value(position * per + k))
    assert nonzero == len(values)
    # and the same list encoded here reads back to the same bytes
    again = decode_token_list(encode_token_list(bits, values, 2**20))
    assert again.data == decoded.data


def test_values_are_read_from_the_least_significant_bits() -> None:
    assert TokenStatusList(4, bytes([0x21, 0x0F])).value(0) == 1
    assert [TokenStatusList(4, bytes([0x21, 0xF0])).value(i) for i in range(4)] == [1, 2, 0, 15]
    assert [TokenStatusList(8, bytes([7, 255])).value(i) for i in range(2)] == [7, 255]
    with pytest.raises(StatusListError) as caught:
        TokenStatusList(2, bytes(2)).value(8)
    assert (caught.value.code, str(caught.value)) == (
        "RANGE_ERROR",
        "index 8 is outside the list of 8 entries",
    )
    with pytest.raises(StatusListError):
        TokenStatusList(1, bytes(1)).value(-1)


@pytest.mark.parametrize(
    ("status_list", "code", "message"),
    [
        ([], "MALFORMED_VALUE_ERROR", "status_list is not an object"),
        ({"bits": 3, "lst": "eNo"}, "MALFORMED_VALUE_ERROR", "bits must be 1, 2, 4 or 8, not 3"),
        (
            {"bits": True, "lst": "eNo"},
            "MALFORMED_VALUE_ERROR",
            "bits must be 1, 2, 4 or 8, not True",
        ),
        ({"bits": 1}, "MALFORMED_VALUE_ERROR", "lst must be a base64url string"),
        ({"bits": 1, "lst": "eNo+"}, "MALFORMED_VALUE_ERROR", "lst: not unpadded base64url"),
        (
            {"bits": 1, "lst": b64url_encode(b"plain")},
            "MALFORMED_VALUE_ERROR",
            "lst is not ZLIB data",
        ),
        (
            {"bits": 1, "lst": b64url_encode(zlib.compress(bytes(64))[:-6])},
            "MALFORMED_VALUE_ERROR",
            "lst is truncated ZLIB data",
        ),
        (
            {"bits": 8, "lst": b64url_encode(zlib.compress(bytes(MAX_LIST_BYTES + 1), 9))},
            "STATUS_LIST_LENGTH_ERROR",
            f"the status list inflates to more than {MAX_LIST_BYTES} bytes",
        ),
    ],
)
def test_lists_that_do_not_read(status_list: Any, code: str, message: str) -> None:
    with pytest.raises(StatusListError) as caught:
        decode_token_list(status_list)
    assert caught.value.code == code and str(caught.value).startswith(message)


def test_a_list_of_exactly_the_largest_size_reads() -> None:
    largest = {"bits": 8, "lst": b64url_encode(zlib.compress(bytes(MAX_LIST_BYTES), 9))}
    assert decode_token_list(largest).size == MAX_LIST_BYTES


def test_encoding_refuses_what_does_not_fit() -> None:
    assert encode_token_list(2, {3: 3}, 4) == {
        "bits": 2,
        "lst": b64url_encode(zlib.compress(b"\xc0", 9)),
    }
    assert decode_token_list(encode_token_list(2, {4: 1}, 5)).data == b"\x00\x01"
    assert decode_token_list(encode_token_list(8, {}, 3)).data == bytes(3)
    assert decode_token_list(encode_token_list(1, {0: 0, 7: 1}, 8)).data == b"\x80"
    with pytest.raises(ValueError, match=r"^bits must be 1, 2, 4 or 8$"):
        encode_token_list(3, {}, 8)
    for values in ({8: 1}, {0: 2}, {-1: 1}, {1: -1}):
        index, value = next(iter(values.items()))
        with pytest.raises(ValueError, match=rf"^status {value} at {index} does not fit the list$"):
            encode_token_list(1, values, 8)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("x", "the status claim has no status_list object"),
        ({"status_list": []}, "the status claim has no status_list object"),
        (
            {"status_list": {"idx": -1, "uri": URI}},
            "status_list.idx must be a non-negative integer, not -1",
        ),
        (
            {"status_list": {"idx": True, "uri": URI}},
            "status_list.idx must be a non-negative integer, not True",
        ),
        (
            {"status_list": {"idx": "1", "uri": URI}},
            "status_list.idx must be a non-negative integer, not '1'",
        ),
        ({"status_list": {"idx": 1, "uri": "ftp://x/1"}}, "status_list.uri must be an http(s) URL"),
        ({"status_list": {"idx": 1}}, "status_list.uri must be an http(s) URL"),
    ],
)
def test_references_that_do_not_read(status: Any, message: str) -> None:
    with pytest.raises(StatusListError) as caught:
        status_reference(status)
    assert (caught.value.code, str(caught.value)) == ("MALFORMED_VALUE_ERROR", message)


def test_a_reference_reads() -> None:
    assert status_reference({"status_list": {"idx": 0, "uri": URI}, "other": {}}) == (0, URI)
    assert status_reference({"status_list": {"idx": 5, "uri": "http://s.example/2"}}) == (
        5,
        "http://s.example/2",
    )


# --- the checker, against a fake fetcher and signature check ------------------------------


def _token(
    values: dict[int, int] | None = None,
    *,
    bits: int = 2,
    typ: str = "statuslist+jwt",
    key: Any = KEY,
    **claims: Any,
) -> str:
    payload = {
        "sub": URI,
        "iat": int(NOW.timestamp()) - 60,
        "exp": int(NOW.timestamp()) + 3600,
        "ttl": 600,
        "status_list": encode_token_list(bits, values or {}, 64),
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    kid = f"{key.did_key}#{key.did_key.removeprefix('did:key:')}"
    return _jws({"alg": "EdDSA", "typ": typ, "kid": kid}, payload, key)


@dataclass
class _Served:
    bodies: dict[str, str | Exception]
    asked: list[tuple[str, str]]

    def fetch(self, url: str, *, accept: str = "", **_: Any) -> Fetched:
        self.asked.append((url, accept))
        body = self.bodies[url]
        if isinstance(body, Exception):
            raise body
        return Fetched(200, body.encode(), None)


def _signed_by(who: str, outcome: str = "pass") -> Any:
    def check(jose: Any) -> tuple[str, str, str]:
        assert jose.form == "status-list"
        return (outcome, who, "" if outcome == "pass" else "bad signature")

    return check


def _checker(body: str | Exception, who: str = "did:example:uni", **kw: Any) -> Any:
    served = _Served({URI: body}, [])
    return TokenStatusChecker(served, _signed_by(who, **kw)), served


def _result(checker: Any, idx: int = 0, issuer: str = "did:example:uni") -> tuple[str, str, str]:
    result = checker.check({"status_list": {"idx": idx, "uri": URI}}, issuer, NOW)
    return result.outcome, result.code, result.message


def test_each_status_value() -> None:
    checker, served = _checker(_token({1: 1, 2: 2, 3: 3}))
    assert _result(checker, 0) == ("pass", "OK", f"Token Status List: valid ({URI} #0)")
    assert _result(checker, 1) == (
        "fail",
        "REVOKED",
        f"Token Status List: invalid (revoked) ({URI} #1)",
    )
    assert _result(checker, 2) == ("fail", "SUSPENDED", f"Token Status List: suspended ({URI} #2)")
    assert _result(checker, 3) == (
        "fail",
        "STATUS_SET",
        f"Token Status List: status 0x03 (application specific) ({URI} #3)",
    )
    assert _result(checker, 64) == (
        "fail",
        "RANGE_ERROR",
        f"Token Status List {URI}: index 64 is outside the list of 64 entries",
    )
    # fetched once, as a Status List Token, then cached for its ttl
    assert served.asked == [(URI, "application/statuslist+jwt")]
    result = checker.check({"status_list": {"idx": 0, "uri": URI}}, "did:example:uni", NOW)
    assert result.details == {
        "uri": URI,
        "index": 0,
        "value": 0,
        "bits": 2,
        "summary": f"Token Status List: valid ({URI} #0)",
    }
    revoked = checker.check({"status_list": {"idx": 1, "uri": URI}}, "did:example:uni", NOW)
    assert revoked.details == {"uri": URI, "index": 1, "value": 1, "bits": 2}


def test_the_cache_follows_ttl_and_exp() -> None:
    served = _Served({URI: _token(ttl=10)}, [])
    moments = iter([0.0, 5.0, 11.0, 11.0])
    checker = TokenStatusChecker(served, _signed_by("did:example:uni"), clock=lambda: next(moments))
    _result(checker)  # fetched at 0, kept until 10
    _result(checker)  # 5: cached
    _result(checker)  # 11: fetched again
    assert len(served.asked) == 2
    # a cached copy is used up to its exp (within the clock skew), not past it
    served = _Served({URI: _token(exp=int(NOW.timestamp()) + 30)}, [])
    checker = TokenStatusChecker(served, _signed_by("did:example:uni"), clock=lambda: 0.0)
    _result(checker)
    edge = NOW + timedelta(seconds=30 + 300)
    result = checker.check({"status_list": {"idx": 0, "uri": URI}}, "did:example:uni", edge)
    assert result.code == "OK" and len(served.asked) == 1
    later = NOW + timedelta(seconds=30 + 301)
    result = checker.check({"status_list": {"idx": 0, "uri": URI}}, "did:example:uni", later)
    assert result.code == "STATUS_VERIFICATION_ERROR" and len(served.asked) == 2
    # a list without exp is cached for its ttl alone
    undated = _Served({URI: _token(exp=None)}, [])
    checker = TokenStatusChecker(undated, _signed_by("did:example:uni"), clock=lambda: 0.0)
    assert [_result(checker)[1], _result(checker)[1]] == ["OK", "OK"]
    assert len(undated.asked) == 1


@pytest.mark.parametrize(
    ("body", "kw", "outcome", "code", "message"),
    [
        (
            NetworkPolicyError("no network", code="NETWORK_NOT_ALLOWED"),
            {},
            "error",
            "STATUS_RETRIEVAL_ERROR",
            "not fetched: no network",
        ),
        ("not a token", {}, "fail", "STATUS_VERIFICATION_ERROR", "not a JWT: "),
        (
            _token(typ="vc+jwt"),
            {},
            "fail",
            "STATUS_VERIFICATION_ERROR",
            "typ 'vc+jwt' is not statuslist+jwt",
        ),
        (
            _token(),
            {"outcome": "fail"},
            "fail",
            "STATUS_VERIFICATION_ERROR",
            "the signature does not verify: did:example:uni: bad signature",
        ),
        (
            _token(),
            {"outcome": "error"},
            "error",
            "STATUS_RETRIEVAL_ERROR",
            "the signature does not verify: did:example:uni: bad signature",
        ),
        (
            _token(),
            {"who": "did:example:other"},
            "fail",
            "STATUS_VERIFICATION_ERROR",
            "signed by a key of did:example:other, not of the credential's issuer did:example:uni",
        ),
        (
            _token(sub="https://status.example/tsl/2"),
            {},
            "fail",
            "STATUS_VERIFICATION_ERROR",
            "its sub 'https://status.example/tsl/2' is not the uri the credential names",
        ),
        (
            _token(iat=None),
            {},
            "fail",
            "STATUS_VERIFICATION_ERROR",
            "iat is required, as a NumericDate",
        ),
        (_token(iat="yesterday"), {}, "fail", "STATUS_VERIFICATION_ERROR", "iat is required"),
        (_token(iat=True), {}, "fail", "STATUS_VERIFICATION_ERROR", "iat is required"),
        (_token(iat=-1), {}, "fail", "STATUS_VERIFICATION_ERROR", "iat is required"),
        (_token(iat=253402300800), {}, "fail", "STATUS_VERIFICATION_ERROR", "iat is required"),
        (
            _token(iat=int(NOW.timestamp()) + 301),
            {},
            "fail",
            "STATUS_VERIFICATION_ERROR",
            "it is issued in the future",
        ),
        (
            _token(exp=int(NOW.timestamp()) - 301),
            {},
            "fail",
            "STATUS_VERIFICATION_ERROR",
            "it expired at ",
        ),
        (_token(exp="soon"), {}, "fail", "STATUS_VERIFICATION_ERROR", "exp is not a NumericDate"),
        (_token(exp=True), {}, "fail", "STATUS_VERIFICATION_ERROR", "exp is not a NumericDate"),
        (_token(status_list={"bits": 5}), {}, "fail", "MALFORMED_VALUE_ERROR", "bits must be"),
    ],
)
def test_lists_that_are_not_relied_on(
    body: Any, kw: dict[str, Any], outcome: str, code: str, message: str
) -> None:
    checker, _ = _checker(body, **kw)
    got = _result(checker)
    assert got[:2] == (outcome, code)
    assert got[2].startswith(f"Token Status List {URI}: {message}"), got[2]


def test_within_the_clock_skew_a_list_is_relied_on() -> None:
    now = int(NOW.timestamp())
    for claims in (
        {"iat": now + 300},
        {"exp": now - 300},
        {"iat": now + 0.5},
        {"exp": None},
        {"iat": 0},  # 1970 is a NumericDate too
    ):
        checker, _ = _checker(_token(**claims))
        assert _result(checker)[1] == "OK", claims


def test_lists_are_cached_per_issuer_for_their_ttl_at_most_a_day() -> None:
    served = _Served({URI: _token()}, [])
    checker = TokenStatusChecker(served, _signed_by("did:example:uni"), clock=lambda: 0.0)
    assert _result(checker, issuer="did:example:uni")[1] == "OK"
    # the same uri named by another issuer's credential is fetched and judged again
    assert _result(checker, issuer="did:example:other")[1] == "STATUS_VERIFICATION_ERROR"
    assert len(served.asked) == 2
    cases = ((None, 300.0), (10**7, 86400.0), (0, 300.0), ("long", 300.0), (True, 300.0), (1, 1.0))
    for ttl, kept in cases:
        served = _Served({URI: _token(ttl=ttl)}, [])
        # kept until just before the ttl ends; at its end it is fetched again
        moments = iter([0.0, kept - 0.5, kept, kept])
        checker = TokenStatusChecker(
            served, _signed_by("did:example:uni"), clock=lambda m=moments: next(m)
        )
        for _ in range(3):
            _result(checker)
        assert len(served.asked) == 2, ttl


def test_a_malformed_reference_fails_before_any_fetch() -> None:
    checker, served = _checker(_token())
    result = checker.check({"status_list": {"idx": "0", "uri": URI}}, "did:example:uni", NOW)
    assert (result.outcome, result.code, result.message) == (
        "fail",
        "MALFORMED_VALUE_ERROR",
        "status_list.idx must be a non-negative integer, not '0'",
    )
    assert served.asked == []


# --- SD-JWT VCs with a status claim, end to end ---------------------------------------------


def _credential() -> dict[str, Any]:
    from mcvc import build_credential

    from .conftest import ROOT, load

    doc = build_credential(load(ROOT / "examples" / "microcredential.json"), issuer=KEY.did_key)
    doc.pop("credentialStatus", None)
    return doc


def _with_status(status: Any, key: Any = KEY) -> str:
    issued = issue_sd_jwt(_credential(), KEY, now=NOW)
    jws, _, rest = issued.partition("~")
    header, payload, _ = jws.split(".")
    claims = json.loads(b64url_decode(payload))
    return _jws(json.loads(b64url_decode(header)), {**claims, "status": status}, key) + "~" + rest


def _client(body: str) -> httpx.Client:
    def answer(request: httpx.Request) -> httpx.Response:
        if str(request.url) != URI:
            return httpx.Response(404)
        assert request.headers["accept"] == "application/statuslist+jwt"
        return httpx.Response(200, content=body.encode())

    return httpx.Client(transport=httpx.MockTransport(answer))


PUBLIC = FetchPolicy(resolve=lambda host: ["93.184.216.34"])


def test_an_sd_jwt_vc_with_a_token_status_list_is_checked() -> None:
    token = _with_status({"status_list": {"idx": 3, "uri": URI}})
    valid = verify(token, now=NOW, http=_client(_token({1: 1})), fetch_policy=PUBLIC)
    status = valid.check("status")
    assert status is not None and (status.code, status.outcome) == ("OK", "pass"), valid.to_json()
    assert status.message == f"Token Status List: valid ({URI} #3)"
    assert status.details["token_status_list"]["value"] == 0
    assert valid.facet("valid") == "pass"
    revoked = verify(token, now=NOW, http=_client(_token({3: 1})), fetch_policy=PUBLIC)
    assert revoked.check("status").code == "REVOKED" and revoked.outcome == "failed"  # type: ignore[union-attr]
    suspended = verify(token, now=NOW, http=_client(_token({3: 2})), fetch_policy=PUBLIC)
    assert suspended.check("status").code == "SUSPENDED"  # type: ignore[union-attr]
    # a list signed by someone else is not the issuer's word
    forged = verify(token, now=NOW, http=_client(_token(key=generate_key())), fetch_policy=PUBLIC)
    check = forged.check("status")
    assert check is not None and check.code == "STATUS_VERIFICATION_ERROR"
    assert forged.outcome == "failed"


def test_offline_or_other_mechanisms_are_not_known() -> None:
    token = _with_status({"status_list": {"idx": 3, "uri": URI}})
    offline = verify(token, now=NOW)
    check = offline.check("status")
    assert check is not None and (check.code, check.outcome) == ("STATUS_NOT_CHECKED", "error")
    assert check.message.endswith("whether the credential was revoked or suspended is NOT known")
    assert offline.outcome == "inconclusive"
    other = verify(_with_status({"status_assertion": {}}), now=NOW)
    check = other.check("status")
    assert check is not None and (check.code, check.outcome) == ("STATUS_NOT_CHECKABLE", "error")
    assert check.details["token_status_list"] == {"mechanisms": ["status_assertion"]}
    assert check.message.startswith("the status claim names status_assertion, which mcvc")
    malformed = verify(
        _with_status("revoked?"), now=NOW, http=_client(_token()), fetch_policy=PUBLIC
    )
    check = malformed.check("status")
    assert check is not None and (check.code, check.outcome) == ("MALFORMED_VALUE_ERROR", "fail")


def test_a_credential_not_authentic_fetches_no_status() -> None:
    skipped = (
        "STATUS_SKIPPED",
        "skipped",
        "not checked: the credential is not authentic, so nothing was fetched",
    )
    token = _with_status({"status_list": {"idx": 3, "uri": URI}}, key=generate_key())
    report = verify(token, now=NOW, http=_client(_token()), fetch_policy=PUBLIC)
    check = report.check("status")
    assert check is not None and (check.code, check.outcome, check.message) == skipped
    assert report.outcome == "failed"
    # a valid signature by a key that is not the issuer's is not authentic either
    other = "did:example:someone-else"
    issued = issue_sd_jwt({**_credential(), "issuer": other}, KEY, now=NOW)
    jws, _, rest = issued.partition("~")
    header, payload, _ = jws.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["status"] = {"status_list": {"idx": 3, "uri": URI}}
    forged = _jws(json.loads(b64url_decode(header)), claims, KEY) + "~" + rest
    report = verify(forged, now=NOW, http=_client(_token()), fetch_policy=PUBLIC)
    assert report.check("proof").outcome == "pass"  # type: ignore[union-attr]
    assert report.check("issuer").code == "ISSUER_MISMATCH"  # type: ignore[union-attr]
    check = report.check("status")
    assert check is not None and (check.code, check.outcome, check.message) == skipped


def test_a_status_list_token_is_not_a_credential() -> None:
    report = verify(_token(), now=NOW)
    assert [(c.name, c.code, c.outcome, c.message) for c in report.checks] == [
        ("parse", "JOSE_FORMAT", "fail", "a Token Status List (statuslist+jwt), not a credential")
    ]


def test_the_verifiers_clock_skew_applies_to_the_list() -> None:
    token = _with_status({"status_list": {"idx": 3, "uri": URI}})
    early = _token(iat=int(NOW.timestamp()) + 100)
    lenient = verify(token, now=NOW, http=_client(early), fetch_policy=PUBLIC)
    assert lenient.check("status").code == "OK"  # type: ignore[union-attr]
    strict = verify(
        token,
        now=NOW,
        http=_client(early),
        fetch_policy=PUBLIC,
        max_clock_skew=timedelta(seconds=10),
    )
    check = strict.check("status")
    assert check is not None and check.code == "STATUS_VERIFICATION_ERROR"
    assert check.message.endswith("it is issued in the future")


def test_cli_checks_a_status_list_token_given_as_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcvc.cli import main

    credential = tmp_path / "credential.sd-jwt"
    credential.write_text(_with_status({"status_list": {"idx": 3, "uri": URI}}))
    lists = tmp_path / "list.jwt"
    moment = ["--now", NOW.isoformat(), "--policy", "vc-api"]
    for values, code, line in ((None, 0, "Token Status List: valid"), ({3: 1}, 1, "REVOKED")):
        lists.write_text(_token(values))
        assert main(["verify", str(credential), "--status-list", str(lists), *moment]) == code
        assert line in capsys.readouterr().out


@pytest.mark.parametrize("form", ["vc-jose", "jwt-vc"])
def test_a_jwt_credential_with_a_status_claim_is_checked_too(form: str) -> None:
    credential = _credential()
    kid = f"{KEY.did_key}#{KEY.did_key.removeprefix('did:key:')}"
    reference = {"status_list": {"idx": 3, "uri": URI}}
    if form == "vc-jose":
        header, claims = (
            {"alg": "EdDSA", "typ": "vc+jwt", "kid": kid},
            {**credential, "status": reference},
        )
    else:
        header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}
        claims = {"iss": KEY.did_key, "vc": credential, "status": reference}
    token = _jws(header, claims, KEY)
    for values, code in ((None, "OK"), ({3: 1}, "REVOKED")):
        report = verify(token, now=NOW, http=_client(_token(values)), fetch_policy=PUBLIC)
        assert report.check("status").code == code, report.to_json()  # type: ignore[union-attr]
    # a status claim that is not a Token Status List reference is left to the credential
    other = _jws(header, {**claims, "status": "active"}, KEY)
    assert verify(other, now=NOW).check("status").code == "NO_STATUS"  # type: ignore[union-attr]


def test_a_status_list_token_inside_a_presentation_is_a_failed_credential() -> None:
    presentation = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": "data:application/vc+jwt," + _token(),
                "type": "EnvelopedVerifiableCredential",
            }
        ],
    }
    report = verify(presentation, now=NOW)
    assert report.outcome == "failed"
    assert [(c.name, c.code) for c in report.credentials[0].checks] == [("parse", "JOSE_FORMAT")]
