"""The ledger's own rules in process, on SQLite and PostgreSQL (mutation testing asked for
them): status changes and the lists they re-sign, documents and their versions, list
rollover, key and id limits, issuer binding, and what each query returns."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mcvc.issuing.ledger import Ledger, LedgerError, Reservation, pack
from mcvc.status.bitstring import MIN_BITS, Bitstring

from .test_issuing import ledger_url  # noqa: F401 - the sqlite and PostgreSQL fixture

NOW = datetime(2026, 7, 14, 20, 0, tzinfo=UTC)
BASE = "https://status.uni.example/lists/"
ISSUER = "did:example:uni"


class Signer:
    """A list signer that records what it signed; ``issuer`` is whose lists it may sign."""

    def __init__(self, issuer: str = ISSUER) -> None:
        self.issuer = issuer
        self.signed: list[tuple[str, str, Bitstring]] = []

    def __call__(self, url: str, purpose: str, bits: Bitstring) -> dict[str, Any]:
        self.signed.append((url, purpose, bits))
        ones = [i for i in range(0, bits.length) if i in (5, 6, 7, 100) and bits.value(i)]
        return {"id": url, "purpose": purpose, "set": ones, "n": len(self.signed)}


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:  # noqa: F811
    opened = Ledger(ledger_url)
    opened.bind(BASE, ISSUER, now=NOW)
    yield opened
    opened.close()


def _issue(ledger: Ledger, row_key: str, **kw: Any) -> Reservation:
    reserved = ledger.reserve(row_key, status_base=BASE, now=NOW, **kw)
    ledger.complete(row_key, json.dumps({"id": reserved.credential_id}), now=NOW)
    found = ledger.get(row_key)
    assert found is not None
    return found


def test_status_changes_and_the_lists_they_sign(ledger: Ledger) -> None:
    record = _issue(ledger, "r1", credential_id="urn:uuid:c1")
    signer = Signer()
    url = ledger.set_status("urn:uuid:c1", "revocation", 1, sign_list=signer, now=NOW)
    assert url == record.status_list
    (signed_url, purpose, bits) = signer.signed[-1]
    assert (signed_url, purpose) == (record.status_list, "revocation")
    assert bits.value(record.status_index) == 1 and bits.length == MIN_BITS
    assert ledger.bits(record.status_list, "revocation").value(record.status_index) == 1
    assert ledger.bits(record.status_list, "suspension").value(record.status_index) == 0
    text, version = ledger.document(record.status_list, sign_list=signer, now=NOW)  # type: ignore[misc]
    assert version == 1 and json.loads(text)["n"] == 1
    ledger.set_status("r1", "revocation", 0, sign_list=signer, now=NOW)  # by row key too
    assert ledger.bits(record.status_list, "revocation").value(record.status_index) == 0
    assert ledger.document(record.status_list, sign_list=signer, now=NOW)[1] == 2  # type: ignore[index]
    suspended = ledger.set_status("urn:uuid:c1", "suspension", 1, sign_list=signer, now=NOW)
    assert suspended == f"{record.status_list}-suspension" == record.list_url("suspension")
    assert ledger.bits(record.status_list, "suspension").value(record.status_index) == 1
    assert ledger.document(suspended, sign_list=signer, now=NOW)[1] == 1  # type: ignore[index]
    with pytest.raises(LedgerError, match="purpose"):
        ledger.set_status("urn:uuid:c1", "refresh", 1, sign_list=signer, now=NOW)
    ledger.reserve("r2", status_base=BASE, now=NOW)
    with pytest.raises(LedgerError, match="never issued"):
        ledger.set_status("r2", "revocation", 1, sign_list=signer, now=NOW)
    with pytest.raises(LedgerError) as info:
        ledger.set_status("nothing", "revocation", 1, sign_list=signer, now=NOW)
    assert info.value.code == "NOT_FOUND"


def test_another_issuers_key_changes_nothing(ledger: Ledger) -> None:
    record = _issue(ledger, "r1")
    stranger = Signer("did:example:other")
    with pytest.raises(LedgerError) as info:
        ledger.set_status("r1", "revocation", 1, sign_list=stranger, now=NOW)
    assert info.value.code == "LIST_ISSUER_MISMATCH" and "did:example:other" in str(info.value)
    assert (
        stranger.signed == []
        and ledger.bits(record.status_list, "revocation").value(record.status_index) == 0
    )
    with pytest.raises(LedgerError) as info:
        ledger.document(record.status_list, sign_list=stranger, now=NOW)
    assert info.value.code == "LIST_ISSUER_MISMATCH"
    with pytest.raises(LedgerError):
        ledger.documents(sign_list=stranger, now=NOW)
    # a signer that does not say whose it is (a caller's own function) is not refused
    anonymous = lambda url, purpose, bits: {"id": url}  # noqa: E731
    assert ledger.document(record.status_list, sign_list=anonymous, now=NOW) is not None


def test_documents_are_signed_once_and_kept(ledger: Ledger) -> None:
    first = _issue(ledger, "a")
    signer = Signer()
    everything = ledger.documents(sign_list=signer, purposes=("revocation", "suspension"), now=NOW)
    assert set(everything) == {first.status_list, f"{first.status_list}-suspension"}
    assert len(signer.signed) == 2
    again = ledger.documents(sign_list=signer, purposes=("revocation", "suspension"), now=NOW)
    assert again == everything and len(signer.signed) == 2, "stored, not signed again"
    assert ledger.documents(sign_list=signer, now=NOW) == {
        first.status_list: everything[first.status_list]
    }
    assert ledger.document(f"{BASE}99", sign_list=signer, now=NOW) is None
    assert ledger.document(f"{BASE}99-suspension", sign_list=signer, now=NOW) is None


def test_lists_roll_over_when_their_share_is_used(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url, fill_limit=2 / MIN_BITS)
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        lists = [ledger.reserve(f"r{i}", status_base=BASE, now=NOW).status_list for i in range(5)]
        assert lists == [f"{BASE}1", f"{BASE}1", f"{BASE}2", f"{BASE}2", f"{BASE}3"]
        assert ledger.lists() == [f"{BASE}1", f"{BASE}2", f"{BASE}3"]
        again = Ledger(ledger_url, fill_limit=2 / MIN_BITS)
        try:
            assert again.reserve("r5", status_base=BASE, now=NOW).status_list == f"{BASE}3"
            many = again.reserve_many([("r6", ""), ("r7", "")], status_base=BASE, now=NOW)
            assert [many["r6"].status_list, many["r7"].status_list] == [f"{BASE}4", f"{BASE}4"]
            # the counts a chunk leaves behind are the ones the next chunk goes by
            after = again.reserve_many([("r8", "")], status_base=BASE, now=NOW)
            assert after["r8"].status_list == f"{BASE}5"
            assert again.reserve("r9", status_base=BASE, now=NOW).status_list == f"{BASE}5"
        finally:
            again.close()
    finally:
        ledger.close()
    with pytest.raises(ValueError, match="at least"):
        Ledger(ledger_url, list_capacity=MIN_BITS - 8)


def test_key_and_id_limits(ledger: Ledger) -> None:
    assert ledger.reserve("k" * 255, status_base=BASE, now=NOW).row_key == "k" * 255
    assert (
        ledger.reserve_many([("m" * 255, "")], status_base=BASE, now=NOW)["m" * 255].state
        == "reserved"
    )
    for bad in ("", "k" * 256):
        with pytest.raises(LedgerError, match="row key"):
            ledger.reserve(bad, status_base=BASE, now=NOW)
        with pytest.raises(LedgerError, match="row key"):
            ledger.reserve_many([(bad, "")], status_base=BASE, now=NOW)
    assert (
        ledger.reserve("c", status_base=BASE, now=NOW, credential_id="u" * 255).credential_id
        == "u" * 255
    )
    for bad in ("", "u" * 256):
        with pytest.raises(LedgerError, match="credential id"):
            ledger.reserve("d", status_base=BASE, now=NOW, credential_id=bad)
    learner = ledger.reserve("e", status_base=BASE, now=NOW, learner_ref="x" * 400)
    assert learner.state == "reserved" and learner.signed is None


def test_what_the_queries_return(ledger: Ledger) -> None:
    b = _issue(ledger, "b", credential_id="urn:uuid:b")
    a = _issue(ledger, "a", credential_id="urn:uuid:a")
    ledger.reserve("c", status_base=BASE, now=NOW)
    assert [r.row_key for r in ledger.issued()] == ["a", "b"]
    assert ledger.counts() == {"issued": 2, "reserved": 1}
    assert ledger.find_credential("urn:uuid:a") == a and ledger.find_credential("b") == b
    assert ledger.get_many(["a", "zz"]) == {"a": a}
    assert ledger.get("zz") is None
    assert a.signed == json.dumps({"id": "urn:uuid:a"})
    key, sha, blob = pack("k", "é")
    assert key == "k" and len(sha) == 64 and blob


def test_issuer_binding(ledger: Ledger) -> None:
    ledger.bind(BASE, ISSUER, now=NOW)  # the same issuer again is fine
    with pytest.raises(LedgerError) as info:
        ledger.bind(BASE, "did:example:other", now=NOW + timedelta(days=1))
    assert info.value.code == "STATUS_LIST_CONFLICT" and ISSUER in str(info.value)
    with pytest.raises(LedgerError):
        ledger.bind("https://other.example/", "", now=NOW)
    ledger.bind("https://status.uni.example/lists/special/", "did:example:special", now=NOW)
    assert ledger.issuer_of(f"{BASE}7") == ISSUER
    assert ledger.issuer_of(f"{BASE}special/1") == "did:example:special", "the longest base wins"
    assert ledger.issuer_of("https://elsewhere.example/1") is None
    assert ledger.ledger_id == ledger.ledger_id and len(ledger.ledger_id) == 36
    assert "password" not in ledger.display_url


class Indexes:
    """A fake source of status indexes: the given ones in order, then counting up."""

    def __init__(self, *planned: int) -> None:
        self.planned = list(planned)
        self.next = 1000

    def __call__(self, capacity: int) -> int:
        assert capacity == MIN_BITS
        if self.planned:
            return self.planned.pop(0)
        self.next += 1
        return self.next


def test_a_taken_slot_is_never_given_twice(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url, random_index=Indexes(7, 7, 9, 7, 7, 11))
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        first = ledger.reserve("a", status_base=BASE, now=NOW, credential_id="u")
        second = ledger.reserve("b", status_base=BASE, now=NOW, credential_id="urn:uuid:b")
        assert (first.status_index, second.status_index) == (7, 9), "a collision is retried"
        assert first.credential_id == "u" and second.credential_id == "urn:uuid:b"
        chunk = ledger.reserve_many([("c", ""), ("d", "")], status_base=BASE, now=NOW)
        assert {chunk["c"].status_index, chunk["d"].status_index} == {11, 1001}
        assert ledger.fallbacks == 0, "the chunk knew the used slots and did not collide"
        assert len({r.status_index for r in (first, second, *chunk.values())}) == 4
    finally:
        ledger.close()


def test_a_chunk_falls_back_only_on_a_conflict(ledger_url: str) -> None:  # noqa: F811
    first = Ledger(ledger_url, random_index=Indexes(5))
    late = Ledger(ledger_url, random_index=Indexes(6, 5, 8))
    try:
        first.bind(BASE, ISSUER, now=NOW)
        late.reserve_many([("x", "")], status_base=BASE, now=NOW)  # reads the list: slot 6
        first.reserve("y", status_base=BASE, now=NOW)  # takes slot 5 behind its back
        got = late.reserve_many([("z", "learner")], status_base=BASE, now=NOW)
        assert got["z"].status_index == 8 and late.fallbacks == 1
        assert first.counts() == {"reserved": 3}
    finally:
        first.close()
        late.close()


def test_the_first_list_is_used_first(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url, fill_limit=1 / MIN_BITS)
    try:
        assert ledger.reserve("a", status_base=BASE, now=NOW).status_list == f"{BASE}1"
        assert ledger.reserve("b", status_base=BASE, now=NOW).status_list == f"{BASE}2"
    finally:
        ledger.close()


def test_flags_belong_to_one_list_one_purpose_one_index(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url, fill_limit=2 / MIN_BITS, random_index=Indexes(5, 6, 5))
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        a, b, c = (_issue(ledger, key) for key in ("a", "b", "c"))
        assert (a.status_list, b.status_list, c.status_list) == (f"{BASE}1", f"{BASE}1", f"{BASE}2")
        assert a.status_index == c.status_index == 5 and b.status_index == 6
        signer = Signer()
        for key in ("a", "b", "c"):
            ledger.set_status(key, "revocation", 1, sign_list=signer, now=NOW)
        ledger.set_status("a", "suspension", 1, sign_list=signer, now=NOW)
        ledger.set_status("a", "revocation", 0, sign_list=signer, now=NOW)
        assert ledger.bits(f"{BASE}1", "revocation").value(5) == 0
        assert ledger.bits(f"{BASE}1", "revocation").value(6) == 1, "b is still revoked"
        assert ledger.bits(f"{BASE}2", "revocation").value(5) == 1, "c, same index, other list"
        assert ledger.bits(f"{BASE}1", "suspension").value(5) == 1, "a is still suspended"
        assert ledger.bits(f"{BASE}2", "suspension").value(5) == 0
        url, purpose, bits = signer.signed[-1]
        assert (url, purpose, bits.value(5), bits.value(6)) == (f"{BASE}1", "revocation", 0, 1)
    finally:
        ledger.close()


def test_the_stored_documents_are_the_signers(ledger: Ledger) -> None:
    first = _issue(ledger, "a")
    signer = Signer()
    everything = ledger.documents(sign_list=signer, purposes=("revocation", "suspension"), now=NOW)
    assert [(u, p) for u, p, _ in signer.signed] == [
        (first.status_list, "revocation"),
        (f"{first.status_list}-suspension", "suspension"),
    ]
    for url, text in everything.items():
        assert json.loads(text)["id"] == url
    ledger.set_status("a", "revocation", 1, sign_list=signer, now=NOW)
    text, version = ledger.document(first.status_list, sign_list=signer, now=NOW)  # type: ignore[misc]
    assert version == 2
    assert json.loads(text)["n"] == 3, "the re-signed list replaced the first one"


def test_sqlite_ledgers_are_durable_and_wait_for_each_other(tmp_path: Any) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}")
    try:
        with ledger.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    finally:
        ledger.close()


def test_a_chunk_of_rows_already_reserved_needs_no_fallback(ledger: Ledger) -> None:
    first = ledger.reserve_many([("x1", ""), ("x2", "")], status_base=BASE, now=NOW)
    again = ledger.reserve_many([("x1", ""), ("x2", "")], status_base=BASE, now=NOW)
    assert again == first and ledger.fallbacks == 0
