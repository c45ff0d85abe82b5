"""Reading an ETSI TS 119 612 Trusted List (or the EU List of Trusted Lists) once its
signature has been verified: only the element the signature covers is read.

What is read: the scheme territory, sequence number, issue and next-update times, the
pointers to other lists (LOTL) with their signing certificates, and every trust service with
its type, name, certificates, current status and status history.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography import x509

from ..errors import InvalidInput

__all__ = [
    "Pointer",
    "Service",
    "TrustedListDocument",
    "lotl_signers",
    "parse_trusted_list",
    "scheme_uris",
]

NS = "http://uri.etsi.org/02231/v2#"
_T = "{" + NS + "}"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
GRANTED = frozenset(
    {
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
        # statuses of qualified services before eIDAS (2016-07-01), kept in service histories
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision",
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited",
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionincessation",
    }
)
XML_MIME = "application/vnd.etsi.tsl+xml"


@dataclass(frozen=True)
class Service:
    name: str
    type: str
    provider: str
    certificates: tuple[x509.Certificate, ...]
    status: str
    since: datetime | None
    history: tuple[tuple[str, datetime | None], ...] = ()

    def status_at(self, when: datetime) -> tuple[str, datetime | None] | None:
        """The status in force at ``when`` and since when, from the current status and the
        history; None when the service was not listed yet."""
        entries = [(self.status, self.since), *self.history]
        known = [(s, t) for s, t in entries if t is not None and t <= when]
        if not known:
            return None
        return max(known, key=lambda e: e[1])

    @property
    def short_status(self) -> str:
        return self.status.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Pointer:
    location: str
    territory: str
    mime: str
    certificates: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class TrustedListDocument:
    territory: str
    sequence: int
    issued: datetime | None
    next_update: datetime | None
    operator: str
    services: tuple[Service, ...] = ()
    pointers: tuple[Pointer, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def lotl_signers(lotl: TrustedListDocument) -> tuple[x509.Certificate, ...]:
    """The LOTL-signing certificates a verified LOTL (or pivot LOTL) announces: those of its
    pointer to the EU's own list in XML."""
    for pointer in lotl.pointers:
        if pointer.territory == "EU" and pointer.mime in ("", XML_MIME):
            return pointer.certificates
    return ()


def scheme_uris(root: Any) -> list[str]:
    """``SchemeInformation/SchemeInformationURI/URI`` in document order (for the LOTL: the
    Official Journal notice and the pivot LOTLs, newest first)."""
    info = root.find(_T + "SchemeInformation")
    if info is None:
        return []
    return [
        "".join(uri.itertext()).strip()
        for uri in info.findall(_T + "SchemeInformationURI/" + _T + "URI")
    ]


def _text(node: Any, path: str) -> str:
    found = node.find(path)
    return "".join(found.itertext()).strip() if found is not None else ""


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)  # reads "Z" since Python 3.11
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _certificates(node: Any) -> tuple[x509.Certificate, ...]:
    if node is None:  # a service without a digital identity identifies no certificate
        return ()
    out = []
    for cert in node.iter(_T + "X509Certificate"):
        try:
            out.append(
                x509.load_der_x509_certificate(base64.b64decode("".join((cert.text or "").split())))
            )
        except ValueError:
            continue
    return tuple(out)


def _name(node: Any, path: str) -> str:
    names = node.findall(path + "/" + _T + "Name")
    for name in names:
        if name.get("{http://www.w3.org/XML/1998/namespace}lang") == "en":
            return "".join(name.itertext()).strip()
    return "".join(names[0].itertext()).strip() if names else ""


def parse_trusted_list(root: Any) -> TrustedListDocument:
    """Read a signature-verified TrustServiceStatusList element (lxml)."""
    if root.tag != _T + "TrustServiceStatusList":
        raise InvalidInput("not an ETSI TS 119 612 TrustServiceStatusList", code="TSL_FORMAT")
    info = root.find(_T + "SchemeInformation")
    if info is None:
        raise InvalidInput("the list has no SchemeInformation", code="TSL_FORMAT")
    try:
        sequence = int(_text(info, _T + "TSLSequenceNumber"))
    except ValueError:  # absent or not a number
        sequence = 0
    pointers = []
    for pointer in info.iter(_T + "OtherTSLPointer"):
        mime = ""
        territory = ""
        for extra in pointer.iter():
            if not isinstance(extra.tag, str):
                continue  # comments and processing instructions, which the signature ignores
            tag = extra.tag
            if tag.endswith("}MimeType"):
                mime = (extra.text or "").strip()
            elif tag == _T + "SchemeTerritory":
                territory = (extra.text or "").strip()
        pointers.append(
            Pointer(
                _text(pointer, _T + "TSLLocation"),
                territory,
                mime,
                _certificates(pointer),
            )
        )
    services = []
    for tsp in root.iter(_T + "TrustServiceProvider"):
        provider = _name(tsp, _T + "TSPInformation/" + _T + "TSPName")
        for svc in tsp.iter(_T + "TSPService"):
            si = svc.find(_T + "ServiceInformation")
            if si is None:
                continue
            history = tuple(
                (
                    _text(h, _T + "ServiceStatus"),
                    _time(_text(h, _T + "StatusStartingTime")),
                )
                for h in svc.iter(_T + "ServiceHistoryInstance")
            )
            services.append(
                Service(
                    _name(si, _T + "ServiceName"),
                    _text(si, _T + "ServiceTypeIdentifier"),
                    provider,
                    _certificates(si.find(_T + "ServiceDigitalIdentity")),
                    _text(si, _T + "ServiceStatus"),
                    _time(_text(si, _T + "StatusStartingTime")),
                    history,
                )
            )
    return TrustedListDocument(
        _text(info, _T + "SchemeTerritory"),
        sequence,
        _time(_text(info, _T + "ListIssueDateTime")),
        _time(_text(info, _T + "NextUpdate/" + _T + "dateTime")),
        _name(info, _T + "SchemeOperatorName"),
        tuple(services),
        tuple(pointers),
    )
