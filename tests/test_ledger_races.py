"""Every exactly-once branch of the ledger, forced deterministically (issue 17): a second node
that looked before the first one committed, for one row and for a chunk, a credential id taken
under another row key, and completion of what is not (or no longer) reserved.

The "other node" is a Ledger whose first look finds nothing, which is what a node sees when it
reads just before another commits; no timing is involved."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mcvc.issuing.ledger import Ledger, LedgerError, Reservation

from .test_issuing import ledger_url  # noqa: F401 - the sqlite and PostgreSQL fixture

NOW = datetime(2026, 7, 14, 20, 0, tzinfo=UTC)
BASE = "https://status.uni.example/lists/"


class LateNode(Ledger):
    """A node whose first read happened before the other node's commit."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.blind_reads = 1

    def get(self, row_key: str) -> Reservation | None:
        if self.blind_reads > 0:
            self.blind_reads -= 1
            return None
        return super().get(row_key)

    def get_many(self, row_keys: list[str]) -> dict[str, Reservation]:
        if self.blind_reads > 0:
            self.blind_reads -= 1
            return {}
        return super().get_many(row_keys)


@pytest.fixture
def nodes(ledger_url: str) -> Iterator[tuple[Ledger, LateNode]]:  # noqa: F811
    first, late = Ledger(ledger_url), LateNode(ledger_url)
    yield first, late
    first.close()
    late.close()


def test_one_row_reserved_by_two_nodes_is_reserved_once(nodes: tuple[Ledger, LateNode]) -> None:
    first, late = nodes
    mine = first.reserve("row-1", status_base=BASE, now=NOW)
    theirs = late.reserve("row-1", status_base=BASE, now=NOW)
    assert late.blind_reads == 0, "the late node must have taken the conflict path"
    assert theirs == mine
    assert first.counts() == {"reserved": 1}


def test_a_chunk_reserved_by_two_nodes_is_reserved_once(nodes: tuple[Ledger, LateNode]) -> None:
    first, late = nodes
    items = [(f"row-{i}", f"learner-{i}") for i in range(20)]
    mine = first.reserve_many(items[:10], status_base=BASE, now=NOW)
    theirs = late.reserve_many(items, status_base=BASE, now=NOW)
    assert late.blind_reads == 0
    assert {k: theirs[k] for k in mine} == mine, "the first node's reservations are kept"
    assert len(theirs) == 20 and first.counts() == {"reserved": 20}
    slots = {(r.status_list, r.status_index) for r in theirs.values()}
    ids = {r.credential_id for r in theirs.values()}
    assert len(slots) == 20 and len(ids) == 20


def test_a_given_credential_id_is_never_held_by_two_rows(nodes: tuple[Ledger, LateNode]) -> None:
    first, late = nodes
    first.reserve("row-1", status_base=BASE, now=NOW, credential_id="urn:uuid:a")
    with pytest.raises(LedgerError) as info:
        late.reserve("row-2", status_base=BASE, now=NOW, credential_id="urn:uuid:a")
    assert info.value.code == "CREDENTIAL_ID_TAKEN"
    assert first.get("row-2") is None and first.counts() == {"reserved": 1}
    # the same row and id again is the same reservation, not a conflict
    again = first.reserve("row-1", status_base=BASE, now=NOW, credential_id="urn:uuid:a")
    assert again.credential_id == "urn:uuid:a"


def test_completion_happens_once(nodes: tuple[Ledger, LateNode]) -> None:
    first, late = nodes
    first.reserve_many([("a", ""), ("b", "")], status_base=BASE, now=NOW)
    first.complete("a", '{"id": "a"}', now=NOW)
    # another node completing the same row (a retried worker) is refused, nothing overwritten
    with pytest.raises(LedgerError):
        late.complete("a", '{"id": "other"}', now=NOW)
    # a chunk with one row already issued is refused as a whole: all or none
    with pytest.raises(LedgerError):
        late.complete_many([("b", '{"id": "b"}'), ("a", '{"id": "a2"}')], now=NOW)
    assert first.counts() == {"issued": 1, "reserved": 1}
    assert first.get("a").signed == '{"id": "a"}'  # type: ignore[union-attr]
    with pytest.raises(LedgerError):
        first.complete("never-reserved", "{}", now=NOW)


def test_reservations_are_kept_across_restarts(ledger_url: str, tmp_path: Path) -> None:  # noqa: F811
    first = Ledger(ledger_url)
    kept = first.reserve_many([("a", ""), ("b", "")], status_base=BASE, now=NOW)
    first.close()
    restarted = Ledger(ledger_url)
    try:
        assert restarted.reserve_many([("a", ""), ("b", "")], status_base=BASE, now=NOW) == kept
        assert restarted.counts() == {"reserved": 2}
    finally:
        restarted.close()
