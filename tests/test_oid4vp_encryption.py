"""Encrypted authorization responses (OpenID4VP 1.0 section 8.3, ``direct_post.jwt``): the
specification's own example decrypts, and every JWE the request did not offer is refused
before or by decryption. JWEs are made with jwcrypto, as a wallet would make them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwe, jwk
from sqlalchemy import create_engine, select

from mcvc import generate_key
from mcvc.multibase import b64url_decode, b64url_encode
from mcvc.oid4vp.encryption import (
    ENC_VALUES,
    EncryptedResponseError,
    decrypt_response,
    new_response_key,
)
from mcvc.oid4vp.verifier import RequestBook, ResponseRefused, VerifierRequests, response_keys

from .conftest import NOW
from .test_oid4vp_requests import Clock, answers, ldp_query, vp

SPEC = json.loads((Path(__file__).parent / "data/oid4vp/spec-encrypted-response.json").read_text())


def encrypt(
    payload: Any,
    public: dict[str, Any],
    *,
    enc: str = "A128GCM",
    alg: str = "ECDH-ES",
    extra: dict[str, Any] | None = None,
    kid: str | None = "same",
) -> str:
    header: dict[str, Any] = {"alg": alg, "enc": enc, **(extra or {})}
    if kid is not None:
        header["kid"] = public.get("kid") if kid == "same" else kid
    text = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    box = jwe.JWE(text, json.dumps(header))
    box.add_recipient(jwk.JWK(**{k: v for k, v in public.items() if k not in ("alg", "use")}))
    return str(box.serialize(compact=True))


def test_the_specification_example_decrypts() -> None:
    token = SPEC["response"]
    assert json.loads(b64url_decode(token.split(".")[0])) == SPEC["header"]
    assert decrypt_response(token, SPEC["privateJwk"]) == SPEC["payload"]
    # the same bytes with one character of the ciphertext changed do not
    head, key, iv, text, tag = token.split(".")
    flipped = text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1]
    with pytest.raises(EncryptedResponseError, match="does not decrypt"):
        decrypt_response(".".join([head, key, iv, flipped, tag]), SPEC["privateJwk"])


def test_a_fresh_key_is_for_encryption_only() -> None:
    public, private = new_response_key()
    assert public["kty"] == "EC" and public["crv"] == "P-256"
    assert public["use"] == "enc" and public["alg"] == "ECDH-ES"
    assert "d" not in public and private["d"]
    assert {k: v for k, v in private.items() if k != "d"} == public
    assert len(public["kid"]) >= 16
    other, _ = new_response_key()
    assert other["kid"] != public["kid"] and other["x"] != public["x"]


@pytest.mark.parametrize("enc", ENC_VALUES)
def test_a_wallet_response_decrypts(enc: str) -> None:
    public, private = new_response_key()
    payload = {"vp_token": {"mc": ["x"]}, "state": "s"}
    assert decrypt_response(encrypt(payload, public, enc=enc), private) == payload


PUBLIC, PRIVATE = new_response_key()


def _refusals() -> list[tuple[str, Any]]:
    public = PUBLIC
    good = encrypt({"vp_token": {}}, public)
    head, *rest = good.split(".")
    header = json.loads(b64url_decode(head))

    def with_header(**changes: Any) -> str:
        changed = {k: v for k, v in {**header, **changes}.items() if v is not None}
        return ".".join([b64url_encode(json.dumps(changed).encode()), *rest])

    p384 = jwk.JWK.generate(kty="EC", crv="P-384")
    return [
        ("^response must be a compact JWE$", None),
        ("^response must be a compact JWE$", ""),
        ("^response must be a compact JWE$", 5),
        ("five parts", "a" * (4 * 1024 * 1024)),
        ("five parts", "a.b.c"),
        ("over 4194304 characters", "a" * (4 * 1024 * 1024 + 1)),
        ("encrypted key", encrypt({"a": 1}, public, alg="ECDH-ES+A128KW")),
        ("header is not JSON", "!!." + ".".join(rest)),
        ("header is not a JSON object", ".".join([b64url_encode(b"[1]"), *rest])),
        ("'zip' is not accepted", with_header(zip="DEF")),
        ("'crit' is not accepted", with_header(crit=["exp"])),
        ("'jku' is not accepted", with_header(jku="https://evil.example/keys")),
        ("alg must be ECDH-ES", with_header(alg="RSA-OAEP")),
        ("alg must be ECDH-ES", with_header(alg=None)),
        ("enc must be one of A128GCM, A256GCM", with_header(enc="A128CBC-HS256")),
        ("enc must be one of", with_header(enc="A192GCM")),
        ("kid is not the key", with_header(kid="another")),
        ("kid is not the key", with_header(kid=None)),
        ("epk must be a P-256", with_header(epk=None)),
        ("epk must be a P-256", with_header(epk=json.loads(p384.export_public()))),
        ("epk must be a P-256", with_header(epk={**header["epk"], "kty": "OKP"})),
        ("epk must not carry a private key", with_header(epk={**header["epk"], "d": "AAAA"})),
        ("does not decrypt", with_header(epk={**header["epk"], "x": header["epk"]["y"]})),
        ("does not decrypt", with_header(apu=b64url_encode(b"changed"))),
    ]


REFUSALS = _refusals()


@pytest.mark.parametrize(("message", "token"), REFUSALS, ids=[m for m, _ in REFUSALS])
def test_what_is_refused(message: str, token: Any) -> None:
    with pytest.raises(EncryptedResponseError, match=message):
        decrypt_response(token, PRIVATE)


def test_the_key_and_the_plaintext_must_fit() -> None:
    public, private = new_response_key()
    _, stranger = new_response_key()
    with pytest.raises(EncryptedResponseError, match="does not decrypt"):
        decrypt_response(encrypt({"a": 1}, public), {**stranger, "kid": public["kid"]})
    with pytest.raises(EncryptedResponseError, match="not JSON"):
        decrypt_response(encrypt(b"vp_token=x", public), private)
    with pytest.raises(EncryptedResponseError, match="not a JSON object"):
        decrypt_response(encrypt([1, 2], public), private)
    with pytest.raises(EncryptedResponseError, match="enc must be one of A256GCM"):
        decrypt_response(encrypt({"a": 1}, public), private, ("A256GCM",))


@pytest.fixture
def verifier(tmp_path: Path) -> Iterator[VerifierRequests]:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    yield VerifierRequests(
        RequestBook(engine),
        generate_key("p256"),
        base_url="https://uni.example",
        clock=Clock(NOW),
        name="Admissions",
        response_mode="direct_post.jwt",
    )
    engine.dispose()


def _request(v: VerifierRequests, mode: str | None = None) -> tuple[str, dict[str, Any]]:
    made = v.create(ldp_query(), response_mode=mode)
    jws = v.request_object(made["requestId"])
    assert jws is not None
    return made["requestId"], json.loads(b64url_decode(jws.split(".")[1]))


def test_a_request_asks_for_an_encrypted_answer(verifier: VerifierRequests) -> None:
    rid, claims = _request(verifier)
    assert claims["response_mode"] == "direct_post.jwt"
    meta = claims["client_metadata"]
    assert meta["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
    (key,) = meta["jwks"]["keys"]
    assert key["use"] == "enc" and key["alg"] == "ECDH-ES" and "d" not in key
    private = verifier.book.response_key(rid)
    assert private is not None and private["kid"] == key["kid"] and private["x"] == key["x"]
    _, claims2 = _request(verifier)
    assert claims2["client_metadata"]["jwks"]["keys"][0]["kid"] != key["kid"]
    # and a request in clear, asked for explicitly, has no key
    rid3, plain = _request(verifier, "direct_post")
    assert plain["response_mode"] == "direct_post" and "jwks" not in plain["client_metadata"]
    assert "encrypted_response_enc_values_supported" not in plain["client_metadata"]
    assert verifier.book.response_key(rid3) is None
    with pytest.raises(ResponseRefused, match="response_mode is one of"):
        verifier.create(ldp_query(), response_mode="fragment")
    with pytest.raises(ValueError, match="response_mode is one of"):
        VerifierRequests(
            verifier.book, verifier.key, base_url="x", clock=None, name="n", response_mode="query"
        )


def test_an_encrypted_answer_is_judged_and_its_key_dropped(verifier: VerifierRequests) -> None:
    rid, claims = _request(verifier)
    public = claims["client_metadata"]["jwks"]["keys"][0]
    ok = answers()
    token = encrypt({"vp_token": {"mc": [vp()]}, "state": claims["state"]}, public)
    result = verifier.respond(rid, {"response": token}, ok)
    assert result["verdict"] == "verified" and ok.seen[0][0] == vp()
    assert ok.seen[0][1] == claims["nonce"]
    assert verifier.book.response_key(rid) is None
    with verifier.book.engine.connect() as conn:
        assert conn.execute(select(response_keys)).all() == []
    with pytest.raises(ResponseRefused, match="already answered"):
        verifier.respond(rid, {"response": token}, ok)


def test_what_an_encrypted_request_does_not_take(verifier: VerifierRequests) -> None:
    rid, claims = _request(verifier)
    public = claims["client_metadata"]["jwks"]["keys"][0]
    state = claims["state"]
    ok = answers()
    clear = {"state": state, "vp_token": json.dumps({"mc": [vp()]})}
    with pytest.raises(ResponseRefused, match="asks for an encrypted response"):
        verifier.respond(rid, clear, ok)
    good = encrypt({"vp_token": {"mc": [vp()]}, "state": state}, public)
    with pytest.raises(ResponseRefused, match="comes alone"):
        verifier.respond(rid, {"response": good, "state": state}, ok)
    cases = [
        (encrypt({"vp_token": {"mc": [vp()]}, "state": "forged"}, public), "state does not"),
        (encrypt({"vp_token": {"mc": [vp()]}}, public), "state does not"),
        (encrypt({"state": state}, public), "vp_token is missing"),
        (encrypt({"state": state, "vp_token": []}, public), "JSON object keyed"),
        (encrypt({"state": state, "vp_token": 5}, public), "JSON object keyed"),
        (encrypt({"state": state, "error": 5}, public), "error must be a string"),
        (encrypt({"vp_token": {"mc": [vp()]}, "state": state}, public, kid="x"), "kid is not"),
        ("x.y.z", "five parts"),
    ]
    _, other = _request(verifier)
    cases.append(
        (
            encrypt(
                {"vp_token": {"mc": [vp()]}, "state": state},
                {**other["client_metadata"]["jwks"]["keys"][0], "kid": public["kid"]},
            ),
            "does not decrypt",
        )
    )
    for token, message in cases:
        with pytest.raises(ResponseRefused, match=message):
            verifier.respond(rid, {"response": token}, ok)
    assert ok.seen == [] and verifier.book.response_key(rid) is not None
    # the JSON string a form would carry is taken inside the JWE too
    as_text = encrypt({"vp_token": json.dumps({"mc": [vp()]}), "state": state}, public)
    assert verifier.respond(rid, {"response": as_text}, ok)["verdict"] == "verified"


def test_a_wallet_that_cannot_encrypt_may_decline_in_clear(verifier: VerifierRequests) -> None:
    rid, claims = _request(verifier)
    said = verifier.respond(rid, {"state": claims["state"], "error": "access_denied"}, answers())
    assert said == {"verdict": "declined", "error": "access_denied", "error_description": ""}
    assert verifier.book.response_key(rid) is None
    rid2, claims2 = _request(verifier)
    public = claims2["client_metadata"]["jwks"]["keys"][0]
    token = encrypt(
        {"state": claims2["state"], "error": "access_denied", "error_description": "no"}, public
    )
    assert verifier.respond(rid2, {"response": token}, answers())["error_description"] == "no"


def test_a_request_in_clear_takes_no_jwe(verifier: VerifierRequests) -> None:
    rid, claims = _request(verifier, "direct_post")
    public, _ = new_response_key()
    token = encrypt({"vp_token": {"mc": [vp()]}, "state": claims["state"]}, public)
    with pytest.raises(ResponseRefused, match="did not ask for an encrypted response"):
        verifier.respond(rid, {"response": token}, answers())
    clear = {"state": claims["state"], "vp_token": json.dumps({"mc": [vp()]})}
    assert verifier.respond(rid, clear, answers())["verdict"] == "verified"


def test_keys_of_expired_requests_are_dropped(verifier: VerifierRequests) -> None:
    rid, _ = _request(verifier)
    clock = verifier.clock
    assert isinstance(clock, Clock)
    clock.advance(599)
    rid2, _ = _request(verifier)
    assert verifier.book.response_key(rid) is not None
    clock.advance(1)
    _request(verifier)
    assert verifier.book.response_key(rid) is None
    assert verifier.book.response_key(rid2) is not None
