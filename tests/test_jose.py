"""VC-JOSE (vc+jwt, enveloped credentials) and the VCDM 1.1 JWT form (issue 16, part 1):
signed and verified with the same report as Data Integrity credentials, cross-checked with
jwcrypto (an independent JOSE implementation) in both directions, and the JOSE attacks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jwcrypto import jwk, jws

from mcvc import (
    TrustList,
    create_presentation,
    enveloped,
    generate_key,
    sign_jwt,
    sign_presentation,
    verify,
)
from mcvc.multibase import b64url_decode, b64url_encode

from .conftest import EDDSA, NOW, load

KINDS = ["ed25519", "p256", "p384"]


@pytest.fixture(scope="module", params=KINDS)
def key(request: pytest.FixtureRequest) -> Any:
    return generate_key(request.param)


def _credential(key: Any, **changes: Any) -> dict[str, Any]:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    doc.update(changes)
    return doc


def _trust(*keys: Any) -> TrustList:
    return TrustList.from_dict({"issuers": [{"did": k.did_key} for k in keys]})


def _jwk(key: Any, private: bool = False) -> jwk.JWK:
    from cryptography.hazmat.primitives import serialization

    if private:
        pem = key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return jwk.JWK.from_pem(pem)
    return jwk.JWK(**key.public_jwk())


def _forge(token: str, header: dict[str, Any] | None = None, claims: Any = None) -> str:
    h, c, s = token.split(".")
    if header is not None:
        h = b64url_encode(json.dumps(header).encode())
    if claims is not None:
        c = b64url_encode(json.dumps(claims).encode())
    return f"{h}.{c}.{s}"


def _header(token: str) -> dict[str, Any]:
    return json.loads(b64url_decode(token.split(".")[0]))


def test_vc_jose_round_trip(key: Any) -> None:
    token = sign_jwt(_credential(key), key)
    header = _header(token)
    assert header == {
        "alg": {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}[key.kind],
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": key.verification_method,
    }
    report = verify(token, now=NOW, trust=_trust(key))
    assert report.outcome == "verified" and report.kind == "vc-jose", report.to_json()
    assert report.check("proof").details["controller"] == key.did_key  # type: ignore[union-attr]
    as_bytes = verify(token.encode() + b"\n", now=NOW, trust=_trust(key))
    assert as_bytes.outcome == "verified"


def test_jwcrypto_verifies_what_mcvc_signs(key: Any) -> None:
    token = sign_jwt(_credential(key), key)
    checker = jws.JWS()
    checker.deserialize(token)
    checker.allowed_algs = [_header(token)["alg"]]
    checker.verify(_jwk(key))
    assert json.loads(checker.payload) == _credential(key)


def test_mcvc_verifies_what_jwcrypto_signs(key: Any) -> None:
    alg = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}[key.kind]
    token = jws.JWS(json.dumps(_credential(key)).encode())
    token.allowed_algs = [alg]
    token.add_signature(
        _jwk(key, private=True),
        alg=alg,
        protected=json.dumps({"alg": alg, "typ": "vc+jwt", "kid": key.verification_method}),
    )
    compact = token.serialize(compact=True)
    report = verify(compact, now=NOW, trust=_trust(key))
    assert report.outcome == "verified", report.to_json()


def test_vcdm_1_1_jwt_form(key: Any) -> None:
    v1 = load(EDDSA / "unsigned.json")
    v1["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        {"alumniOf": "https://schema.org/alumniOf"},
    ]
    v1.pop("validFrom", None)
    v1.pop("validUntil", None)
    v1.update(
        issuer=key.did_key,
        issuanceDate="2026-01-01T00:00:00Z",
        expirationDate="2027-01-01T00:00:00Z",
    )
    token = sign_jwt(v1, key, typ="JWT")
    claims = json.loads(b64url_decode(token.split(".")[1]))
    assert claims["iss"] == key.did_key and claims["jti"] == v1["id"]
    assert claims["nbf"] == 1767225600 and claims["exp"] == 1798761600
    assert claims["sub"] == v1["credentialSubject"]["id"] and claims["vc"] == v1
    report = verify(token, now=NOW, trust=_trust(key))
    assert report.outcome == "verified", report.to_json()
    # claims that contradict the credential they carry
    for change in (
        {"iss": "did:example:other"},
        {"jti": "urn:uuid:other"},
        {"nbf": 0},
        {"sub": "did:example:someone"},
        {"exp": "tomorrow"},
    ):
        forged = sign_jwt_claims(key, {**claims, **change})
        report = verify(forged, now=NOW, trust=_trust(key))
        assert report.outcome == "failed"
        assert report.check("jwt-claims").code == "JOSE_CLAIMS_MISMATCH", change  # type: ignore[union-attr]
    # a JWT's nbf/exp bound a credential that states no dates
    bare = {k: v for k, v in v1.items() if k not in ("issuanceDate", "expirationDate")}
    expired = sign_jwt_claims(
        key, {"iss": key.did_key, "vc": bare, "nbf": 1767225600, "exp": 1780000000}
    )
    report = verify(expired, now=NOW, trust=_trust(key))
    assert report.check("dates").code == "EXPIRED", report.to_json()  # type: ignore[union-attr]
    assert report.check("structure").code == "OK"  # type: ignore[union-attr]
    assert (
        verify(expired, now=NOW.replace(month=1, year=2026, day=2), trust=_trust(key)).outcome
        == "verified"
    )


def sign_jwt_claims(key: Any, claims: dict[str, Any]) -> str:
    header = {
        "alg": {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}[key.kind],
        "typ": "JWT",
        "kid": key.verification_method,
    }
    h = b64url_encode(json.dumps(header).encode())
    c = b64url_encode(json.dumps(claims).encode())
    return f"{h}.{c}.{b64url_encode(key.sign(f'{h}.{c}'.encode()))}"


def test_the_signatures_own_times() -> None:
    key = generate_key()
    late = sign_jwt_claims(key, {**_credential(key), "iat": 1700000000, "exp": 1780000000})
    header = {**_header(late), "typ": "vc+jwt"}
    token = _resign(key, header, late)
    report = verify(token, now=NOW, trust=_trust(key))
    assert report.check("dates").code == "PROOF_EXPIRED", report.to_json()  # type: ignore[union-attr]
    future = _resign(key, header, sign_jwt_claims(key, {**_credential(key), "iat": 1900000000}))
    assert verify(future, now=NOW).check("dates").code == "PROOF_CREATED_IN_FUTURE"  # type: ignore[union-attr]
    fine = _resign(key, header, sign_jwt_claims(key, {**_credential(key), "iat": 1780000000}))
    assert verify(fine, now=NOW, trust=_trust(key)).outcome == "verified"


def _resign(key: Any, header: dict[str, Any], token: str) -> str:
    h = b64url_encode(json.dumps(header).encode())
    c = token.split(".")[1]
    return f"{h}.{c}.{b64url_encode(key.sign(f'{h}.{c}'.encode()))}"


def test_enveloped_credentials_alone_and_in_presentations() -> None:
    issuer, holder = generate_key(), generate_key()
    token = sign_jwt(
        _credential(issuer, credentialSubject={"id": holder.did_key, "name": "Ana"}), issuer
    )
    wrapped = enveloped(token)
    assert wrapped["id"].startswith("data:application/vc+jwt,ey")
    assert verify(wrapped, now=NOW, trust=_trust(issuer)).outcome == "verified"
    vp = sign_presentation(
        create_presentation([wrapped], holder=holder.did_key), holder, challenge="c1"
    )
    report = verify(vp, now=NOW, challenge="c1", trust=_trust(issuer))
    assert report.outcome == "verified", report.to_json()
    assert report.credentials[0].kind == "vc-jose"
    assert report.check("holder-binding").code == "OK"  # type: ignore[union-attr]
    for bad_id, says in (
        ("https://example.org/vc", "data: URL"),
        ("data:application/vc+jwt", "no data"),
        ("data:application/json," + token, "only vc+jwt"),
        ("data:application/vc+jwt;base64," + token, "not base64"),
    ):
        report = verify({**wrapped, "id": bad_id}, now=NOW)
        assert report.outcome == "failed" and report.check("parse").code == "JOSE_FORMAT"  # type: ignore[union-attr]
        assert says in report.check("parse").message  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "check", "code"),
    [
        ({"alg": "none"}, "parse", "UNSUPPORTED_ALGORITHM"),
        ({"alg": "HS256"}, "parse", "UNSUPPORTED_ALGORITHM"),
        ({"jwk": {"kty": "OKP"}}, "parse", "UNTRUSTED_KEY"),
        ({"jku": "https://attacker.example/keys"}, "parse", "UNTRUSTED_KEY"),
        ({"x5c": ["AAAA"]}, "parse", "UNTRUSTED_KEY"),
        ({"crit": ["exp"]}, "parse", "UNSUPPORTED_CRITICAL_HEADER"),
        ({"b64": False}, "parse", "JOSE_FORMAT"),
        ({"kid": 5}, "parse", "JOSE_FORMAT"),
        ({"typ": "at+jwt"}, "parse", "JOSE_FORMAT"),
        ({"kid": "key-1"}, "proof", "KID_NOT_RESOLVABLE"),
        ({"kid": "did:example:123#k"}, "proof", "UNSUPPORTED_DID_METHOD"),
        ({"iss": "did:example:other"}, "jwt-claims", "JOSE_CLAIMS_MISMATCH"),
    ],
)
def test_header_attacks(change: dict[str, Any], check: str, code: str) -> None:
    key = generate_key()
    token = sign_jwt(_credential(key), key)
    forged = _forge(token, header={**_header(token), **change})
    report = verify(forged, now=NOW, trust=_trust(key))
    assert report.outcome != "verified"
    assert report.check(check) is not None and report.check(check).code == code, report.to_json()  # type: ignore[union-attr]


def test_payload_and_signature_attacks() -> None:
    key, other = generate_key(), generate_key("p256")
    token = sign_jwt(_credential(key), key)
    tampered = _forge(token, claims={**_credential(key), "name": "Forged"})
    assert verify(tampered, now=NOW).check("proof").code == "INVALID_SIGNATURE"  # type: ignore[union-attr]
    # an Ed25519 key named under ES256
    confused = _forge(token, header={**_header(token), "alg": "ES256"})
    assert verify(confused, now=NOW).check("proof").code == "ALGORITHM_KEY_MISMATCH"  # type: ignore[union-attr]
    # signed by another key that names itself: not the issuer's
    stranger = sign_jwt(_credential(key), other)
    report = verify(stranger, now=NOW, trust=_trust(key))
    assert report.check("proof").code == "OK" and report.check("issuer").code == "ISSUER_MISMATCH"  # type: ignore[union-attr]
    duplicate = token.split(".")
    duplicate[0] = b64url_encode(
        b'{"alg":"EdDSA","alg":"none","kid":"' + key.verification_method.encode() + b'"}'
    )
    assert verify(".".join(duplicate), now=NOW).check("parse").code == "DUPLICATE_KEY"  # type: ignore[union-attr]
    not_json = token.split(".")
    not_json[1] = b64url_encode(b"[1, 2]")
    assert verify(".".join(not_json), now=NOW).check("parse").code == "JOSE_FORMAT"  # type: ignore[union-attr]
    short = token[: token.rindex(".") + 5]
    assert verify(short, now=NOW).check("proof").code == "INVALID_SIGNATURE"  # type: ignore[union-attr]


def test_a_key_not_listed_for_assertions_is_refused() -> None:
    key = generate_key()
    did = "did:web:uni.example"
    web = key.with_id(f"{did}#k1", did)
    token = sign_jwt(_credential(key, issuer=did), web)
    document = {
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#k1",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.public_key_multibase,
            }
        ],
        "authentication": [f"{did}#k1"],
    }
    report = verify(token, now=NOW, did_documents={did: document})
    assert report.check("proof").code == "VM_NOT_AUTHORIZED"  # type: ignore[union-attr]
    document["assertionMethod"] = [f"{did}#k1"]
    assert verify(token, now=NOW, did_documents={did: document}).check("proof").code == "OK"  # type: ignore[union-attr]


def test_cli_signs_and_verifies_tokens(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from mcvc import save_key
    from mcvc.cli import main

    key = generate_key("p256")
    save_key(key, tmp_path / "key.json")
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"issuers": [{"did": key.did_key}]}))
    (tmp_path / "vc.json").write_text(json.dumps(_credential(key)))
    for fmt, name in (("vc+jwt", "vc.jwt"), ("enveloped", "env.json"), ("jwt", "vc1.jwt")):
        assert (
            main(
                [
                    "sign",
                    str(tmp_path / "vc.json"),
                    "--key",
                    str(tmp_path / "key.json"),
                    "--format",
                    fmt,
                    "-o",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    assert (tmp_path / "vc.jwt").read_text().count(".") == 2
    assert (
        json.loads((tmp_path / "env.json").read_text())["type"] == "EnvelopedVerifiableCredential"
    )
    capsys.readouterr()
    for name in ("vc.jwt", "env.json", "vc1.jwt"):
        code = main(
            ["verify", str(tmp_path / name), "--trust", str(trust), "--now", NOW.isoformat()]
        )
        assert code == 0, capsys.readouterr().out
    assert (
        main(
            [
                "sign",
                str(tmp_path / "vc.json"),
                "--key",
                str(tmp_path / "key.json"),
                "--format",
                "vc+jwt",
                "--proof-id",
                "urn:x",
            ]
        )
        == 2
    )


def test_the_service_verifies_enveloped_credentials(tmp_path: Any) -> None:
    import httpx

    from .service_helpers import base_config, free_port, running

    key = generate_key()
    token = sign_jwt(_credential(key), key)
    with running(base_config(free_port(), f"sqlite:///{tmp_path / 'l.db'}")) as url:
        answer = httpx.post(
            f"{url}/credentials/verify", json={"verifiableCredential": enveloped(token)}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["verified"] is True and body["kind"] == "vc-jose"
        forged = enveloped(token[:-4] + "AAAA")
        refused = httpx.post(
            f"{url}/credentials/verify", json={"verifiableCredential": forged}, timeout=30
        )
        assert refused.status_code == 400 and refused.json()["verified"] is False


# --- the parts, one by one (mutation testing asked for them) --------------------------------


def test_parse_jose_refusals_and_forms() -> None:
    from mcvc.errors import InvalidInput
    from mcvc.jose import parse_jose

    def refused(token: Any) -> str:
        with pytest.raises(InvalidInput) as info:
            parse_jose(token)
        return str(info.value.code)

    key = generate_key()
    good = sign_jwt(_credential(key), key)
    assert parse_jose(good.encode()).form == "vc-jose"
    assert parse_jose("  " + good + "\n").claims == _credential(key)
    assert refused("a.b") == "JOSE_FORMAT"
    assert refused("a.b.c.d") == "JOSE_FORMAT"
    assert refused(good.replace(".", ".!", 1)) == "JOSE_FORMAT"
    h, c, s = good.split(".")
    assert refused(f"{b64url_encode(b'not json')}.{c}.{s}") == "JOSE_FORMAT"
    assert refused(f"{h}.{b64url_encode(b'[1]')}.{s}") == "JOSE_FORMAT"
    deep = b64url_encode(b'{"a":' * 70 + b"1" + b"}" * 70)
    assert refused(f"{deep}.{c}.{s}") == "TOO_DEEP"
    huge = b64url_encode(b'{"n": 1e400}')
    assert refused(f"{h}.{huge}.{s}") == "NUMBER_RANGE"
    big_header = b64url_encode(json.dumps({"alg": "EdDSA", "x": "y" * 16_400}).encode())
    assert refused(f"{big_header}.{c}.{s}") == "JOSE_FORMAT"
    fits = b64url_encode(json.dumps({"alg": "EdDSA", "kid": "k", "x": "y" * 16_300}).encode())
    assert parse_jose(f"{fits}.{c}.{s}").kid == "k"
    assert refused("a" * (8 * 1024 * 1024) + ".b.c") == "INPUT_TOO_LARGE"
    header = _header(good)
    for typ, form in (
        ("vp+jwt", "vc-jose"),
        ("vc+ld+jwt", "vc-jose"),
        ("vp+ld+jwt", "vc-jose"),
        ("dc+sd-jwt", "sd-jwt"),
        ("vc+sd-jwt", "sd-jwt"),
    ):
        parsed = parse_jose(_forge(good, header={**header, "typ": typ}))
        assert (parsed.form, parsed.credential) == (form, _credential(key)), typ
    vp_claims = {"vp": {"type": "VerifiablePresentation"}, "iss": "x"}
    parsed = parse_jose(_forge(good, header={**header, "typ": "JWT"}, claims=vp_claims))
    assert parsed.form == "jwt-vc" and parsed.credential == {"type": "VerifiablePresentation"}


def test_enveloped_data_urls() -> None:
    from mcvc.errors import InvalidInput
    from mcvc.jose import unwrap_enveloped

    token = "eyJhIjoxfQ.eyJiIjoyfQ.c2ln"
    assert unwrap_enveloped({"type": "VerifiableCredential", "id": "x"}) is None
    assert (
        unwrap_enveloped(
            {"type": ["EnvelopedVerifiablePresentation"], "id": f"data:application/vp+jwt,{token}"}
        )
        == token
    )
    for media in (
        "application/vc+jwt",
        "Application/VC+JWT",
        "application/jwt",
        "application/vc+jwt;charset=utf-8",
    ):
        assert (
            unwrap_enveloped(
                {"type": "EnvelopedVerifiableCredential", "id": f"data:{media},{token}"}
            )
            == token
        )
    assert (
        unwrap_enveloped(
            {"type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{token}%2C"}
        )
        == token + ","
    )
    for bad in (None, 5, "data:application/vc+jwt;charset=x;base64," + token):
        with pytest.raises(InvalidInput):
            unwrap_enveloped({"type": "EnvelopedVerifiableCredential", "id": bad})


def test_jwt_claims_of_the_1_1_form() -> None:
    from mcvc.jose import JoseCredential, _jwt_vc_claims, jwt_claim_problems

    vc = {
        "id": "urn:uuid:1",
        "issuer": {"id": "did:example:i"},
        "credentialSubject": {"id": "did:example:s"},
        "issuanceDate": "2026-01-01T00:00:00Z",
        "expirationDate": "2027-01-01T00:00:00Z",
    }
    claims = _jwt_vc_claims(vc)
    assert claims == {
        "vc": vc,
        "iss": "did:example:i",
        "sub": "did:example:s",
        "jti": "urn:uuid:1",
        "nbf": 1767225600,
        "exp": 1798761600,
    }
    v2 = {
        "issuer": "did:example:i",
        "credentialSubject": {"name": "no id"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
    }
    assert _jwt_vc_claims(v2) == {
        "vc": v2,
        "iss": "did:example:i",
        "nbf": 1767225600,
        "exp": 1798761600,
    }

    def problems(
        claims: dict[str, Any], header: dict[str, Any] | None = None, doc: Any = None
    ) -> list[str]:
        jose = JoseCredential(
            header or {}, claims, doc if doc is not None else vc, "jwt-vc", b"", b""
        )
        return jwt_claim_problems(jose)

    assert problems(claims) == []
    assert problems({**claims, "iss": "x"})[0].startswith("iss 'x'")
    assert problems(claims, header={"iss": "x"})[0].startswith("header iss 'x'")
    assert problems({**claims, "exp": 5})[0].startswith("exp 5")
    assert problems({**claims, "nbf": True})[0] == "nbf must be a NumericDate (seconds)"
    both = problems({**claims, "nbf": "x", "exp": "y"})
    assert [p.split()[0] for p in both] == ["nbf", "exp"], "every claim is looked at"
    assert problems({**claims, "exp": 1798761600}, doc={**vc, "expirationDate": "soon"}) == []
    v2_doc = {**v2, "id": "urn:uuid:2"}
    assert (
        problems({"iss": "did:example:i", "nbf": 1767225600, "exp": 1798761600}, doc=v2_doc) == []
    )
    assert problems({"iss": "did:example:i", "exp": 1}, doc=v2_doc)[0].startswith(
        "exp 1 is not the credential's validUntil"
    )
    assert problems(
        {"sub": "did:example:other"}, doc={**vc, "credentialSubject": {"id": "did:example:s"}}
    )
    vc_jose = JoseCredential({}, {"iss": "x", "exp": 1}, vc, "vc-jose", b"", b"")
    assert jwt_claim_problems(vc_jose) == ["iss 'x' is not the credential's issuer 'did:example:i'"]


def test_sign_jwt_header_and_bytes() -> None:
    key = generate_key("p384")
    token = sign_jwt({"issuer": key.did_key, "name": "é"}, key, typ="vp+jwt", kid="did:example:k#1")
    header = _header(token)
    assert header == {"alg": "ES384", "typ": "vp+jwt", "cty": "vp", "kid": "did:example:k#1"}
    raw = b64url_decode(token.split(".")[1])
    assert raw == b'{"issuer":"' + key.did_key.encode() + '","name":"é"}'.encode()
    assert b64url_decode(token.split(".")[0]).startswith(b'{"alg":"ES384","typ"')
    with pytest.raises(ValueError):
        sign_jwt({"issuer": "x"}, key, typ="at+jwt")
    with pytest.raises(TypeError):
        sign_jwt("not a dict", key)  # type: ignore[arg-type]
