"""What the ledger records beside the credential and its slot, and how it keeps its cached view
of lists and slots right (issue 17: the ledger's surviving mutants). The audit columns
(learner reference, SHA-256 of the signed bytes, issue and signing times) are read from the
tables, as a registrar's database administrator would read them."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from mcvc.issuing.ledger import Ledger, LedgerError, credentials, published, status_flags
from mcvc.status.bitstring import MIN_BITS, Bitstring

from .test_issuing import ledger_url  # noqa: F401 - the sqlite and PostgreSQL fixture
from .test_ledger_unit import BASE, ISSUER, NOW, Indexes, Signer

LATER = NOW + timedelta(hours=3)


def _row(ledger: Ledger, row_key: str) -> Any:
    with ledger.engine.connect() as conn:
        return conn.execute(select(credentials).where(credentials.c.row_key == row_key)).one()


def _published(ledger: Ledger, url: str) -> Any:
    with ledger.engine.connect() as conn:
        return conn.execute(select(published).where(published.c.list_url == url)).one()


def _same_moment(stored: Any, expected: Any) -> bool:
    # SQLite hands back naive datetimes (in the zone they were written in)
    return bool(stored.replace(tzinfo=None) == expected.astimezone(NOW.tzinfo).replace(tzinfo=None))


def test_a_reservation_records_the_learner_reference(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url)
    try:
        ledger.reserve("plain", status_base=BASE, now=NOW)
        ledger.reserve("named", status_base=BASE, now=NOW, learner_ref="x" * 300)
        ledger.reserve_many([("chunk", "S-1"), ("chunk2", "")], status_base=BASE, now=NOW)
        assert _row(ledger, "plain").learner_ref == ""
        assert _row(ledger, "named").learner_ref == "x" * 255
        assert _row(ledger, "chunk").learner_ref == "S-1"
        assert _row(ledger, "chunk2").learner_ref == ""
    finally:
        ledger.close()


def test_a_chunk_that_falls_back_keeps_its_learner_references(ledger_url: str) -> None:  # noqa: F811
    first = Ledger(ledger_url, random_index=Indexes(5))
    late = Ledger(ledger_url, random_index=Indexes(6, 5, 8))
    try:
        late.reserve_many([("x", "")], status_base=BASE, now=NOW)
        first.reserve("y", status_base=BASE, now=NOW)
        late.reserve_many([("z", "S-42")], status_base=BASE, now=NOW)
        assert late.fallbacks == 1 and _row(late, "z").learner_ref == "S-42"
    finally:
        first.close()
        late.close()


def test_completion_records_the_digest_and_the_time(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url)
    try:
        for key in ("one", "a", "b"):
            ledger.reserve(key, status_base=BASE, now=NOW)
        text = json.dumps({"id": "urn:uuid:one", "name": "Ana Horvat"}, ensure_ascii=False)
        ledger.complete("one", text, now=LATER)
        ledger.complete_many([("a", "A"), ("b", "B")], now=LATER)
        row = _row(ledger, "one")
        assert row.state == "issued"
        assert row.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
        assert _same_moment(row.issued_at, LATER) and _same_moment(row.reserved_at, NOW)
        assert ledger.get("one").signed == text  # type: ignore[union-attr]
        assert _row(ledger, "b").sha256 == hashlib.sha256(b"B").hexdigest()
        assert _same_moment(_row(ledger, "b").issued_at, LATER)
    finally:
        ledger.close()


def test_a_resigned_list_records_when_it_was_signed(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url)
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        record = ledger.reserve("r", status_base=BASE, now=NOW, credential_id="urn:uuid:r")
        ledger.complete("r", "{}", now=NOW)
        ledger.set_status("urn:uuid:r", "revocation", 1, sign_list=Signer(), now=NOW)
        ledger.set_status("urn:uuid:r", "revocation", 0, sign_list=Signer(), now=LATER)
        stored = _published(ledger, record.status_list)
        assert stored.version == 2 and _same_moment(stored.signed_at, LATER)
    finally:
        ledger.close()


def test_a_list_signed_for_the_first_time_carries_the_flags_already_recorded(
    ledger_url: str,  # noqa: F811
) -> None:
    ledger = Ledger(ledger_url)
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        record = ledger.reserve("r", status_base=BASE, now=NOW)
        with ledger.engine.begin() as conn:  # flags from before lists were stored (or restored)
            for purpose, index in (("suspension", record.status_index), ("revocation", 77)):
                conn.execute(
                    status_flags.insert().values(
                        status_list=record.status_list,
                        purpose=purpose,
                        status_index=index,
                        value=1,
                        changed_at=NOW,
                    )
                )
        signer = Signer()
        ledger.documents(sign_list=signer, purposes=("revocation", "suspension"), now=NOW)
        signed = {purpose: bits for _, purpose, bits in signer.signed}
        assert signed["suspension"].value(record.status_index) == 1
        assert signed["suspension"].value(77) == 0
        assert signed["revocation"].value(77) == 1
        assert signed["revocation"].value(record.status_index) == 0
    finally:
        ledger.close()


def test_a_document_is_signed_once_then_read(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url)
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        record = ledger.reserve("r", status_base=BASE, now=NOW)
        signer = Signer()
        first = ledger.document(record.status_list, sign_list=signer, now=NOW)
        second = ledger.document(record.status_list, sign_list=signer, now=LATER)
        assert first == second and first is not None and first[1] == 1
        assert len(signer.signed) == 1
        assert ledger.document(f"{BASE}99", sign_list=signer, now=NOW) is None
    finally:
        ledger.close()


class _Racing(Ledger):
    """A ledger whose first store of a list loses to another node that stored it meanwhile."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.other = Ledger(url)

    def _store_document(self, conn: Any, list_url: str, document: Any, now: Any) -> None:
        with self.other.engine.begin() as theirs:
            self.other._store_document(theirs, list_url, {"by": "the other node"}, now)
        raise IntegrityError("INSERT INTO mcvc_status_documents", {}, Exception("duplicate"))


def test_a_list_another_node_signed_first_is_theirs(tmp_path: Any) -> None:
    ledger = _Racing(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        record = ledger.reserve("r", status_base=BASE, now=NOW)
        found = ledger.document(record.status_list, sign_list=Signer(), now=NOW)
        assert found is not None and json.loads(found[0]) == {"by": "the other node"}
        assert found[1] == 1
    finally:
        ledger.other.close()
        ledger.close()


def test_half_of_a_list_is_used_by_default() -> None:
    ledger = Ledger("sqlite://")
    try:
        ledger._list_counts[BASE] = {f"{BASE}1": MIN_BITS // 2 - 1}
        assert ledger.reserve("a", status_base=BASE, now=NOW).status_list == f"{BASE}1"
        assert ledger.reserve("b", status_base=BASE, now=NOW).status_list == f"{BASE}2"
    finally:
        ledger.close()


def test_index_allocation_gives_up_after_64_collisions(tmp_path: Any) -> None:
    asked: list[int] = []

    def always_seven(capacity: int) -> int:
        asked.append(capacity)
        return 7

    ledger = Ledger(f"sqlite:///{tmp_path / 'l.db'}", random_index=always_seven)
    try:
        ledger.reserve("first", status_base=BASE, now=NOW)
        asked.clear()
        with pytest.raises(LedgerError, match="after 64 attempts"):
            ledger.reserve("second", status_base=BASE, now=NOW)
        assert len(asked) == 64
    finally:
        ledger.close()


def test_one_chunk_never_plans_one_slot_twice(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url, random_index=Indexes(3, 3, 4))
    try:
        chunk = ledger.reserve_many([("a", ""), ("b", "")], status_base=BASE, now=NOW)
        assert (chunk["a"].status_index, chunk["b"].status_index) == (3, 4)
        assert ledger.fallbacks == 0
    finally:
        ledger.close()


def test_slots_taken_by_either_way_of_reserving_are_known_to_the_next_chunk(
    ledger_url: str,  # noqa: F811
) -> None:
    ledger = Ledger(ledger_url, random_index=Indexes(3, 4, 3, 4, 5, 6))
    try:
        ledger.reserve_many([("a", "")], status_base=BASE, now=NOW)  # 3, and reads the slots
        ledger.reserve("b", status_base=BASE, now=NOW)  # 4
        chunk = ledger.reserve_many([("c", ""), ("d", "")], status_base=BASE, now=NOW)
        assert {chunk["c"].status_index, chunk["d"].status_index} == {5, 6}
        assert ledger.fallbacks == 0, "the chunk knew slots 3 and 4 were taken"
    finally:
        ledger.close()


def test_every_fallback_is_counted_and_rereads_the_lists(ledger_url: str) -> None:  # noqa: F811
    fill = 3 / MIN_BITS  # three credentials per list
    ours = Ledger(ledger_url, fill_limit=fill, random_index=Indexes(1, 2, 2, 9, 3, 4))
    theirs = Ledger(ledger_url, fill_limit=fill, random_index=Indexes(2, 3))
    try:
        ours.reserve_many([("a", "")], status_base=BASE, now=NOW)  # list 1, slot 1
        theirs.reserve_many([("x", ""), ("y", "")], status_base=BASE, now=NOW)  # slots 2, 3
        # ours still counts one credential in list 1 and plans slot 2, which is taken
        got = ours.reserve_many([("b", "")], status_base=BASE, now=NOW)
        assert ours.fallbacks == 1
        assert got["b"].status_list == f"{BASE}2", "list 1 is full: the counts were read again"
        ours.reserve_many([("c", "")], status_base=BASE, now=NOW)  # list 2, slot 9
        third = Ledger(ledger_url, fill_limit=fill, random_index=Indexes(3))
        try:
            assert third.reserve("z", status_base=BASE, now=NOW).status_list == f"{BASE}2"
        finally:
            third.close()
        ours.reserve_many([("d", "")], status_base=BASE, now=NOW)  # plans slot 3: taken
        assert ours.fallbacks == 2
    finally:
        ours.close()
        theirs.close()


def test_bits_read_only_their_list_and_purpose(ledger_url: str) -> None:  # noqa: F811
    ledger = Ledger(ledger_url)
    try:
        with ledger.engine.begin() as conn:
            conn.execute(
                status_flags.insert().values(
                    status_list=f"{BASE}1",
                    purpose="revocation",
                    status_index=5,
                    value=1,
                    changed_at=NOW,
                )
            )
        assert ledger.bits(f"{BASE}1", "revocation").value(5) == 1
        assert ledger.bits(f"{BASE}1", "suspension") == Bitstring.empty(MIN_BITS)
        assert ledger.bits(f"{BASE}2", "revocation") == Bitstring.empty(MIN_BITS)
    finally:
        ledger.close()


class _OtherNodeFirst:
    """The ledger's engine, except that another node stores the list while this one waits to
    begin its transaction (the lock a PostgreSQL ledger takes is where that wait happens)."""

    def __init__(self, engine: Any, other: Ledger, url: str) -> None:
        self._engine, self._other, self._url = engine, other, url

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def begin(self) -> Any:
        with self._other.engine.begin() as theirs:
            self._other._store_document(theirs, self._url, {"by": "the other node"}, NOW)
        return self._engine.begin()


def test_a_list_stored_while_waiting_for_the_lock_is_not_signed_again(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    ledger, other = Ledger(url), Ledger(url)
    try:
        ledger.bind(BASE, ISSUER, now=NOW)
        record = ledger.reserve("r", status_base=BASE, now=NOW)
        ledger.engine = _OtherNodeFirst(ledger.engine, other, record.status_list)  # type: ignore[assignment]
        signer = Signer()
        found = ledger.document(record.status_list, sign_list=signer, now=NOW)
        assert found is not None and json.loads(found[0]) == {"by": "the other node"}
        assert found[1] == 1 and signer.signed == []
    finally:
        other.close()
        ledger.close()
