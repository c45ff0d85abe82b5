"""Boundary tests that mutation testing asked for (docs/mutation.md): each one pins a limit or
a branch of a security module that the other tests reached only from one side."""

from __future__ import annotations

import base64
import gzip
import re

import pytest

from mcvc.status.bitstring import (
    MIN_BITS,
    Bitstring,
    StatusListError,
    decode_list,
    encode_list,
    parse_index,
)


def _refused(code: str, call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(StatusListError) as info:
        call(*args, **kwargs)  # type: ignore[operator]
    assert info.value.code == code
    assert str(info.value) not in ("", "None")
    return str(info.value)


# --- status/bitstring.py ---------------------------------------------------------------------


def test_first_and_last_entries_are_usable() -> None:
    bits = Bitstring.empty()
    assert bits.length == MIN_BITS
    for index in (0, 1, MIN_BITS - 1):
        changed = bits.with_value(index, 1)
        assert changed.value(index) == 1
        assert [changed.value(i) for i in {0, 1, MIN_BITS - 1} - {index}] == [0, 0]
        assert changed.with_value(index, 0) == bits
    assert "out of range" in _refused("RANGE_ERROR", bits.with_value, MIN_BITS, 1)
    assert "-1" in _refused("RANGE_ERROR", bits.with_value, -1, 1)
    assert "outside the list" in _refused("RANGE_ERROR", bits.value, MIN_BITS)
    _refused("RANGE_ERROR", bits.value, -1)


def test_values_must_fit_the_status_size() -> None:
    one = Bitstring.empty()
    _refused("RANGE_ERROR", one.with_value, 3, 2)
    _refused("RANGE_ERROR", one.with_value, 3, -1)
    two = Bitstring.empty(status_size=2)
    assert two.length == MIN_BITS and len(two.data) == MIN_BITS // 4
    for value in (0, 1, 2, 3):
        assert two.with_value(5, value).value(5) == value
        assert two.with_value(5, value).value(4) == 0 and two.with_value(5, value).value(6) == 0
    assert two.with_value(5, 2).data[1] == 0b0010_0000
    assert two.with_value(5, 1).data[1] == 0b0001_0000
    _refused("RANGE_ERROR", two.with_value, 5, 4)
    assert Bitstring.empty(MIN_BITS + 1).length == MIN_BITS + 8
    assert Bitstring.empty(10, status_size=8).length == MIN_BITS // 8


def test_setting_a_bit_keeps_its_neighbours() -> None:
    bits = Bitstring(bytes([0xFF]) * (MIN_BITS // 8))
    cleared = bits.with_value(9, 0)
    assert cleared.data[1] == 0b1011_1111 and cleared.data[0] == 0xFF
    assert cleared.with_value(9, 1) == bits


def _gz(raw: bytes, prefix: str = "u") -> str:
    return prefix + base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()


def test_decode_boundaries() -> None:
    exact = bytes(MIN_BITS // 8)
    assert decode_list(_gz(exact)).length == MIN_BITS
    message = _refused("STATUS_LIST_LENGTH_ERROR", decode_list, _gz(exact[:-1]))
    assert str(MIN_BITS - 8) in message and str(MIN_BITS) in message
    # the inflate cap is exact: max_bytes passes, one byte more does not
    assert len(decode_list(_gz(exact), max_bytes=len(exact)).data) == len(exact)
    assert "inflates beyond" in _refused(
        "INPUT_TOO_LARGE", decode_list, _gz(exact + b"\0"), max_bytes=len(exact)
    )
    # the encoded text is capped too, before decoding
    _refused("STATUS_VERIFICATION_ERROR", decode_list, "u" + "A" * 65, max_bytes=64)
    assert decode_list(_gz(exact), status_size=2).status_size == 2


@pytest.mark.parametrize(
    "encoded",
    ["", "z" + _gz(bytes(MIN_BITS // 8))[1:], None, 5, "u+/=", "uAA==", "u!!"],
)
def test_decode_refuses_what_is_not_a_multibase_gzip_list(encoded: object) -> None:
    _refused("STATUS_VERIFICATION_ERROR", decode_list, encoded)


def test_status_list_2021_lists_have_no_multibase_prefix() -> None:
    body = _gz(bytes(MIN_BITS // 8), prefix="")
    assert decode_list(body, multibase=False).length == MIN_BITS
    assert decode_list(body + "==", multibase=False).length == MIN_BITS
    _refused("STATUS_VERIFICATION_ERROR", decode_list, 5, multibase=False)
    assert "must be a string" in _refused(
        "STATUS_VERIFICATION_ERROR", decode_list, None, multibase=False
    )
    _refused("STATUS_VERIFICATION_ERROR", decode_list, body)


def test_encoding_is_gzip_in_multibase_base64url() -> None:
    encoded = encode_list(Bitstring.empty().with_value(3, 1))
    assert encoded.startswith("u") and "=" not in encoded
    assert re.fullmatch(r"u[A-Za-z0-9_-]+", encoded)
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw[0] == 0b0001_0000 and len(raw) == MIN_BITS // 8
    assert encode_list(Bitstring.empty()) == encode_list(Bitstring.empty())  # mtime 0


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("7", 7), ("131071", 131071)])
def test_indexes_parse(text: str, value: int) -> None:
    assert parse_index(text) == value


def test_index_refusal_names_the_value() -> None:
    assert "'x1'" in _refused("MALFORMED_VALUE_ERROR", parse_index, "x1")


def test_first_bit_is_the_most_significant_only() -> None:
    assert Bitstring.empty().with_value(0, 1).data[:2] == b"\x80\x00"
    assert Bitstring.empty().with_value(7, 1).data[:2] == b"\x01\x00"


def test_encoding_has_no_timestamp() -> None:
    encoded = encode_list(Bitstring.empty())
    raw = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    assert raw[:4] == b"\x1f\x8b\x08\x00" and raw[4:8] == b"\0\0\0\0"


def test_every_encoding_round_trips() -> None:
    for index in range(0, MIN_BITS, 997):
        bits = Bitstring.empty().with_value(index, 1)
        assert decode_list(encode_list(bits)) == bits


def test_decode_accepts_any_unpadded_length() -> None:
    import os

    for size in range(MIN_BITS // 8, MIN_BITS // 8 + 4):
        raw = os.urandom(size)
        body = base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()
        assert decode_list("u" + body).data == raw
        assert decode_list(body, multibase=False).data == raw


def test_text_cap_is_inclusive() -> None:
    import os

    raw = os.urandom(MIN_BITS // 8)
    body = base64.urlsafe_b64encode(gzip.compress(raw)).rstrip(b"=").decode()
    assert decode_list("u" + body, max_bytes=len(body)).data == raw
    _refused("STATUS_VERIFICATION_ERROR", decode_list, "u" + body, max_bytes=len(body) - 1)


def test_only_gzip_is_accepted() -> None:
    import zlib

    raw = bytes(MIN_BITS // 8)
    as_zlib = "u" + base64.urlsafe_b64encode(zlib.compress(raw)).rstrip(b"=").decode()
    assert "not GZIP" in _refused("STATUS_VERIFICATION_ERROR", decode_list, as_zlib)
    _refused("STATUS_VERIFICATION_ERROR", decode_list, "uAAAAAAAA")


def test_a_bomb_is_never_inflated_in_full() -> None:
    import tracemalloc

    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(256 << 20))).rstrip(b"=").decode()
    tracemalloc.start()
    try:
        _refused("INPUT_TOO_LARGE", decode_list, bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"{peak} bytes held while refusing a 256 MiB bomb"


# --- proofs/purposes.py ----------------------------------------------------------------------


def test_purposes() -> None:
    from mcvc.proofs.purposes import AssertionPurpose, AuthenticationPurpose

    auth = AuthenticationPurpose(challenge="c-1", domain="uni.example")
    good = {"proofPurpose": "authentication", "challenge": "c-1", "domain": "uni.example"}
    assert auth.validate(good) is None
    assert auth.validate({**good, "domain": ["other.example", "uni.example"]}) is None
    wrong_purpose = auth.validate({**good, "proofPurpose": "assertionMethod"})
    assert wrong_purpose is not None and wrong_purpose.code == "PROOF_PURPOSE_MISMATCH"
    assert (
        "'assertionMethod'" in wrong_purpose.message and "'authentication'" in wrong_purpose.message
    )
    other = auth.validate({**good, "challenge": "c-2"})
    assert other is not None and other.code == "INVALID_CHALLENGE_ERROR"
    assert other.message == "the proof's challenge does not match the one expected"
    missing = auth.validate({k: v for k, v in good.items() if k != "challenge"})
    assert missing is not None and missing.code == "INVALID_CHALLENGE_ERROR"
    assert missing.message == "the proof has no challenge, one was expected"
    for domain in ("other.example", ["other.example"], None, "uni.example.attacker"):
        issue = auth.validate({**good, "domain": domain})
        assert issue is not None and issue.code == "INVALID_DOMAIN_ERROR", domain
        assert repr(domain) in issue.message and "'uni.example'" in issue.message
    # without an expected challenge or domain, whatever the proof says is not checked
    assert AuthenticationPurpose().validate({"proofPurpose": "authentication"}) is None
    assert AuthenticationPurpose().proof_options() == {"proofPurpose": "authentication"}
    assert auth.proof_options() == {
        "proofPurpose": "authentication",
        "challenge": "c-1",
        "domain": "uni.example",
    }
    assert AssertionPurpose().proof_options() == {"proofPurpose": "assertionMethod"}
    assert AssertionPurpose().validate({"proofPurpose": "assertionMethod"}) is None
    assert AssertionPurpose().validate({}) is not None
