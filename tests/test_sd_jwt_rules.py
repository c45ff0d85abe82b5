"""SD-JWT's parsing and rebuilding rules (RFC 9901 §4, §7.1) one by one, on hand-made
payloads and disclosures, so each refusal is seen alone."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from mcvc import generate_key
from mcvc.errors import McvcError
from mcvc.multibase import b64url_encode
from mcvc.sdjwt import key_from_jwk, looks_like_sd_jwt, parse_sd_jwt, reconstruct


def disclosure(*items: Any) -> str:
    return b64url_encode(json.dumps(list(items)).encode())


def digest(text: str) -> str:
    return b64url_encode(hashlib.sha256(text.encode()).digest())


def code(call: Any) -> str:
    with pytest.raises(McvcError) as caught:
        call()
    return str(caught.value.code)


def test_what_looks_like_an_sd_jwt() -> None:
    assert looks_like_sd_jwt("a.b.c~")
    assert looks_like_sd_jwt(b"  a.b.c~d~  ")
    assert looks_like_sd_jwt("a.b.c~d~e.f.g")
    assert not looks_like_sd_jwt("a.b.c")
    assert not looks_like_sd_jwt("a.b~c.d.e~")
    assert not looks_like_sd_jwt('{"a": "x.y.z~"}')
    assert not looks_like_sd_jwt('["a.b.c~"]')
    assert looks_like_sd_jwt("a.b.c~x.y~")
    assert not looks_like_sd_jwt(b"\xff\xfe.b.c")


def test_parsing() -> None:
    parsed = parse_sd_jwt(" h.p.s~d1~d2~ ")
    assert (parsed.jwt, parsed.disclosures, parsed.kb_jwt) == ("h.p.s", ("d1", "d2"), None)
    assert parsed.presented == "h.p.s~d1~d2~"
    with_kb = parse_sd_jwt(b"h.p.s~d1~k.b.j")
    assert (with_kb.disclosures, with_kb.kb_jwt, with_kb.presented) == (
        ("d1",),
        "k.b.j",
        "h.p.s~d1~",
    )
    bare = parse_sd_jwt("h.p.s~")
    assert bare.disclosures == () and bare.kb_jwt is None
    assert code(lambda: parse_sd_jwt("h.p.s")) == "SD_JWT_FORMAT"
    assert code(lambda: parse_sd_jwt("h.p.s~d1~~")) == "SD_JWT_FORMAT"
    assert code(lambda: parse_sd_jwt("h.p.s~" + "d~" * 1025)) == "SD_JWT_FORMAT"
    assert parse_sd_jwt("h.p.s~" + "d~" * 1024).disclosures == ("d",) * 1024
    limit = 8 * 1024 * 1024
    at_limit = "h.p.s~" + "x" * (limit - 7) + "~"
    assert len(at_limit) == limit and parse_sd_jwt(at_limit).jwt == "h.p.s"
    assert code(lambda: parse_sd_jwt(at_limit + "y")) == "INPUT_TOO_LARGE"
    # bytes that are not ASCII are replaced, never decoded as something else
    assert "\ufffd" in parse_sd_jwt(b"h.p.s~\xff~").disclosures[0]


def test_rebuilding_properties_and_array_elements() -> None:
    name = disclosure("s1", "dateOfBirth", "2000-01-01")
    nested = disclosure("s2", "address", {"_sd": [digest(disclosure("s3", "city", "Praha"))]})
    city = disclosure("s3", "city", "Praha")
    element = disclosure("s4", "cs")
    payload = {
        "_sd_alg": "sha-256",
        "iss": "did:x",
        "credentialSubject": {"_sd": [digest(name), digest(nested), "decoy"], "name": "Ana"},
        "languages": ["en", {"...": digest(element)}, {"...": "withheld"}],
    }
    rebuilt = reconstruct(payload, [name, nested, city, element])
    assert rebuilt.claims == {
        "iss": "did:x",
        "credentialSubject": {
            "name": "Ana",
            "dateOfBirth": "2000-01-01",
            "address": {"city": "Praha"},
        },
        "languages": ["en", "cs"],
    }
    assert rebuilt.disclosed == [
        "credentialSubject.dateOfBirth",
        "credentialSubject.address",
        "credentialSubject.address.city",
        "languages[1]",
    ]
    withheld = reconstruct(payload, [])
    assert withheld.claims["credentialSubject"] == {"name": "Ana"} and withheld.disclosed == []
    assert withheld.claims["languages"] == ["en"]
    # _sd_alg is dropped at the top only; a nested claim of that name is data
    assert reconstruct({"a": {"_sd_alg": 1}}, []).claims == {"a": {"_sd_alg": 1}}
    assert reconstruct({"_sd_alg": "sha-256"}, []).claims == {}


@pytest.mark.parametrize(
    ("payload", "disclosures", "expected"),
    [
        ({"_sd_alg": "sha-512"}, [], "SD_JWT_FORMAT"),
        ({"_sd": "x"}, [], "SD_JWT_FORMAT"),
        ({"_sd": [5]}, [], "SD_JWT_FORMAT"),
        ({}, ["!!"], "SD_JWT_DISCLOSURE"),
        ({}, [b64url_encode(b'{"a": 1}')], "SD_JWT_DISCLOSURE"),
        ({}, [disclosure("s")], "SD_JWT_DISCLOSURE"),
        ({"_sd": [digest(disclosure(5, "a", 1))]}, [disclosure(5, "a", 1)], "SD_JWT_DISCLOSURE"),
        ({"_sd": [digest(disclosure("s", 5, 1))]}, [disclosure("s", 5, 1)], "SD_JWT_DISCLOSURE"),
        (
            {"_sd": [digest(disclosure("s", "_sd", 1))]},
            [disclosure("s", "_sd", 1)],
            "SD_JWT_DISCLOSURE",
        ),
        (
            {"_sd": [digest(disclosure("s", "...", 1))]},
            [disclosure("s", "...", 1)],
            "SD_JWT_DISCLOSURE",
        ),
        (
            {"l": [{"...": digest(disclosure("s", "a", 1, 2))}]},
            [disclosure("s", "a", 1, 2)],
            "SD_JWT_DISCLOSURE",
        ),
        ({}, [disclosure("s", "a", 1), disclosure("s", "a", 1)], "SD_JWT_DISCLOSURE"),
        ({}, [disclosure("s", "a", 1)], "SD_JWT_DISCLOSURE"),  # not referenced
        # a disclosure that is a string of two or three characters is not an array
        (
            {"l": [{"...": digest(b64url_encode(b'"ab"'))}]},
            [b64url_encode(b'"ab"')],
            "SD_JWT_DISCLOSURE",
        ),
    ],
)
def test_refusals(payload: dict[str, Any], disclosures: list[str], expected: str) -> None:
    assert code(lambda: reconstruct(payload, disclosures)) == expected


def test_collisions_and_misplaced_disclosures() -> None:
    a = disclosure("s", "name", "Mallory")
    assert "already a claim" in str(_refusal({"_sd": [digest(a)], "name": "Ana"}, [a]))
    twice = {"x": {"_sd": [digest(a)]}, "y": {"_sd": [digest(a)]}}
    assert "appears twice" in str(_refusal(twice, [a]))
    in_array = {"list": [{"...": digest(a)}]}
    assert "property disclosed as an array element" in str(_refusal(in_array, [a]))
    element = disclosure("s", "cs")
    as_property = {"_sd": [digest(element)]}
    assert "array element disclosed as a property" in str(_refusal(as_property, [element]))
    repeated = {"list": [{"...": "d"}, {"...": "d"}]}
    assert "appears twice" in str(_refusal(repeated, []))
    assert "appears twice" in str(_refusal({"list": [{"...": 5}]}, []))
    # a dict that merely contains "..." beside other keys is data, not a placeholder
    assert reconstruct({"list": [{"...": "d", "x": 1}]}, []).claims == {
        "list": [{"...": "d", "x": 1}]
    }
    large = disclosure("s", "blob", "x" * (1024 * 1024))
    assert _refusal({"_sd": [digest(large)]}, [large]).code == "SD_JWT_DISCLOSURE"


def _refusal(payload: dict[str, Any], disclosures: list[str]) -> McvcError:
    with pytest.raises(McvcError) as caught:
        reconstruct(payload, disclosures)
    assert caught.value.code == "SD_JWT_DISCLOSURE"
    return caught.value


def test_paths_values_and_names_at_every_depth() -> None:
    top = disclosure("s", "top", 1)
    inner = disclosure("s2", "x", "y")
    element = disclosure("s3", {"_sd": [digest(inner)]})
    odd_value = disclosure("s4", "name", "...")
    number = disclosure("s5", 7)
    plain = {"k": [{"_sd": [digest(odd_value)]}]}
    payload = {
        "_sd": [digest(top)],
        "list": [{"...": digest(element)}, {"...": digest(number)}],
        **plain,
    }
    rebuilt = reconstruct(payload, [top, inner, element, odd_value, number])
    assert rebuilt.claims == {"top": 1, "list": [{"x": "y"}, 7], "k": [{"name": "..."}]}
    # claims in the clear are walked first, then the object's own disclosures
    assert rebuilt.disclosed == ["list[0]", "list[0].x", "list[1]", "k[0].name", "top"]
    deep = reconstruct({"a": {"b": {"_sd": [digest(inner)]}}}, [inner])
    assert deep.claims == {"a": {"b": {"x": "y"}}} and deep.disclosed == ["a.b.x"]


def test_issuing_puts_the_envelope_claims_in_the_clear() -> None:
    from mcvc import issue_sd_jwt
    from mcvc.jose import parse_jose

    from .conftest import NOW

    issuer, holder = generate_key("ed25519"), generate_key("p256")
    credential = {
        "issuer": {"id": issuer.did_key},
        "credentialSubject": {"dateOfBirth": "2000-01-01", "name": "Ana", "deep": "x"},
    }
    token = issue_sd_jwt(
        credential, issuer, now=NOW, holder_jwk=holder.public_jwk(), vct="urn:v", decoys=0
    )
    claims = parse_jose(token.split("~")[0]).claims
    assert claims["iss"] == issuer.did_key and claims["vct"] == "urn:v"
    assert claims["iat"] == int(NOW.timestamp()) and claims["_sd_alg"] == "sha-256"
    assert claims["cnf"] == {"jwk": holder.public_jwk()}
    assert (
        "dateOfBirth" not in claims["credentialSubject"]
        and len(claims["credentialSubject"]["_sd"]) == 1
    )
    unbound = parse_jose(issue_sd_jwt(credential, issuer, now=NOW).split("~")[0]).claims
    assert "cnf" not in unbound
    as_string = parse_jose(
        issue_sd_jwt({**credential, "issuer": issuer.did_key}, issuer, now=NOW).split("~")[0]
    )
    assert as_string.claims["iss"] == issuer.did_key
    doc = {
        **credential,
        "iss": "x",
        "vct": "y",
        "credentialSubject": {**credential["credentialSubject"], "_sd": []},
    }
    for bad in ("iss", "vct", "credentialSubject._sd"):
        with pytest.raises(ValueError, match="cannot be selectively disclosable"):
            issue_sd_jwt(doc, issuer, now=NOW, disclosable=[bad])
    # a nested "iss" is data, and may be disclosable; a path through a non-object is skipped
    nested = {**credential, "credentialSubject": {**credential["credentialSubject"], "iss": "z"}}
    made = issue_sd_jwt(
        nested,
        issuer,
        now=NOW,
        disclosable=[
            "credentialSubject.iss",
            "credentialSubject.name.x",
            "credentialSubject.name.x.y",
        ],
    )
    assert [
        json.loads(__import__("mcvc.multibase", fromlist=["x"]).b64url_decode(d))[1]
        for d in made.split("~")[1:-1]
    ] == ["iss"]
    with pytest.raises(ValueError, match="issuer id"):
        issue_sd_jwt({"credentialSubject": {}}, issuer, now=NOW)


def test_presenting_keeps_the_chosen_disclosures_in_order() -> None:
    from mcvc import issue_sd_jwt, present_sd_jwt

    from .conftest import NOW

    issuer, holder = generate_key("ed25519"), generate_key("p256")
    credential = {
        "issuer": issuer.did_key,
        "credentialSubject": {
            "dateOfBirth": "2000-01-01",
            "nationalID": "X",
            "emailAddress": "a@b",
        },
    }
    token = issue_sd_jwt(credential, issuer, now=NOW)
    shown = present_sd_jwt(token, reveal=["nationalID", "emailAddress"])
    parsed = parse_sd_jwt(shown)
    assert shown == parsed.jwt + "~" + "".join(d + "~" for d in parsed.disclosures)
    assert sorted(
        json.loads(__import__("mcvc.multibase", fromlist=["x"]).b64url_decode(d))[1]
        for d in parsed.disclosures
    ) == ["emailAddress", "nationalID"]
    for missing in (
        {"audience": "a", "now": NOW},
        {"nonce": "n", "now": NOW},
        {"nonce": "n", "audience": "a"},
    ):
        with pytest.raises(ValueError, match="needs nonce, audience and now"):
            present_sd_jwt(token, holder_key=holder, **missing)  # type: ignore[arg-type]


def test_the_holder_key() -> None:
    key = generate_key("p384")
    assert key_from_jwk(key.public_jwk()).public_jwk() == key.public_jwk()
    for bad in (
        "x",
        {**key.public_jwk(), "d": "AA"},
        {**key.public_jwk(), "p": "AA"},
        {**key.public_jwk(), "q": "AA"},
        {"kty": "EC"},
    ):
        assert code(lambda bad=bad: key_from_jwk(bad)) == "KB_JWT_INVALID"
