"""EBSI as a trust source: the Trusted Issuers Registry (who is accredited to issue, by which
Trusted Accreditation Organisation) and the DID Registry (the keys of ``did:ebsi`` issuers).

Records are fetched only when the caller asks (``mcvc trust update --ebsi DID``), through the
guarded :class:`~mcvc.net.Fetcher`, and kept on disk with their fetch time (``ebsi.json`` in the
trust folder), so that verification is offline and says "as of when".

API shapes relied on (docs/trust.md lists the documentation):

- TIR v5 ``GET {api}/trusted-issuers-registry/v5/issuers/{did}``: ``{"did", "attributes":
  <URL of the list>, "hasAttributes"}``; 404 when the DID is not registered.
- ``GET .../issuers/{did}/attributes``: ``{"items": [{"id", "href"}], "links": {"next"}, ...}``,
  paginated.
- ``GET .../issuers/{did}/attributes/{id}``: ``{"did", "attribute": {"hash", "body",
  "issuerType", "tao", "rootTao"}}``; ``issuerType`` is ``RootTAO``, ``TAO``, ``TI`` or
  ``Revoked``; ``body`` is the accreditation (a VCDM 1.1 JWT).
- DID Registry v5 ``GET {api}/did-registry/v5/identifiers/{did}``: the DID document.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .errors import McvcError
from .jsontext import parse_json
from .multibase import b64url_decode

__all__ = [
    "ACCREDITED",
    "EBSI_API",
    "Accreditation",
    "EbsiError",
    "EbsiIssuer",
    "EbsiRegistry",
    "EbsiStore",
]

EBSI_API = "https://api-pilot.ebsi.eu"
_TIR = "/trusted-issuers-registry/v5/issuers/"
_DIDR = "/did-registry/v5/identifiers/"
_DID = re.compile(r"^did:ebsi:z[1-9A-HJ-NP-Za-km-z]{16,64}$")
ACCREDITED = ("RootTAO", "TAO", "TI")
_MAX_PAGES = 20
_MAX_ATTRIBUTES = 200
FILE = "ebsi.json"


class EbsiError(McvcError):
    code = "EBSI_ERROR"


@dataclass(frozen=True)
class Accreditation:
    issuer_type: str  # RootTAO, TAO, TI or Revoked
    tao: str
    root_tao: str
    hash: str
    types: tuple[str, ...] = ()  # the accreditation's own credential types, when readable


@dataclass(frozen=True)
class EbsiIssuer:
    did: str
    registered: bool
    accreditations: tuple[Accreditation, ...]
    fetched: str  # ISO 8601, when the registry was asked
    api: str

    @property
    def accredited(self) -> tuple[Accreditation, ...]:
        return tuple(a for a in self.accreditations if a.issuer_type in ACCREDITED)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> EbsiIssuer:
        return EbsiIssuer(
            did=str(data["did"]),
            registered=bool(data["registered"]),
            accreditations=tuple(
                Accreditation(
                    issuer_type=str(a["issuer_type"]),
                    tao=str(a.get("tao", "")),
                    root_tao=str(a.get("root_tao", "")),
                    hash=str(a.get("hash", "")),
                    types=tuple(str(t) for t in a.get("types", ())),
                )
                for a in data.get("accreditations", [])
            ),
            fetched=str(data["fetched"]),
            api=str(data.get("api", "")),
        )


def _types_of(body: Any) -> tuple[str, ...]:
    """The ``vc.type`` of an accreditation JWT, read without checking its signature: shown to
    the officer, never relied on (the registry's record is what vouches)."""
    if not isinstance(body, str) or body.count(".") != 2:
        return ()
    try:
        claims = parse_json(b64url_decode(body.split(".")[1]), max_bytes=256 * 1024)
    except McvcError:
        return ()
    vc = claims.get("vc") if isinstance(claims, dict) else None
    types = vc.get("type") if isinstance(vc, dict) else None
    if isinstance(types, str):
        types = [types]
    return tuple(t for t in types if isinstance(t, str))[:10] if isinstance(types, list) else ()


class EbsiRegistry:
    """The registries at ``api`` (the EBSI pilot by default), read through ``fetcher``."""

    def __init__(self, fetcher: Any, api: str = EBSI_API) -> None:
        self.fetcher = fetcher
        self.api = api.rstrip("/")

    def _json(self, url: str) -> Any:
        try:
            return parse_json(self.fetcher.get(url))
        except McvcError as exc:
            raise EbsiError(f"{url}: {exc}", code="EBSI_UNREACHABLE") from None

    def _own(self, href: Any) -> str:
        """A link the registry gave, kept on the registry's own host: a tampered answer must
        not send the verifier elsewhere."""
        if not isinstance(href, str) or not href:
            raise EbsiError("the registry gave a link that is not a string", code="EBSI_FORMAT")
        url = href if "://" in href else self.api + (href if href.startswith("/") else "/" + href)
        if not url.startswith(self.api + "/"):
            raise EbsiError(f"the registry linked outside itself: {url}", code="EBSI_FORMAT")
        return url

    def issuer(self, did: str, now: datetime) -> EbsiIssuer:
        if not _DID.match(did):
            raise EbsiError(f"{did!r} is not a did:ebsi legal-entity DID", code="EBSI_FORMAT")
        fetched = now.isoformat().replace("+00:00", "Z")
        base = f"{self.api}{_TIR}{quote(did, safe=':')}"
        try:
            record = parse_json(self.fetcher.get(base))
        except McvcError as exc:
            if exc.details.get("status") == 404:
                return EbsiIssuer(did, False, (), fetched, self.api)
            raise EbsiError(f"{base}: {exc}", code="EBSI_UNREACHABLE") from None
        if not isinstance(record, dict) or record.get("did") != did:
            raise EbsiError(f"{base}: not a record of {did}", code="EBSI_FORMAT")
        accreditations: list[Accreditation] = []
        if record.get("hasAttributes"):
            page: str | None = self._own(record.get("attributes") or f"{base}/attributes")
            for _ in range(_MAX_PAGES):
                if page is None:
                    break
                listing = self._json(page)
                items = listing.get("items") if isinstance(listing, dict) else None
                if not isinstance(items, list):
                    raise EbsiError(f"{page}: no items list", code="EBSI_FORMAT")
                for item in items:
                    if len(accreditations) >= _MAX_ATTRIBUTES:
                        raise EbsiError(f"{did}: too many attributes", code="EBSI_FORMAT")
                    href = item.get("href") if isinstance(item, dict) else None
                    accreditations.append(self._attribute(self._own(href), did))
                following = (listing.get("links") or {}).get("next")
                page = self._own(following) if following and following != page else None
            else:
                raise EbsiError(
                    f"{did}: more than {_MAX_PAGES} pages of attributes", code="EBSI_FORMAT"
                )
        return EbsiIssuer(did, True, tuple(accreditations), fetched, self.api)

    def _attribute(self, url: str, did: str) -> Accreditation:
        answer = self._json(url)
        attribute = answer.get("attribute") if isinstance(answer, dict) else None
        if not isinstance(attribute, dict) or answer.get("did") != did:
            raise EbsiError(f"{url}: not an attribute of {did}", code="EBSI_FORMAT")
        kind = attribute.get("issuerType")
        if kind not in (*ACCREDITED, "Revoked"):
            raise EbsiError(f"{url}: unknown issuerType {kind!r}", code="EBSI_FORMAT")
        return Accreditation(
            issuer_type=str(kind),
            tao=str(attribute.get("tao") or ""),
            root_tao=str(attribute.get("rootTao") or ""),
            hash=str(attribute.get("hash") or ""),
            types=_types_of(attribute.get("body")),
        )

    def did_document(self, did: str) -> dict[str, Any]:
        if not _DID.match(did):
            raise EbsiError(f"{did!r} is not a did:ebsi legal-entity DID", code="EBSI_FORMAT")
        url = f"{self.api}{_DIDR}{quote(did, safe=':')}"
        document = self._json(url)
        if not isinstance(document, dict) or document.get("id") != did:
            raise EbsiError(f"{url}: not the DID document of {did}", code="EBSI_FORMAT")
        return document


@dataclass
class EbsiStore:
    """What was fetched from EBSI, kept in ``{folder}/ebsi.json``."""

    issuers: dict[str, EbsiIssuer] = field(default_factory=dict)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    fetched: dict[str, str] = field(default_factory=dict)  # did -> when its document was fetched

    @staticmethod
    def load(folder: str | Path) -> EbsiStore:
        path = Path(folder) / FILE
        if not path.is_file():
            return EbsiStore()
        try:
            data = parse_json(path.read_bytes())
        except McvcError as exc:
            raise EbsiError(f"{path}: {exc}", code="EBSI_FORMAT") from None
        if not isinstance(data, dict):
            raise EbsiError(f"{path}: not a JSON object", code="EBSI_FORMAT")
        store = EbsiStore()
        try:
            for did, record in (data.get("issuers") or {}).items():
                store.issuers[did] = EbsiIssuer.from_dict(record)
            for did, entry in (data.get("documents") or {}).items():
                store.documents[did] = dict(entry["document"])
                store.fetched[did] = str(entry["fetched"])
        except (KeyError, TypeError, AttributeError) as exc:
            raise EbsiError(f"{path}: damaged record ({exc})", code="EBSI_FORMAT") from None
        return store

    def save(self, folder: str | Path) -> Path:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        data = {
            "issuers": {
                did: {
                    **asdict(record),
                    "accreditations": [asdict(a) for a in record.accreditations],
                }
                for did, record in sorted(self.issuers.items())
            },
            "documents": {
                did: {"document": doc, "fetched": self.fetched.get(did, "")}
                for did, doc in sorted(self.documents.items())
            },
        }
        target = path / FILE
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
        tmp.replace(target)
        return target

    def update(self, registry: EbsiRegistry, did: str, now: datetime) -> EbsiIssuer:
        record = registry.issuer(did, now)
        self.issuers[did] = record
        if record.registered:
            self.documents[did] = registry.did_document(did)
            self.fetched[did] = record.fetched
        return record

    @property
    def empty(self) -> bool:
        return not self.issuers and not self.documents
