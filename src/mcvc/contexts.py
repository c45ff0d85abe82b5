"""Bundled, hash-pinned JSON-LD contexts served by a static document loader.

Nothing here touches the network: a URL that is not in the manifest is refused with
:class:`ContextNotAllowed`, and a file whose bytes do not match its pinned SHA-256 is refused
with :class:`ContextIntegrityError`, because a context changed under the same URL changes
what a signature means.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ContextIntegrityError, ContextNotAllowed

__all__ = ["ContextEntry", "StaticLoader", "bundled_contexts_dir", "default_loader"]

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
EDC_AP = "http://data.europa.eu/snb/model/context/edc-ap"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
UNDEFINED_TERMS_V2 = "https://www.w3.org/ns/credentials/undefined-terms/v2"


def bundled_contexts_dir() -> Path:
    """Where the bundled contexts live: inside the wheel, or the repository's contexts/."""
    packaged = Path(__file__).resolve().parent / "_contexts"
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2] / "contexts"
    if repo.is_dir():
        return repo
    raise FileNotFoundError("mcvc's bundled contexts are missing from this installation")


class ContextEntry:
    __slots__ = ("_document", "data", "sha256", "url")

    def __init__(self, url: str, data: bytes, sha256: str) -> None:
        self.url = url
        self.data = data
        self.sha256 = sha256
        self._document: Any = None

    def document(self) -> Any:
        if self._document is None:
            actual = hashlib.sha256(self.data).hexdigest()
            if actual != self.sha256:
                raise ContextIntegrityError(
                    f"context {self.url} has SHA-256 {actual}, expected {self.sha256}",
                    url=self.url,
                )
            self._document = json.loads(self.data)
        return self._document


class StaticLoader:
    """A pyld-compatible document loader over pinned contexts only.

    ``StaticLoader()`` serves the bundled contexts. ``loader.with_contexts({url: bytes})``
    returns a new loader that also serves an institution's own contexts, each pinned by the
    hash of the bytes given.
    """

    def __init__(self, entries: Mapping[str, ContextEntry] | None = None) -> None:
        if entries is None:
            entries = _load_manifest(bundled_contexts_dir())
        self._entries: dict[str, ContextEntry] = dict(entries)

    @property
    def urls(self) -> frozenset[str]:
        return frozenset(self._entries)

    def with_contexts(self, extra: Mapping[str, bytes]) -> StaticLoader:
        return self.with_entries(
            {
                url: ContextEntry(url, data, hashlib.sha256(data).hexdigest())
                for url, data in extra.items()
            }
        )

    def with_entries(self, extra: Mapping[str, ContextEntry]) -> StaticLoader:
        entries = dict(self._entries)
        entries.update(extra)
        return StaticLoader(entries)

    def sha256(self, url: str) -> str:
        return self._entry(url).sha256

    def _entry(self, url: str) -> ContextEntry:
        entry = self._entries.get(url)
        if entry is None:
            raise ContextNotAllowed(
                f"context {url!r} is not a bundled, pinned context; it was not fetched", url=url
            )
        return entry

    def load(self, url: str) -> Any:
        """The parsed context document for ``url``."""
        return self._entry(url).document()

    def __call__(self, url: str, options: Any = None) -> dict[str, Any]:
        # "tag": "static" lets pyld keep the processed context in the resolver's shared cache
        # (one per loader); the copy keeps pyld's in-place URL resolution off our pinned bytes.
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(self.load(url)),
            "contentType": "application/ld+json",
            "tag": "static",
        }


def _load_manifest(folder: Path) -> dict[str, ContextEntry]:
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    out: dict[str, ContextEntry] = {}
    for url, item in manifest.items():
        out[url] = ContextEntry(url, (folder / item["file"]).read_bytes(), item["sha256"])
    return out


_DEFAULT: StaticLoader | None = None


def default_loader() -> StaticLoader:
    """A shared loader over the bundled contexts (immutable in effect: entries never change)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = StaticLoader()
    return _DEFAULT
