"""Trusted Lists on disk: fetched only by ``mcvc trust update``, signature-verified when
fetched and again whenever they are read, so a file changed on disk is never believed.

Chain of trust: the LOTL is verified with the pinned LOTL-signing certificates (the ones the
European Commission announces in the Official Journal; the caller gives them, see
docs/trust.md); each national list with the certificates the verified LOTL gives for its
territory. Nothing else vouches for anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from ..errors import McvcError
from .parse import (
    CA_QC,
    XML_MIME,
    Pointer,
    Service,
    TrustedListDocument,
    lotl_signers,
    parse_trusted_list,
    scheme_uris,
)

__all__ = [
    "TrustedListError",
    "TrustedLists",
    "anchors_of",
    "read_trusted_list_file",
    "verify_lotl",
    "verify_signed_list",
]

MAX_LIST_BYTES = 16 * 1024 * 1024
_SHA256 = hashes.SHA256()
INDEX = "index.json"
PINS = "lotl-pins.pem"
# More pivots than this in one LOTL is not a key rotation history but a fetch storm.
MAX_PIVOTS = 16


class TrustedListError(McvcError):
    """A Trusted List that cannot be used: unsigned, badly signed, malformed or unreachable."""

    code = "TSL_INVALID"


def _parser() -> Any:
    from lxml import etree

    # no DTDs, no entities, no network: a Trusted List is data from elsewhere
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def verify_signed_list(
    data: bytes, certificates: Sequence[x509.Certificate], *, what: str = "trusted list"
) -> tuple[TrustedListDocument, x509.Certificate]:
    """Verify the enveloped XML signature of a Trusted List with one of ``certificates`` and
    read only what it signs. Raises :class:`TrustedListError` with a stable code."""
    from lxml import etree
    from signxml.exceptions import InvalidInput as SignxmlInput
    from signxml.exceptions import InvalidSignature as SignxmlInvalid
    from signxml.verifier import SignatureConfiguration, XMLVerifier

    if len(data) > MAX_LIST_BYTES:
        raise TrustedListError(f"{what}: larger than {MAX_LIST_BYTES} bytes", code="TSL_FORMAT")
    if not certificates:
        raise TrustedListError(f"{what}: no certificate to verify it with", code="TSL_NOT_PINNED")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise TrustedListError(f"{what}: not XML ({exc})", code="TSL_FORMAT") from None
    if root.getroottree().docinfo.doctype:
        # entities left unexpanded would make the signed text differ from what is read
        raise TrustedListError(f"{what}: a DOCTYPE, which no Trusted List has", code="TSL_FORMAT")
    dsig = "{http://www.w3.org/2000/09/xmldsig#}"
    signatures = root.findall(dsig + "Signature")
    if len(signatures) != 1:
        raise TrustedListError(
            f"{what}: {len(signatures)} enveloped signatures; exactly one is required",
            code="TSL_SIGNATURE_INVALID",
        )
    references = len(signatures[0].findall(f"{dsig}SignedInfo/{dsig}Reference"))
    # the list, the XAdES SignedProperties, and (as signxml's XAdES signs) the KeyInfo
    if not 1 <= references <= 3:
        raise TrustedListError(
            f"{what}: unexpected signature references", code="TSL_SIGNATURE_INVALID"
        )
    config = SignatureConfiguration(expect_references=references, location="./")
    for cert in certificates:
        try:
            results = XMLVerifier().verify(
                root, x509_cert=cert, expect_config=config, ignore_ambiguous_key_info=True
            )
        except (SignxmlInvalid, SignxmlInput, ValueError, TypeError):
            continue
        for result in results if isinstance(results, list) else [results]:
            signed = result.signed_xml
            if signed is not None and signed.tag.endswith("}TrustServiceStatusList"):
                try:
                    return parse_trusted_list(signed), cert
                except McvcError as exc:
                    raise TrustedListError(f"{what}: {exc}", code="TSL_FORMAT") from None
    raise TrustedListError(
        f"{what}: the signature does not verify with any of the {len(certificates)} "
        "certificates it must be signed with (changed, or signed by someone else)",
        code="TSL_SIGNATURE_INVALID",
    )


def pivot_locations(data: bytes) -> list[str]:
    """The pivot LOTLs a LOTL names in its ``SchemeInformationURI``, oldest first. Read before
    the LOTL's signature is checked, only to know what to fetch: a pivot counts only once it
    verifies (see :func:`verify_lotl`)."""
    from urllib.parse import urlsplit

    from lxml import etree

    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        return []
    # the Official Journal notice is an HTML page; the pivots are LOTLs in XML, newest first
    return [u for u in reversed(scheme_uris(root)) if urlsplit(u).path.endswith(".xml")]


def _too_many_pivots(count: int) -> TrustedListError:
    return TrustedListError(
        f"the List of Trusted Lists names {count} pivot LOTLs; at most {MAX_PIVOTS} are followed",
        code="TSL_PIVOT",
    )


def verify_lotl(
    data: bytes,
    pins: Sequence[x509.Certificate],
    pivots: Sequence[tuple[str, bytes]] = (),
) -> tuple[TrustedListDocument, tuple[x509.Certificate, ...]]:
    """Verify the LOTL with the certificates pinned from the Official Journal, directly or
    through the pivot LOTLs (``(location, bytes)``, oldest first): each pivot must be signed
    with the LOTL-signing certificates in force before it and announces those after it, and
    the LOTL must be signed with the last ones. Returns the LOTL and its signing certificates."""
    if len(pivots) > MAX_PIVOTS:
        raise _too_many_pivots(len(pivots))
    current = tuple(pins)
    for location, body in pivots:
        doc, _ = verify_signed_list(body, current, what=f"the pivot LOTL {location}")
        announced = lotl_signers(doc)
        if not announced:
            raise TrustedListError(
                f"the pivot LOTL {location} announces no LOTL-signing certificates",
                code="TSL_PIVOT",
            )
        current = announced
    what = "the List of Trusted Lists"
    if pivots:
        what += f" (with the certificates of {len(pivots)} pivot LOTL(s))"
    lotl, _ = verify_signed_list(data, current, what=what)
    return lotl, current


def signing_certificates(data: bytes) -> list[x509.Certificate]:
    """The certificates a Trusted List's enveloped signature carries (``KeyInfo``): who the
    list says signed it, which is for the caller to accept, not for the list to prove."""
    import base64

    from lxml import etree

    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        return []  # verify_signed_list names what is wrong with it
    dsig = "{http://www.w3.org/2000/09/xmldsig#}"
    found = []
    for node in root.findall(f"{dsig}Signature/{dsig}KeyInfo/{dsig}X509Data/{dsig}X509Certificate"):
        try:
            found.append(x509.load_der_x509_certificate(base64.b64decode(node.text or "")))
        except ValueError:
            continue
    return found


def listed_services(docs: dict[str, tuple[TrustedListDocument, str]]) -> list[ListedService]:
    """CA/QC services (the CAs that issue qualified certificates) of ``docs`` (territory ->
    verified list and its fetch time)."""
    return [
        ListedService(s, territory, doc.issued, doc.next_update, fetched)
        for territory, (doc, fetched) in docs.items()
        for s in doc.services
        if s.type == CA_QC
    ]


def anchors_of(listed: list[ListedService], source: str) -> Any:
    """Trust anchors for seal verification: every certificate of the ``listed`` services,
    with the service that lists it, so the verifier reads its status at the signing time."""
    from ..jades.certs import TrustAnchors

    by_cert: dict[bytes, ListedService] = {}
    certs = []
    for entry in listed:
        for cert in entry.service.certificates:
            key = cert.fingerprint(_SHA256)
            if key not in by_cert:
                by_cert[key] = entry
                certs.append(cert)
    return TrustAnchors(tuple(certs), source, services=by_cert)


def read_trusted_list_file(
    data: bytes, source: str, signers: Sequence[x509.Certificate] | None = None
) -> Any:
    """Anchors from one national Trusted List file given by the caller (``--anchors``). Its
    signature must verify: with ``signers`` when given, otherwise with the certificate the
    signature names, which proves the file is as its signer made it, not who that is (the
    source says so; ``mcvc trust update`` checks signers against the EU LOTL)."""
    pinned = list(signers) if signers is not None else signing_certificates(data)
    if signers is None and not pinned:
        raise TrustedListError(
            f"{source}: not signed (a Trusted List carries an XML signature with its signer's "
            "certificate); give trusted certificates as a PEM bundle instead",
            code="TSL_SIGNATURE_INVALID",
        )
    doc, cert = verify_signed_list(data, pinned, what=source)
    signer = cert.subject.rfc4514_string()
    return anchors_of(
        listed_services({doc.territory: (doc, "")}),
        f"the Trusted List {source} ({doc.territory or 'no territory'}, sequence {doc.sequence}, "
        f"signed by {signer}"
        + ("" if signers is not None else "; that signer was not checked against the EU LOTL")
        + ")",
    )


def _index(data: Any) -> dict[str, Any]:
    """The folder's index with its three parts, checked for shape (a hand-edited or older index
    is read as far as it is sound, never half-trusted)."""
    if not isinstance(data, dict):
        raise ValueError("index.json is not a JSON object")
    parts: dict[str, tuple[type, str]] = {
        "lotl": (dict, "object"),
        "lists": (dict, "object"),
        "pivots": (list, "array"),
    }
    index = {name: data.get(name) or kind() for name, (kind, _) in parts.items()}
    for name, (kind, json_name) in parts.items():
        if not isinstance(index[name], kind):
            raise ValueError(f"index.json: {name} is not a JSON {json_name}")
    return index


def _rollback(stored: Any, doc: TrustedListDocument, what: str) -> str:
    """Why a verified list is older than the one stored before, or "". Each issue of a list
    has a higher TSLSequenceNumber (TS 119 612 5.3.2): a lower one is an old, genuinely signed
    list served again, which could bring back a service withdrawn since."""
    before = stored.get("sequence") if isinstance(stored, dict) else None
    if isinstance(before, int) and not isinstance(before, bool) and doc.sequence < before:
        return (
            f"{what}: sequence {doc.sequence} is older than the stored sequence {before}; "
            "the stored list is kept"
        )
    return ""


def _fetched(entry: Any) -> str:
    """A recorded fetch time, or "" (unknown)."""
    return str(entry.get("fetched") or "") if isinstance(entry, dict) else ""


def _pem(certs: Sequence[x509.Certificate]) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass(frozen=True)
class ListedService:
    service: Service
    territory: str
    list_issued: datetime | None
    next_update: datetime | None
    fetched: str


@dataclass
class TrustedLists:
    """The verified LOTL and national lists in a folder, and what they say."""

    folder: Path
    lotl: TrustedListDocument
    lists: dict[str, TrustedListDocument] = field(default_factory=dict)
    fetched: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)

    # --- reading --------------------------------------------------------------------------

    @classmethod
    def load(
        cls, folder: str | Path, pins: Sequence[x509.Certificate] | None = None
    ) -> TrustedLists:
        """Read and verify everything in ``folder`` (written by :meth:`update`). A national
        list that no longer verifies is left out and named in ``problems``."""
        base = Path(folder)
        try:
            index = _index(json.loads((base / INDEX).read_bytes()))
            pinned = (
                list(pins) if pins else x509.load_pem_x509_certificates((base / PINS).read_bytes())
            )
            lotl_bytes = (base / "lotl.xml").read_bytes()
            pivots = [
                (str(entry["url"]), (base / f"pivot-{i}.xml").read_bytes())
                for i, entry in enumerate(index["pivots"])
            ]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise TrustedListError(
                f"{base}: no usable trusted lists here ({exc}); run mcvc trust update",
                code="TSL_NOT_FETCHED",
            ) from None
        lotl, _ = verify_lotl(lotl_bytes, pinned, pivots)
        store = cls(base, lotl, fetched={"LOTL": _fetched(index["lotl"])})
        for territory, entry in sorted(index["lists"].items()):
            pointer = next((p for p in _list_pointers(lotl) if p.territory == territory), None)
            if pointer is None:
                # the code first, so that a script can tell "withdrawn" from "tampered"
                store.problems[territory] = "TSL_NOT_LISTED: no longer in the LOTL"
                continue
            try:
                data = (base / f"tl-{territory}.xml").read_bytes()
            except OSError as exc:
                store.problems[territory] = f"TSL_NOT_FETCHED: {exc}"
                continue
            try:
                doc, _ = verify_signed_list(
                    data, pointer.certificates, what=f"trusted list {territory}"
                )
            except TrustedListError as exc:
                store.problems[territory] = f"{exc.code}: {exc}"
                continue
            store.lists[territory] = doc
            store.fetched[territory] = _fetched(entry)
        return store

    def services(self) -> list[ListedService]:
        """CA/QC services (the CAs that issue qualified certificates) of every national list."""
        return listed_services({t: (doc, self.fetched.get(t, "")) for t, doc in self.lists.items()})

    def anchors(self) -> Any:
        """Trust anchors for seal verification from every national list (see ``anchors_of``)."""
        fetched = self.fetched.get("LOTL")
        return anchors_of(
            self.services(),
            f"the EU Trusted Lists in {self.folder} (LOTL fetched {fetched or 'at an unknown time'})",
        )

    # --- updating --------------------------------------------------------------------------

    @classmethod
    def update(
        cls,
        folder: str | Path,
        fetcher: Any,
        lotl_url: str,
        pins: Sequence[x509.Certificate],
        now: datetime,
        territories: Sequence[str] | None = None,
    ) -> TrustedLists:
        """Fetch the LOTL and the national lists it points to, verify each, and store them
        with their fetch time. The folder changes only for lists that verified."""
        base = Path(folder)
        base.mkdir(parents=True, exist_ok=True)
        data = _fetch(fetcher, lotl_url, "the List of Trusted Lists")
        pivots: list[tuple[str, bytes]] = []
        try:
            lotl, _ = verify_lotl(data, pins)
        except TrustedListError:
            # The Commission rotates its keys through pivot LOTLs: follow them from the pins.
            locations = pivot_locations(data)
            if not locations:
                raise
            if len(locations) > MAX_PIVOTS:
                raise _too_many_pivots(len(locations)) from None
            pivots = [(url, _fetch(fetcher, url, f"the pivot LOTL {url}")) for url in locations]
            lotl, _ = verify_lotl(data, pins, pivots)
        stamp = now.isoformat()
        try:
            index = _index(json.loads((base / INDEX).read_bytes()))
        except (OSError, ValueError):
            index = _index({})  # none yet, or damaged: this update writes a new one
        older = _rollback(index["lotl"], lotl, "the List of Trusted Lists")
        if older:
            raise TrustedListError(older, code="TSL_ROLLBACK")
        _write(base / PINS, _pem(pins))
        for i, (_url, body) in enumerate(pivots):
            _write(base / f"pivot-{i}.xml", body)
        _write(base / "lotl.xml", data)
        index["pivots"] = [
            {"url": url, "sha256": hashlib.sha256(body).hexdigest()} for url, body in pivots
        ]
        index["lotl"] = {
            "url": lotl_url,
            "fetched": stamp,
            "sha256": hashlib.sha256(data).hexdigest(),
            "sequence": lotl.sequence,
        }
        lists = index["lists"]
        problems = {}
        for pointer in _list_pointers(lotl):
            if territories and pointer.territory not in territories:
                continue
            if pointer.location == lotl_url:
                continue
            try:
                body = _fetch(fetcher, pointer.location, f"trusted list {pointer.territory}")
                doc, _ = verify_signed_list(
                    body, pointer.certificates, what=f"trusted list {pointer.territory}"
                )
            except TrustedListError as exc:
                problems[pointer.territory] = f"{exc.code}: {exc}"
                continue
            older = _rollback(
                lists.get(pointer.territory), doc, f"trusted list {pointer.territory}"
            )
            if older:  # the stored, newer list stays
                problems[pointer.territory] = f"TSL_ROLLBACK: {older}"
                continue
            _write(base / f"tl-{pointer.territory}.xml", body)
            lists[pointer.territory] = {
                "url": pointer.location,
                "fetched": stamp,
                "sha256": hashlib.sha256(body).hexdigest(),
                "sequence": doc.sequence,
                "issued": doc.issued.isoformat() if doc.issued else "",
                "next_update": doc.next_update.isoformat() if doc.next_update else "",
            }
        _write(base / INDEX, json.dumps(index, indent=2).encode("utf-8"))
        store = cls.load(base)  # with the pins just written there
        store.problems.update(problems)
        return store


def _list_pointers(lotl: TrustedListDocument) -> list[Pointer]:
    """The LOTL's pointers to lists in XML (it also points to their PDF renderings)."""
    return [p for p in lotl.pointers if p.mime in ("", XML_MIME)]


def _fetch(fetcher: Any, url: str, what: str) -> bytes:
    try:
        return bytes(fetcher.get(url, accept="application/vnd.etsi.tsl+xml, application/xml"))
    except McvcError as exc:
        raise TrustedListError(f"{what}: {exc}", code="TSL_UNREACHABLE") from None
