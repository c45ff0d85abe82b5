"""Verifying a Trusted List's signature (mcvc.tsl.store) rule by rule: the XML parser is
hardened (no entities, no DTDs, no huge trees), sizes are capped, and exactly one enveloped
signature with one or two references is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_exactly_one_enveloped_signature_with_one_or_two_references() -> None:
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
    for _ in range(2):
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
