"""Verifying a Trusted List's signature (mcvc.tsl.store) rule by rule: the XML parser is
hardened (no entities, no DTDs, no huge trees), sizes are capped, and exactly one enveloped
signature with one to three references is accepted."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from mcvc.tsl import TrustedListError, verify_signed_list
from mcvc.tsl.store import MAX_LIST_BYTES, _parser

from .tsl_helpers import Signer, sign_list, trusted_list

SIGNER = Signer.new("Test TL signer for the rules")


def _refused(data: bytes, certs: list[object] | None = None) -> tuple[str, str]:
    with pytest.raises(TrustedListError) as caught:
        verify_signed_list(data, [SIGNER.cert] if certs is None else certs, what="tl")  # type: ignore[list-item]
    return caught.value.code, str(caught.value)


def test_the_parser_resolves_no_entity_and_loads_no_dtd(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    external = (f'<!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]><x>&e;</x>').encode()
    root = etree.fromstring(external, _parser())
    assert "TOP-SECRET" not in etree.tostring(root).decode()
    internal = b'<!DOCTYPE x [<!ENTITY e "expanded">]><x>&e;</x>'
    assert "expanded" not in "".join(etree.fromstring(internal, _parser()).itertext())
    dtd = tmp_path / "x.dtd"
    dtd.write_text('<!ENTITY e "from the dtd">')
    with_dtd = f'<!DOCTYPE x SYSTEM "file://{dtd}"><x>&e;</x>'.encode()
    try:
        text = "".join(etree.fromstring(with_dtd, _parser()).itertext())
    except etree.XMLSyntaxError:
        text = ""
    assert "from the dtd" not in text


def test_the_parser_refuses_huge_trees() -> None:
    deep = b"<a>" * 300 + b"</a>" * 300
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(deep, _parser())


def test_size_and_form() -> None:
    code, message = _refused(b" " * (MAX_LIST_BYTES + 1))
    assert (code, message) == ("TSL_FORMAT", f"tl: larger than {MAX_LIST_BYTES} bytes")
    code, message = _refused(b" " * MAX_LIST_BYTES)
    assert code == "TSL_FORMAT" and message.startswith("tl: not XML ("), message
    assert _refused(b"<a>", []) == ("TSL_NOT_PINNED", "tl: no certificate to verify it with")


def test_exactly_one_enveloped_signature_with_one_to_three_references() -> None:
    signed = sign_list(trusted_list("CZ"), SIGNER)
    doc, cert = verify_signed_list(signed, [SIGNER.cert], what="tl")
    assert doc.territory == "CZ" and cert == SIGNER.cert
    unsigned = etree.tostring(trusted_list("CZ"))
    assert _refused(unsigned) == (
        "TSL_SIGNATURE_INVALID",
        "tl: 0 enveloped signatures; exactly one is required",
    )
    root = etree.fromstring(signed)
    dsig = "{http://www.w3.org/2000/09/xmldsig#}"
    signature = root.find(dsig + "Signature")
    root.append(etree.fromstring(etree.tostring(signature)))
    assert _refused(etree.tostring(root)) == (
        "TSL_SIGNATURE_INVALID",
        "tl: 2 enveloped signatures; exactly one is required",
    )
    root = etree.fromstring(signed)
    info = root.find(f"{dsig}Signature/{dsig}SignedInfo")
    reference = info.find(dsig + "Reference")
    for _ in range(3):
        info.append(etree.fromstring(etree.tostring(reference)))
    assert _refused(etree.tostring(root)) == (
        "TSL_SIGNATURE_INVALID",
        "tl: unexpected signature references",
    )
    for extra in info.findall(dsig + "Reference")[1:]:
        info.remove(extra)
    for extra in info.findall(dsig + "Reference"):
        info.remove(extra)
    assert _refused(etree.tostring(root)) == (
        "TSL_SIGNATURE_INVALID",
        "tl: unexpected signature references",
    )


def test_what_is_read_before_the_signature_expands_no_entity() -> None:
    from mcvc.tsl.store import pivot_locations, signing_certificates

    from .tsl_helpers import NS

    der = base64.b64encode(SIGNER.cert.public_bytes(serialization.Encoding.DER)).decode()
    doc = (
        f'<!DOCTYPE TrustServiceStatusList [<!ENTITY p "https://evil.example/pivot.xml">'
        f'<!ENTITY c "{der}">]>'
        f'<TrustServiceStatusList xmlns="{NS}"><SchemeInformation><SchemeInformationURI>'
        f"<URI>https://ec.example/pivot-1.xml</URI><URI>&p;</URI></SchemeInformationURI>"
        f"</SchemeInformation>"
        f'<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyInfo><ds:X509Data>'
        f"<ds:X509Certificate>&c;</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>"
        f"</TrustServiceStatusList>"
    ).encode()
    assert pivot_locations(doc) == ["https://ec.example/pivot-1.xml"]
    assert signing_certificates(doc) == []
    assert pivot_locations(b"<not xml") == [] and signing_certificates(b"<not xml") == []


def test_the_signature_names_its_certificates_skipping_what_is_not_one() -> None:
    from mcvc.tsl.store import signing_certificates

    other = Signer.new("Second TL signer")
    signed = sign_list(trusted_list("CZ"), SIGNER)
    root = etree.fromstring(signed)
    dsig = "{http://www.w3.org/2000/09/xmldsig#}"
    data = root.find(f"{dsig}Signature/{dsig}KeyInfo/{dsig}X509Data")
    data.insert(0, etree.Element(dsig + "X509Certificate"))  # empty
    garbage = etree.Element(dsig + "X509Certificate")
    garbage.text = "bm90IGEgY2VydGlmaWNhdGU="
    data.insert(1, garbage)
    extra = etree.SubElement(data, dsig + "X509Certificate")
    extra.text = base64.b64encode(other.cert.public_bytes(serialization.Encoding.DER)).decode()
    assert signing_certificates(etree.tostring(root)) == [SIGNER.cert, other.cert]


def test_a_list_file_not_signed_or_without_territory(tmp_path: Path) -> None:
    from mcvc.tsl.store import read_trusted_list_file

    from .tsl_helpers import ServiceSpec

    unsigned = etree.tostring(trusted_list("CZ"))
    with pytest.raises(TrustedListError) as caught:
        read_trusted_list_file(unsigned, "tl.xml")
    assert (caught.value.code, str(caught.value)) == (
        "TSL_SIGNATURE_INVALID",
        "tl.xml: not signed (a Trusted List carries an XML signature with its signer's "
        "certificate); give trusted certificates as a PEM bundle instead",
    )
    ca = Signer.new("Test CA without territory")
    root = trusted_list("XX", services=[ServiceSpec("CA", ca.cert)])
    territory = root.find(".//{*}SchemeInformation/{*}SchemeTerritory")
    territory.getparent().remove(territory)
    anchors = read_trusted_list_file(sign_list(root, SIGNER), "tl.xml", [SIGNER.cert])
    assert anchors.source == (
        "the Trusted List tl.xml (no territory, sequence 7, signed by "
        f"{SIGNER.cert.subject.rfc4514_string()})"
    )
    # a list given as a file was not fetched: its services carry no fetch time
    assert [(s.territory, s.fetched) for s in anchors.services.values()] == [("", "")]


def test_a_list_with_a_doctype_is_refused_even_when_its_signature_would_verify() -> None:
    signed = sign_list(trusted_list("CZ"), SIGNER)
    head, body = signed.split(b"?>", 1)
    # the same list with its territory as an internal entity: expanded, the signature holds
    with_entity = (
        head
        + b'?><!DOCTYPE TrustServiceStatusList [<!ENTITY t "CZ">]>'
        + body.replace(b"<SchemeTerritory>CZ<", b"<SchemeTerritory>&t;<", 1)
    )
    assert b"&t;" in with_entity
    assert _refused(with_entity) == ("TSL_FORMAT", "tl: a DOCTYPE, which no Trusted List has")
    with pytest.raises(TrustedListError) as caught:
        verify_signed_list(b"<!DOCTYPE x><x/>", [SIGNER.cert])
    assert str(caught.value) == "trusted list: a DOCTYPE, which no Trusted List has"


def test_what_is_read_is_what_the_root_signature_signs() -> None:
    from signxml import XMLSigner

    from .tsl_helpers import NS, ServiceSpec

    granted = sign_list(trusted_list("CZ", services=[ServiceSpec("CA", SIGNER.cert)]), SIGNER)
    # a wrapper whose own signature is broken, carrying a genuine signed list inside: the
    # genuine signature is not the root's, so nothing is read
    wrapper = trusted_list("XX")
    del wrapper.attrib["Id"]
    extension = etree.SubElement(wrapper.find(f"{{{NS}}}SchemeInformation"), "{urn:x}Extension")
    extension.append(etree.fromstring(granted))
    broken = etree.fromstring(granted).find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    broken.find(".//{http://www.w3.org/2000/09/xmldsig#}SignatureValue").text = "AAAA"
    wrapper.append(broken)
    code, message = _refused(etree.tostring(wrapper))
    assert code == "TSL_SIGNATURE_INVALID" and "does not verify" in message
    # a signature over a part of the list does not make a signed list
    root = trusted_list("CZ")
    root.find(f"{{{NS}}}SchemeInformation").set("Id", "info")
    part = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        root, key=SIGNER.key, cert=[SIGNER.cert], reference_uri="#info"
    )
    assert _refused(etree.tostring(part)) == (
        "TSL_SIGNATURE_INVALID",
        "tl: the signature does not verify with any of the 1 certificates it must be signed "
        "with (changed, or signed by someone else)",
    )


def test_a_signature_with_more_references_reads_the_list_whatever_their_order() -> None:
    # as a XAdES signature covers the list and its signed properties, here the list and a part
    # of it, the part first: the list is what is read
    from signxml import XMLSigner

    from .tsl_helpers import NS

    root = trusted_list("CZ")
    root.find(f"{{{NS}}}SchemeInformation").set("Id", "info")
    signed = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        root, key=SIGNER.key, cert=[SIGNER.cert], reference_uri=["#info", "#tsl"]
    )
    doc, cert = verify_signed_list(etree.tostring(signed), [SIGNER.cert])
    assert (doc.territory, cert) == ("CZ", SIGNER.cert)
    three = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        root, key=SIGNER.key, cert=[SIGNER.cert], reference_uri=["#info", "#info", "#tsl"]
    )
    assert verify_signed_list(etree.tostring(three), [SIGNER.cert])[0].territory == "CZ"


def test_the_key_info_of_a_list_does_not_decide_who_signed_it() -> None:
    other = Signer.new("Not the signer of this list")
    root = etree.fromstring(sign_list(trusted_list("CZ"), SIGNER))
    dsig = "{http://www.w3.org/2000/09/xmldsig#}"
    carried = root.find(f"{dsig}Signature/{dsig}KeyInfo/{dsig}X509Data/{dsig}X509Certificate")
    carried.text = base64.b64encode(other.cert.public_bytes(serialization.Encoding.DER)).decode()
    doc, cert = verify_signed_list(etree.tostring(root), [other.cert, SIGNER.cert])
    assert (doc.territory, cert) == ("CZ", SIGNER.cert)
    # a KeyValue added beside the X509Data (outside what is signed) changes nothing either
    key_info = root.find(f"{dsig}Signature/{dsig}KeyInfo")
    value = etree.SubElement(etree.SubElement(key_info, dsig + "KeyValue"), dsig + "RSAKeyValue")
    etree.SubElement(value, dsig + "Modulus").text = "AQAB"
    etree.SubElement(value, dsig + "Exponent").text = "AQAB"
    doc, cert = verify_signed_list(etree.tostring(root), [SIGNER.cert])
    assert (doc.territory, cert) == ("CZ", SIGNER.cert)


def test_a_signed_list_that_does_not_read_is_a_format_error() -> None:
    root = trusted_list("CZ")
    root.remove(root.find("{*}SchemeInformation"))
    assert _refused(sign_list(root, SIGNER)) == (
        "TSL_FORMAT",
        "tl: the list has no SchemeInformation",
    )
