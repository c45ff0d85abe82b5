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
    # with no English name, the first is read whole, a comment in it skipped
    first.text = "  Minister"
    comment = etree.Comment(" inserted ")
    comment.tail = "stvo  "
    first.append(comment)
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


def test_only_the_service_digital_identity_names_certificates() -> None:
    root = trusted_list("CZ", services=[ServiceSpec("A", CA.cert), ServiceSpec("B", CA.cert)])
    first, second = root.findall(f".//{T}TSPService/{T}ServiceInformation")
    # a certificate elsewhere in the service information (an extension) is not its identity
    extension = etree.SubElement(first, T + "ServiceInformationExtensions")
    etree.SubElement(extension, T + "X509Certificate").text = _der(OTHER)
    # nor is a certificate in a DigitalId element other than X509Certificate
    digital_id = first.find(f"{T}ServiceDigitalIdentity/{T}DigitalId")
    etree.SubElement(digital_id, T + "Other").text = _der(OTHER)
    # a service without a digital identity identifies no certificate, whatever else it holds
    second.remove(second.find(T + "ServiceDigitalIdentity"))
    etree.SubElement(second, T + "ServiceInformationExtensions").append(_certificate_element(OTHER))
    empty = etree.SubElement(digital_id.getparent(), T + "DigitalId")
    etree.SubElement(empty, T + "X509Certificate")  # empty: skipped
    doc = parse_trusted_list(root)
    assert [(s.name, s.certificates) for s in doc.services] == [("A", (CA.cert,)), ("B", ())]


def _der(signer: Signer) -> str:
    return base64.b64encode(signer.cert.public_bytes(serialization.Encoding.DER)).decode()


def _certificate_element(signer: Signer) -> object:
    element = etree.Element(T + "X509Certificate")
    element.text = _der(signer)
    return element


def test_comments_the_signature_ignores_do_not_change_what_is_read() -> None:
    # exclusive canonicalization without comments: a comment can be added to a signed list
    # without breaking its signature, so it must not cut or change a value
    spec = ServiceSpec("Qualified e-seal CA", CA.cert)
    root = trusted_list(
        "EU",
        services=[spec],
        pointers=[("https://ec.example/lotl.xml", "EU", OTHER.cert)],
        uris=["https://eur-lex.example/oj"],
    )
    for path in (
        f".//{T}ServiceStatus",
        f".//{T}ServiceName/{T}Name",
        f".//{T}SchemeInformationURI/{T}URI",
        f".//{T}SchemeTerritory",
    ):
        node = root.find(path)
        head, tail = node.text[:5], node.text[5:]
        node.text = head
        comment = etree.Comment(" inserted ")
        comment.tail = tail
        node.insert(0, comment)
    pointer = root.find(f".//{T}OtherTSLPointer/{T}AdditionalInformation")
    pointer.insert(0, etree.Comment(" before the territory and mime type "))
    doc = parse_trusted_list(root)
    assert doc.territory == "EU"
    assert doc.services[0].name == "Qualified e-seal CA"
    assert doc.services[0].status == "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
    assert scheme_uris(root) == ["https://eur-lex.example/oj"]
    assert [(p.territory, p.mime) for p in doc.pointers] == [("EU", "application/vnd.etsi.tsl+xml")]
    assert lotl_signers(doc) == (OTHER.cert,)


def test_pointers_without_mime_type_or_territory() -> None:
    root = trusted_list(
        "EU",
        pointers=[
            ("https://ec.example/lotl.xml", "EU", OTHER.cert),
            ("https://tl.example/cz.xml", "CZ", CA.cert),
        ],
    )
    mine, other = root.findall(f".//{T}OtherTSLPointer")
    for mime in mine.iter("{http://uri.etsi.org/02231/v2/additionaltypes#}MimeType"):
        mime.text = None  # an empty MimeType element reads as no mime type
    for element in other.iter(T + "SchemeTerritory", "{*}MimeType"):
        element.getparent().remove(element)
    doc = parse_trusted_list(root)
    assert [(p.territory, p.mime) for p in doc.pointers] == [("EU", ""), ("", "")]
    # the EU's own pointer with no mime type still names the LOTL signers
    assert lotl_signers(doc) == (OTHER.cert,)
    empty_territory = trusted_list("EU", pointers=[("https://tl.example/cz.xml", "CZ", CA.cert)])
    empty_territory.find(f".//{T}OtherTSLPointer//{T}SchemeTerritory").text = None
    assert [p.territory for p in parse_trusted_list(empty_territory).pointers] == [""]


def test_missing_fields_read_as_empty() -> None:
    root = trusted_list("CZ", services=[ServiceSpec("A", CA.cert)])
    for path in (f"{T}SchemeInformation/{T}SchemeTerritory", f".//{T}ServiceTypeIdentifier"):
        node = root.find(path)
        node.getparent().remove(node)
    doc = parse_trusted_list(root)
    assert (doc.territory, doc.services[0].type) == ("", "")


def test_services_are_only_tsp_service_elements() -> None:
    root = trusted_list("CZ", services=[ServiceSpec("A", CA.cert)])
    services = root.find(f".//{T}TSPServices")
    # an element of another vocabulary holding a ServiceInformation is not a service
    foreign = etree.SubElement(services, "{urn:example:ext}Service")
    foreign.append(etree.fromstring(etree.tostring(root.find(f".//{T}ServiceInformation"))))
    assert [s.name for s in parse_trusted_list(root).services] == ["A"]


def test_the_latest_status_wins_whatever_its_name() -> None:
    # granted again in 2025 after a withdrawal in 2020: "withdrawn" sorts after "granted",
    # the newer time must decide
    service = Service(
        "s",
        "t",
        "p",
        (),
        "granted",
        datetime(2025, 1, 1, tzinfo=UTC),
        (("withdrawn", datetime(2020, 1, 1, tzinfo=UTC)),),
    )
    assert service.status_at(datetime(2026, 1, 1, tzinfo=UTC)) == (
        "granted",
        datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert service.status_at(datetime(2021, 1, 1, tzinfo=UTC)) == (
        "withdrawn",
        datetime(2020, 1, 1, tzinfo=UTC),
    )
