"""The wallet's key proof, rule by rule (OpenID4VCI 1.0 appendix F.1 and F.4).

Proofs are made with jwcrypto where it can make them, and forged by hand where a wallet
library would refuse (alg none, several key headers, a private JWK)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from jwcrypto import jwk, jws

from mcvc import generate_key
from mcvc.did import did_jwk_for
from mcvc.multibase import b64url_encode
from mcvc.oid4vci.keyproof import KeyProofError, verify_key_proof

from .conftest import NOW

AUD = "https://issuer.example/issuers/demo"


def _jwk_of(key: Any) -> jwk.JWK:
    from cryptography.hazmat.primitives import serialization

    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return jwk.JWK.from_pem(pem)


ALG = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}


def make(
    key: Any,
    *,
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
) -> str:
    protected: dict[str, Any] = {
        "typ": "openid4vci-proof+jwt",
        "alg": ALG[key.kind],
        "jwk": key.public_jwk(),
    }
    protected.update(header or {})
    body: dict[str, Any] = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1"}
    body.update(claims or {})
    for name in drop:
        protected.pop(name, None)
        body.pop(name, None)
    token = jws.JWS(json.dumps(body).encode())
    token.add_signature(_jwk_of(key), alg=ALG[key.kind], protected=json.dumps(protected))
    return str(token.serialize(compact=True))


def forge(header: dict[str, Any], claims: dict[str, Any], key: Any = None) -> str:
    p1 = b64url_encode(json.dumps(header).encode())
    p2 = b64url_encode(json.dumps(claims).encode())
    sig = key.sign(f"{p1}.{p2}".encode()) if key is not None else b"x" * 64
    return f"{p1}.{p2}.{b64url_encode(sig)}"


def refused(token: Any, code: str = "invalid_proof", **options: Any) -> str:
    with pytest.raises(KeyProofError) as caught:
        verify_key_proof(token, audience=AUD, now=NOW, **options)
    assert caught.value.code == code
    return str(caught.value)


@pytest.mark.parametrize("kind", ["ed25519", "p256", "p384"])
def test_a_good_proof_names_the_key(kind: str) -> None:
    key = generate_key(kind)  # type: ignore[arg-type]
    holder = verify_key_proof(make(key), audience=AUD, now=NOW)
    assert holder.key.public_jwk() == key.public_jwk()
    assert holder.did == did_jwk_for(key)
    assert holder.nonce == "n-1"
    by_kid = make(key, header={"kid": key.verification_method}, drop=("jwk",))
    assert verify_key_proof(by_kid, audience=AUD, now=NOW).did == key.did_key
    jwk_did = did_jwk_for(key)
    by_jwk_did = make(key, header={"kid": jwk_did + "#0"}, drop=("jwk",))
    assert verify_key_proof(by_jwk_did, audience=AUD, now=NOW).did == jwk_did


def test_the_thumbprint_is_rfc_7638() -> None:
    key = generate_key("p256")
    holder = verify_key_proof(make(key), audience=AUD, now=NOW)
    assert holder.thumbprint == _jwk_of(key).thumbprint()
    ed = generate_key("ed25519")
    assert verify_key_proof(make(ed), audience=AUD, now=NOW).thumbprint == _jwk_of(ed).thumbprint()


def test_shape_refusals() -> None:
    key = generate_key("p256")
    assert "compact" in refused(None)
    assert "compact" in refused("a.b")
    assert "compact" in refused(make(key) + ".x")
    assert "compact" in refused("x" * 20_000 + ".a.b")
    assert "the key proof's header is not base64url JSON" in refused("bm90IGpzb24.e30.AA")
    assert "object" in refused(forge([], {}))  # type: ignore[arg-type]
    head = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": key.public_jwk()}
    assert refused(forge(head, [1], key)) == "the key proof's payload must be a JSON object"  # type: ignore[arg-type]
    assert "the key proof's payload is not base64url JSON" in refused(
        forge(head, "x", key)[:0] + _signed_raw(head, b"not json", key)
    )


def test_header_refusals() -> None:
    key = generate_key("p256")
    assert "typ" in refused(make(key, header={"typ": "JWT"}))
    assert "typ" in refused(make(key, drop=("typ",)))
    # the media type spelling is the same type (RFC 7515 section 4.1.9)
    verify_key_proof(
        make(key, header={"typ": "application/openid4vci-proof+jwt"}), audience=AUD, now=NOW
    )
    claims = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n"}
    jwk_header = {"typ": "openid4vci-proof+jwt", "jwk": key.public_jwk()}
    assert "alg" in refused(forge({**jwk_header, "alg": "none"}, claims))
    assert "alg" in refused(forge({**jwk_header, "alg": "HS256"}, claims))
    assert "crit" in refused(forge({**jwk_header, "alg": "ES256", "crit": ["b64"]}, claims, key))
    ed = generate_key("ed25519")
    assert "does not fit" in refused(
        forge({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": ed.public_jwk()}, claims, ed)
    )


def _signed_raw(header: dict[str, Any], payload: bytes, key: Any) -> str:
    p1, p2 = b64url_encode(json.dumps(header).encode()), b64url_encode(payload)
    return f"{p1}.{p2}.{b64url_encode(key.sign(f'{p1}.{p2}'.encode()))}"


def _of_length(key: Any, length: int) -> str:
    """A valid proof of exactly ``length`` characters (padding header and payload)."""
    base = len(make(key))
    for n in range(max(0, (length - base) * 3 // 4 - 40), (length - base) * 3 // 4 + 40):
        for m in range(4):
            token = make(key, header={"pad": "a" * n}, claims={"x": "b" * m})
            if len(token) == length:
                return token
    raise AssertionError(f"no proof of length {length}")


def test_the_size_limit_is_inclusive() -> None:
    key = generate_key("ed25519")
    verify_key_proof(_of_length(key, 16 * 1024), audience=AUD, now=NOW)
    assert "compact" in refused(_of_length(key, 16 * 1024 + 1))


def test_exactly_one_key_header() -> None:
    key = generate_key("p256")
    assert refused(make(key, drop=("jwk",))) == (
        "the key proof must name its key with exactly one of jwk or kid"
    )
    both = make(key, header={"kid": key.verification_method})
    assert "jwk, kid" in refused(both)
    assert "x5c" in refused(make(key, header={"x5c": ["MIIB"]}, drop=("jwk",)))
    assert "trust_chain" in refused(
        make(key, header={"trust_chain": ["x"], "kid": "a#b"}, drop=("jwk",))
    )


def test_key_refusals() -> None:
    key = generate_key("p256")
    claims = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n"}
    private = json.loads(_jwk_of(key).export_private())
    head = {"typ": "openid4vci-proof+jwt", "alg": "ES256"}
    assert "public" in refused(forge({**head, "jwk": private}, claims, key))
    assert "public" in refused(forge({**head, "jwk": {"kty": "oct", "k": "c2VjcmV0"}}, claims, key))
    assert "public" in refused(forge({**head, "jwk": "text"}, claims, key))
    for member in ("p", "q"):
        assert "public" in refused(
            forge({**head, "jwk": {**key.public_jwk(), member: "AQAB"}}, claims, key)
        )
    assert "usable" in refused(forge({**head, "jwk": {"kty": "EC", "crv": "P-256"}}, claims, key))
    assert "DID URL" in refused(forge({**head, "kid": "key-1"}, claims, key))
    assert "DID URL" in refused(forge({**head, "kid": 7}, claims, key))
    assert "did:key or did:jwk" in refused(
        forge({**head, "kid": "did:web:evil.example#k"}, claims, key)
    )
    assert "kid" in refused(forge({**head, "kid": "did:key:zNotAKey#zNotAKey"}, claims, key))
    assert "kid" in refused(forge({**head, "kid": "did:jwk:bm90#0"}, claims, key))
    other = f"{key.did_key}#z6MkOther"
    assert "not a key of" in refused(forge({**head, "kid": other}, claims, key))
    twice = f"{key.verification_method}#again"
    assert "DID URL" in refused(forge({**head, "kid": twice}, claims, key))


def test_signature_refusals() -> None:
    key, stranger = generate_key("p256"), generate_key("p256")
    claims = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n"}
    head = {"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": key.public_jwk()}
    assert "signature" in refused(forge(head, claims, stranger))
    assert "signature" in refused(forge(head, claims))
    good = make(key)
    p1, p2, _ = good.split(".")
    assert "signature" in refused(f"{p1}.{p2}.AA")


def test_claim_refusals() -> None:
    key = generate_key("ed25519")
    now = int(NOW.timestamp())
    assert "audience" in refused(make(key, claims={"aud": "https://other.example"}))
    assert "audience" in refused(make(key, drop=("aud",)))
    assert "audience" in refused(make(key, claims={"aud": [AUD, "https://other.example"]}))
    verify_key_proof(make(key, claims={"aud": [AUD]}), audience=AUD, now=NOW)
    assert "iat" in refused(make(key, drop=("iat",)))
    assert "iat" in refused(make(key, claims={"iat": "now"}))
    assert "iat" in refused(make(key, claims={"iat": True}))
    assert "future" in refused(make(key, claims={"iat": now + 61}))
    verify_key_proof(make(key, claims={"iat": now + 60}), audience=AUD, now=NOW)
    assert refused(make(key, claims={"iat": now - 301})) == (
        "the key proof is too old (iat); make a new one with a fresh nonce"
    )
    verify_key_proof(make(key, claims={"iat": now - 300}), audience=AUD, now=NOW)
    assert "too old" in refused(make(key, claims={"iat": now - 61}), max_age=timedelta(seconds=60))
    assert "exp" in refused(make(key, claims={"exp": now}))
    assert "exp" in refused(make(key, claims={"exp": "soon"}))
    verify_key_proof(make(key, claims={"exp": now + 1}), audience=AUD, now=NOW)
    assert "nbf" in refused(make(key, claims={"nbf": now + 61}))
    verify_key_proof(make(key, claims={"nbf": now + 60}), audience=AUD, now=NOW)
    assert "nonce" in refused(make(key, drop=("nonce",)))
    assert "nonce" in refused(make(key, claims={"nonce": ""}))
    assert "nonce" in refused(make(key, claims={"nonce": 5}))
