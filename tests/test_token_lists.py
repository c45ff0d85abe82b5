"""Status List Tokens made from the ledger's Bitstring lists (mcvc.issuing.token_lists)."""

from __future__ import annotations

from datetime import timedelta

from mcvc import generate_key
from mcvc.issuing.token_lists import sign_token_list, status_claim, token_list_from_bits
from mcvc.jose import parse_jose
from mcvc.status.bitstring import Bitstring
from mcvc.status.token import decode_token_list

from .conftest import NOW


def test_statuses_map_to_the_token_values() -> None:
    revocation = Bitstring.empty().with_value(0, 1).with_value(9, 1).with_value(131071, 1)
    suspension = Bitstring.empty().with_value(9, 1).with_value(5, 1).with_value(8, 1)
    both = decode_token_list(token_list_from_bits(revocation, suspension))
    assert both.bits == 2
    # revoked wins over suspended (9); a suspended entry is 0x02; every other entry 0x00
    assert [both.value(i) for i in (0, 5, 8, 9, 10, 131071)] == [1, 2, 2, 1, 0, 1]
    assert sum(both.value(i) != 0 for i in range(131072)) == 5
    only = decode_token_list(token_list_from_bits(revocation))
    assert only.bits == 1 and [only.value(i) for i in (0, 1, 9, 131071)] == [1, 0, 1, 1]


def test_the_token_is_signed_for_its_uri() -> None:
    key = generate_key("p256")
    claim = token_list_from_bits(Bitstring.empty())
    token = sign_token_list(
        "https://u.example/status/1/token", claim, key, now=NOW, ttl_seconds=300
    )
    parsed = parse_jose(token)
    assert parsed.form == "status-list"
    assert parsed.header == {
        "alg": "ES256",
        "typ": "statuslist+jwt",
        "kid": key.verification_method,
    }
    now = int(NOW.timestamp())
    assert parsed.claims == {
        "sub": "https://u.example/status/1/token",
        "iat": now,
        "exp": now + 600,
        "ttl": 300,
        "status_list": claim,
    }
    key.verify(parsed.signature, parsed.signing_input)
    eddsa = parse_jose(sign_token_list("u", claim, generate_key(), now=NOW, ttl_seconds=1))
    assert eddsa.header["alg"] == "EdDSA"
    assert timedelta(seconds=parsed.claims["ttl"]) == timedelta(minutes=5)


def test_the_status_claim_follows_the_revocation_entry() -> None:
    entry = {
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": "https://u.example/status/demo/1",
    }
    suspension = {**entry, "statusPurpose": "suspension", "statusListCredential": "x-suspension"}
    expected = {"status_list": {"idx": 42, "uri": "https://u.example/status/demo/1/token"}}
    assert status_claim({"credentialStatus": entry}) == expected
    assert status_claim({"credentialStatus": [suspension, entry]}) == expected
    assert status_claim({"credentialStatus": [suspension]}) is None
    assert status_claim({"credentialStatus": {**entry, "type": "StatusList2021Entry"}}) is None
    assert status_claim({}) is None
