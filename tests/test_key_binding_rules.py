"""SD-JWT key binding (RFC 9901 7.3) rule by rule: each case builds the key-binding JWT by
hand, so one rule at a time is broken, and asserts the whole check the verifier reports."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from mcvc import generate_key
from mcvc.canon.api import Canonicalizer
from mcvc.contexts import default_loader
from mcvc.did import DidResolver
from mcvc.keys import KeyPair
from mcvc.multibase import b64url_encode
from mcvc.sdjwt import SdJwt, sd_hash
from mcvc.verification.jose_checks import KB_MAX_AGE, _key_binding
from mcvc.verification.pipeline import _Ctx

from .conftest import NOW

HOLDER = generate_key("p256")
OTHER = generate_key("p256")
PRESENTED = "eyJhbGciOiJFUzI1NiJ9.e30.c2ln~WyJzIiwiYSIsMV0~"
SKEW = timedelta(seconds=300)


def _ctx(challenge: str | None = "n-1", domain: str | None = "https://aud.example") -> _Ctx:
    return _Ctx(
        now=NOW,
        skew=SKEW,
        trust=None,
        resolver=DidResolver(None, None),
        canon=Canonicalizer(default_loader()),
        challenge=challenge,
        domain=domain,
        anchors=None,
        status_checker=None,
        require_holder_binding=False,
        ebsi=None,
    )


def _b64(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return b64url_encode(raw)


def _kb(header: Any = None, claims: Any = None, key: KeyPair = HOLDER, **changes: Any) -> str:
    head = {"alg": "ES256", "typ": "kb+jwt"} if header is None else header
    body = (
        {
            "nonce": "n-1",
            "aud": "https://aud.example",
            "iat": int(NOW.timestamp()),
            "sd_hash": sd_hash(PRESENTED),
            **changes,
        }
        if claims is None
        else claims
    )
    part1, part2 = _b64(head), _b64(body)
    return f"{part1}.{part2}.{b64url_encode(key.sign(f'{part1}.{part2}'.encode('ascii')))}"


def _check(kb: str | None, *, cnf: Any = "holder", **ctx: Any) -> tuple[str, str, str, str]:
    claims = (
        {} if cnf is None else {"cnf": {"jwk": HOLDER.public_jwk()} if cnf == "holder" else cnf}
    )
    found = _key_binding(SdJwt("a.b.c", (), kb, PRESENTED), claims, _ctx(**ctx))
    return (found.name, found.code, found.outcome, found.message)


def test_a_credential_without_cnf_and_without_key_binding_names_no_holder() -> None:
    assert _check(None, cnf=None) == (
        "holder-binding",
        "HOLDER_NOT_GIVEN",
        "skipped",
        "the credential is not bound to a holder key",
    )


def test_without_a_nonce_a_missing_key_binding_is_shown_as_unchecked() -> None:
    assert _check(None, challenge=None) == (
        "holder-binding",
        "CHALLENGE_NOT_REQUIRED",
        "skipped",
        "no nonce was required, so no key binding was checked: the presentation could be a replay",
    )
    assert _check(None) == (
        "holder-binding",
        "KB_JWT_MISSING",
        "fail",
        "the credential is bound to a holder key and the presentation has no key-binding JWT",
    )


def test_a_valid_key_binding_says_what_it_proved() -> None:
    assert _check(_kb()) == (
        "holder-binding",
        "OK",
        "pass",
        "the holder proved possession of the bound key for this verifier's nonce",
    )
    assert _check(_kb(), challenge=None, domain=None) == (
        "holder-binding",
        "OK",
        "pass",
        "the holder proved possession of the bound key",
    )


def _refused(kb: str, message: str, code: str = "KB_JWT_INVALID", **kw: Any) -> None:
    assert _check(kb, **kw) == ("holder-binding", code, "fail", f"key binding: {message}")


@pytest.mark.parametrize("cnf", [None, "not an object", ["x"]])
def test_a_key_binding_without_a_cnf_object_is_refused(cnf: Any) -> None:
    _refused(_kb(), "a key-binding JWT, but no cnf claim to check it with", cnf=cnf)


@pytest.mark.parametrize(
    ("header", "claims"), [([1], None), (None, [1]), ("x", "y"), ({"typ": "kb+jwt"}, 5)]
)
def test_header_and_claims_must_both_be_objects(header: Any, claims: Any) -> None:
    _refused(_kb(header, claims), "the key-binding JWT is not two JSON objects")


def test_the_header_and_claims_have_size_limits() -> None:
    def padded(size: int, base: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps({**base, "x": ""})
        return {**base, "x": "a" * (size - len(text))}

    header = padded(4096, {"alg": "ES256", "typ": "kb+jwt"})
    assert len(json.dumps(header)) == 4096
    assert _check(_kb(header))[1] == "OK"
    _refused(
        _kb(padded(4097, {"alg": "ES256", "typ": "kb+jwt"})),
        "document of 4097 bytes exceeds the limit of 4096",
        "INPUT_TOO_LARGE",
    )
    claims = padded(
        16_384,
        {"nonce": "n-1", "aud": "https://aud.example", "iat": int(NOW.timestamp())}
        | {"sd_hash": sd_hash(PRESENTED)},
    )
    assert _check(_kb(claims=claims))[1] == "OK"
    more = {**claims, "x": claims["x"] + "a"}
    _refused(
        _kb(claims=more), "document of 16385 bytes exceeds the limit of 16384", "INPUT_TOO_LARGE"
    )


def test_typ_and_alg_must_be_the_key_bindings_and_the_keys() -> None:
    _refused(_kb({"alg": "ES256", "typ": "JWT"}), "typ 'JWT' is not kb+jwt")
    _refused(_kb({"alg": "ES256"}), "typ None is not kb+jwt")
    _refused(
        _kb({"alg": "EdDSA", "typ": "kb+jwt"}), "alg 'EdDSA' does not fit the holder's p256 key"
    )


def test_the_signature_must_be_the_holders() -> None:
    assert _check(_kb(key=OTHER)) == (
        "holder-binding",
        "KB_JWT_INVALID",
        "fail",
        "the key-binding JWT's signature does not match",
    )


def test_sd_hash_nonce_and_audience() -> None:
    _refused(_kb(sd_hash="x"), "sd_hash does not cover what was presented")
    _refused(_kb(nonce="n-2"), "nonce is not the one asked for", "INVALID_CHALLENGE_ERROR")
    _refused(_kb(aud="https://x.example"), "aud is not this verifier", "INVALID_DOMAIN_ERROR")
    # without a nonce or an audience asked for, those claims are not compared
    assert _check(_kb(nonce="n-2", aud="x"), challenge=None, domain=None)[1] == "OK"


@pytest.mark.parametrize("iat", ["1785000000", True, 1.5e9, None])
def test_iat_must_be_a_numeric_date(iat: Any) -> None:
    _refused(_kb(iat=iat), "iat must be a NumericDate")


def test_iat_within_the_skew_ahead_and_the_window_behind() -> None:
    ahead = int((NOW + SKEW).timestamp())
    assert _check(_kb(iat=ahead))[1] == "OK"
    _refused(_kb(iat=ahead + 1), "the key-binding JWT was made in the future")
    oldest = int((NOW - SKEW - KB_MAX_AGE).timestamp())
    assert _check(_kb(iat=oldest))[1] == "OK"
    assert _check(_kb(iat=oldest - 1))[3].startswith("key binding: the key-binding JWT was made")


def test_a_key_binding_that_is_not_three_parts_is_refused_with_the_key_binding_code() -> None:
    found = _check("only.two")
    assert found[:3] == ("holder-binding", "KB_JWT_INVALID", "fail")
    assert found[3].startswith("key binding: not enough values to unpack"), found
