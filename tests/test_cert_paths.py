"""Certificate paths of seals (mcvc.jades.certs.build_path) rule by rule, on chains built here:
only CA certificates issue, every link is signature-checked, a same-named impostor does not
stop the search, and a path longer than the bound is never trusted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mcvc.jades.certs import TrustAnchors, build_path, subject_summary

WHEN = datetime(2026, 6, 1, tzinfo=UTC)
START = datetime(2025, 1, 1, tzinfo=UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


class Node:
    def __init__(
        self,
        cn: str,
        parent: Node | None = None,
        *,
        ca: bool | None = True,
        start: datetime = START,
        issuer_name: str | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> None:
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(cn))
            .issuer_name(
                _name(issuer_name)
                if issuer_name
                else (parent.cert.subject if parent else _name(cn))
            )
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + timedelta(days=3650))
        )
        if ca is not None:
            builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
        self.cert = builder.sign(parent.key if parent else self.key, hashes.SHA256())


def _trusted(leaf: Node, pool: list[Node], anchors: list[Node]) -> tuple[bool, int, str]:
    found = build_path(
        leaf.cert, [n.cert for n in pool], TrustAnchors(tuple(a.cert for a in anchors)), WHEN
    )
    return (found.trusted, len(found.path), found.reason)


def test_a_chain_to_an_anchor_is_trusted_with_its_whole_path() -> None:
    root = Node("root")
    mid = Node("mid", root)
    leaf = Node("leaf", mid, ca=False)
    assert _trusted(leaf, [mid], [root]) == (True, 3, "")
    found = build_path(leaf.cert, [mid.cert], TrustAnchors((root.cert,)), WHEN)
    assert found.path == [leaf.cert, mid.cert, root.cert]


def test_no_anchors_trusts_nothing() -> None:
    leaf = Node("leaf", ca=False)
    found = build_path(leaf.cert, [], TrustAnchors(), WHEN)
    assert (found.trusted, found.path, found.reason) == (
        False,
        [leaf.cert],
        "no trust anchors were given",
    )


@pytest.mark.parametrize("ca", [False, None])
def test_only_a_ca_certificate_issues(ca: bool | None) -> None:
    root = Node("root")
    not_a_ca = Node("mid", root, ca=ca)
    leaf = Node("leaf", not_a_ca, ca=False)
    assert _trusted(leaf, [not_a_ca], [root]) == (
        False,
        1,
        "no trusted issuer found for CN=leaf",
    )


def test_a_same_named_impostor_does_not_hide_the_real_issuer() -> None:
    root = Node("root")
    mid = Node("mid", root)
    leaf = Node("leaf", mid, ca=False)
    impostor = Node("mid", root)  # same name, another key: the leaf's signature fails on it
    not_ca = Node("mid", root, ca=False)  # same name, not a CA
    assert _trusted(leaf, [impostor, mid], [root])[:2] == (True, 3)
    assert _trusted(leaf, [not_ca, mid], [root])[:2] == (True, 3)
    # the same name and key as mid, but not a CA: the leaf verifies against it, yet it may
    # not issue, so the search goes on to mid
    twin = Node("mid", root, ca=False, key=mid.key)
    assert _trusted(leaf, [twin, mid], [root])[:2] == (True, 3)
    assert _trusted(leaf, [twin], [root]) == (False, 1, "no trusted issuer found for CN=leaf")


def test_a_certificate_is_not_its_own_issuer() -> None:
    root = Node("root")
    lone = Node("lone")  # self-signed, not an anchor
    assert _trusted(lone, [lone], [root]) == (False, 1, "no trusted issuer found for CN=lone")


def test_an_issuer_not_valid_at_the_signing_time_breaks_the_path() -> None:
    root = Node("root")
    late = Node("mid", root, start=WHEN + timedelta(days=1))
    leaf = Node("leaf", late, ca=False)
    assert _trusted(leaf, [late], [root]) == (
        False,
        1,
        "issuer CN=mid was not valid at the signing time",
    )


def test_a_path_longer_than_eight_certificates_is_never_trusted() -> None:
    chain = [Node("ca-0")]
    for i in range(1, 8):
        chain.append(Node(f"ca-{i}", chain[-1]))
    leaf = Node("leaf", chain[-1], ca=False)
    # leaf, seven intermediates and the anchor: nine certificates
    assert _trusted(leaf, chain[1:], [chain[0]]) == (False, 9, "certificate path too long")
    short = chain[:7]
    leaf = Node("leaf", short[-1], ca=False)
    assert _trusted(leaf, short[1:], [short[0]]) == (True, 8, "")


def test_the_subject_summary_names_every_field() -> None:
    root = Node("root")
    summary = subject_summary(root.cert)
    assert summary == {
        "organization": "",
        "common_name": "root",
        "organization_identifier": "",
        "country": "",
        "issuer": "CN=root",
        "serial": format(root.cert.serial_number, "x"),
        "not_before": START.isoformat(),
        "not_after": (START + timedelta(days=3650)).isoformat(),
    }


def test_anchors_merge_certificates_and_services_and_load_pem(tmp_path: object) -> None:
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization

    one, two = Node("one"), Node("two")
    first = TrustAnchors((one.cert,), "a", {b"1": "first", b"2": "first"})
    second = TrustAnchors((two.cert,), "b", {b"2": "second", b"3": "second"})
    merged = first.merged(second)
    assert merged.certificates == (one.cert, two.cert) and merged.source == "a; b"
    assert merged.services == {b"1": "first", b"2": "first", b"3": "second"}
    path = Path(str(tmp_path)) / "anchors.pem"
    path.write_bytes(b"\n  " + one.cert.public_bytes(serialization.Encoding.PEM))
    loaded = TrustAnchors.load(path)
    assert loaded.certificates == (one.cert,) and loaded.source == str(path)
    assert TrustAnchors.from_pem(one.cert.public_bytes(serialization.Encoding.PEM)).source == ""


# --- QcStatements (ETSI EN 319 412-5) read from the certificate --------------------------


def _der(tag: int, body: bytes) -> bytes:
    size = len(body)
    length = bytes([size]) if size < 128 else bytes([0x81, size])
    return bytes([tag]) + length + body


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(p) for p in dotted.split("."))
    out = bytearray([first * 40 + second])
    for value in rest:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        out.extend(reversed(chunk))
    return _der(0x06, bytes(out))


def _with_statements(*statements: bytes) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    value = _der(0x30, b"".join(statements))
    ext = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"), value)
    return (
        x509.CertificateBuilder()
        .subject_name(_name("seal"))
        .issuer_name(_name("seal"))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=1))
        .add_extension(ext, critical=False)
        .sign(key, hashes.SHA256())
    )


COMPLIANCE = _der(0x30, _oid("0.4.0.1862.1.1"))
SSCD = _der(0x30, _oid("0.4.0.1862.1.4"))
ESEAL = _der(0x30, _oid("0.4.0.1862.1.6") + _der(0x30, _oid("0.4.0.1862.1.6.2")))


def test_qc_statements_are_read_whole() -> None:
    from mcvc.jades.certs import QcInfo, qc_statements

    assert qc_statements(_with_statements(COMPLIANCE, SSCD, ESEAL)) == QcInfo(
        True, True, ("0.4.0.1862.1.6.2",)
    )
    assert qc_statements(_with_statements(COMPLIANCE)) == QcInfo(True, False, ())
    assert qc_statements(_with_statements(SSCD)) == QcInfo(False, True, ())
    # a statement that is not an OID, an empty one, a QcType without types: skipped, not fatal
    odd = _der(0x30, _der(0x02, b"\x01"))
    empty = _der(0x30, b"")
    bare_type = _der(0x30, _oid("0.4.0.1862.1.6"))
    assert qc_statements(_with_statements(odd, empty, bare_type, COMPLIANCE, ESEAL)) == QcInfo(
        True, False, ("0.4.0.1862.1.6.2",)
    )
    assert qc_statements(Node("plain").cert) == QcInfo()
    broken = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"), b"\x30\x05")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("x"))
        .issuer_name(_name("x"))
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=1))
        .add_extension(broken, critical=False)
        .sign(key, hashes.SHA256())
    )
    assert qc_statements(cert) == QcInfo()


def test_what_a_certificate_declares_is_worded_as_a_declaration() -> None:
    from mcvc.jades.certs import QC_TYPE_ESEAL, QcInfo

    assert QcInfo(True, True, (QC_TYPE_ESEAL,)).describe() == (
        "the certificate declares itself a qualified e-seal certificate on a QSCD "
        "(a Trusted List must confirm it)"
    )
    assert QcInfo(True, False, (QC_TYPE_ESEAL,)).describe() == (
        "the certificate declares itself a qualified e-seal certificate "
        "(a Trusted List must confirm it)"
    )
    assert QcInfo(True, True, ()).describe() == (
        "the certificate declares itself qualified, but not as an e-seal"
    )
    assert QcInfo(False, True, (QC_TYPE_ESEAL,)).describe() == (
        "an advanced (not qualified) seal certificate"
    )


def test_a_trusted_list_file_is_told_from_pem_after_leading_white_space(tmp_path: object) -> None:
    from pathlib import Path

    from lxml import etree

    from mcvc.tsl import TrustedListError

    from .tsl_helpers import trusted_list

    path = Path(str(tmp_path)) / "tl.xml"
    path.write_bytes(b"\n  " + etree.tostring(trusted_list("CZ")))
    with pytest.raises(TrustedListError) as caught:
        TrustAnchors.load(path)
    assert "not signed" in str(caught.value)
    with pytest.raises(TrustedListError) as caught:
        TrustAnchors.from_trusted_list(etree.tostring(trusted_list("CZ")))
    assert str(caught.value).startswith("trusted list: not signed")
