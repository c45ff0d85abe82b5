"""Signing and publishing status list credentials from the ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from ..keys import KeyPair
from ..signing import sign
from ..status.bitstring import Bitstring
from ..status.lists import status_list_credential
from .batch import write_atomically
from .ledger import Ledger, ListSigner

__all__ = ["list_signer", "publish"]


class _KeySigner:
    """Signs status lists with one issuer's key; ``issuer`` lets the ledger refuse a key that
    is not the lists' issuer's."""

    def __init__(self, key: KeyPair, now: Callable[[], datetime], ttl_ms: int) -> None:
        self.key, self.now, self.ttl_ms = key, now, ttl_ms
        self.issuer = key.controller_id

    def __call__(self, url: str, purpose: str, bits: Bitstring) -> dict[str, Any]:
        when = self.now()
        doc = status_list_credential(
            url, self.issuer, bits, purpose=purpose, valid_from=when, ttl_ms=self.ttl_ms
        )
        return sign(doc, self.key, created=when)


def list_signer(key: KeyPair, now: Callable[[], datetime], *, ttl_ms: int = 300_000) -> ListSigner:
    return _KeySigner(key, now, ttl_ms)


def publish(
    ledger: Ledger,
    out_dir: str | Path,
    *,
    signer: ListSigner,
    now: datetime,
    suspension: bool = False,
) -> list[Path]:
    """Write every status list credential as a file named after the last path segment of its
    URL, ready for static hosting (written atomically)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    purposes = ("revocation", "suspension") if suspension else ("revocation",)
    written = []
    for url, text in ledger.documents(sign_list=signer, purposes=purposes, now=now).items():
        name = url.rstrip("/").rsplit("/", 1)[-1]
        if not name or name in (".", ".."):
            raise ValueError(f"cannot name a file after {url}")
        path = out / name
        write_atomically(path, text + "\n")
        written.append(path)
    return written
