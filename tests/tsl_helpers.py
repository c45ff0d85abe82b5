"""Building and signing ETSI TS 119 612 Trusted Lists and a List of Trusted Lists for tests,
with test certificates (nothing here is a real trust anchor)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml.signer import XMLSigner

from mcvc.jades.seal import make_test_ca

NS = "http://uri.etsi.org/02231/v2#"
CA_QC = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
STATUS = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
XML_MIME = "application/vnd.etsi.tsl+xml"


@dataclass
class Signer:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @classmethod
    def new(cls, name: str) -> Signer:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = make_test_ca(
            key, name=name, country="EU", not_before=datetime(2020, 1, 1, tzinfo=UTC)
        )
        return cls(key, cert)

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class ServiceSpec:
    name: str
    certificate: x509.Certificate
    status: str = "granted"
    since: datetime = datetime(2016, 7, 1, tzinfo=UTC)
    history: tuple[tuple[str, datetime], ...] = ()
    kind: str = CA_QC


def _e(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    node = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        node.text = text
    return node


def _der(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def trusted_list(
    territory: str,
    *,
    services: list[ServiceSpec] = (),  # type: ignore[assignment]
    pointers: list[tuple[str, str, x509.Certificate]] = (),  # type: ignore[assignment]
    issued: datetime = datetime(2026, 10, 1, tzinfo=UTC),
    next_update: datetime | None = None,
    sequence: int = 7,
    uris: list[str] = (),  # type: ignore[assignment]
) -> Any:
    """An unsigned TrustServiceStatusList element (``uris``: its SchemeInformationURI, for a
    LOTL the Official Journal notice and the pivot LOTLs, newest first)."""
    root = etree.Element(f"{{{NS}}}TrustServiceStatusList", nsmap={None: NS}, Id="tsl")
    info = _e(root, "SchemeInformation")
    _e(info, "TSLVersionIdentifier", "5")
    _e(info, "TSLSequenceNumber", str(sequence))
    op = _e(info, "SchemeOperatorName")
    _e(
        op,
        "Name",
        f"Test supervisory body {territory}",
        **{"{http://www.w3.org/XML/1998/namespace}lang": "en"},
    )
    if uris:
        scheme_uri = _e(info, "SchemeInformationURI")
        for uri in uris:
            _e(scheme_uri, "URI", uri, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"})
    _e(info, "SchemeTerritory", territory)
    _e(info, "ListIssueDateTime", _when(issued))
    nxt = _e(info, "NextUpdate")
    _e(nxt, "dateTime", _when(next_update or issued + timedelta(days=180)))
    if pointers:
        others = _e(info, "PointersToOtherTSL")
        for location, where, cert in pointers:
            p = _e(others, "OtherTSLPointer")
            ids = _e(p, "ServiceDigitalIdentities")
            sdi = _e(ids, "ServiceDigitalIdentity")
            _e(_e(sdi, "DigitalId"), "X509Certificate", _der(cert))
            _e(p, "TSLLocation", location)
            add = _e(p, "AdditionalInformation")
            other = _e(add, "OtherInformation")
            _e(other, "SchemeTerritory", where)
            other2 = _e(add, "OtherInformation")
            mime = etree.SubElement(
                other2, "{http://uri.etsi.org/02231/v2/additionaltypes#}MimeType"
            )
            mime.text = XML_MIME
    if services:
        tsps = _e(root, "TrustServiceProviderList")
        tsp = _e(tsps, "TrustServiceProvider")
        tinfo = _e(tsp, "TSPInformation")
        _e(
            _e(tinfo, "TSPName"),
            "Name",
            f"Test QTSP {territory}",
            **{"{http://www.w3.org/XML/1998/namespace}lang": "en"},
        )
        svcs = _e(tsp, "TSPServices")
        for spec in services:
            svc = _e(svcs, "TSPService")
            si = _e(svc, "ServiceInformation")
            _e(si, "ServiceTypeIdentifier", spec.kind)
            _e(
                _e(si, "ServiceName"),
                "Name",
                spec.name,
                **{"{http://www.w3.org/XML/1998/namespace}lang": "en"},
            )
            sdi = _e(si, "ServiceDigitalIdentity")
            _e(_e(sdi, "DigitalId"), "X509Certificate", _der(spec.certificate))
            _e(si, "ServiceStatus", STATUS + spec.status)
            _e(si, "StatusStartingTime", _when(spec.since))
            if spec.history:
                hist = _e(svc, "ServiceHistory")
                for status, since in spec.history:
                    inst = _e(hist, "ServiceHistoryInstance")
                    _e(inst, "ServiceTypeIdentifier", spec.kind)
                    _e(inst, "ServiceStatus", STATUS + status)
                    _e(inst, "StatusStartingTime", _when(since))
    return root


def sign_list(root: Any, signer: Signer) -> bytes:
    signed = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        root, key=signer.key, cert=[signer.cert]
    )
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
