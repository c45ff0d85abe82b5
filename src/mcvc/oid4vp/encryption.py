"""Encrypted authorization responses (OpenID4VP 1.0 section 8.3, response mode
``direct_post.jwt``): the wallet encrypts its answer to a key the verifier made for that one
request, so the learner's personal data never sit in clear in a proxy's or a load balancer's
logs.

The key is P-256 with ``alg`` ``ECDH-ES`` (what HAIP asks of every wallet and verifier), the
content encryption ``A128GCM`` (the specification's default) or ``A256GCM``. jwcrypto does the
cryptography; the header is judged here first, because jwcrypto would otherwise accept what the
request did not offer: a ``zip`` header (a small token that inflates without bound), key
wrapping algorithms, or another key's ``kid``.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from jwcrypto import jwe, jwk
from jwcrypto.common import JWException

from ..errors import McvcError
from ..jsontext import parse_json
from ..multibase import b64url_decode

__all__ = ["ENC_VALUES", "EncryptedResponseError", "decrypt_response", "new_response_key"]

ALG = "ECDH-ES"
ENC_VALUES = ("A128GCM", "A256GCM")
MAX_RESPONSE = 4 * 1024 * 1024
"""Characters of a ``response`` JWE; the form it comes in is capped by the service too."""

_HEADER_NAMES = {"alg", "enc", "kid", "epk", "apu", "apv", "typ", "cty"}


class EncryptedResponseError(ValueError):
    """A ``response`` JWE the verifier does not decrypt; the message says why."""


def new_response_key() -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh P-256 key for one request: (public JWK for ``client_metadata.jwks``,
    private JWK kept until the answer arrives)."""
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    kid = secrets.token_urlsafe(12)
    extra = {"kid": kid, "use": "enc", "alg": ALG}
    public: dict[str, Any] = {**json.loads(key.export_public()), **extra}
    private: dict[str, Any] = {**json.loads(key.export_private()), **extra}
    return public, private


def _header(token: str) -> dict[str, Any]:
    try:
        header = parse_json(b64url_decode(token.split(".", 1)[0]))
    except McvcError as exc:
        raise EncryptedResponseError(f"the JWE header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise EncryptedResponseError("the JWE header is not a JSON object")
    return header


def decrypt_response(
    token: Any, private_jwk: dict[str, Any], enc_values: tuple[str, ...] = ENC_VALUES
) -> dict[str, Any]:
    """The authorization response parameters inside a ``direct_post.jwt`` ``response``.

    Raises :class:`EncryptedResponseError` for anything but a compact JWE made with
    ``ECDH-ES`` to this key (``kid`` as published), an offered ``enc``, no compression and no
    critical extension, whose plaintext is a JSON object."""
    if not isinstance(token, str) or not token:
        raise EncryptedResponseError("response must be a compact JWE")
    if len(token) > MAX_RESPONSE:
        raise EncryptedResponseError(f"response is over {MAX_RESPONSE} characters")
    parts = token.split(".")
    if len(parts) != 5:
        raise EncryptedResponseError("response must be a compact JWE (five parts)")
    if parts[1]:
        raise EncryptedResponseError("an ECDH-ES JWE has an empty encrypted key")
    header = _header(token)
    unknown = sorted(set(header) - _HEADER_NAMES)
    if unknown:
        # zip (compression), crit and key-wrapping parameters were not offered
        raise EncryptedResponseError(f"JWE header parameter {unknown[0]!r} is not accepted")
    if header.get("alg") != ALG:
        raise EncryptedResponseError(f"JWE alg must be {ALG}, not {header.get('alg')!r}")
    if header.get("enc") not in enc_values:
        raise EncryptedResponseError(
            f"JWE enc must be one of {', '.join(enc_values)}, not {header.get('enc')!r}"
        )
    if header.get("kid") != private_jwk.get("kid"):
        raise EncryptedResponseError("JWE kid is not the key this request published")
    epk = header.get("epk")
    if not isinstance(epk, dict) or epk.get("kty") != "EC" or epk.get("crv") != "P-256":
        raise EncryptedResponseError("JWE epk must be a P-256 public key")
    if "d" in epk:
        raise EncryptedResponseError("JWE epk must not carry a private key")
    try:
        box = jwe.JWE(algs=[ALG, header["enc"]])
        box.deserialize(token, jwk.JWK(**private_jwk))
        plaintext = box.payload
    except (JWException, ValueError, TypeError) as exc:
        # jwcrypto's own errors and cryptography's (an epk off the curve, a wrong tag)
        raise EncryptedResponseError(
            f"the response does not decrypt with this request's key: {exc}"
        ) from None
    try:
        payload = parse_json(plaintext)
    except McvcError as exc:
        raise EncryptedResponseError(f"the decrypted response is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise EncryptedResponseError("the decrypted response is not a JSON object")
    return payload
