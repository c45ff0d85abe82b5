"""Bitstring Status List: the W3C examples, decoding limits, and the checker end to end."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mcvc import FetchPolicy, generate_key, sign, verify
from mcvc.status.bitstring import (
    MIN_BITS,
    Bitstring,
    StatusListError,
    decode_list,
    encode_list,
    parse_index,
)
from mcvc.status.checker import status_checker
from mcvc.status.lists import status_entry, status_list_credential

from .conftest import EDDSA, VECTORS, load

BSL = VECTORS / "bitstring-status-list"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
CREATED = datetime(2026, 7, 1, tzinfo=UTC)
POLICY = FetchPolicy(resolve=lambda host: ["93.184.216.34"])
LIST_URL = "https://status.uni.example/lists/1"


@pytest.mark.parametrize(
    "name",
    ["example-bitstring-status-list-credential.json", "example-status-list-credential.json"],
)
def test_spec_lists_decode_all_zero(name: str) -> None:
    doc = load(BSL / name)
    bits = decode_list(doc["credentialSubject"]["encodedList"])
    assert len(bits.data) == 16_384 and bits.length == MIN_BITS
    assert not any(bits.data)
    assert bits.value(94567) == 0


@pytest.mark.parametrize(
    ("name", "indexes"),
    [
        ("example-revocable-credential.json", [94567]),
        ("example-multiple-status-lists.json", [94567, 12345]),
        ("example-multiple-entries-one-list.json", None),
    ],
)
def test_spec_entries_parse(name: str, indexes: list[int] | None) -> None:
    status = load(BSL / name)["credentialStatus"]
    entries = status if isinstance(status, list) else [status]
    parsed = [parse_index(e["statusListIndex"]) for e in entries]
    if indexes is not None:
        assert parsed == indexes
    assert all(e["type"] == "BitstringStatusListEntry" for e in entries)


def test_bit_order_msb_first() -> None:
    bits = Bitstring.empty().with_value(94567, 1)
    assert bits.data[11820] == 0x01
    first = Bitstring(b"\x80" + bytes(16_383))
    assert first.value(0) == 1 and first.value(7) == 0
    assert decode_list(encode_list(bits)).value(94567) == 1


@pytest.mark.parametrize("value", ["94567abc", "-1", "1e3", " 5", "", 5, "01"])
def test_malformed_indexes(value: object) -> None:
    with pytest.raises(StatusListError) as info:
        parse_index(value)
    assert info.value.code == "MALFORMED_VALUE_ERROR"


def test_limits() -> None:
    with pytest.raises(StatusListError) as info:
        Bitstring.empty().value(MIN_BITS)
    assert info.value.code == "RANGE_ERROR"
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(125))).rstrip(b"=").decode()
    with pytest.raises(StatusListError) as info:
        decode_list(short)
    assert info.value.code == "STATUS_LIST_LENGTH_ERROR"
    bomb = (
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(64 * 1024 * 1024))).rstrip(b"=").decode()
    )
    assert len(bomb) < 200_000
    with pytest.raises(StatusListError) as info:
        decode_list(bomb)
    assert info.value.code == "INPUT_TOO_LARGE"
    with pytest.raises(StatusListError):
        decode_list("zNotBase64url")


class _Server:
    """A status list host behind httpx.MockTransport that counts requests."""

    def __init__(self) -> None:
        self.routes: dict[str, httpx.Response] = {}
        self.requests: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        return self.routes.get(str(request.url), httpx.Response(404))

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))


def _issue(key: Any, *, purpose: str = "revocation", index: int = 94567) -> dict[str, Any]:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    doc["credentialStatus"] = status_entry(LIST_URL, index, purpose)
    return sign(doc, key, created=CREATED)


def _publish(server: _Server, key: Any, bits: Bitstring, **kw: Any) -> None:
    purpose = kw.pop("purpose", "revocation")
    signer = kw.pop("signer", key)
    doc = status_list_credential(
        LIST_URL, kw.pop("issuer", key.did_key), bits, purpose=purpose, valid_from=CREATED, **kw
    )
    server.routes[LIST_URL] = httpx.Response(200, json=sign(doc, signer, created=CREATED))


def _status(report: Any) -> Any:
    return report.check("status")


def test_revocation_round_trip() -> None:
    key, server = generate_key(), _Server()
    credential = _issue(key)
    _publish(server, key, Bitstring.empty())
    checker = status_checker(server.client(), fetch_policy=POLICY)
    report = verify(credential, now=NOW, status_checker=checker, policy="vc-api")
    assert report.outcome == "verified" and _status(report).code == "OK"
    verify(credential, now=NOW, status_checker=checker)
    assert server.requests == [LIST_URL], "the list is cached within its ttl"
    _publish(server, key, Bitstring.empty().with_value(94567, 1))
    fresh = status_checker(server.client(), fetch_policy=POLICY)
    report = verify(credential, now=NOW, status_checker=fresh)
    assert report.outcome == "failed" and _status(report).code == "REVOKED"
    server.routes[LIST_URL] = httpx.Response(503)
    report = verify(
        credential, now=NOW, status_checker=status_checker(server.client(), fetch_policy=POLICY)
    )
    assert report.outcome == "inconclusive" and _status(report).code == "STATUS_RETRIEVAL_ERROR"


def test_suspension_purpose() -> None:
    key, server = generate_key(), _Server()
    credential = _issue(key, purpose="suspension", index=7)
    _publish(server, key, Bitstring.empty().with_value(7, 1), purpose="suspension")
    report = verify(credential, now=NOW, http=server.client(), fetch_policy=POLICY)
    assert _status(report).code == "SUSPENDED"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("other-signer", "STATUS_VERIFICATION_ERROR"),
        ("other-issuer", "STATUS_VERIFICATION_ERROR"),
        ("purpose", "STATUS_VERIFICATION_ERROR"),
        ("expired", "STATUS_VERIFICATION_ERROR"),
        ("tampered", "STATUS_VERIFICATION_ERROR"),
        ("not-a-list", "STATUS_VERIFICATION_ERROR"),
        ("html", "STATUS_VERIFICATION_ERROR"),
        ("range", "RANGE_ERROR"),
        ("short", "STATUS_LIST_LENGTH_ERROR"),
    ],
)
def test_status_attacks(change: str, code: str) -> None:
    key, server = generate_key(), _Server()
    other = generate_key()
    credential = _issue(key)
    bits = Bitstring.empty()
    if change == "other-signer":
        _publish(server, key, bits, signer=other)
    elif change == "other-issuer":
        _publish(server, other, bits)
    elif change == "purpose":
        _publish(server, key, bits, purpose="suspension")
    elif change == "expired":
        _publish(server, key, bits, valid_until=NOW - timedelta(days=1))
    elif change == "tampered":
        _publish(server, key, bits)
        doc = json.loads(server.routes[LIST_URL].content)
        doc["credentialSubject"]["encodedList"] = encode_list(bits.with_value(1, 1))
        server.routes[LIST_URL] = httpx.Response(200, json=doc)
    elif change == "not-a-list":
        server.routes[LIST_URL] = httpx.Response(200, json=_issue(key))
    elif change == "html":
        server.routes[LIST_URL] = httpx.Response(200, text="<html>maintenance</html>")
    elif change == "range":
        credential = _issue(key, index=MIN_BITS + 5)
        _publish(server, key, bits)
    elif change == "short":
        doc = status_list_credential(LIST_URL, key.did_key, bits, valid_from=CREATED)
        doc["credentialSubject"]["encodedList"] = (
            "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).rstrip(b"=").decode()
        )
        server.routes[LIST_URL] = httpx.Response(200, json=sign(doc, key, created=CREATED))
    report = verify(credential, now=NOW, http=server.client(), fetch_policy=POLICY)
    assert report.outcome == "failed", report.to_json()
    assert _status(report).code == code


def test_nothing_fetched_for_a_bad_credential() -> None:
    key, server = generate_key(), _Server()
    credential = _issue(key)
    credential["credentialSubject"]["alumniOf"] = "Forged University"
    _publish(server, key, Bitstring.empty())
    report = verify(credential, now=NOW, http=server.client(), fetch_policy=POLICY)
    assert report.outcome == "failed" and _status(report).code == "STATUS_SKIPPED"
    assert server.requests == []


def test_private_status_host_refused_without_configuration() -> None:
    key, server = generate_key(), _Server()
    credential = _issue(key)
    _publish(server, key, Bitstring.empty())
    private = FetchPolicy(resolve=lambda host: ["10.1.2.3"])
    report = verify(credential, now=NOW, http=server.client(), fetch_policy=private)
    assert report.outcome == "inconclusive" and _status(report).code == "STATUS_RETRIEVAL_ERROR"
    assert server.requests == []


def test_cache_revalidates_with_etag() -> None:
    from mcvc.canon.api import Canonicalizer
    from mcvc.did import DidResolver
    from mcvc.net import Fetcher
    from mcvc.status.checker import StatusChecker, default_list_verifier

    key = generate_key()
    credential = _issue(key)
    doc = sign(
        status_list_credential(
            LIST_URL, key.did_key, Bitstring.empty(), valid_from=CREATED, ttl_ms=1000
        ),
        key,
        created=CREATED,
    )
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, json=doc, headers={"ETag": '"v1"'})

    ticks = iter([0.0, 0.5, 5.0, 5.1, 5.2, 5.3])
    fetcher = Fetcher(httpx.Client(transport=httpx.MockTransport(handler)), POLICY)
    checker = StatusChecker(
        fetcher,
        default_list_verifier(DidResolver(fetcher), Canonicalizer()),
        clock=lambda: next(ticks),
    )
    for _ in range(3):
        assert (
            verify(credential, now=NOW, status_checker=checker, policy="vc-api").outcome
            == "verified"
        )
    assert seen == [None, '"v1"'], "fresh within ttl; afterwards revalidated with If-None-Match"
