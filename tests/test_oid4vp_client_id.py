"""The verifier's Client Identifier (OpenID4VP 1.0 section 5.9.3): a DID, or an X.509
certificate named by its hash (``x509_hash``) or by a DNS name (``x509_san_dns``), and the
request object signed so that a wallet can check it against that identifier."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jwcrypto import jwk, jws
from sqlalchemy import create_engine

from mcvc import generate_key
from mcvc.keys import KeyPair
from mcvc.multibase import b64url_decode, b64url_encode
from mcvc.oid4vp.client_id import client_identity, load_certificates
from mcvc.oid4vp.verifier import RequestBook, VerifierRequests

from .conftest import NOW
from .test_oid4vp_requests import Clock, answers, ldp_query, vp

KEY = generate_key("p256")
BASE = "https://admissions.uni.example"
CA_KEY = ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


CA = (
    x509.CertificateBuilder()
    .subject_name(_name("Relying party access CA"))
    .issuer_name(_name("Relying party access CA"))
    .public_key(CA_KEY.public_key())
    .serial_number(1)
    .not_valid_before(NOW - timedelta(days=400))
    .not_valid_after(NOW + timedelta(days=4000))
    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    .sign(CA_KEY, hashes.SHA256())
)


def leaf(
    key: KeyPair = KEY,
    *,
    dns: tuple[str, ...] = ("admissions.uni.example",),
    start: datetime = NOW - timedelta(days=1),
    end: datetime = NOW + timedelta(days=365),
    signer: Any = CA_KEY,
) -> x509.Certificate:
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name("Admissions office"))
        .issuer_name(CA.subject)
        .public_key(key.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
    )
    if dns:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_a_did_names_the_key_by_kid() -> None:
    made = client_identity(KEY, "decentralized_identifier", base_url=BASE, now=NOW)
    assert made.client_id == f"decentralized_identifier:{KEY.did_key}"
    assert made.header == {"kid": KEY.verification_method}
    with pytest.raises(ValueError, match="used with the x509_hash and x509_san_dns"):
        client_identity(
            KEY, "decentralized_identifier", certificates=[leaf()], base_url=BASE, now=NOW
        )


def test_x509_hash_is_the_leaf_hash_and_the_chain_travels_in_x5c() -> None:
    chain = [leaf(), CA]
    made = client_identity(KEY, "x509_hash", certificates=chain, base_url=BASE, now=NOW)
    digest = hashlib.sha256(_der(chain[0])).digest()
    assert made.client_id == "x509_hash:" + b64url_encode(digest)
    assert "=" not in made.client_id and "+" not in made.client_id
    # x5c is standard base64 of DER (RFC 7515 4.1.6), leaf first
    assert made.header == {"x5c": [base64.b64encode(_der(c)).decode() for c in chain]}
    assert "kid" not in made.header
    # the leaf alone is a chain too (the wallet knows the CA)
    alone = client_identity(KEY, "x509_hash", certificates=chain[:1], base_url=BASE, now=NOW)
    assert alone.client_id == made.client_id and len(alone.header["x5c"]) == 1


def test_x509_san_dns_is_the_service_host() -> None:
    made_leaf = leaf(dns=("other.example", "ADMISSIONS.uni.example"))
    made = client_identity(
        KEY,
        "x509_san_dns",
        certificates=[made_leaf],
        base_url="https://Admissions.Uni.Example:8443/path",
        now=NOW,
    )
    assert made.client_id == "x509_san_dns:admissions.uni.example"
    assert made.header == {"x5c": [base64.b64encode(_der(made_leaf)).decode()]}
    with pytest.raises(ValueError, match=r"host 'elsewhere.example' is not a DNS name .*\(adm"):
        client_identity(
            KEY,
            "x509_san_dns",
            certificates=[leaf()],
            base_url="https://elsewhere.example",
            now=NOW,
        )
    with pytest.raises(ValueError, match="it has none"):
        client_identity(KEY, "x509_san_dns", certificates=[leaf(dns=())], base_url=BASE, now=NOW)
    with pytest.raises(ValueError, match="host '' is not"):
        client_identity(KEY, "x509_san_dns", certificates=[leaf()], base_url="urn:x", now=NOW)


@pytest.mark.parametrize(
    ("chain", "message"),
    [
        ([], "the x509_hash prefix needs the verifier's certificate"),
        ([leaf(generate_key("p256"))], "not for the verifier's key"),
        ([leaf(start=NOW + timedelta(seconds=1))], "certificate 1 of the chain is not valid now"),
        ([leaf(end=NOW - timedelta(seconds=1))], "certificate 1 of the chain is not valid now"),
        ([leaf(), leaf()], "certificate 1 of the chain is not issued by the next one"),
        (
            [leaf(signer=ec.generate_private_key(ec.SECP256R1())), CA],
            "certificate 1 of the chain is not issued by the next one: InvalidSignature",
        ),
    ],
)
def test_what_a_certificate_must_be(chain: list[x509.Certificate], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        client_identity(KEY, "x509_hash", certificates=chain, base_url=BASE, now=NOW)


def test_validity_is_inclusive_and_counts_every_certificate() -> None:
    exact = [leaf(start=NOW, end=NOW)]
    assert client_identity(KEY, "x509_hash", certificates=exact, base_url=BASE, now=NOW)
    old_ca = CA_KEY
    expired_ca = (
        x509.CertificateBuilder()
        .subject_name(CA.subject)
        .issuer_name(CA.subject)
        .public_key(old_ca.public_key())
        .serial_number(2)
        .not_valid_before(NOW - timedelta(days=10))
        .not_valid_after(NOW - timedelta(days=1))
        .sign(old_ca, hashes.SHA256())
    )
    with pytest.raises(ValueError, match="certificate 2 of the chain is not valid now"):
        client_identity(KEY, "x509_hash", certificates=[leaf(), expired_ca], base_url=BASE, now=NOW)


def test_unknown_prefixes_and_files() -> None:
    with pytest.raises(ValueError, match="client_id_prefix is one of"):
        client_identity(KEY, "redirect_uri", base_url=BASE, now=NOW)
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf(), CA))
    assert [c.subject for c in load_certificates(pem)] == [_name("Admissions office"), CA.subject]
    with pytest.raises(ValueError):
        load_certificates(b"not a certificate")


@pytest.fixture
def verifier(tmp_path: Path) -> Iterator[VerifierRequests]:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    yield VerifierRequests(
        RequestBook(engine),
        KEY,
        base_url=BASE,
        clock=Clock(NOW),
        name="Admissions",
        client_id_prefix="x509_hash",
        certificates=[leaf(), CA],
    )
    engine.dispose()


def test_a_request_signed_under_a_certificate(verifier: VerifierRequests) -> None:
    made = verifier.create(ldp_query())
    client_id = "x509_hash:" + b64url_encode(hashlib.sha256(_der(leaf_of(verifier))).digest())
    assert made["clientId"] == client_id == verifier.client_id
    assert made["authorizationRequest"].startswith("openid4vp://?client_id=x509_hash%3A")
    compact = verifier.request_object(made["requestId"])
    assert compact is not None
    header = json.loads(b64url_decode(compact.split(".")[0]))
    assert header["alg"] == "ES256" and header["typ"] == "oauth-authz-req+jwt"
    assert "kid" not in header
    # as a wallet checks it: the signature with the x5c leaf's key, the leaf's hash the id
    cert = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    token = jws.JWS()
    token.deserialize(compact)
    token.verify(jwk.JWK.from_pyca(cert.public_key()))
    claims = json.loads(token.payload)
    assert claims["client_id"] == client_id
    assert client_id == "x509_hash:" + b64url_encode(hashlib.sha256(_der(cert)).digest())
    # presentations are bound to this identifier
    stored = verifier.book.get(made["requestId"])
    assert stored is not None
    ok = answers()
    verifier.respond(
        made["requestId"], {"state": stored.state, "vp_token": json.dumps({"mc": [vp()]})}, ok
    )
    assert ok.seen[0][2] == client_id


def leaf_of(v: VerifierRequests) -> x509.Certificate:
    return x509.load_der_x509_certificate(base64.b64decode(v.identity.header["x5c"][0]))
