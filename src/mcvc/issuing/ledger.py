"""The issuance ledger: every credential mcvc issues, its status index, and its status lists.

SQLAlchemy 2 Core over SQLite (default, one file) or PostgreSQL (several issuing nodes).
Guarantees:
- a row key is issued at most once (primary key); a re-run finds it and does nothing new;
- a status index is allocated at random, once, and never reused (unique (list, index));
- a reservation is committed before signing, the signed bytes in the same row after: a crash
  between the two leaves a reservation that the next run completes with the same id and index;
- a status change and the re-signed status list credential are committed together;
- a status base (and so each of its lists) belongs to one issuer, recorded at its first use:
  another issuer's batch, and a status change signed with another key, are refused.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError

from ..errors import McvcError
from ..status.bitstring import MIN_BITS, Bitstring

__all__ = ["Ledger", "LedgerError", "Reservation", "pack"]

metadata = MetaData()

credentials = Table(
    "mcvc_credentials",
    metadata,
    Column("row_key", String(255), primary_key=True),
    Column("credential_id", String(255), nullable=False, unique=True),
    Column("learner_ref", String(255)),
    Column("status_list", String(512), nullable=False),
    Column("status_index", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    # the exact signed bytes (UTF-8), zlib-compressed: credentials are 10-100 KB of JSON
    Column("signed", LargeBinary),
    Column("sha256", String(64)),
    Column("reserved_at", DateTime(timezone=True), nullable=False),
    Column("issued_at", DateTime(timezone=True)),
    UniqueConstraint("status_list", "status_index", name="mcvc_status_slot"),
)

status_flags = Table(
    "mcvc_status_flags",
    metadata,
    Column("status_list", String(512), primary_key=True),
    Column("purpose", String(32), primary_key=True),
    Column("status_index", Integer, primary_key=True),
    Column("value", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

published = Table(
    "mcvc_status_documents",
    metadata,
    Column("list_url", String(600), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("document", Text, nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
)

status_bases = Table(
    "mcvc_status_bases",
    metadata,
    Column("status_base", String(512), primary_key=True),
    Column("issuer", String(512), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

ledger_facts = Table(
    "mcvc_ledger",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(512), nullable=False),
)

PURPOSES = ("revocation", "suspension")


class LedgerError(McvcError):
    code = "LEDGER_ERROR"


@dataclass(frozen=True)
class Reservation:
    row_key: str
    credential_id: str
    status_list: str
    status_index: int
    state: str
    signed: str | None

    def list_url(self, purpose: str) -> str:
        return self.status_list if purpose == "revocation" else f"{self.status_list}-{purpose}"


ListSigner = Callable[[str, str, Bitstring], dict[str, Any]]
"""(list url, purpose, bits) -> the signed status list credential."""


class Ledger:
    """``Ledger("sqlite:///ledger.db")`` or ``Ledger("postgresql+psycopg://...")``."""

    def __init__(
        self,
        url: str,
        *,
        list_capacity: int = MIN_BITS,
        fill_limit: float = 0.5,
        random_index: Callable[[int], int] = secrets.randbelow,
    ) -> None:
        if list_capacity < MIN_BITS:
            raise ValueError(f"status lists hold at least {MIN_BITS} entries")
        # the source of status indexes: secrets.randbelow; a test passes one that collides
        self._random_index = random_index
        self.fallbacks = 0
        """How often a chunk was reserved one row at a time after a conflict (another node, a
        slot taken meanwhile); the fast path is one transaction per chunk."""
        self.capacity = list_capacity
        self.fill_limit = fill_limit
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=True)
        self._list_counts: dict[str, dict[str, int]] = {}
        self._used_slots: dict[str, set[int]] = {}
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)

    @property
    def display_url(self) -> str:
        """The ledger's URL without its password, for messages and markers."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def ledger_id(self) -> str:
        """This ledger's identity, made once: output folders and published lists record it,
        so that a second ledger cannot take them over."""
        query = select(ledger_facts.c.value).where(ledger_facts.c.name == "ledger_id")
        with self.engine.connect() as conn:
            found = conn.execute(query).scalar()
        if found is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        ledger_facts.insert().values(name="ledger_id", value=str(uuid.uuid4()))
                    )
            except IntegrityError:
                pass  # another node made it first
            with self.engine.connect() as conn:
                found = conn.execute(query).scalar()
        return str(found)

    def bind(self, status_base: str, issuer: str, *, now: datetime) -> None:
        """Record that the lists under ``status_base`` are ``issuer``'s (at its first use), or
        refuse another issuer (``STATUS_LIST_CONFLICT``)."""
        if not issuer:
            raise LedgerError("a status base is bound to an issuer DID; none was given")
        owner = self._owner_of_base(status_base)
        if owner is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        status_bases.insert().values(
                            status_base=status_base, issuer=issuer, created_at=now
                        )
                    )
                return
            except IntegrityError:
                owner = self._owner_of_base(status_base)
        if owner != issuer:
            raise LedgerError(
                f"the status lists under {status_base} belong to {owner}; {issuer} cannot "
                "issue into them or change them (use the key of that issuer, or another "
                "--status-base)",
                code="STATUS_LIST_CONFLICT",
            )

    def _owner_of_base(self, status_base: str) -> str | None:
        with self.engine.connect() as conn:
            found = conn.execute(
                select(status_bases.c.issuer).where(status_bases.c.status_base == status_base)
            ).scalar()
        return None if found is None else str(found)

    def issuer_of(self, status_list: str) -> str | None:
        """The issuer bound to the status base that ``status_list`` is under, if any."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(status_bases.c.status_base, status_bases.c.issuer)).all()
        owners = [(str(b), str(i)) for b, i in rows if status_list.startswith(str(b))]
        return max(owners, key=lambda item: len(item[0]))[1] if owners else None

    def _check_signer(self, status_list: str, sign_list: ListSigner) -> None:
        signer = getattr(sign_list, "issuer", None)
        owner = self.issuer_of(status_list)
        if signer is not None and owner is not None and signer != owner:
            raise LedgerError(
                f"{status_list} is a status list of {owner}; a list signed by {signer} would "
                f"make every credential on it fail verification (use the key of {owner})",
                code="LIST_ISSUER_MISMATCH",
            )

    def close(self) -> None:
        self.engine.dispose()

    # --- issuing -------------------------------------------------------------------------

    def get(self, row_key: str) -> Reservation | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(credentials).where(credentials.c.row_key == row_key)).first()
        return _reservation(row) if row is not None else None

    def get_many(self, row_keys: list[str]) -> dict[str, Reservation]:
        if not row_keys:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(credentials).where(credentials.c.row_key.in_(row_keys))
            ).all()
        return {str(r.row_key): _reservation(r) for r in rows}

    def reserve_many(
        self, items: list[tuple[str, str]], *, status_base: str, now: datetime
    ) -> dict[str, Reservation]:
        """Reservations for several (row key, learner reference) pairs in one transaction; the
        existing ones are returned as they are. A slot collision or a concurrent node falls back
        to one reservation at a time."""
        found = self.get_many([key for key, _ in items])
        new = [(key, ref) for key, ref in items if key not in found]
        planned: list[Reservation] = []
        used: set[tuple[str, int]] = set()
        for key, _ref in new:
            if not key or len(key) > 255:
                raise LedgerError("a row key must be 1 to 255 characters")
            list_url = self._current_list(status_base)
            taken = self._slots(list_url)
            index = self._random_index(self.capacity)
            while index in taken or (list_url, index) in used:
                index = self._random_index(self.capacity)
            used.add((list_url, index))
            planned.append(
                Reservation(key, f"urn:uuid:{uuid.uuid4()}", list_url, index, "reserved", None)
            )
            counts = self._list_counts.get(status_base)
            if counts is not None:
                counts[list_url] = counts.get(list_url, 0) + 1
        if planned:
            refs = dict(new)
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        credentials.insert(),
                        [
                            {
                                "row_key": r.row_key,
                                "credential_id": r.credential_id,
                                "learner_ref": refs[r.row_key][:255],
                                "status_list": r.status_list,
                                "status_index": r.status_index,
                                "state": "reserved",
                                "reserved_at": now,
                            }
                            for r in planned
                        ],
                    )
            except IntegrityError:
                # another node took a slot or a row key meanwhile: forget the cached view
                self.fallbacks += 1
                self._list_counts.pop(status_base, None)
                self._used_slots.clear()
                for key, ref in new:
                    found[key] = self.reserve(
                        key, status_base=status_base, learner_ref=ref, now=now
                    )
                return found
            for r in planned:
                self._slots(r.status_list).add(r.status_index)
            found.update((r.row_key, r) for r in planned)
        return found

    def _slots(self, list_url: str) -> set[int]:
        """Indexes already used in a list (read once, then kept up to date here)."""
        taken = self._used_slots.get(list_url)
        if taken is None:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(credentials.c.status_index).where(credentials.c.status_list == list_url)
                ).all()
            taken = self._used_slots[list_url] = {int(i) for (i,) in rows}
        return taken

    def reserve(
        self,
        row_key: str,
        *,
        status_base: str,
        learner_ref: str = "",
        now: datetime,
        credential_id: str | None = None,
    ) -> Reservation:
        """The reservation for ``row_key``: the existing one, or a credential id (the given one,
        else a new ``urn:uuid``) and a random, never-used status index in the current list.
        A given credential id already held by another row key is refused (``CREDENTIAL_ID_TAKEN``)."""
        if not row_key or len(row_key) > 255:
            raise LedgerError("a row key must be 1 to 255 characters")
        if credential_id is not None and not 0 < len(credential_id) <= 255:
            raise LedgerError("a credential id must be 1 to 255 characters")
        existing = self.get(row_key)
        if existing is not None:
            return existing
        for _attempt in range(64):
            list_url = self._current_list(status_base)
            index = self._random_index(self.capacity)
            chosen_id = credential_id or f"urn:uuid:{uuid.uuid4()}"
            try:
                with self.engine.begin() as conn:
                    conn.execute(
                        credentials.insert().values(
                            row_key=row_key,
                            credential_id=chosen_id,
                            learner_ref=learner_ref[:255],
                            status_list=list_url,
                            status_index=index,
                            state="reserved",
                            reserved_at=now,
                        )
                    )
            except IntegrityError:
                # a slot collision (retry elsewhere) or another node reserved this row key
                existing = self.get(row_key)
                if existing is not None:
                    return existing
                if credential_id is not None and self._id_taken(credential_id):
                    raise LedgerError(
                        f"credential id {credential_id!r} was issued under another row key",
                        code="CREDENTIAL_ID_TAKEN",
                    ) from None
                continue
            counts = self._list_counts.get(status_base)
            if counts is not None:
                counts[list_url] = counts.get(list_url, 0) + 1
            taken = self._used_slots.get(list_url)
            if taken is not None:  # keep reserve_many's view of used slots complete
                taken.add(index)
            return Reservation(row_key, chosen_id, list_url, index, "reserved", None)
        raise LedgerError("could not allocate a free status index after 64 attempts")

    def _id_taken(self, credential_id: str) -> bool:
        with self.engine.connect() as conn:
            key = conn.execute(
                select(credentials.c.row_key).where(credentials.c.credential_id == credential_id)
            ).scalar()
        return key is not None

    def _current_list(self, status_base: str) -> str:
        # Counts are read once and then kept up to date here; other nodes' reservations may
        # make them a little low, which only moves the switch to a new list a little later.
        counts = self._list_counts.get(status_base)
        if counts is None:
            with self.engine.connect() as conn:
                rows = conn.execute(
                    select(credentials.c.status_list, func.count())
                    .where(credentials.c.status_list.startswith(status_base))
                    .group_by(credentials.c.status_list)
                ).all()
            counts = self._list_counts[status_base] = {str(url): int(n) for url, n in rows}
        number = 1
        while counts.get(f"{status_base}{number}", 0) >= self.capacity * self.fill_limit:
            number += 1
        return f"{status_base}{number}"

    def complete(self, row_key: str, signed: str, *, now: datetime) -> None:
        """Store the exact signed text; a second completion of the same row is refused."""
        self.complete_many([(row_key, signed)], now=now)

    def complete_many(self, items: list[tuple[str, str]], *, now: datetime) -> None:
        """Complete several reservations in one transaction (all or none)."""
        self.complete_packed([pack(key, text) for key, text in items], now=now)

    def complete_packed(self, items: list[tuple[str, str, bytes]], *, now: datetime) -> None:
        """``complete_many`` with (row key, SHA-256, compressed bytes) prepared by :func:`pack`
        (batch workers prepare them in parallel)."""
        if not items:
            return
        statement = (
            credentials.update()
            .where(credentials.c.row_key == bindparam("key"), credentials.c.state == "reserved")
            .values(
                state="issued", signed=bindparam("blob"), sha256=bindparam("sha"), issued_at=now
            )
        )
        rows = [{"key": key, "sha": sha, "blob": blob} for key, sha, blob in items]
        with self.engine.begin() as conn:
            result = conn.execute(statement, rows)
            if result.rowcount != len(rows):
                raise LedgerError(
                    f"{len(rows) - result.rowcount} of {len(rows)} rows were not reserved (already issued?)"
                )

    def issued(self) -> Iterator[Reservation]:
        with self.engine.connect() as conn:
            for row in conn.execute(
                select(credentials)
                .where(credentials.c.state == "issued")
                .order_by(credentials.c.row_key)
            ):
                yield _reservation(row)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(credentials.c.state, func.count()).group_by(credentials.c.state)
            ).all()
        return {str(state): int(n) for state, n in rows}

    # --- status ------------------------------------------------------------------------------

    def find_credential(self, credential_id: str) -> Reservation:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(credentials).where(
                    (credentials.c.credential_id == credential_id)
                    | (credentials.c.row_key == credential_id)
                )
            ).first()
        if row is None:
            raise LedgerError(f"no credential {credential_id!r} in the ledger", code="NOT_FOUND")
        return _reservation(row)

    def bits(self, status_list: str, purpose: str, conn: Any = None) -> Bitstring:
        def load(c: Any) -> Bitstring:
            bits = Bitstring.empty(self.capacity)
            rows = c.execute(
                select(status_flags.c.status_index, status_flags.c.value).where(
                    status_flags.c.status_list == status_list, status_flags.c.purpose == purpose
                )
            ).all()
            for index, value in rows:
                bits = bits.with_value(int(index), int(value))
            return bits

        if conn is not None:
            return load(conn)
        with self.engine.connect() as c:
            return load(c)

    def set_status(
        self, credential_id: str, purpose: str, value: int, *, sign_list: ListSigner, now: datetime
    ) -> str:
        """Flip a credential's status bit and store the re-signed list, in one transaction.
        Returns the list URL."""
        if purpose not in PURPOSES:
            raise LedgerError(f"purpose must be one of {PURPOSES}")
        record = self.find_credential(credential_id)
        if record.state != "issued":
            raise LedgerError(f"{credential_id} was never issued")
        self._check_signer(record.status_list, sign_list)
        list_url = record.list_url(purpose)
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":
                # serialize writers of one list across nodes
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (list_url,))
            conn.execute(
                status_flags.delete().where(
                    status_flags.c.status_list == record.status_list,
                    status_flags.c.purpose == purpose,
                    status_flags.c.status_index == record.status_index,
                )
            )
            if value:
                conn.execute(
                    status_flags.insert().values(
                        status_list=record.status_list,
                        purpose=purpose,
                        status_index=record.status_index,
                        value=value,
                        changed_at=now,
                    )
                )
            document = sign_list(list_url, purpose, self.bits(record.status_list, purpose, conn))
            self._store_document(conn, list_url, document, now)
        return list_url

    def _store_document(
        self, conn: Any, list_url: str, document: dict[str, Any], now: datetime
    ) -> None:
        import json

        text = json.dumps(document, ensure_ascii=False, indent=2)
        current = conn.execute(
            select(published.c.version).where(published.c.list_url == list_url)
        ).scalar()
        if current is None:
            conn.execute(
                published.insert().values(
                    list_url=list_url, version=1, document=text, signed_at=now
                )
            )
        else:
            conn.execute(
                published.update()
                .where(published.c.list_url == list_url)
                .values(version=int(current) + 1, document=text, signed_at=now)
            )

    def lists(self) -> list[str]:
        with self.engine.connect() as conn:
            return [
                str(u)
                for (u,) in conn.execute(
                    select(credentials.c.status_list).distinct().order_by(credentials.c.status_list)
                )
            ]

    def documents(
        self, *, sign_list: ListSigner, purposes: tuple[str, ...] = ("revocation",), now: datetime
    ) -> dict[str, str]:
        """Signed status list credentials for every list, signing (and storing) any that has
        never been signed. Returns {list url: JSON text}."""
        out: dict[str, str] = {}
        for status_list in self.lists():
            for purpose in purposes:
                url = status_list if purpose == "revocation" else f"{status_list}-{purpose}"
                out[url] = self._document(status_list, purpose, sign_list, now)[0]
        return out

    def document(self, url: str, *, sign_list: ListSigner, now: datetime) -> tuple[str, int] | None:
        """The signed status list credential published at ``url`` and its version (signed
        and stored first if it never was), or None when no credential uses that list."""
        purpose = "revocation"
        status_list = url
        for other in PURPOSES[1:]:
            if url.endswith(f"-{other}"):
                purpose, status_list = other, url[: -len(other) - 1]
        with self.engine.connect() as conn:
            used = conn.execute(
                select(credentials.c.row_key).where(credentials.c.status_list == status_list)
            ).first()
        if used is None:
            return None
        return self._document(status_list, purpose, sign_list, now)

    def _document(
        self, status_list: str, purpose: str, sign_list: ListSigner, now: datetime
    ) -> tuple[str, int]:
        url = status_list if purpose == "revocation" else f"{status_list}-{purpose}"
        self._check_signer(status_list, sign_list)
        query = select(published.c.document, published.c.version).where(published.c.list_url == url)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is not None:
            return str(row.document), int(row.version)
        try:
            with self.engine.begin() as conn:
                if self.engine.dialect.name == "postgresql":
                    conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%s))", (url,))
                row = conn.execute(query).first()
                if row is None:
                    document = sign_list(url, purpose, self.bits(status_list, purpose, conn))
                    self._store_document(conn, url, document, now)
                    row = conn.execute(query).first()
        except IntegrityError:
            # another node signed the first version at the same moment: theirs stands
            with self.engine.connect() as conn:
                row = conn.execute(query).first()
        assert row is not None
        return str(row.document), int(row.version)


def pack(row_key: str, text: str) -> tuple[str, str, bytes]:
    data = text.encode("utf-8")
    return row_key, hashlib.sha256(data).hexdigest(), zlib.compress(data, 1)


def _reservation(row: Any) -> Reservation:
    return Reservation(
        row_key=str(row.row_key),
        credential_id=str(row.credential_id),
        status_list=str(row.status_list),
        status_index=int(row.status_index),
        state=str(row.state),
        signed=zlib.decompress(row.signed).decode("utf-8") if row.signed is not None else None,
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
