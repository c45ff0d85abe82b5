"""Who the verifier is to a wallet: the Client Identifier and the JOSE header members that let
the wallet check a request object's signature against it (OpenID4VP 1.0 section 5.9.3).

- ``decentralized_identifier``: the verifier's DID; the header's ``kid`` names its key.
- ``x509_hash``: the base64url SHA-256 of the leaf certificate (DER); the header's ``x5c``
  carries the chain. What the EU's high-assurance profile (HAIP) has wallets accept, with the
  relying-party access certificates of the EUDI Wallet framework.
- ``x509_san_dns``: a DNS name of the leaf certificate, which must also be the host of the
  response URI.

The checks here run when the verifier is configured, so a wrong certificate stops the
service from starting instead of making every request one that wallets refuse.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from ..keys import KeyPair
from ..multibase import b64url_encode

__all__ = ["CLIENT_ID_PREFIXES", "ClientIdentity", "client_identity", "load_certificates"]

CLIENT_ID_PREFIXES = ("decentralized_identifier", "x509_hash", "x509_san_dns")


@dataclass(frozen=True)
class ClientIdentity:
    client_id: str
    header: dict[str, Any] = field(default_factory=dict)
    """JOSE header members of the request object that name the signing key."""


def load_certificates(data: bytes) -> list[x509.Certificate]:
    """A PEM chain, leaf first; ValueError when there is none."""
    certificates = x509.load_pem_x509_certificates(data)
    if not certificates:
        raise ValueError("no certificate in the file")
    return certificates


def _spki(public_key: Any) -> bytes:
    return bytes(
        public_key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _check_chain(key: KeyPair, chain: Sequence[x509.Certificate], now: datetime) -> None:
    leaf = chain[0]
    if _spki(leaf.public_key()) != _spki(key.public_key):
        raise ValueError("the leaf certificate is not for the verifier's key")
    for position, cert in enumerate(chain):
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise ValueError(
                f"certificate {position + 1} of the chain is not valid now (valid "
                f"{cert.not_valid_before_utc.isoformat()} to {cert.not_valid_after_utc.isoformat()})"
            )
    for position, (cert, issuer) in enumerate(itertools.pairwise(chain)):
        try:
            cert.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError) as exc:
            # a wrong signature, another issuer name or an unsupported key type
            raise ValueError(
                f"certificate {position + 1} of the chain is not issued by the next one: "
                f"{type(exc).__name__}"
            ) from None


def client_identity(
    key: KeyPair,
    prefix: str,
    *,
    certificates: Sequence[x509.Certificate] = (),
    base_url: str,
    now: datetime,
) -> ClientIdentity:
    """The Client Identifier for ``prefix``; ValueError when the key, the certificates and the
    service's URL do not support it."""
    if prefix not in CLIENT_ID_PREFIXES:
        raise ValueError(f"client_id_prefix is one of {', '.join(CLIENT_ID_PREFIXES)}")
    if prefix == "decentralized_identifier":
        if certificates:
            raise ValueError("a certificate is used with the x509_hash and x509_san_dns prefixes")
        return ClientIdentity(
            f"decentralized_identifier:{key.controller_id}", {"kid": key.verification_method}
        )
    if not certificates:
        raise ValueError(f"the {prefix} prefix needs the verifier's certificate")
    _check_chain(key, certificates, now)
    leaf = certificates[0]
    der = leaf.public_bytes(serialization.Encoding.DER)
    header = {
        "x5c": [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in certificates
        ]
    }
    if prefix == "x509_hash":
        return ClientIdentity(f"x509_hash:{b64url_encode(hashlib.sha256(der).digest())}", header)
    host = (urlsplit(base_url).hostname or "").lower()
    try:
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = [n.lower() for n in names.get_values_for_type(x509.DNSName)]
    except x509.ExtensionNotFound:
        dns = []
    if not host or host not in dns:
        raise ValueError(
            f"x509_san_dns: the service's host {host!r} is not a DNS name of the certificate "
            f"({', '.join(dns) or 'it has none'})"
        )
    return ClientIdentity(f"x509_san_dns:{host}", header)
