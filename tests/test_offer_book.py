"""The offer book (OpenID4VCI state in the ledger database), rule by rule, without a server:
single use, expiry at the instant, transaction codes and their lockout, tokens, slots and
deferred transactions."""

from __future__ import annotations

import string
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from mcvc.oid4vci.book import MAX_TX_FAILURES, OfferBook, TokenError

from .conftest import NOW

TTL = timedelta(hours=1)


@pytest.fixture
def book(tmp_path: Path) -> Iterator[OfferBook]:
    engine = create_engine(f"sqlite:///{tmp_path / 'book.db'}")
    yield OfferBook(engine)
    engine.dispose()


def make(book: OfferBook, tx: dict[str, Any] | None = None, **kw: Any) -> Any:
    return book.create(
        "demo",
        ["MicroCredential_ldp_vc"],
        {"credential": {"id": "urn:x"}},
        now=kw.pop("now", NOW),
        ttl=kw.pop("ttl", TTL),
        tx=tx,
        document=lambda offer_id, code: {"offer": offer_id, "code": code},
    )


def refused(book: OfferBook, code: Any, tx: Any = None, *, now: Any = NOW) -> TokenError:
    with pytest.raises(TokenError) as caught:
        book.redeem(code, tx, now=now, token_ttl=TTL, issuer="demo")
    return caught.value


def test_an_offer_as_made(book: OfferBook) -> None:
    made = make(book)
    assert made.tx_code is None and len(made.code) >= 40 and len(made.offer.offer_id) >= 20
    offer = book.get(made.offer.offer_id)
    assert offer is not None and offer == made.offer
    assert offer.issuer == "demo" and offer.configurations == ["MicroCredential_ldp_vc"]
    assert offer.subject == {"credential": {"id": "urn:x"}} and offer.tx_spec is None
    assert offer.state == "offered" and offer.expires_at == NOW + TTL
    found = book.open_offer(made.offer.offer_id, NOW)
    assert found is not None and found[1] == {"offer": made.offer.offer_id, "code": made.code}
    assert book.get("unknown") is None


def test_transaction_codes_are_drawn_from_their_alphabet(book: OfferBook) -> None:
    numeric = make(book, {"input_mode": "numeric", "length": 8})
    assert numeric.offer.tx_spec == {"input_mode": "numeric", "length": 8}
    assert numeric.tx_code is not None and len(numeric.tx_code) == 8 and numeric.tx_code.isdigit()
    assert book.get(numeric.offer.offer_id).tx_spec == {"input_mode": "numeric", "length": 8}  # type: ignore[union-attr]
    codes = "".join(make(book, {"input_mode": "text", "length": 12}).tx_code for _ in range(20))
    assert len(codes) == 240 and not set(codes) & {"I", "O", "0", "1"}
    assert set(codes) <= set(string.ascii_uppercase + string.digits)
    assert len(make(book, {}).tx_code) == 6  # type: ignore[arg-type]
    assert make(book, {"length": 12}).tx_code.isdigit(), "numeric unless text is asked for"  # type: ignore[union-attr]


def test_the_reference_closes_when_the_offer_does(book: OfferBook) -> None:
    made = make(book)
    oid = made.offer.offer_id
    assert book.open_offer(oid, NOW + TTL - timedelta(seconds=1)) is not None
    assert book.open_offer(oid, NOW + TTL) is None, "expired at the instant"
    assert book.open_offer("", NOW) is None and book.open_offer("x" * 41, NOW) is None
    book.redeem(made.code, None, now=NOW, token_ttl=TTL, issuer="demo")
    assert book.open_offer(oid, NOW) is None


def test_redeem_refusals(book: OfferBook) -> None:
    made = make(book)
    for bad in (None, "", 5, "c" * 201):
        assert refused(book, bad).code == "invalid_request"
    assert refused(book, made.code, 5).code == "invalid_request"
    assert refused(book, "c" * 200).code == "invalid_grant", "200 characters is a code to look up"
    assert refused(book, made.code, "1" * 101).code == "invalid_request"
    assert refused(book, "unknown-code").code == "invalid_grant"
    # another issuer's code is unknown here and stays redeemable at its own issuer
    with pytest.raises(TokenError, match="not known"):
        book.redeem(made.code, None, now=NOW, token_ttl=TTL, issuer="other")
    assert "no transaction code" in str(refused(book, made.code, "123456"))
    expired = refused(book, made.code, now=NOW + TTL)
    assert expired.code == "invalid_grant" and "expired" in str(expired)
    offer, token = book.redeem(
        made.code, None, now=NOW + TTL - timedelta(seconds=1), token_ttl=TTL, issuer="demo"
    )
    assert offer.offer_id == made.offer.offer_id and len(token) >= 40
    again = refused(book, made.code)
    assert again.code == "invalid_grant" and "already used" in str(again)


def test_transaction_code_lockout(book: OfferBook) -> None:
    made = make(book, {"length": 6})
    assert made.tx_code is not None
    missing = refused(book, made.code)
    assert missing.code == "invalid_request" and "needs its transaction code" in str(missing)
    wrong = "000000" if made.tx_code != "000000" else "111111"
    assert refused(book, made.code, "9" * 101).code == "invalid_request"
    long_wrong = refused(book, made.code, "9" * 100)
    assert long_wrong.code == "invalid_grant" and "4 tries left" in str(long_wrong)
    made = make(book, {"length": 6})
    assert made.tx_code is not None
    for left in range(MAX_TX_FAILURES - 1, 0, -1):
        error = refused(book, made.code, wrong)
        assert error.code == "invalid_grant" and f"({left} tries left)" in str(error)
        assert book.get(made.offer.offer_id).state == "offered"  # type: ignore[union-attr]
    last = refused(book, made.code, wrong)
    assert "the offer is now withdrawn" in str(last)
    assert book.get(made.offer.offer_id).state == "locked"  # type: ignore[union-attr]
    assert refused(book, made.code, made.tx_code).code == "invalid_grant"
    fresh = make(book, {"length": 6})
    assert (
        refused(book, fresh.code, wrong if wrong != fresh.tx_code else "222222").code
        == "invalid_grant"
    )
    assert (
        book.redeem(fresh.code, fresh.tx_code, now=NOW, token_ttl=TTL, issuer="demo")[0].offer_id
        == fresh.offer.offer_id
    )


def test_tokens(book: OfferBook) -> None:
    made = make(book)
    _offer, token = book.redeem(made.code, None, now=NOW, token_ttl=TTL, issuer="demo")
    assert book.by_token(token, NOW + TTL - timedelta(seconds=1)).offer_id == made.offer.offer_id  # type: ignore[union-attr]
    assert book.by_token(token, NOW + TTL) is None, "expired at the instant"
    assert book.by_token("", NOW) is None and book.by_token("t" * 201, NOW) is None
    assert book.by_token("unknown", NOW) is None
    assert book.by_token(made.code, NOW) is None, "the code is not a token"


def test_withdrawing_an_offer(book: OfferBook) -> None:
    made, other = make(book), make(book)
    assert book.withdraw(made.offer.offer_id) is True
    assert book.get(made.offer.offer_id).state == "withdrawn"  # type: ignore[union-attr]
    assert book.open_offer(other.offer.offer_id, NOW) is not None, "only that offer"
    assert book.withdraw(made.offer.offer_id) is False
    assert "withdrawn" in str(refused(book, made.code))


def test_slots_keep_their_first_key(book: OfferBook) -> None:
    oid = make(book).offer.offer_id
    first = book.claim(oid, "cfg", 0, "key-a", "demo/row-a")
    assert (first.holder, first.row_key, first.transaction_id, first.state) == (
        "key-a",
        "demo/row-a",
        None,
        "pending",
    )
    again = book.claim(oid, "cfg", 0, "key-b", "demo/row-b")
    assert (again.holder, again.row_key) == ("key-a", "demo/row-a")
    other = book.claim(oid, "cfg", 1, "key-b", "demo/row-b")
    assert other.holder == "key-b"
    assert book.claim(oid, "other", 0, "key-c", "r").holder == "key-c"
    second = make(book).offer.offer_id
    assert book.claim(second, "cfg", 0, "key-z", "demo/row-z").holder == "key-z"
    assert book.claim(oid, "cfg", 0, "key-y", "x").holder == "key-a"


def test_deferred_transactions(book: OfferBook) -> None:
    oid = make(book).offer.offer_id
    book.claim(oid, "cfg", 0, "-", "batch/R1")
    transaction = book.defer(oid, "cfg", 0)
    assert len(transaction) >= 30 and book.defer(oid, "cfg", 0) == transaction
    assert book.claim(oid, "cfg", 0, "-", "batch/R1").transaction_id == transaction
    book.claim(oid, "cfg", 1, "-", "batch/R2")
    second = make(book).offer.offer_id
    book.claim(second, "cfg", 0, "-", "batch/R3")
    others = {book.defer(oid, "cfg", 1), book.defer(second, "cfg", 0)}
    assert len(others | {transaction}) == 3, "each slot its own transaction"
    assert book.transaction(book.defer(second, "cfg", 0))[1].row_key == "batch/R3"  # type: ignore[index]
    found = book.transaction(transaction)
    assert found is not None and found[0] == oid
    assert (found[1].holder, found[1].row_key, found[1].transaction_id, found[1].state) == (
        "-",
        "batch/R1",
        transaction,
        "deferred",
    )
    assert book.transaction("") is None and book.transaction("x" * 65) is None
    assert book.transaction("unknown") is None
    other_config = book.claim(oid, "cfg2", 0, "-", "batch/R4")
    assert other_config.transaction_id is None
    assert book.defer(oid, "cfg2", 0) not in (transaction,)
    assert book.delivered(transaction) is True
    assert book.claim(oid, "cfg", 0, "-", "x").state == "delivered"
    assert book.claim(oid, "cfg2", 0, "-", "x").state == "deferred", "only that transaction"
    assert book.delivered(transaction) is False
    assert book.transaction(transaction) is None


class StaleBook(OfferBook):
    """Reads the offer as it was before another request redeemed it (a race between replicas)."""

    stale: Any = None

    def _lookup(self, code: str) -> Any:
        return self.stale


def test_a_redemption_that_lost_the_race(book: OfferBook) -> None:
    made = make(book)
    racing = StaleBook(book.engine)
    racing.stale = book._lookup(made.code)
    book.redeem(made.code, None, now=NOW, token_ttl=TTL, issuer="demo")
    lost = refused(racing, made.code)
    assert lost.code == "invalid_grant" and "already used" in str(lost)
