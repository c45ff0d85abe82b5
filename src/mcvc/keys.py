"""Key pairs for Data Integrity: Ed25519, P-256, P-384 as Multikey or JWK.

A :class:`KeyPair` signs and verifies raw bytes the way the cryptosuites need them (Ed25519
signatures, ECDSA as IEEE P1363 ``r||s``). Public keys from outside pass the checks the
``cryptography`` package leaves out: Ed25519 small-order and non-canonical points are refused
before any signature is checked.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from .errors import KeyFormatError
from .multibase import b64url_decode, b64url_encode, multibase_decode, multibase_encode

__all__ = [
    "KeyKind",
    "KeyPair",
    "generate_key",
    "key_from_public",
    "load_key",
    "public_key_from_multibase",
]

KeyKind = Literal["ed25519", "p256", "p384"]

_PUB_HEADERS: dict[bytes, KeyKind] = {
    b"\xed\x01": "ed25519",
    b"\x80\x24": "p256",
    b"\x81\x24": "p384",
}
_PRIV_HEADERS: dict[bytes, KeyKind] = {
    b"\x80\x26": "ed25519",
    b"\x86\x26": "p256",
    b"\x87\x26": "p384",
}
_KNOWN_OTHER = {b"\xec\x01": "X25519", b"\xe7\x01": "secp256k1", b"\x85\x24": "RSA"}
_PUB_LEN = {"ed25519": 32, "p256": 33, "p384": 49}
_CURVES: dict[str, ec.EllipticCurve] = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1()}
_HASHES: dict[str, hashes.HashAlgorithm] = {"p256": hashes.SHA256(), "p384": hashes.SHA384()}
_COORD = {"p256": 32, "p384": 48}
_ORDER = {
    "p256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "p384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}
_JWK_CRV = {"ed25519": "Ed25519", "p256": "P-256", "p384": "P-384"}

_ED25519_P = 2**255 - 19
# y-coordinates of the eight points of small order (order 1, 2, 4 and 8); with the sign bit
# cleared every encoding of such a point has one of these y values.
_ED25519_SMALL_ORDER_Y = {
    0,
    1,
    _ED25519_P - 1,
    0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826,
    0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7,
}

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def _check_ed25519_point(raw: bytes) -> None:
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= _ED25519_P:
        raise KeyFormatError(
            "Ed25519 public key is not canonically encoded", code="INVALID_PUBLIC_KEY"
        )
    if y in _ED25519_SMALL_ORDER_Y:
        raise KeyFormatError(
            "Ed25519 public key is a point of small order", code="INVALID_PUBLIC_KEY"
        )


def _public_from_raw(kind: KeyKind, raw: bytes) -> PublicKey:
    if len(raw) != _PUB_LEN[kind]:
        raise KeyFormatError(
            f"{kind} public key must be {_PUB_LEN[kind]} bytes, got {len(raw)}",
            code="INVALID_PUBLIC_KEY",
        )
    if kind == "ed25519":
        _check_ed25519_point(raw)
        return ed25519.Ed25519PublicKey.from_public_bytes(raw)
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[kind], raw)
    except ValueError as exc:
        raise KeyFormatError(
            f"{kind} public key is not a curve point: {exc}", code="INVALID_PUBLIC_KEY"
        ) from None


def public_key_from_multibase(value: str) -> tuple[KeyKind, PublicKey]:
    """Decode a Multikey ``publicKeyMultibase`` (base58btc only, as the suites require)."""
    data = multibase_decode(value, allowed="z")
    header = data[:2]
    kind = _PUB_HEADERS.get(header)
    if kind is None:
        other = _KNOWN_OTHER.get(header)
        what = f"a {other} key" if other else f"unknown multicodec 0x{header.hex()}"
        raise KeyFormatError(f"publicKeyMultibase is {what}", code="INVALID_PUBLIC_KEY")
    return kind, _public_from_raw(kind, data[2:])


def _raw_public(kind: KeyKind, key: PublicKey) -> bytes:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


_PUB_HEADER_OF = {v: k for k, v in _PUB_HEADERS.items()}
_PRIV_HEADER_OF = {v: k for k, v in _PRIV_HEADERS.items()}


@dataclass(frozen=True)
class KeyPair:
    """A public key with an optional private key, its verification method id and controller."""

    kind: KeyKind
    public_key: PublicKey
    private_key: PrivateKey | None = field(default=None, repr=False)
    id: str = ""
    controller: str = ""

    @property
    def algorithm(self) -> str:
        return {"ed25519": "Ed25519", "p256": "P-256", "p384": "P-384"}[self.kind]

    @property
    def public_key_multibase(self) -> str:
        return multibase_encode(_PUB_HEADER_OF[self.kind] + _raw_public(self.kind, self.public_key))

    @property
    def did_key(self) -> str:
        return "did:key:" + self.public_key_multibase

    def with_id(self, id: str, controller: str) -> KeyPair:
        return KeyPair(self.kind, self.public_key, self.private_key, id, controller)

    @property
    def verification_method(self) -> str:
        return self.id or f"{self.did_key}#{self.public_key_multibase}"

    @property
    def controller_id(self) -> str:
        return self.controller or self.verification_method.split("#", 1)[0]

    def public_jwk(self) -> dict[str, str]:
        raw = _raw_public(self.kind, self.public_key)
        if self.kind == "ed25519":
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
        assert isinstance(self.public_key, ec.EllipticCurvePublicKey)
        nums = self.public_key.public_numbers()
        size = _COORD[self.kind]
        return {
            "kty": "EC",
            "crv": _JWK_CRV[self.kind],
            "x": b64url_encode(nums.x.to_bytes(size, "big")),
            "y": b64url_encode(nums.y.to_bytes(size, "big")),
        }

    def _private_raw(self) -> bytes:
        if self.private_key is None:
            raise KeyFormatError("this key has no private part")
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return self.private_key.private_bytes(
                serialization.Encoding.Raw,
                serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        return self.private_key.private_numbers().private_value.to_bytes(_COORD[self.kind], "big")

    def to_multikey(self, *, include_private: bool = False) -> dict[str, str]:
        out = {
            "id": self.verification_method,
            "type": "Multikey",
            "controller": self.controller_id,
            "publicKeyMultibase": self.public_key_multibase,
        }
        if include_private:
            out["secretKeyMultibase"] = multibase_encode(
                _PRIV_HEADER_OF[self.kind] + self._private_raw()
            )
        return out

    def sign(self, data: bytes) -> bytes:
        """Ed25519 signature, or ECDSA as P1363 ``r||s`` with low S."""
        if self.private_key is None:
            raise KeyFormatError("cannot sign: this key has no private part")
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            return self.private_key.sign(data)
        der = self.private_key.sign(data, ec.ECDSA(_HASHES[self.kind]))
        r, s = decode_dss_signature(der)
        order = _ORDER[self.kind]
        if s > order // 2:
            s = order - s
        size = _COORD[self.kind]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise ``cryptography.exceptions.InvalidSignature`` unless the signature is valid."""
        if isinstance(self.public_key, ed25519.Ed25519PublicKey):
            if len(signature) != 64:
                raise InvalidSignature(f"Ed25519 signature must be 64 bytes, got {len(signature)}")
            self.public_key.verify(signature, data)
            return
        size = _COORD[self.kind]
        if len(signature) != 2 * size:
            raise InvalidSignature(
                f"{self.algorithm} signature must be {2 * size} bytes (IEEE P1363 r||s), "
                f"got {len(signature)}"
            )
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        order = _ORDER[self.kind]
        if not (0 < r < order and 0 < s < order):
            raise InvalidSignature("ECDSA r or s out of range")
        self.public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_HASHES[self.kind]))


def generate_key(kind: KeyKind = "ed25519") -> KeyPair:
    """A fresh key pair; its verification method is the did:key of the public key."""
    private: PrivateKey
    if kind == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    elif kind in _CURVES:
        private = ec.generate_private_key(_CURVES[kind])
    else:
        raise ValueError(f"unknown key type {kind!r}: use ed25519, p256 or p384")
    return KeyPair(kind, private.public_key(), private)


def _private_from_raw(kind: KeyKind, raw: bytes) -> PrivateKey:
    if kind == "ed25519":
        if len(raw) != 32:
            raise KeyFormatError(f"Ed25519 secret key must be 32 bytes, got {len(raw)}")
        return ed25519.Ed25519PrivateKey.from_private_bytes(raw)
    if len(raw) != _COORD[kind]:
        raise KeyFormatError(f"{kind} secret key must be {_COORD[kind]} bytes, got {len(raw)}")
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), _CURVES[kind])
    except ValueError as exc:
        raise KeyFormatError(f"{kind} secret key out of range: {exc}") from None


def _same_public(a: PublicKey, b: PublicKey) -> bool:
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_bytes(*fmt) == b.public_bytes(*fmt)


def _from_multikey(doc: dict[str, Any]) -> KeyPair:
    kind, public = public_key_from_multibase(doc["publicKeyMultibase"])
    private: PrivateKey | None = None
    secret = doc.get("secretKeyMultibase", doc.get("privateKeyMultibase"))
    if secret is not None:
        data = multibase_decode(secret, allowed="z")
        skind = _PRIV_HEADERS.get(data[:2])
        if skind != kind:
            raise KeyFormatError("secret key multicodec does not match the public key type")
        private = _private_from_raw(kind, data[2:])
        if not _same_public(private.public_key(), public):
            raise KeyFormatError("secret key does not belong to publicKeyMultibase")
    return KeyPair(kind, public, private, str(doc.get("id", "")), str(doc.get("controller", "")))


def _from_jwk(jwk: dict[str, Any], id: str = "", controller: str = "") -> KeyPair:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    kind: KeyKind
    public: PublicKey
    private: PrivateKey | None = None
    if kty == "OKP" and crv == "Ed25519":
        kind = "ed25519"
        public = _public_from_raw(kind, b64url_decode(str(jwk.get("x", ""))))
        if "d" in jwk:
            private = _private_from_raw(kind, b64url_decode(str(jwk["d"])))
    elif kty == "EC" and crv in ("P-256", "P-384"):
        kind = "p256" if crv == "P-256" else "p384"
        size = _COORD[kind]
        x = b64url_decode(str(jwk.get("x", "")))
        y = b64url_decode(str(jwk.get("y", "")))
        if len(x) != size or len(y) != size:
            raise KeyFormatError(f"{crv} JWK coordinates must be {size} bytes")
        public = _ec_point(kind, x, y)
        if "d" in jwk:
            private = _private_from_raw(kind, b64url_decode(str(jwk["d"])))
    else:
        raise KeyFormatError(f"unsupported JWK kty={kty!r} crv={crv!r}")
    if private is not None and not _same_public(private.public_key(), public):
        raise KeyFormatError("JWK private part does not belong to its public part")
    return KeyPair(kind, public, private, id, controller)


def _ec_point(kind: KeyKind, x: bytes, y: bytes) -> PublicKey:
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(_CURVES[kind], b"\x04" + x + y)
    except ValueError as exc:
        raise KeyFormatError(
            f"JWK is not a point on {kind}: {exc}", code="INVALID_PUBLIC_KEY"
        ) from None


def key_from_document(doc: dict[str, Any]) -> KeyPair:
    """A key from a Multikey or JsonWebKey verification method (or a key file's JSON)."""
    if not isinstance(doc, dict):
        raise KeyFormatError("a key must be a JSON object")
    if "publicKeyMultibase" in doc:
        return _from_multikey(doc)
    jwk = doc.get("publicKeyJwk") or doc.get("privateKeyJwk") or (doc if "kty" in doc else None)
    if isinstance(jwk, dict):
        private_jwk = doc.get("privateKeyJwk")
        if isinstance(private_jwk, dict):
            jwk = private_jwk
        return _from_jwk(jwk, str(doc.get("id", "")), str(doc.get("controller", "")))
    raise KeyFormatError("no publicKeyMultibase or JWK in the key document")


def load_key(path: str | os.PathLike[str]) -> KeyPair:
    """Load a key file: Multikey JSON (W3C vector files as they are), a JWK, or a PEM."""
    data = Path(path).read_bytes()
    if data.lstrip().startswith(b"-----BEGIN"):
        return _from_pem(data)
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise KeyFormatError(f"{path}: not JSON or PEM ({exc})") from None
    return key_from_document(doc)


def key_from_public(public: Any) -> KeyPair:
    """A public key of the supported kinds (a certificate's, for example) as a KeyPair."""
    if isinstance(public, ed25519.Ed25519PublicKey):
        return KeyPair("ed25519", public)
    if isinstance(public, ec.EllipticCurvePublicKey):
        for kind, curve in _CURVES.items():
            if public.curve.name == curve.name:
                return KeyPair(kind, public)  # type: ignore[arg-type]
    raise KeyFormatError("the key is not Ed25519, P-256 or P-384")


def _from_pem(data: bytes) -> KeyPair:
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyFormatError(f"cannot read PEM private key: {exc}") from None
    if isinstance(private, ed25519.Ed25519PrivateKey):
        return KeyPair("ed25519", private.public_key(), private)
    if isinstance(private, ec.EllipticCurvePrivateKey):
        for kind, curve in _CURVES.items():
            if private.curve.name == curve.name:
                return KeyPair(kind, private.public_key(), private)  # type: ignore[arg-type]
    raise KeyFormatError("PEM key is not Ed25519, P-256 or P-384")


def save_key(key: KeyPair, path: str | os.PathLike[str], *, note: str = "") -> None:
    """Write a Multikey JSON key file with mode 0600 (created that way, never widened)."""
    doc: dict[str, Any] = key.to_multikey(include_private=key.private_key is not None)
    if note:
        doc = {"note": note, **doc}
    fd = os.open(os.fspath(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2)
        fh.write("\n")
    os.chmod(path, 0o600)
