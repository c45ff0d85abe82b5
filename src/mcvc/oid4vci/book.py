"""Offers, their pre-authorized codes and access tokens, and what was handed to which key.

Kept in the ledger's database, so every replica sees one state: a code is redeemed by one
conditional UPDATE (a replay, here or on another replica, changes no row), and each credential
an offer allows is a row keyed (offer, configuration, slot) that records the wallet key it went
to. Codes, transaction codes and tokens are stored as SHA-256 digests only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from ..errors import McvcError

__all__ = ["MAX_EVENTS", "Offer", "OfferBook", "Slot", "TokenError"]

_metadata = MetaData()
offers = Table(
    "mcvc_oid4vci_offers",
    _metadata,
    Column("offer_id", String(40), primary_key=True),
    Column("issuer", String(200), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("tx_hash", String(64)),
    Column("tx_spec", Text),
    Column("tx_failures", Integer, nullable=False, default=0),
    Column("configurations", Text, nullable=False),
    Column("subject", Text, nullable=False),
    # the offer as the wallet fetches it by reference (it holds the code: the offer id is
    # the capability, served only while the offer is open)
    Column("document", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("token_hash", String(64), unique=True),
    Column("token_expires_at", DateTime(timezone=True)),
)
slots = Table(
    "mcvc_oid4vci_slots",
    _metadata,
    Column("offer_id", String(40), primary_key=True),
    Column("configuration", String(100), primary_key=True),
    Column("slot", Integer, primary_key=True, autoincrement=False),
    Column("holder", String(100), nullable=False),
    Column("row_key", Text, nullable=False),
    Column("transaction_id", String(64), unique=True),
    Column("state", String(16), nullable=False),
)

# a Credential Response's notification id, and what the wallet said about that credential
notifications = Table(
    "mcvc_oid4vci_notifications",
    _metadata,
    Column("notification_id", String(64), primary_key=True),
    Column("offer_id", String(40), nullable=False),
    Column("configuration", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # one id per offer and configuration: a response asked for again keeps its id
    UniqueConstraint("offer_id", "configuration"),
)
events = Table(
    "mcvc_oid4vci_events",
    _metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", String(64), nullable=False, index=True),
    Column("event", String(40), nullable=False),
    Column("description", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

MAX_TX_FAILURES = 5
# a wallet tells of accepting, failing and deleting; more than this per credential is noise
MAX_EVENTS = 8


class TokenError(McvcError):
    """A token request refused; ``code`` is the OAuth error (``invalid_grant``, ...)."""

    code = "invalid_grant"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive (in UTC)
    from datetime import UTC

    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Offer:
    offer_id: str
    issuer: str
    configurations: list[str]
    subject: dict[str, Any]  # {"credential": template} or {"row_key": ledger row}
    tx_spec: dict[str, Any] | None
    state: str
    expires_at: datetime

    @staticmethod
    def of(row: Any) -> Offer:
        return Offer(
            offer_id=row.offer_id,
            issuer=row.issuer,
            configurations=json.loads(row.configurations),
            subject=json.loads(row.subject),
            tx_spec=json.loads(row.tx_spec),
            state=row.state,
            expires_at=_aware(row.expires_at),
        )


@dataclass(frozen=True)
class Slot:
    holder: str
    row_key: str
    transaction_id: str | None
    state: str


@dataclass(frozen=True)
class NewOffer:
    offer: Offer
    code: str  # the pre-authorized code, shown once
    tx_code: str | None  # sent to the learner by another channel


class OfferBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _metadata.create_all(engine)

    def create(
        self,
        issuer: str,
        configurations: list[str],
        subject: dict[str, Any],
        *,
        now: datetime,
        ttl: timedelta,
        tx: dict[str, Any] | None,
        document: Callable[[str, str], dict[str, Any]],
    ) -> NewOffer:
        offer_id = secrets.token_urlsafe(18)
        code = secrets.token_urlsafe(32)
        tx_code: str | None = None
        if tx is not None:
            length = int(tx.get("length", 6))
            if tx.get("input_mode", "numeric") == "numeric":
                tx_code = "".join(secrets.choice("0123456789") for _ in range(length))
            else:
                # no I, O, 0 or 1: a code read off a letter or a screen is typed right
                alphabet = [
                    c
                    for c in string.ascii_uppercase + string.digits
                    if c not in {"I", "O", "0", "1"}
                ]
                tx_code = "".join(secrets.choice(alphabet) for _ in range(length))
        with self.engine.begin() as conn:
            conn.execute(
                offers.insert().values(
                    offer_id=offer_id,
                    issuer=issuer,
                    code_hash=_digest(code),
                    tx_hash=_digest(f"{offer_id}:{tx_code}") if tx_code is not None else None,
                    tx_spec=json.dumps(tx),
                    configurations=json.dumps(configurations),
                    subject=json.dumps(subject),
                    document=json.dumps(document(offer_id, code)),
                    state="offered",
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        offer = Offer(offer_id, issuer, configurations, subject, tx, "offered", now + ttl)
        return NewOffer(offer, code, tx_code)

    def get(self, offer_id: str) -> Offer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(offers).where(offers.c.offer_id == offer_id)).first()
        return Offer.of(row) if row is not None else None

    def open_offer(self, offer_id: str, now: datetime) -> tuple[Offer, dict[str, Any]] | None:
        """The offer and its document while its code can still be redeemed."""
        with self.engine.connect() as conn:
            row = conn.execute(select(offers).where(offers.c.offer_id == offer_id)).first()
        if row is None or row.state != "offered" or _aware(row.expires_at) <= now:
            return None
        return Offer.of(row), json.loads(row.document)

    def redeem(
        self, code: Any, tx_code: Any, *, now: datetime, token_ttl: timedelta, issuer: str
    ) -> tuple[Offer, str]:
        """Exchange a pre-authorized code (and its transaction code) for an access token,
        once. Errors carry the codes of OpenID4VCI 1.0 section 6.3."""
        if not isinstance(code, str) or not code or len(code) > 200:
            raise TokenError("pre-authorized_code is missing", code="invalid_request")
        if tx_code is not None and (not isinstance(tx_code, str) or len(tx_code) > 100):
            raise TokenError("tx_code must be a string", code="invalid_request")
        row = self._lookup(code)
        # another issuer's code is unknown here, and is not spent by being tried here
        if row is None or row.issuer != issuer:
            raise TokenError("the pre-authorized code is not known")
        if row.state != "offered":
            raise TokenError("the pre-authorized code was already used or withdrawn")
        if _aware(row.expires_at) <= now:
            raise TokenError("the pre-authorized code has expired")
        if row.tx_hash is None and tx_code is not None:
            raise TokenError("this offer has no transaction code", code="invalid_request")
        if row.tx_hash is not None:
            if tx_code is None:
                raise TokenError("this offer needs its transaction code", code="invalid_request")
            if not hmac.compare_digest(row.tx_hash, _digest(f"{row.offer_id}:{tx_code}")):
                failures = row.tx_failures + 1
                with self.engine.begin() as conn:
                    conn.execute(
                        update(offers)
                        .where(offers.c.offer_id == row.offer_id)
                        .values(
                            tx_failures=failures,
                            state="locked" if failures >= MAX_TX_FAILURES else row.state,
                        )
                    )
                left = MAX_TX_FAILURES - failures
                raise TokenError(
                    "the transaction code is wrong"
                    + (f" ({left} tries left)" if left > 0 else "; the offer is now withdrawn")
                )
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(offers)
                .where(and_(offers.c.offer_id == row.offer_id, offers.c.state == "offered"))
                .values(
                    state="redeemed",
                    token_hash=_digest(token),
                    token_expires_at=now + token_ttl,
                )
            ).rowcount
        if changed != 1:
            # another request redeemed it between our read and this write
            raise TokenError("the pre-authorized code was already used")
        return Offer.of(row), token

    def _lookup(self, code: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(offers).where(offers.c.code_hash == _digest(code))).first()

    def by_token(self, token: str, now: datetime) -> Offer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(offers).where(offers.c.token_hash == _digest(token))).first()
        if row is None or row.state != "redeemed":
            return None
        if _aware(row.token_expires_at) <= now:
            return None
        return Offer.of(row)

    def withdraw(self, offer_id: str) -> bool:
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(offers)
                    .where(and_(offers.c.offer_id == offer_id, offers.c.state == "offered"))
                    .values(state="withdrawn")
                ).rowcount
            )

    # --- what went to which key ---------------------------------------------------------

    def claim(
        self, offer_id: str, configuration: str, slot: int, holder: str, row_key: str
    ) -> Slot:
        """The slot for ``holder``: created now, or as an earlier request left it (possibly
        for another key, which the caller refuses)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    slots.insert().values(
                        offer_id=offer_id,
                        configuration=configuration,
                        slot=slot,
                        holder=holder,
                        row_key=row_key,
                        state="pending",
                    )
                )
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            row = conn.execute(
                select(slots).where(
                    and_(
                        slots.c.offer_id == offer_id,
                        slots.c.configuration == configuration,
                        slots.c.slot == slot,
                    )
                )
            ).one()
        return Slot(row.holder, row.row_key, row.transaction_id, row.state)

    def defer(self, offer_id: str, configuration: str, slot: int) -> str:
        """A transaction id for a slot whose credential is not ready (kept if one exists)."""
        where = and_(
            slots.c.offer_id == offer_id,
            slots.c.configuration == configuration,
            slots.c.slot == slot,
        )
        with self.engine.begin() as conn:
            conn.execute(
                update(slots)
                .where(and_(where, slots.c.transaction_id.is_(None)))
                .values(transaction_id=secrets.token_urlsafe(24), state="deferred")
            )
            value = conn.execute(select(slots.c.transaction_id).where(where)).scalar_one()
        return str(value)

    def transaction(self, transaction_id: str) -> tuple[str, Slot] | None:
        """(offer id, slot) of a deferred transaction still open."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(slots).where(slots.c.transaction_id == transaction_id)
            ).first()
        if row is None or row.state != "deferred":
            return None
        return row.offer_id, Slot(row.holder, row.row_key, row.transaction_id, row.state)

    def delivered(self, transaction_id: str) -> bool:
        """Close a deferred transaction; False when another request closed it first."""
        with self.engine.begin() as conn:
            return bool(
                conn.execute(
                    update(slots)
                    .where(
                        and_(
                            slots.c.transaction_id == transaction_id,
                            slots.c.state == "deferred",
                        )
                    )
                    .values(state="delivered")
                ).rowcount
            )

    # --- what the wallet said (OpenID4VCI 1.0 section 11) --------------------------------

    def notification(self, offer_id: str, configuration: str, now: datetime) -> str:
        """The notification id of ``offer_id``'s credentials of ``configuration``: made by
        the first Credential Response, the same for a response asked for again."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    notifications.insert().values(
                        notification_id=secrets.token_urlsafe(24),
                        offer_id=offer_id,
                        configuration=configuration,
                        created_at=now,
                    )
                )
        except IntegrityError:
            pass  # made by an earlier response (or a concurrent one)
        with self.engine.connect() as conn:
            value = conn.execute(
                select(notifications.c.notification_id).where(
                    and_(
                        notifications.c.offer_id == offer_id,
                        notifications.c.configuration == configuration,
                    )
                )
            ).scalar_one()
        return str(value)

    def notify(
        self,
        notification_id: str,
        offer_id: str,
        event: str,
        description: str | None,
        now: datetime,
    ) -> Literal["recorded", "unknown", "full"]:
        """Record a wallet's event: "recorded", "unknown" (no such id for this offer's token)
        or "full" (the id already has :data:`MAX_EVENTS` events)."""
        with self.engine.begin() as conn:
            row = conn.execute(
                select(notifications).where(notifications.c.notification_id == notification_id)
            ).first()
            if row is None or row.offer_id != offer_id:
                return "unknown"
            count = len(
                conn.execute(
                    select(events.c.event_id).where(events.c.notification_id == notification_id)
                ).all()
            )
            if count >= MAX_EVENTS:
                return "full"
            conn.execute(
                events.insert().values(
                    notification_id=notification_id,
                    event=event,
                    description=description,
                    at=now,
                )
            )
        return "recorded"

    def history(self, offer_id: str) -> list[dict[str, Any]]:
        """What the wallet reported for ``offer_id``'s credentials, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(notifications.c.configuration, events)
                .join(events, events.c.notification_id == notifications.c.notification_id)
                .where(notifications.c.offer_id == offer_id)
                .order_by(events.c.event_id)
            ).all()
        return [
            {
                "credentialConfigurationId": row.configuration,
                "event": row.event,
                **({"description": row.description} if row.description is not None else {}),
                "at": _aware(row.at).isoformat(),
            }
            for row in rows
        ]
