"""Reading a (signature-verified) Trusted List (mcvc.tsl.parse) rule by rule, on lists built
here: every field of the document, names in English first, times in UTC, status history."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from mcvc.errors import InvalidInput
from mcvc.tsl.parse import Service, lotl_signers, parse_trusted_list, scheme_uris

from .tsl_helpers import NS, ServiceSpec, Signer, trusted_list

CA = Signer.new("Test CA for parsing")
OTHER = Signer.new("Test other CA")
ISSUED = datetime(2026, 10, 1, tzinfo=UTC)
T = "{" + NS + "}"


def test_a_national_list_is_read_whole() -> None:
    spec = ServiceSpec(
        "Qualified e-seal CA",
        CA.cert,
        status="withdrawn",
        since=datetime(2025, 1, 1, tzinfo=UTC),
        history=(("granted", datetime(2016, 7, 1, tzinfo=UTC)),),
    )
    doc = parse_trusted_list(trusted_list("CZ", services=[spec], sequence=42))
    assert (doc.territory, doc.sequence, doc.issued, doc.next_update) == (
        "CZ",
        42,
        ISSUED,
        ISSUED + timedelta(days=180),
    )
    assert doc.operator == "Test supervisory body CZ"
    assert doc.pointers == ()
    assert doc.services == (
        Service(
            "Qualified e-seal CA",
            "http://uri.etsi.org/TrstSvc/Svctype/CA/QC",
            "Test QTSP CZ",
            (CA.cert,),
            "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn",
            datetime(2025, 1, 1, tzinfo=UTC),
            (
                (
                    "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted",
                    datetime(2016, 7, 1, tzinfo=UTC),
                ),
            ),
        ),
    )
    assert doc.services[0].short_status == "withdrawn"


def test_a_lotl_is_read_with_its_pointers_and_uris() -> None:
    root = trusted_list(
        "EU",
        pointers=[
            ("https://tl.example/cz.xml", "CZ", CA.cert),
            ("https://ec.example/lotl.xml", "EU", OTHER.cert),
        ],
        uris=["https://eur-lex.example/oj", "https://ec.example/pivot-2.xml"],
    )
    doc = parse_trusted_list(root)
    assert [(p.location, p.territory, p.mime, p.certificates) for p in doc.pointers] == [
        ("https://tl.example/cz.xml", "CZ", "application/vnd.etsi.tsl+xml", (CA.cert,)),
        ("https://ec.example/lotl.xml", "EU", "application/vnd.etsi.tsl+xml", (OTHER.cert,)),
    ]
    assert lotl_signers(doc) == (OTHER.cert,)
    assert scheme_uris(root) == ["https://eur-lex.example/oj", "https://ec.example/pivot-2.xml"]
    assert scheme_uris(etree.Element(T + "TrustServiceStatusList")) == []
    without_self = parse_trusted_list(
        trusted_list("EU", pointers=[("https://tl.example/cz.xml", "CZ", CA.cert)])
    )
    assert lotl_signers(without_self) == ()


def test_what_is_not_a_trusted_list() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_trusted_list(etree.Element("TrustServiceStatusList"))
    assert (caught.value.code, str(caught.value)) == (
        "TSL_FORMAT",
        "not an ETSI TS 119 612 TrustServiceStatusList",
    )
    with pytest.raises(InvalidInput) as caught:
        parse_trusted_list(etree.Element(T + "TrustServiceStatusList"))
    assert (caught.value.code, str(caught.value)) == (
        "TSL_FORMAT",
        "the list has no SchemeInformation",
    )


def _edited(root: object, path: str, text: str | None) -> object:
    node = root.find(path)  # type: ignore[attr-defined]
    if text is None:
        node.getparent().remove(node)
    else:
        node.text = text
    return root


def test_numbers_and_times_that_do_not_parse_are_absent_not_fatal() -> None:
    info = f"{T}SchemeInformation/"
    root = trusted_list("CZ")
    _edited(root, info + T + "TSLSequenceNumber", "seven")
    _edited(root, info + T + "ListIssueDateTime", "2026-10-01T00:00:00")
    _edited(root, f"{info}{T}NextUpdate/{T}dateTime", "soon")
    doc = parse_trusted_list(root)
    assert (doc.sequence, doc.issued, doc.next_update) == (0, ISSUED, None)
    bare = trusted_list("CZ")
    _edited(bare, info + T + "TSLSequenceNumber", None)
    _edited(bare, info + T + "ListIssueDateTime", None)
    assert (parse_trusted_list(bare).sequence, parse_trusted_list(bare).issued) == (0, None)
    offset = trusted_list("CZ")
    _edited(offset, info + T + "ListIssueDateTime", "2026-10-01T02:00:00+02:00")
    assert parse_trusted_list(offset).issued == ISSUED


def test_names_prefer_english_and_fall_back_to_the_first() -> None:
    root = trusted_list("CZ", services=[ServiceSpec("English name", CA.cert)])
    operator = root.find(f"{T}SchemeInformation/{T}SchemeOperatorName")
    first = operator.find(T + "Name")
    first.set("{http://www.w3.org/XML/1998/namespace}lang", "cs")
    first.text = "  Ministerstvo  "
    english = etree.SubElement(operator, T + "Name")
    english.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    english.text = " Ministry "
    assert parse_trusted_list(root).operator == "Ministry"
    english.set("{http://www.w3.org/XML/1998/namespace}lang", "de")
    assert parse_trusted_list(root).operator == "Ministerstvo"
    for name in list(operator):
        operator.remove(name)
    assert parse_trusted_list(root).operator == ""


def test_services_without_information_or_certificates() -> None:
    root = trusted_list("CZ", services=[ServiceSpec("A", CA.cert), ServiceSpec("B", OTHER.cert)])
    services = root.findall(f".//{T}TSPService")
    services[0].remove(services[0].find(T + "ServiceInformation"))
    identity = services[1].find(f"{T}ServiceInformation/{T}ServiceDigitalIdentity")
    identity.find(f"{T}DigitalId/{T}X509Certificate").text = "bm90IGEgY2VydA=="
    extra = etree.SubElement(etree.SubElement(identity, T + "DigitalId"), T + "X509Certificate")
    der = base64.b64encode(CA.cert.public_bytes(serialization.Encoding.DER)).decode()
    extra.text = "\n".join(der[i : i + 64] for i in range(0, len(der), 64))
    doc = parse_trusted_list(root)
    assert [s.name for s in doc.services] == ["B"]
    assert doc.services[0].certificates == (CA.cert,)


def test_the_status_at_a_time_comes_from_the_history() -> None:
    granted, withdrawn = "granted", "withdrawn"
    service = Service(
        "s",
        "t",
        "p",
        (),
        withdrawn,
        datetime(2025, 1, 1, tzinfo=UTC),
        ((granted, datetime(2016, 7, 1, tzinfo=UTC)), ("under", None)),
    )
    assert service.status_at(datetime(2016, 6, 30, tzinfo=UTC)) is None
    assert service.status_at(datetime(2016, 7, 1, tzinfo=UTC)) == (
        granted,
        datetime(2016, 7, 1, tzinfo=UTC),
    )
    assert service.status_at(datetime(2024, 12, 31, tzinfo=UTC))[0] == granted  # type: ignore[index]
    assert service.status_at(datetime(2025, 1, 1, tzinfo=UTC))[0] == withdrawn  # type: ignore[index]
