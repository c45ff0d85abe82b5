"""VC-JOSE's parsing helpers rule by rule: what looks like a JWS, the size limit, the data: URL
of an enveloped credential, and the VCDM 1.1 JWT claims (from surviving mutants)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcvc import generate_key, sign_jwt
from mcvc.errors import InvalidInput
from mcvc.jose import jwt_claim_problems, looks_like_jws, parse_jose, unwrap_enveloped
from mcvc.multibase import b64url_decode, b64url_encode

ISSUER = generate_key("ed25519")


def credential(**extra: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": ISSUER.did_key,
        "credentialSubject": {"id": "did:example:learner"},
        **extra,
    }


def code(call: Any) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    return str(caught.value.code)


def test_what_looks_like_a_jws() -> None:
    token = sign_jwt(credential(), ISSUER)
    assert (
        looks_like_jws(token) and looks_like_jws(token.encode()) and looks_like_jws(f"  {token}\n")
    )
    assert not looks_like_jws("a.b") and not looks_like_jws('{"a": "b.c.d"}')
    assert not looks_like_jws(b"\xff\xfe.b.c")
    limit = 8 * 1024 * 1024
    assert looks_like_jws("a.b.c" + "d" * (limit - 5))
    assert not looks_like_jws("a.b.c" + "d" * (limit - 4))


def test_parse_limits_and_bytes() -> None:
    token = sign_jwt(credential(), ISSUER)
    assert parse_jose(token.encode()).claims == parse_jose(token).claims
    assert code(lambda: parse_jose(b"\xff" + token.encode())) == "JOSE_FORMAT"
    limit = 8 * 1024 * 1024
    h, c, s = token.split(".")
    at_limit = f"{h}.{c}.{s}" + "A" * (limit - len(token))
    assert len(at_limit) == limit and code(lambda: parse_jose(at_limit)) != "INPUT_TOO_LARGE"
    assert code(lambda: parse_jose(at_limit + "A")) == "INPUT_TOO_LARGE"
    assert code(lambda: parse_jose(f"{h}.{c}.!!")) == "JOSE_FORMAT"
    with pytest.raises(InvalidInput, match=r"^the JWS does not decode") as undecodable:
        parse_jose(f"{h}.{c}.A")
    assert undecodable.value.code == "JOSE_FORMAT"
    big = b64url_encode(json.dumps({"alg": "EdDSA", "pad": "x" * 16_400}).encode())
    assert code(lambda: parse_jose(f"{big}.{c}.{s}")) == "JOSE_FORMAT"


def test_a_header_may_take_16_kib() -> None:
    token = sign_jwt(credential(), ISSUER)
    _, c, s = token.split(".")

    def header(size: int) -> str:
        text = json.dumps({"alg": "EdDSA", "pad": ""})
        return b64url_encode(json.dumps({"alg": "EdDSA", "pad": "x" * (size - len(text))}).encode())

    assert len(b64url_decode(header(16_384))) == 16_384
    assert parse_jose(f"{header(16_384)}.{c}.{s}").header["alg"] == "EdDSA"
    with pytest.raises(InvalidInput, match=r"^the JWS does not decode") as refused:
        parse_jose(f"{header(16_385)}.{c}.{s}")
    assert refused.value.code == "JOSE_FORMAT"


def test_the_content_type_of_a_vc_jose_token() -> None:
    token = sign_jwt(credential(), ISSUER, typ="vc+jwt")
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header["cty"] == "vc" and header["typ"] == "vc+jwt"
    assert "cty" not in json.loads(
        b64url_decode(sign_jwt(credential(), ISSUER, typ="JWT").split(".")[0])
    )


def test_enveloped_data_urls() -> None:
    token = sign_jwt(credential(), ISSUER)

    def wrap(url: str, kind: str = "EnvelopedVerifiableCredential") -> dict[str, Any]:
        return {"type": kind, "id": url}

    assert unwrap_enveloped(wrap(f"data:application/vc+jwt,{token}")) == token
    assert unwrap_enveloped(wrap(f"data:Application/VC+JWT ; charset=utf-8,{token}")) == token
    assert unwrap_enveloped(wrap(f"data:application/jwt;a=b;c=d,{token}")) == token
    # the token is everything after the first comma
    assert unwrap_enveloped(wrap(f"data:application/vc+jwt,{token},x")) == f"{token},x"
    assert unwrap_enveloped(wrap("data:application/vc+jwt,%E2%82%AC")) == "\ufffd" * 3
    assert (
        unwrap_enveloped(
            {
                "type": ["VerifiableCredential", "EnvelopedVerifiablePresentation"],
                "id": f"data:application/vp+jwt,{token}",
            }
        )
        == token
    )
    for bad in (
        5,
        "http://x",
        "data:application/vc+jwt",
        "data:text/plain,abc",
        "data:application/vc+jwt;base64,abc",
    ):
        assert code(lambda bad=bad: unwrap_enveloped(wrap(bad))) == "JOSE_FORMAT"  # type: ignore[arg-type]


def test_the_jwt_forms_claims_against_the_credential() -> None:
    doc = credential(
        id="urn:uuid:1", validFrom="2026-01-01T00:00:00Z", validUntil="2027-01-01T00:00:00Z"
    )
    token = sign_jwt(doc, ISSUER, typ="JWT")
    assert jwt_claim_problems(parse_jose(token)) == []
    claims = json.loads(b64url_decode(token.split(".")[1]))

    def problems(**changes: Any) -> list[str]:
        h, _, s = token.split(".")
        body = b64url_encode(json.dumps({**claims, **changes}).encode())
        return jwt_claim_problems(parse_jose(f"{h}.{body}.{s}"))

    assert problems(nbf=claims["nbf"] + 1) == [
        f"nbf {claims['nbf'] + 1} is not the credential's validFrom 2026-01-01T00:00:00Z"
    ]
    assert problems(exp=claims["exp"] - 1)[0].startswith("exp ")
    assert problems(sub="did:example:other") == [
        "sub 'did:example:other' is not the credential subject 'did:example:learner'"
    ]
    assert problems(jti="urn:uuid:2")[0].startswith("jti ")
    assert problems(iss="did:example:other")[0].startswith("iss ")
    assert problems(nbf="soon") == ["nbf must be a NumericDate (seconds)"]
    listed = {**claims, "vc": {**claims["vc"], "credentialSubject": [{"id": "did:example:a"}]}}
    h, _, s = token.split(".")
    body = b64url_encode(json.dumps({**listed, "sub": "did:example:b"}).encode())
    assert (
        jwt_claim_problems(parse_jose(f"{h}.{body}.{s}")) == []
    )  # several subjects: sub is not compared
    with pytest.raises(InvalidInput, match="validFrom"):
        sign_jwt(credential(validFrom="yesterday"), ISSUER, typ="JWT")
