"""Key attestations (OpenID4VCI 1.0 appendix D): a wallet provider, trusted by certificate,
vouches for the keys a credential is bound to. Attestations are signed here with a test
wallet provider's certificate; the key proofs that carry them are made with jwcrypto."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mcvc import generate_key
from mcvc.jades.certs import TrustAnchors
from mcvc.keys import KeyPair, key_from_public
from mcvc.multibase import b64url_encode
from mcvc.oid4vci.issuer import WalletIssuer
from mcvc.oid4vci.keyattest import (
    KeyAttestationError,
    KeyAttestationPolicy,
    verify_key_attestation,
)

from .conftest import NOW
from .test_oid4vci import Clock, Wallet
from .test_wallet_issuer import IDENT, LDP, err, nonce, redeem

CA_KEY = ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca(key: Any, cn: str = "Wallet provider CA") -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=400))
        .not_valid_after(NOW + timedelta(days=4000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )


CA = _ca(CA_KEY)
OTHER_CA_KEY = ec.generate_private_key(ec.SECP256R1())
OTHER_CA = _ca(OTHER_CA_KEY, "Another provider")


def provider_cert(
    key: KeyPair,
    *,
    ca_key: Any = CA_KEY,
    ca: x509.Certificate = CA,
    start: datetime = NOW - timedelta(days=1),
    end: datetime = NOW + timedelta(days=365),
) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name("Wallet provider key attestation service"))
        .issuer_name(ca.subject)
        .public_key(key.public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .sign(ca_key, hashes.SHA256())
    )


PROVIDER = generate_key("p256")
POLICY = KeyAttestationPolicy(TrustAnchors((CA,)))


def _b64(cert: x509.Certificate) -> str:
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def attestation(
    keys: list[KeyPair],
    nonce: str | None,
    *,
    claims: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
    signer: KeyPair = PROVIDER,
    chain: list[x509.Certificate] | None = None,
) -> str:
    protected: dict[str, Any] = {
        "typ": "key-attestation+jwt",
        "alg": "ES256",
        "x5c": [_b64(c) for c in (chain if chain is not None else [provider_cert(PROVIDER), CA])],
        **(header or {}),
    }
    body: dict[str, Any] = {
        "iss": "https://wallet-provider.example",
        "iat": int(NOW.timestamp()) - 60,
        "exp": int((NOW + timedelta(days=1)).timestamp()),
        "attested_keys": [k.public_jwk() for k in keys],
        "key_storage": ["iso_18045_high"],
        "user_authentication": ["iso_18045_moderate"],
        "nonce": nonce,
        **(claims or {}),
    }
    protected = {k: v for k, v in protected.items() if v is not None}
    body = {k: v for k, v in body.items() if v is not None}

    def part(value: Any) -> str:
        return b64url_encode(json.dumps(value).encode())

    signing_input = f"{part(protected)}.{part(body)}"
    return f"{signing_input}.{b64url_encode(signer.sign(signing_input.encode()))}"


def test_a_good_attestation_names_its_keys() -> None:
    a, b = generate_key("p256"), generate_key("ed25519")
    found = verify_key_attestation(attestation([a, b], "n-1"), policy=POLICY, nonce="n-1", now=NOW)
    assert [k.public_jwk() for k in found.keys] == [a.public_jwk(), b.public_jwk()]
    assert found.issuer == "https://wallet-provider.example"
    assert found.key_storage == ("iso_18045_high",)
    assert found.user_authentication == ("iso_18045_moderate",)
    # the leaf alone is enough when the anchor is its issuer
    alone = attestation([a], "n", chain=[provider_cert(PROVIDER)])
    assert verify_key_attestation(alone, policy=POLICY, nonce="n", now=NOW).keys[0].kind == "p256"
    bare = attestation(
        [a], "n", claims={"iss": 5, "key_storage": None, "user_authentication": None}
    )
    plain = verify_key_attestation(bare, policy=POLICY, nonce="n", now=NOW)
    assert plain.issuer is None and plain.key_storage == () and plain.user_authentication == ()


KEY = generate_key("p256")
STRANGER = generate_key("p256")
LEVELS = KeyAttestationPolicy(
    TrustAnchors((CA,)), key_storage=("iso_18045_high",), user_authentication=("iso_18045_high",)
)
REFUSALS: list[tuple[str, Any, KeyAttestationPolicy]] = [
    ("must be one compact JWS", 5, POLICY),
    (
        "^the key attestation's typ must be key-attestation\\+jwt",
        attestation([KEY], "n", header={"typ": "keyattestation+jwt"}),
        POLICY,
    ),
    ("alg 'none' is not accepted", attestation([KEY], "n", header={"alg": "none"}), POLICY),
    ("crit", attestation([KEY], "n", header={"crit": ["x"]}), POLICY),
    ("chain in x5c", attestation([KEY], "n", header={"x5c": None}), POLICY),
    ("chain in x5c", attestation([KEY], "n", header={"kid": "did:web:wp#1"}), POLICY),
    ("chain in x5c", attestation([KEY], "n", header={"jwk": KEY.public_jwk()}), POLICY),
    ("chain in x5c", attestation([KEY], "n", header={"trust_chain": ["e30.e30.AA"]}), POLICY),
    ("1 to 5 certificates", attestation([KEY], "n", header={"x5c": []}), POLICY),
    ("1 to 5 certificates", attestation([KEY], "n", header={"x5c": "MII"}), POLICY),
    ("1 to 5 certificates", attestation([KEY], "n", header={"x5c": [_b64(CA)] * 6}), POLICY),
    ("x5c\\[0\\] is not a base64 DER", attestation([KEY], "n", header={"x5c": ["%%%"]}), POLICY),
    ("x5c\\[0\\] is not a base64 DER", attestation([KEY], "n", header={"x5c": [5]}), POLICY),
    (
        # characters outside the alphabet are not skipped: two spellings, one certificate
        "x5c\\[0\\] is not a base64 DER",
        attestation([KEY], "n", header={"x5c": ["*" + _b64(provider_cert(PROVIDER))]}),
        POLICY,
    ),
    (
        "x5c\\[1\\] is not a base64 DER",
        attestation([KEY], "n", header={"x5c": [_b64(CA), "QUJD"]}),
        POLICY,
    ),
    (
        "certificate is not valid now",
        attestation([KEY], "n", chain=[provider_cert(PROVIDER, end=NOW - timedelta(seconds=1))]),
        POLICY,
    ),
    (
        "certificate is not valid now",
        attestation([KEY], "n", chain=[provider_cert(PROVIDER, start=NOW + timedelta(seconds=1))]),
        POLICY,
    ),
    (
        "not from a trusted wallet provider",
        attestation(
            [KEY], "n", chain=[provider_cert(PROVIDER, ca_key=OTHER_CA_KEY, ca=OTHER_CA), OTHER_CA]
        ),
        POLICY,
    ),
    (
        "not from a trusted wallet provider: no trust anchors were given",
        attestation([KEY], "n"),
        KeyAttestationPolicy(TrustAnchors()),
    ),
    ("signature does not verify", attestation([KEY], "n", signer=STRANGER), POLICY),
    ("alg ES384 does not fit a", attestation([KEY], "n", header={"alg": "ES384"}), POLICY),
    ("^the key attestation needs iat", attestation([KEY], "n", claims={"iat": None}), POLICY),
    ("needs iat", attestation([KEY], "n", claims={"iat": "now"}), POLICY),
    (
        "^the key attestation's iat is in the future",
        attestation([KEY], "n", claims={"iat": NOW.timestamp() + 61}),
        POLICY,
    ),
    ("needs exp", attestation([KEY], "n", claims={"exp": None}), POLICY),
    ("exp must be a number", attestation([KEY], "n", claims={"exp": True}), POLICY),
    ("exp must be a number", attestation([KEY], "n", claims={"exp": "tomorrow"}), POLICY),
    ("has expired", attestation([KEY], "n", claims={"exp": NOW.timestamp()}), POLICY),
    ("nonce must be the c_nonce", attestation([KEY], "other"), POLICY),
    ("nonce must be the c_nonce", attestation([KEY], None), POLICY),
    ("attested_keys must be an array of 1 to 20", attestation([], "n"), POLICY),
    ("attested_keys must be an array of 1 to 20", attestation([KEY] * 21, "n"), POLICY),
    (
        "is too old",
        attestation([KEY], "n", claims={"iat": (NOW - timedelta(days=3650)).timestamp() - 1}),
        POLICY,
    ),
    (
        "attested_keys must be an array",
        attestation([KEY], "n", claims={"attested_keys": KEY.public_jwk()}),
        POLICY,
    ),
    (
        "attested_keys\\[1\\] must be a public key",
        attestation(
            [KEY], "n", claims={"attested_keys": [KEY.public_jwk(), {**KEY.public_jwk(), "d": "x"}]}
        ),
        POLICY,
    ),
    (
        "attested_keys\\[0\\] is not a usable key",
        attestation(
            [KEY], "n", claims={"attested_keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}
        ),
        POLICY,
    ),
    (
        "user_authentication \\['iso_18045_basic'\\] is none",
        attestation([KEY], "n", claims={"user_authentication": ["iso_18045_basic"]}),
        LEVELS,
    ),
    (
        "key_storage \\['iso_18045_moderate'\\] is none",
        attestation(
            [KEY],
            "n",
            claims={
                "key_storage": ["iso_18045_moderate"],
                "user_authentication": ["iso_18045_high"],
            },
        ),
        LEVELS,
    ),
    ("must state key_storage", attestation([KEY], "n", claims={"key_storage": None}), LEVELS),
    (
        "must state user_authentication",
        attestation(
            [KEY], "n", claims={"user_authentication": None, "key_storage": ["iso_18045_high"]}
        ),
        LEVELS,
    ),
    (
        "key_storage must be a non-empty array",
        attestation([KEY], "n", claims={"key_storage": []}),
        LEVELS,
    ),
    (
        "key_storage must be a non-empty array",
        attestation([KEY], "n", claims={"key_storage": "iso_18045_high"}),
        POLICY,
    ),
    (
        "user_authentication must be a non-empty array",
        attestation([KEY], "n", claims={"user_authentication": [1]}),
        POLICY,
    ),
]


@pytest.mark.parametrize(
    ("message", "token", "policy"), REFUSALS, ids=[str(i) for i in range(len(REFUSALS))]
)
def test_what_is_refused(message: str, token: Any, policy: KeyAttestationPolicy) -> None:
    with pytest.raises(KeyAttestationError, match=message):
        verify_key_attestation(token, policy=policy, nonce="n", now=NOW)


def test_accepted_levels() -> None:
    strong = attestation(
        [KEY],
        "n",
        claims={
            "key_storage": ["iso_18045_moderate", "iso_18045_high"],
            "user_authentication": ["iso_18045_high"],
        },
    )
    found = verify_key_attestation(strong, policy=LEVELS, nonce="n", now=NOW)
    assert found.key_storage == ("iso_18045_moderate", "iso_18045_high")
    assert LEVELS.metadata() == {
        "key_storage": ["iso_18045_high"],
        "user_authentication": ["iso_18045_high"],
    }
    assert POLICY.metadata() == {}
    # a time edge: exp one second ahead is still good, and iat 60 s ahead is within skew
    edge = attestation([KEY], "n", claims={"exp": NOW.timestamp() + 1, "iat": NOW.timestamp() + 60})
    assert verify_key_attestation(edge, policy=POLICY, nonce="n", now=NOW).keys
    assert key_from_public(PROVIDER.public_key).public_jwk() == PROVIDER.public_jwk()


# --- at the credential endpoint -------------------------------------------------------------


def _request(
    w: WalletIssuer, holder: Wallet, *, attested: list[KeyPair] | None = None, **kw: Any
) -> dict[str, Any]:
    n = kw.pop("nonce", None) or nonce(w)
    header = {}
    if attested is not None:
        header["key_attestation"] = attestation(attested, kw.pop("attestation_nonce", n), **kw)
    return {
        "credential_configuration_id": LDP,
        "proofs": {"jwt": [holder.proof(IDENT, n, **header)]},
    }


def test_an_issuer_that_needs_key_attestations(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    w.key_attestations = KeyAttestationPolicy(TrustAnchors((CA,)), required=True)
    meta = w.metadata()["credential_configurations_supported"]
    assert all(
        c["proof_types_supported"]["jwt"]["key_attestations_required"] == {}
        for c in meta.values()
        if "proof_types_supported" in c
    )
    auth = redeem(w)
    holder = Wallet("p256")
    missing = w.credential(auth, _request(w, holder))
    assert "needs a key attestation" in err(missing, 400, "invalid_proof")
    # the proof's key must be among those attested
    other = w.credential(auth, _request(w, holder, attested=[STRANGER]))
    assert "not among the attested keys" in err(other, 400, "invalid_proof")
    stale = w.credential(auth, _request(w, holder, attested=[holder.key], attestation_nonce="x"))
    assert "proofs.jwt[0]: the key attestation's nonce" in err(stale, 400, "invalid_proof")
    # a credential for each attested key, the proof's key first
    second = generate_key("ed25519")
    got = w.credential(auth, _request(w, holder, attested=[second, holder.key]))
    assert got.status == 200, got.body
    from mcvc.did import did_jwk_for

    subjects = [c["credential"]["credentialSubject"]["id"] for c in got.body["credentials"]]  # type: ignore[index]
    assert subjects == [holder.did, did_jwk_for(second)]
    # no more keys than a batch
    many = [generate_key("p256") for _ in range(w.batch_size)]
    over = w.credential(redeem(w), _request(w, holder, attested=[holder.key, *many]))
    assert f"at most {w.batch_size} keys" in err(over, 400, "invalid_proof")


def test_attestations_are_optional_unless_required(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    w, _ = wallet_issuer
    holder = Wallet("p256")
    # no policy: an attestation is not read at all
    assert "key_attestations_required" not in json.dumps(w.metadata())
    ignored = w.credential(redeem(w), _request(w, holder, attested=[STRANGER]))
    assert ignored.status == 200 and len(ignored.body["credentials"]) == 1  # type: ignore[index]
    # a policy that does not require them: a proof without one is fine, one with one is judged
    w.key_attestations = KeyAttestationPolicy(TrustAnchors((CA,)))
    for config in w.metadata()["credential_configurations_supported"].values():
        proofs = config.get("proof_types_supported")
        if proofs:
            assert "key_attestations_required" not in proofs["jwt"]
            assert proofs["attestation"]["key_attestations_required"] == {}
    assert w.credential(redeem(w), _request(w, holder)).status == 200
    judged = w.credential(redeem(w), _request(w, holder, attested=[STRANGER]))
    assert "not among the attested keys" in err(judged, 400, "invalid_proof")
    # a refused attestation does not spend the c_nonce
    n = nonce(w)
    auth = redeem(w)
    bad = w.credential(auth, _request(w, holder, attested=[STRANGER], nonce=n))
    assert bad.status == 400
    assert w.credential(auth, _request(w, holder, attested=[holder.key], nonce=n)).status == 200


def test_the_service_reads_its_wallet_providers(tmp_path: Any, monkeypatch: Any) -> None:
    from mcvc import save_key
    from mcvc.service.app import create_app
    from mcvc.service.config import ConfigError, ServiceConfig

    from .service_helpers import SECRET, base_config, free_port
    from .test_oid4vci import ISSUER

    monkeypatch.setenv("MCVC_TEST_CHALLENGE_SECRET", SECRET)
    save_key(ISSUER, tmp_path / "issuer.json")
    config = base_config(free_port(), f"sqlite:///{tmp_path / 'ledger.db'}")
    config["issuers"][0]["key"] = str(tmp_path / "issuer.json")

    def app_with(**wallet: Any) -> Any:
        return create_app(ServiceConfig.from_dict({**config, "wallet": wallet}), clock=Clock(NOW))

    with pytest.raises(ConfigError, match=r"require_key_attestation needs wallet\.key_attestation"):
        app_with(require_key_attestation=True)
    with pytest.raises(ConfigError, match=r"wallet\.key_attestation_anchors: "):
        app_with(key_attestation_anchors=str(tmp_path / "missing.pem"))
    (tmp_path / "bad.pem").write_text("not PEM")
    with pytest.raises(ConfigError, match="not a PEM certificate bundle"):
        app_with(key_attestation_anchors=str(tmp_path / "bad.pem"))
    (tmp_path / "ca.pem").write_bytes(CA.public_bytes(serialization.Encoding.PEM))
    app = app_with(
        key_attestation_anchors=str(tmp_path / "ca.pem"),
        require_key_attestation=True,
        user_authentication=["iso_18045_high"],
    )
    assert app is not None


def test_the_attestation_proof_type(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    a, b = generate_key("p256"), generate_key("ed25519")
    n = nonce(w)
    auth = redeem(w)

    def ask(*tokens: Any) -> Any:
        return w.credential(
            auth, {"credential_configuration_id": LDP, "proofs": {"attestation": list(tokens)}}
        )

    # no policy: the proof type is not offered
    assert "proof type 'attestation' is not supported; use jwt" in err(
        ask(attestation([a], n)), 400, "invalid_proof"
    )
    w.key_attestations = KeyAttestationPolicy(TrustAnchors((CA,)), required=True)
    meta = w.metadata()["credential_configurations_supported"][LDP]["proof_types_supported"]
    assert meta["attestation"] == {
        "proof_signing_alg_values_supported": ["EdDSA", "ES256", "ES384"],
        "key_attestations_required": {},
    }
    assert meta["jwt"]["key_attestations_required"] == {}
    assert "proofs.attestation must be a non-empty array" in err(ask(), 400, "invalid_proof")
    refused = ask(attestation([a], None))
    assert "proofs.attestation[0]: the key attestation needs the nonce" in err(
        refused, 400, "invalid_proof"
    )
    mixed = ask(attestation([a], n), attestation([b], "another"))
    assert "different nonces" in err(mixed, 400, "invalid_nonce")
    unknown = ask(attestation([a], "not-from-this-issuer"))
    assert "ask the nonce endpoint" in err(unknown, 400, "invalid_nonce")
    # exp is optional for this proof type; one credential per attested key
    got = ask(attestation([a, b], n, claims={"exp": None}))
    assert got.status == 200, got.body
    from mcvc.did import did_jwk_for

    subjects = [c["credential"]["credentialSubject"]["id"] for c in got.body["credentials"]]  # type: ignore[index]
    assert subjects == [did_jwk_for(a), did_jwk_for(b)]
    # the nonce was spent
    again = w.credential(
        redeem(w),
        {"credential_configuration_id": LDP, "proofs": {"attestation": [attestation([a], n)]}},
    )
    assert "ask the nonce endpoint" in err(again, 400, "invalid_nonce")
    many = [generate_key("p256") for _ in range(w.batch_size + 1)]
    over = w.credential(
        redeem(w),
        {
            "credential_configuration_id": LDP,
            "proofs": {"attestation": [attestation(many, nonce(w))]},
        },
    )
    assert f"at most {w.batch_size} keys" in err(over, 400, "invalid_proof")


def test_the_edges_of_what_is_accepted() -> None:
    # a chain of five, the most accepted; twenty keys, the most accepted
    five = [provider_cert(PROVIDER), CA, CA, CA, CA]
    assert verify_key_attestation(
        attestation([KEY], "n", chain=five), policy=POLICY, nonce="n", now=NOW
    )
    twenty = attestation([KEY] * 20, "n")
    assert len(verify_key_attestation(twenty, policy=POLICY, nonce="n", now=NOW).keys) == 20
    # the provider's certificate is good from its first second to its last
    for start, end in ((NOW, NOW + timedelta(days=1)), (NOW - timedelta(days=1), NOW)):
        edge = attestation([KEY], "n", chain=[provider_cert(PROVIDER, start=start, end=end)])
        assert verify_key_attestation(edge, policy=POLICY, nonce="n", now=NOW).keys
    # ten years old is still an attestation (its exp bounds it)
    old = attestation([KEY], "n", claims={"iat": (NOW - timedelta(days=3650)).timestamp()})
    assert verify_key_attestation(old, policy=POLICY, nonce="n", now=NOW).keys


def test_a_chain_through_an_intermediate() -> None:
    middle_key = ec.generate_private_key(ec.SECP256R1())
    middle = (
        x509.CertificateBuilder()
        .subject_name(_name("Wallet provider issuing CA"))
        .issuer_name(CA.subject)
        .public_key(middle_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=10))
        .not_valid_after(NOW + timedelta(days=1000))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(CA_KEY, hashes.SHA256())
    )
    leaf = provider_cert(PROVIDER, ca_key=middle_key, ca=middle)
    # the intermediate comes from x5c: without it there is no path to the anchor
    good = attestation([KEY], "n", chain=[leaf, middle])
    assert verify_key_attestation(good, policy=POLICY, nonce="n", now=NOW).keys
    with pytest.raises(KeyAttestationError, match="not from a trusted wallet provider"):
        verify_key_attestation(
            attestation([KEY], "n", chain=[leaf]), policy=POLICY, nonce="n", now=NOW
        )


def test_as_the_proof_itself_the_nonce_is_its_own() -> None:
    # nonce=None: the attestation proof type; its nonce is returned for the issuer to spend
    found = verify_key_attestation(attestation([KEY], "c-1"), policy=POLICY, nonce=None, now=NOW)
    assert found.nonce == "c-1"
    for bad in ("", 5, None):
        with pytest.raises(KeyAttestationError, match="needs the nonce from this issuer"):
            verify_key_attestation(
                attestation([KEY], "x", claims={"nonce": bad})
                if bad is not None
                else attestation([KEY], None),
                policy=POLICY,
                nonce=None,
                now=NOW,
            )
