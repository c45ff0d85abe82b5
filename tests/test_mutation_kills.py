"""Boundary tests that mutation testing asked for (docs/mutation.md): each one pins a limit or
a branch of a security module that the other tests reached only from one side."""

from __future__ import annotations

import base64
import functools
import gzip
import json as _json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from mcvc import generate_key, sign
from mcvc.errors import InvalidInput, NetworkPolicyError
from mcvc.jsontext import MAX_SAFE_INTEGER, copy_json, parse_json, pointer
from mcvc.net import Fetched, Fetcher, FetchPolicy
from mcvc.proofs.engine import verify_proofs
from mcvc.status.bitstring import (
    MIN_BITS,
    Bitstring,
    StatusListError,
    decode_list,
    encode_list,
    parse_index,
)
from mcvc.status.checker import StatusChecker, default_list_verifier
from mcvc.status.lists import status_entry, status_list_credential

from .conftest import EDDSA, load


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


# --- proofs/engine.py ------------------------------------------------------------------------


_AT = datetime(2026, 10, 1, tzinfo=UTC)


@functools.cache
def _engine_key() -> Any:
    return generate_key()


def _engine_signed(**proof_changes: Any) -> dict[str, Any]:
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = _engine_key().did_key
    signed = sign(doc, _engine_key(), created=_AT)
    for name, value in proof_changes.items():
        if value is None:
            signed["proof"].pop(name, None)
        else:
            signed["proof"][name] = value
    return signed


@pytest.mark.parametrize(
    ("changes", "code", "step", "says"),
    [
        (
            {"type": "Ed25519Signature2020"},
            "UNSUPPORTED_PROOF_TYPE",
            "suite",
            "'Ed25519Signature2020'",
        ),
        ({"type": None}, "UNSUPPORTED_PROOF_TYPE", "suite", "None"),
        ({"cryptosuite": None}, "UNSUPPORTED_CRYPTOSUITE", "suite", "None"),
        ({"proofValue2": "z1"}, "PROOF_VERIFICATION_ERROR", "parse", "proof.proofValue2"),
        (
            {"https://w3id.org/security#proofValue": "z1"},
            "PROOF_VERIFICATION_ERROR",
            "parse",
            "security#proofValue",
        ),
        (
            {"verificationMethod": None},
            "PROOF_VERIFICATION_ERROR",
            "parse",
            "proof.verificationMethod",
        ),
        (
            {"verificationMethod": ""},
            "PROOF_VERIFICATION_ERROR",
            "parse",
            "proof.verificationMethod",
        ),
        ({"proofPurpose": None}, "PROOF_VERIFICATION_ERROR", "parse", "proof.proofPurpose"),
        ({"proofPurpose": 5}, "PROOF_VERIFICATION_ERROR", "parse", "proof.proofPurpose"),
        ({"proofValue": None}, "PROOF_VERIFICATION_ERROR", "parse", "proof.proofValue"),
        ({"proofValue": ["z1"]}, "PROOF_VERIFICATION_ERROR", "parse", "proof.proofValue"),
        ({"id": 5}, "PROOF_VERIFICATION_ERROR", "parse", "proof.id"),
        ({"challenge": ["c"]}, "PROOF_VERIFICATION_ERROR", "parse", "proof.challenge"),
        ({"nonce": 1}, "PROOF_VERIFICATION_ERROR", "parse", "proof.nonce"),
        ({"domain": 5}, "PROOF_VERIFICATION_ERROR", "parse", "proof.domain"),
        ({"domain": ["a.example", 5]}, "PROOF_VERIFICATION_ERROR", "parse", "proof.domain"),
        ({"domain": "a.example"}, "INVALID_SIGNATURE", "signature", ""),
        ({"domain": ["a.example", "b.example"]}, "INVALID_SIGNATURE", "signature", ""),
        (
            {"id": "urn:uuid:1", "nonce": "n", "challenge": "c"},
            "INVALID_SIGNATURE",
            "signature",
            "",
        ),
        ({"created": "yesterday"}, "PROOF_VERIFICATION_ERROR", "parse", "proof.created"),
        ({"expires": "2026-13-01T00:00:00Z"}, "PROOF_VERIFICATION_ERROR", "parse", "proof.expires"),
        (
            {"proofPurpose": "authentication"},
            "PROOF_PURPOSE_MISMATCH",
            "purpose",
            "'authentication'",
        ),
        (
            {"@context": ["https://www.w3.org/ns/credentials/examples/v2"]},
            "PROOF_VERIFICATION_ERROR",
            "parse",
            "@context",
        ),
        ({"proofValue": "uAAAA"}, "PROOF_VERIFICATION_ERROR", "parse", "proofValue"),
        ({"proofValue": "z0OIl"}, "PROOF_VERIFICATION_ERROR", "parse", "proofValue"),
        ({"verificationMethod": "did:example:1#k"}, "UNSUPPORTED_DID_METHOD", "key", "'example'"),
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "SUITE_KEY_MISMATCH", "key", ""),
        ({"previousProof": 5}, "PROOF_VERIFICATION_ERROR", "parse", "previousProof"),
        ({"previousProof": ["urn:a", 5]}, "PROOF_VERIFICATION_ERROR", "parse", "previousProof"),
        ({"previousProof": "urn:uuid:absent"}, "PROOF_VERIFICATION_ERROR", "parse", "not present"),
    ],
)
def test_each_proof_rule(changes: dict[str, Any], code: str, step: str, says: str) -> None:
    (result,) = verify_proofs(_engine_signed(**changes))
    assert (result.outcome, result.code, result.step) == ("fail", code, step), result.message
    assert says in result.message
    assert result.index == 0


def test_a_valid_proof_and_its_details() -> None:
    (result,) = verify_proofs(_engine_signed())
    assert (result.outcome, result.code, result.step) == ("pass", "OK", "done")
    key = _engine_key()
    assert result.controller == key.did_key
    assert result.to_dict()["cryptosuite"] == "eddsa-rdfc-2022"
    assert result.to_dict()["created"] == "2026-10-01T00:00:00Z"
    assert result.to_dict()["verificationMethod"] == key.verification_method


def test_proof_that_is_not_an_object() -> None:
    doc = _engine_signed()
    doc["proof"] = [doc["proof"], 7]
    results = verify_proofs(doc)
    assert [r.outcome for r in results] == ["pass", "fail"]
    assert (results[1].code, results[1].index, results[1].step) == ("PARSING_ERROR", 1, "parse")
    assert "proof 2" in results[1].message


def test_a_set_stops_at_the_first_failure_and_limits_count_exactly() -> None:
    from mcvc.canon.api import Canonicalizer
    from mcvc.limits import Limits

    good = _engine_signed()
    bad = _engine_signed(proofValue="z" + "1" * 80)
    doc = dict(good, proof=[bad["proof"], good["proof"], good["proof"]])
    results = verify_proofs(doc)
    assert len(results) == 1 and results[0].code == "INVALID_SIGNATURE"
    two = dict(good, proof=[good["proof"], dict(good["proof"])])
    assert [r.code for r in verify_proofs(two)] == ["OK", "OK"]
    at_limit = Canonicalizer(limits=Limits(max_proofs=2))
    assert [r.code for r in verify_proofs(two, canon=at_limit)] == ["OK", "OK"]
    over = verify_proofs(two, canon=Canonicalizer(limits=Limits(max_proofs=1)))
    assert [(r.code, r.index) for r in over] == [("PROOF_LIMIT", 0)]
    assert "2 proofs exceed the limit of 1" in over[0].message
    missing = verify_proofs({k: v for k, v in good.items() if k != "proof"})
    assert [(r.code, r.step, r.index) for r in missing] == [("PROOF_MISSING", "parse", 0)]


def test_chains_name_their_previous_proofs() -> None:
    key = _engine_key()
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    first = sign(doc, key, created=_AT, proof_id="urn:uuid:p1")
    second = sign(first, key, created=_AT, proof_id="urn:uuid:p2")
    chained = sign(second, key, created=_AT, previous_proof=["urn:uuid:p1", "urn:uuid:p2"])
    assert [r.code for r in verify_proofs(chained)] == ["OK", "OK", "OK"]
    one = sign(second, key, created=_AT, previous_proof="urn:uuid:p2")
    assert [r.code for r in verify_proofs(one)] == ["OK", "OK", "OK"]
    # the chained proof signs over the proof it names: naming another breaks it
    swapped = dict(
        one, proof=[*one["proof"][:2], dict(one["proof"][2], previousProof="urn:uuid:p1")]
    )
    assert [r.code for r in verify_proofs(swapped)] == ["OK", "OK", "INVALID_SIGNATURE"]


def test_deadline_is_checked_between_proofs() -> None:
    from mcvc.canon.api import Canonicalizer
    from mcvc.errors import DeadlineExceeded
    from mcvc.limits import Deadline

    ticks = iter([0.0, 0.1, 5.0, 5.0, 5.0, 5.0])
    deadline = Deadline(1.0, clock=lambda: next(ticks, 9.0))
    doc = _engine_signed()
    with pytest.raises(DeadlineExceeded):
        verify_proofs(doc, canon=Canonicalizer(deadline=deadline))


# --- status/checker.py: a fake fetcher and list verifier, an injected clock -----------------


_URL = "https://status.uni.example/lists/1"
_NOW = datetime(2026, 11, 1, tzinfo=UTC)
_ISSUER = "did:example:issuer"


class _Lists:
    def __init__(self) -> None:
        self.docs: dict[str, Any] = {}
        self.calls: list[tuple[str, str | None]] = []
        self.not_modified = False

    def fetch(
        self, url: str, *, accept: str = "", etag: str | None = None, bearer: str | None = None
    ) -> Fetched:
        # status lists are asked for as credentials (VC-JOSE or JSON-LD), JSON last
        assert accept.startswith("application/vc+ld+json") and "application/json" in accept
        self.calls.append((url, etag))
        if self.not_modified and etag:
            return Fetched(304, b"", etag)
        found = self.docs.get(url)
        if isinstance(found, Exception):
            raise found
        if found is None:
            from mcvc.errors import NetworkPolicyError

            raise NetworkPolicyError(f"{url}: 404", code="HTTP_STATUS")
        body = found if isinstance(found, bytes) else _json.dumps(found).encode()
        return Fetched(200, body, '"v1"')


class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _list_doc(bits: Bitstring | None = None, **changes: Any) -> dict[str, Any]:
    doc = status_list_credential(
        _URL, _ISSUER, bits or Bitstring.empty(), valid_from=_NOW - timedelta(days=30)
    )
    subject = changes.pop("subject", {})
    doc["credentialSubject"].update(subject)
    for name, value in changes.items():
        if value is None:
            doc.pop(name, None)
        else:
            doc[name] = value
    return doc


def _checker(lists: _Lists, clock: _Clock | None = None, valid: bool = True) -> StatusChecker:
    def verify_list(doc: dict[str, Any]) -> tuple[bool, str, str]:
        issuer = doc.get("issuer")
        return (True, str(issuer), "") if valid else (False, "", "INVALID_SIGNATURE: bad")

    return StatusChecker(lists, verify_list, clock=clock or _Clock())  # type: ignore[arg-type]


def _credential(*entries: dict[str, Any]) -> dict[str, Any]:
    status = list(entries) if len(entries) > 1 else entries[0]
    return {"issuer": {"id": _ISSUER}, "credentialStatus": status}


def _entry(index: int = 7, purpose: str = "revocation", **changes: Any) -> dict[str, Any]:
    entry = status_entry(_URL, index, purpose)
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def test_status_values_and_summaries() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(Bitstring.empty().with_value(7, 1))
    checker = _checker(lists)
    revoked = checker.check(_credential(_entry()), _NOW)
    assert (revoked.outcome, revoked.code) == ("fail", "REVOKED")
    assert revoked.message == f"status entry 1: revocation bit 7 is set in {_URL}"
    assert revoked.details == {"url": _URL, "index": 7, "purpose": "revocation", "value": 1}
    fine = checker.check(_credential(_entry(8)), _NOW)
    assert (fine.outcome, fine.code, fine.message) == ("pass", "OK", f"not revoked ({_URL} #8)")
    assert fine.details["entries"][0]["value"] == 0
    lists.docs[_URL] = _list_doc(
        Bitstring.empty().with_value(7, 1), subject={"statusPurpose": ["suspension", "refresh"]}
    )
    checker = _checker(lists)
    assert checker.check(_credential(_entry(purpose="suspension")), _NOW).code == "SUSPENDED"
    assert checker.check(_credential(_entry(purpose="refresh")), _NOW).code == "STATUS_SET"
    refresh = checker.check(_credential(_entry(9, purpose="refresh")), _NOW)
    assert refresh.message == f"not refresh set ({_URL} #9)"


def test_multi_bit_status_messages() -> None:
    lists = _Lists()
    bits = Bitstring.empty(status_size=2).with_value(7, 2)
    lists.docs[_URL] = _list_doc(bits, subject={"statusPurpose": "message"})
    message = [{"status": "0x0", "message": "ok"}, {"status": "0x2", "message": "pending"}]
    result = _checker(lists).check(
        _credential(_entry(purpose="message", statusSize=2, statusMessage=message)), _NOW
    )
    assert (result.outcome, result.message) == ("pass", "message: status value 2")
    no_messages = _checker(lists).check(_credential(_entry(purpose="message", statusSize=2)), _NOW)
    assert no_messages.code == "MALFORMED_VALUE_ERROR" and "statusMessage" in no_messages.message
    for size in (0, 9, True, "2"):
        bad = _checker(lists).check(_credential(_entry(statusSize=size)), _NOW)
        assert bad.code == "MALFORMED_VALUE_ERROR" and "statusSize" in bad.message


def test_every_entry_must_pass() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(Bitstring.empty().with_value(9, 1))
    both = _checker(lists).check(_credential(_entry(7), _entry(9)), _NOW)
    assert both.code == "REVOKED" and both.message.startswith("status entry 2: ")
    fine = _checker(lists).check(_credential(_entry(7), _entry(8)), _NOW)
    assert fine.code == "OK" and fine.message.count(";") == 1 and len(fine.details["entries"]) == 2


@pytest.mark.parametrize(
    ("entry", "code", "says"),
    [
        ("not an entry", "MALFORMED_VALUE_ERROR", "not an object"),
        ({"type": "CRLEntry"}, "UNSUPPORTED_STATUS_TYPE", "NOT known"),
        (_entry(statusPurpose=None), "MALFORMED_VALUE_ERROR", "statusPurpose"),
        (_entry(statusPurpose=""), "MALFORMED_VALUE_ERROR", "statusPurpose"),
        (_entry(statusListCredential="ftp://x/1"), "MALFORMED_VALUE_ERROR", "statusListCredential"),
        (_entry(statusListCredential=None), "MALFORMED_VALUE_ERROR", "statusListCredential"),
        (_entry(statusListIndex="-1"), "MALFORMED_VALUE_ERROR", "statusListIndex"),
    ],
)
def test_entries_are_read_strictly(entry: Any, code: str, says: str) -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc()
    result = _checker(lists).check(_credential(entry), _NOW)
    assert result.code == code and says in result.message
    assert result.outcome == ("error" if code == "UNSUPPORTED_STATUS_TYPE" else "fail")
    assert lists.calls == [], "nothing is fetched for a malformed entry"


def test_status_list_2021_entries_use_their_own_list_type() -> None:
    lists = _Lists()
    doc = _list_doc()
    doc["type"] = ["VerifiableCredential", "StatusList2021Credential"]
    doc["credentialSubject"]["type"] = "StatusList2021"
    doc["credentialSubject"]["encodedList"] = doc["credentialSubject"]["encodedList"][1:]
    lists.docs[_URL] = doc
    entry = _entry(type="StatusList2021Entry", statusSize=5)  # statusSize is not a 2021 term
    assert _checker(lists).check(_credential(entry), _NOW).code == "OK"
    assert _checker(lists).check(_credential(_entry()), _NOW).code == "STATUS_VERIFICATION_ERROR"


@pytest.mark.parametrize(
    ("doc", "says"),
    [
        (_list_doc(type=["VerifiableCredential"]), "is not a BitstringStatusListCredential"),
        (_list_doc(subject={"type": "StatusList2021"}), "is not a BitstringStatusList"),
        (_list_doc(credentialSubject="nothing"), "is not a BitstringStatusList"),
        (_list_doc(validFrom="2026-11-02T00:00:00Z"), "not valid yet"),
        (_list_doc(validUntil="2026-10-31T23:00:00Z"), "has expired"),
        (_list_doc(validFrom=None, issuanceDate="2026-11-02T00:00:00Z"), "not valid yet"),
        (_list_doc(expirationDate="2026-10-31T23:00:00Z"), "has expired"),
        (_list_doc(validUntil="soon"), "statusList.validUntil"),
        (_list_doc(issuer="did:example:other"), "issued by did:example:other"),
        (_list_doc(subject={"statusPurpose": "suspension"}), "the list serves ['suspension']"),
        ([1, 2], "is not a JSON object"),
        (b"<html>", "status list"),
    ],
)
def test_lists_are_checked(doc: Any, says: str) -> None:
    lists = _Lists()
    lists.docs[_URL] = doc
    result = _checker(lists).check(_credential(_entry()), _NOW)
    assert (result.outcome, result.code) == ("fail", "STATUS_VERIFICATION_ERROR"), result.message
    assert says in result.message


def test_clock_skew_is_allowed_both_ways() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(
        validFrom="2026-11-01T00:04:00Z", validUntil="2026-10-31T23:56:00Z"
    )
    assert _checker(lists).check(_credential(_entry()), _NOW).code == "OK"


def test_unverified_lists_and_failed_fetches() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc()
    bad = _checker(lists, valid=False).check(_credential(_entry()), _NOW)
    assert (
        bad.code == "STATUS_VERIFICATION_ERROR"
        and "does not verify: INVALID_SIGNATURE" in bad.message
    )
    down = _checker(_Lists()).check(_credential(_entry()), _NOW)
    assert (down.outcome, down.code) == ("error", "STATUS_RETRIEVAL_ERROR")
    assert down.details == {"url": _URL} and "404" in down.message


def test_cache_ttl_etag_and_expiry() -> None:
    lists, clock = _Lists(), _Clock()
    lists.docs[_URL] = _list_doc(subject={"ttl": 2000}, validUntil="2026-11-01T00:10:00Z")
    checker = _checker(lists, clock)
    assert checker.check(_credential(_entry()), _NOW).code == "OK"
    clock.t += 1.9
    assert checker.check(_credential(_entry()), _NOW).code == "OK"
    assert lists.calls == [(_URL, None)], "cached for its ttl (2 s)"
    clock.t += 0.2
    lists.not_modified = True
    assert checker.check(_credential(_entry()), _NOW).code == "OK"
    assert lists.calls[-1] == (_URL, '"v1"'), "revalidated with the ETag"
    clock.t += 1.9
    assert checker.check(_credential(_entry()), _NOW).code == "OK"
    assert len(lists.calls) == 2, "a 304 keeps the copy for another ttl"
    # past the list's validUntil the cached copy is not used, and a 304 does not revive it
    later = _NOW + timedelta(minutes=20)
    expired = checker.check(_credential(_entry()), later)
    assert expired.code == "STATUS_VERIFICATION_ERROR" and "expired" in expired.message


@pytest.mark.parametrize("ttl", [0, -5, True, "60000", None])
def test_odd_ttls_fall_back_to_five_minutes(ttl: Any) -> None:
    lists, clock = _Lists(), _Clock()
    lists.docs[_URL] = _list_doc(subject={"ttl": ttl} if ttl is not None else {})
    checker = _checker(lists, clock)
    checker.check(_credential(_entry()), _NOW)
    clock.t += 299
    checker.check(_credential(_entry()), _NOW)
    assert len(lists.calls) == 1
    clock.t += 2
    checker.check(_credential(_entry()), _NOW)
    assert len(lists.calls) == 2


def test_the_default_list_verifier() -> None:
    from mcvc.canon.api import Canonicalizer
    from mcvc.did import DidResolver

    key, other = generate_key(), generate_key()
    verify_list = default_list_verifier(DidResolver(), Canonicalizer())
    doc = status_list_credential(_URL, key.did_key, Bitstring.empty(), valid_from=_NOW)
    assert verify_list(sign(doc, key, created=_NOW)) == (True, key.did_key, "")
    as_object = dict(doc, issuer={"id": key.did_key, "name": "Uni"})
    assert verify_list(sign(as_object, key, created=_NOW)) == (True, key.did_key, "")
    valid, issuer, reason = verify_list(sign(doc, other, created=_NOW))
    assert (valid, issuer) == (False, "") and "does not belong to the list's issuer" in reason
    valid, issuer, reason = verify_list(doc)
    assert (valid, issuer) == (False, "") and reason.startswith("PROOF_MISSING: ")
    mixed = sign(sign(doc, key, created=_NOW), other, created=_NOW)
    assert verify_list(mixed)[0] is False


# --- jsontext.py -----------------------------------------------------------------------------


def _bad_json(code: str, data: Any, **kw: Any) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        parse_json(data, **kw)
    assert info.value.code == code, str(info.value)
    return info.value


def test_json_size_cap_is_exact_and_counts_bytes() -> None:
    text = '{"a": "' + "é" * 10 + '"}'
    size = len(text.encode())
    assert parse_json(text, max_bytes=size) == {"a": "é" * 10}
    assert parse_json(text.encode(), max_bytes=size) == {"a": "é" * 10}
    error = _bad_json("INPUT_TOO_LARGE", text, max_bytes=size - 1)
    assert f"{size} bytes" in str(error) and f"limit of {size - 1}" in str(error)


def test_json_depth_cap_is_exact() -> None:
    def nested(levels: int) -> str:
        return '{"a":' * levels + "1" + "}" * levels

    assert parse_json(nested(5), max_depth=5) is not None
    error = _bad_json("TOO_DEEP", nested(6), max_depth=5)
    assert error.pointer == "/a/a/a/a/a/a" and "5 levels" in str(error)
    assert parse_json("[[[]]]", max_depth=2) == [[[]]]
    _bad_json("TOO_DEEP", "[[[1]]]", max_depth=2)
    assert parse_json("{}", max_depth=0) == {} and parse_json("[]", max_depth=0) == []
    _bad_json("TOO_DEEP", '{"a": 1}', max_depth=0)
    assert parse_json('{"a": {}}', max_depth=1) == {"a": {}}


def test_json_numbers() -> None:
    assert parse_json(str(MAX_SAFE_INTEGER)) == MAX_SAFE_INTEGER
    assert parse_json(str(-MAX_SAFE_INTEGER)) == -MAX_SAFE_INTEGER
    for text in (str(MAX_SAFE_INTEGER + 1), str(-MAX_SAFE_INTEGER - 1)):
        assert "I-JSON" in str(_bad_json("NUMBER_RANGE", text))
    assert "digits" in str(_bad_json("PARSING_ERROR", "1" * 65))
    _bad_json("NUMBER_RANGE", "1" * 64)
    assert parse_json("1e308") == 1e308
    assert "finite" in str(_bad_json("NUMBER_RANGE", "-1e309"))
    for constant in ("NaN", "Infinity", "-Infinity"):
        assert "not allowed" in str(_bad_json("PARSING_ERROR", f"[{constant}]"))


def test_json_strings_keys_and_bytes() -> None:
    error = _bad_json("DUPLICATE_KEY", '{"x": {"a": 1, "b": 2, "a": 3}}')
    assert error.pointer == "/x/a" and "'a'" in str(error)
    error = _bad_json("INVALID_STRING", '{"k": ["ok", "\\udc00"]}')
    assert error.pointer == "/k/1"
    error = _bad_json("INVALID_STRING", '{"\\ud800": 1}')
    assert "key" in str(error)
    assert parse_json('{"é\\ud83d\\ude00": "\\ud83d\\ude00"}') == {"é😀": "😀"}
    assert parse_json(b"\xef\xbb\xbf{}") == {}
    assert "UTF-8" in str(_bad_json("PARSING_ERROR", b'{"a": "\xff"}'))
    assert "line 2" in str(_bad_json("PARSING_ERROR", '{\n"a" 1}'))
    assert parse_json("[]") == [] and parse_json('"x"') == "x"


def test_json_numbers_in_built_documents_are_checked_too() -> None:
    from mcvc.jsontext import _check_tree

    _check_tree({"a": [1.5, MAX_SAFE_INTEGER, True, None]}, 64)
    for bad in ({"a": float("nan")}, {"a": [2**60]}, [{"b": float("inf")}]):
        with pytest.raises(InvalidInput) as info:
            _check_tree(bad, 64)
        assert info.value.code == "NUMBER_RANGE"
    with pytest.raises(InvalidInput) as info:
        _check_tree({1: "x"}, 64)
    assert info.value.code == "PARSING_ERROR" and "not a string" in str(info.value)


def test_copy_and_pointer() -> None:
    original = {"a": [{"b": 1}], "c": "d"}
    copied = copy_json(original)
    assert copied == original and copied["a"] is not original["a"]
    assert copied["a"][0] is not original["a"][0]
    assert pointer(["a/b", "c~d", 3]) == "/a~1b/c~0d/3"
    assert pointer([]) == ""


# --- net.py ----------------------------------------------------------------------------------


_PUBLIC = FetchPolicy(resolve=lambda host: ["93.184.216.34"])


def _fetcher(handler: Any, policy: FetchPolicy = _PUBLIC) -> tuple[Fetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)  # type: ignore[no-any-return]

    return Fetcher(httpx.Client(transport=httpx.MockTransport(record)), policy), seen


def _refused_url(url: str, policy: FetchPolicy = _PUBLIC, code: str = "URL_NOT_ALLOWED") -> str:
    fetcher, seen = _fetcher(lambda r: httpx.Response(200, content=b"{}"), policy)
    with pytest.raises(NetworkPolicyError) as info:
        fetcher.get(url)
    assert info.value.code == code and seen == []
    return str(info.value)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://uni.example/x", "only HTTPS"),
        ("ftp://uni.example/x", "only HTTPS"),
        ("https:///x", "no host"),
        ("https://user:pw@uni.example/x", "credentials"),
        ("https://user@uni.example/x", "credentials"),
        ("https://127.0.0.1/x", "IP address literals"),
        ("https://[::1]/x", "IP address literals"),
        ("https://93.184.216.34/x", "IP address literals"),
        ("https://localhost/x", "local host names"),
        ("https://a.localhost/x", "local host names"),
        ("https://printer.local/x", "local host names"),
        ("https://db.internal/x", "local host names"),
    ],
)
def test_urls_refused_before_any_request(url: str, says: str) -> None:
    assert says in _refused_url(url)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
    ],
)
def test_names_resolving_to_private_addresses_are_refused(address: str) -> None:
    message = _refused_url(
        "https://uni.example/x", FetchPolicy(resolve=lambda h: ["93.184.216.34", address])
    )
    assert address in message


def test_what_the_policy_allows() -> None:
    ok = lambda r: httpx.Response(200, content=b"{}", headers={"ETag": '"e1"'})  # noqa: E731
    fetcher, _ = _fetcher(ok, FetchPolicy(allow_http=True, resolve=lambda h: ["93.184.216.34"]))
    assert fetcher.fetch("http://uni.example/x") == Fetched(200, b"{}", '"e1"')
    private, _ = _fetcher(ok, FetchPolicy(allow_private=True, allow_http=True))
    assert private.get("http://127.0.0.1:8080/x") == b"{}"
    assert private.get("https://localhost/x") == b"{}"
    # even with private addresses allowed, credentials and other schemes are not
    assert "credentials" in _refused_url("https://u:p@127.0.0.1/x", FetchPolicy(allow_private=True))
    assert "only HTTPS" in _refused_url("http://uni.example/", FetchPolicy(allow_private=True))


def test_request_headers() -> None:
    fetcher, seen = _fetcher(lambda r: httpx.Response(200, content=b"{}"))
    fetcher.fetch("https://uni.example/x", accept="application/did+json", etag='"e1"', bearer="tok")
    headers = seen[0].headers
    assert headers["accept"] == "application/did+json"
    assert headers["if-none-match"] == '"e1"' and headers["authorization"] == "Bearer tok"
    fetcher.get("https://uni.example/y")
    assert "authorization" not in seen[1].headers and "if-none-match" not in seen[1].headers
    assert seen[1].headers["accept"] == "application/json"


@pytest.mark.parametrize(
    ("response", "code", "says"),
    [
        (
            httpx.Response(302, headers={"Location": "https://x.example/"}),
            "REDIRECT_REFUSED",
            "https://x.example/",
        ),
        (
            httpx.Response(301, headers={"Location": "https://x.example/"}),
            "REDIRECT_REFUSED",
            "not followed",
        ),
        (httpx.Response(404), "HTTP_STATUS", "HTTP 404"),
        (httpx.Response(500), "HTTP_STATUS", "HTTP 500"),
        (httpx.Response(204), "HTTP_STATUS", "HTTP 204"),
        (httpx.Response(304), "REDIRECT_REFUSED", "not followed"),  # 304 without our ETag
        (
            httpx.Response(200, headers={"Content-Length": "2000"}, content=b"x" * 2000),
            "INPUT_TOO_LARGE",
            "2000 bytes",
        ),
        (httpx.Response(200, content=b"x" * 1001), "INPUT_TOO_LARGE", "limit of 1000"),
    ],
)
def test_answers_refused(response: httpx.Response, code: str, says: str) -> None:
    fetcher, _ = _fetcher(
        lambda r: response, FetchPolicy(max_bytes=1000, resolve=lambda h: ["93.184.216.34"])
    )
    with pytest.raises(NetworkPolicyError) as info:
        fetcher.fetch("https://uni.example/x")
    assert info.value.code == code and says in str(info.value)


def test_size_limit_is_inclusive_and_304_needs_an_etag() -> None:
    policy = FetchPolicy(max_bytes=1000, resolve=lambda h: ["93.184.216.34"])
    fetcher, _ = _fetcher(lambda r: httpx.Response(200, content=b"x" * 1000), policy)
    assert len(fetcher.get("https://uni.example/x")) == 1000
    declared, _ = _fetcher(
        lambda r: httpx.Response(200, headers={"Content-Length": "1000"}, content=b"x" * 1000),
        policy,
    )
    assert len(declared.get("https://uni.example/x")) == 1000
    unchanged, _ = _fetcher(lambda r: httpx.Response(304), policy)
    assert unchanged.fetch("https://uni.example/x", etag='"e"') == Fetched(304, b"", '"e"')


def test_transport_failures() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler, code in ((timeout, "TIMEOUT"), (refused, "NETWORK_ERROR")):
        fetcher, _ = _fetcher(handler)
        with pytest.raises(NetworkPolicyError) as info:
            fetcher.get("https://uni.example/x")
        assert info.value.code == code and "https://uni.example/x" in str(info.value)


def test_entry_rules_at_their_edges() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc()
    lists.docs["http://status.uni.example/lists/1"] = _list_doc()
    several = _entry(type=["StatusEntryOfSomeKind", "BitstringStatusListEntry"])
    assert _checker(lists).check(_credential(several), _NOW).code == "OK"
    plain_http = _entry(statusListCredential="http://status.uni.example/lists/1")
    lists.docs["http://status.uni.example/lists/1"]["id"] = "http://status.uni.example/lists/1"
    assert _checker(lists).check(_credential(plain_http), _NOW).code == "OK"
    message = [{"status": "0x0", "message": "ok"}]
    lists.docs[_URL] = _list_doc(
        Bitstring.empty(status_size=8), subject={"statusPurpose": "message"}
    )
    eight = _checker(lists).check(
        _credential(_entry(purpose="message", statusSize=8, statusMessage=message)), _NOW
    )
    assert eight.code == "OK"
    for entry in (_entry(statusSize=9, statusMessage=message), _entry(statusSize=2)):
        bad = _checker(lists).check(_credential(entry), _NOW)
        assert (bad.outcome, bad.code) == ("fail", "MALFORMED_VALUE_ERROR")
    nine = _checker(lists).check(_credential(_entry(statusSize=9, statusMessage=message)), _NOW)
    assert nine.message.endswith("statusSize must be an integer from 1 to 8")


def test_a_2021_entry_is_one_bit_whatever_it_says() -> None:
    lists = _Lists()
    doc = _list_doc(Bitstring.empty().with_value(7, 1))
    doc["type"] = ["VerifiableCredential", "StatusList2021Credential"]
    doc["credentialSubject"]["type"] = "StatusList2021"
    doc["credentialSubject"]["encodedList"] = doc["credentialSubject"]["encodedList"][1:]
    lists.docs[_URL] = doc
    entry = _entry(type="StatusList2021Entry", statusSize=2)
    assert _checker(lists).check(_credential(entry), _NOW).code == "REVOKED"


def test_failure_details_name_the_list() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(issuer="did:example:other")
    result = _checker(lists).check(_credential(_entry()), _NOW)
    assert result.details == {"url": _URL}
    lists.docs[_URL] = _list_doc(subject={"statusPurpose": "suspension"})
    assert _checker(lists).check(_credential(_entry()), _NOW).details == {"url": _URL}
    lists.docs[_URL] = _list_doc()
    outside = _checker(lists).check(_credential(_entry(index=MIN_BITS)), _NOW)
    assert (outside.outcome, outside.code) == ("fail", "RANGE_ERROR")
    assert (
        outside.details == {"url": _URL, "index": MIN_BITS}
        and "outside the list" in outside.message
    )


def test_a_list_read_with_another_status_size_is_fetched_again() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(
        Bitstring.empty().with_value(14, 1), subject={"statusPurpose": ["revocation", "message"]}
    )
    checker = _checker(lists)
    assert checker.check(_credential(_entry(14)), _NOW).code == "REVOKED"
    message = [{"status": "0x0", "message": "a"}, {"status": "0x2", "message": "b"}]
    two = checker.check(
        _credential(_entry(7, purpose="message", statusSize=2, statusMessage=message)), _NOW
    )
    assert two.message == "message: status value 2" and len(lists.calls) == 2


def test_cache_edges() -> None:
    lists, clock = _Lists(), _Clock()
    lists.docs[_URL] = _list_doc(subject={"ttl": 1_000_000}, validUntil="2026-11-01T01:00:00Z")
    checker = _checker(lists, clock)
    checker.check(_credential(_entry()), _NOW)
    clock.t += 999.5
    checker.check(_credential(_entry()), _NOW)
    assert len(lists.calls) == 1, "ttl is milliseconds: 1,000,000 ms is 1,000 s"
    clock.t += 0.5
    checker.check(_credential(_entry()), _NOW)
    assert len(lists.calls) == 2, "at exactly the end of the ttl the list is fetched again"
    # up to and including validUntil the cached copy is used
    assert checker.check(_credential(_entry()), _NOW + timedelta(hours=1)).code == "OK"
    assert len(lists.calls) == 2
    lists2, clock2 = _Lists(), _Clock()
    lists2.docs[_URL] = _list_doc(subject={"ttl": 1})
    short = _checker(lists2, clock2)
    short.check(_credential(_entry()), _NOW)
    clock2.t += 0.01
    short.check(_credential(_entry()), _NOW)
    assert len(lists2.calls) == 2, "a 1 ms ttl is honoured"


def test_a_changed_list_replaces_the_cached_one() -> None:
    lists, clock = _Lists(), _Clock()
    lists.docs[_URL] = _list_doc(subject={"ttl": 1000})
    checker = _checker(lists, clock)
    assert checker.check(_credential(_entry()), _NOW).code == "OK"
    lists.docs[_URL] = _list_doc(Bitstring.empty().with_value(7, 1), subject={"ttl": 1000})
    clock.t += 1.5
    assert checker.check(_credential(_entry()), _NOW).code == "REVOKED"


def test_a_304_extends_by_the_lists_own_ttl() -> None:
    lists, clock = _Lists(), _Clock()
    lists.docs[_URL] = _list_doc(subject={"ttl": 2000}, validUntil="2026-11-01T00:10:00Z")
    checker = _checker(lists, clock)
    checker.check(_credential(_entry()), _NOW)
    lists.not_modified = True
    clock.t += 2.1
    checker.check(_credential(_entry()), _NOW)
    clock.t += 2.1
    checker.check(_credential(_entry()), _NOW)
    assert len(lists.calls) == 3
    # a 304 at exactly validUntil still counts
    clock.t += 2.1
    assert (
        checker.check(_credential(_entry()), datetime(2026, 11, 1, 0, 10, tzinfo=UTC)).code == "OK"
    )


def test_list_validity_edges_with_skew() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(
        validFrom="2026-11-01T00:05:00Z", validUntil="2026-10-31T23:55:00Z"
    )
    assert _checker(lists).check(_credential(_entry()), _NOW).code == "OK"


def test_type_must_be_listed_not_contained() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(type="XBitstringStatusListCredentialX")
    assert _checker(lists).check(_credential(_entry()), _NOW).code == "STATUS_VERIFICATION_ERROR"
    lists.docs[_URL] = _list_doc(type="BitstringStatusListCredential")
    assert _checker(lists).check(_credential(_entry()), _NOW).code == "OK"


def test_large_lists_up_to_their_own_cap() -> None:
    lists = _Lists()
    lists.docs[_URL] = _list_doc(description="x" * (9 << 20))
    assert _checker(lists).check(_credential(_entry()), _NOW).code == "OK"


def test_lists_of_did_web_issuers() -> None:
    from mcvc.canon.api import Canonicalizer
    from mcvc.did import DidResolver
    from mcvc.status.checker import status_checker

    key = generate_key()
    did = "did:web:status.uni.example"
    web = key.with_id(f"{did}#k1", did)
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
        "assertionMethod": [f"{did}#k1"],
    }
    signed = sign(
        status_list_credential(_URL, did, Bitstring.empty(), valid_from=_NOW), web, created=_NOW
    )
    verify_list = default_list_verifier(DidResolver(None, {did: document}), Canonicalizer())
    assert verify_list(signed) == (True, did, "")

    def serve(request: httpx.Request) -> httpx.Response:
        if str(request.url) == _URL:
            return httpx.Response(200, json=signed)
        if str(request.url) == "https://status.uni.example/.well-known/did.json":
            return httpx.Response(200, json=document)
        return httpx.Response(404)

    checker = status_checker(
        httpx.Client(transport=httpx.MockTransport(serve)), fetch_policy=_PUBLIC
    )
    credential = {"issuer": did, "credentialStatus": _entry()}
    assert checker.check(credential, _NOW).code == "OK"


# --- proofs/engine.py: what each result says, chains over JCS, cache keys --------------------


def test_result_details_at_each_step() -> None:
    key = _engine_key()
    suite_fail = verify_proofs(_engine_signed(cryptosuite="eddsa-2099"))[0].to_dict()
    assert suite_fail == {
        "index": 0,
        "outcome": "fail",
        "code": "UNSUPPORTED_CRYPTOSUITE",
        "step": "suite",
        "message": suite_fail["message"],
        "cryptosuite": "",
        "verificationMethod": "",
        "controller": "",
        "created": "",
    }
    assert "eddsa-2099" in suite_fail["message"]
    for changes, step in (
        ({"id": 5}, "parse"),
        ({"domain": 5}, "parse"),
        ({"created": "soon"}, "parse"),
        ({"proofPurpose": "authentication"}, "purpose"),
        ({"@context": ["https://www.w3.org/ns/credentials/examples/v2"]}, "parse"),
        ({"proofValue": "z0"}, "parse"),
        ({"verificationMethod": "did:example:1#k"}, "key"),
        ({"cryptosuite": "ecdsa-rdfc-2019"}, "key"),
        ({"validFrom": None}, "signature"),
    ):
        doc = _engine_signed(**{k: v for k, v in changes.items() if k != "validFrom"})
        if "validFrom" in changes:
            doc["validFrom"] = "2020-01-01T00:00:00Z"
        result = verify_proofs(doc)[0].to_dict()
        assert result["step"] == step, (changes, result)
        assert result["cryptosuite"] in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019"), changes
        assert result["message"], changes
        if (
            step in ("purpose", "key", "signature")
            or "@context" in changes
            or "proofValue" in changes
        ):
            assert result["verificationMethod"] == doc["proof"]["verificationMethod"], changes
    transform = _engine_signed()
    transform["credentialSubject"] = dict(transform["credentialSubject"], **{"_:b0": 1})
    result = verify_proofs(transform)[0]
    assert (result.step, result.code) == ("transform", "DATA_LOSS_DETECTION_ERROR")
    assert result.message and result.cryptosuite == "eddsa-rdfc-2022"
    assert (
        result.verification_method == key.verification_method and result.controller == key.did_key
    )
    no_created = _engine_signed()
    no_created["proof"].pop("created")
    assert verify_proofs(no_created)[0].created == ""
    limit = verify_proofs(dict(_engine_signed(), proof=[{}] * 17))[0]
    assert (limit.code, limit.step) == ("PROOF_LIMIT", "parse")


def test_created_is_written_in_utc() -> None:
    from datetime import timezone

    from mcvc.proofs.engine import format_created

    local = datetime(2026, 10, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    assert format_created(local) == "2026-10-01T10:00:00Z"
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = _engine_key().did_key
    assert sign(doc, _engine_key(), created=local)["proof"]["created"] == "2026-10-01T10:00:00Z"
    with pytest.raises(ValueError):
        format_created(datetime(2026, 10, 1))


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022"])
def test_chains_naming_one_proof_and_two_chains_in_one_document(suite: str) -> None:
    key = _engine_key()
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    a = sign(doc, key, created=_AT, proof_id="urn:uuid:a", suite=suite)
    b = sign(a, key, created=_AT, proof_id="urn:uuid:b", suite=suite)
    on_a = sign(b, key, created=_AT, previous_proof="urn:uuid:a", suite=suite)
    both = sign(on_a, key, created=_AT, previous_proof="urn:uuid:b", suite=suite)
    assert [r.code for r in verify_proofs(both)] == ["OK"] * 4
    from mcvc.canon.api import Canonicalizer

    shared: dict[Any, Any] = {}
    assert [r.code for r in verify_proofs(both, canon=Canonicalizer(), shared=shared)] == ["OK"] * 4


def test_the_proof_context_must_prefix_the_documents() -> None:
    key = _engine_key()
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    signed = sign(doc, key, created=_AT, suite="eddsa-jcs-2022")
    assert verify_proofs(signed)[0].code == "OK"
    as_string = dict(signed, proof=dict(signed["proof"], **{"@context": signed["@context"][0]}))
    # a lone string is a prefix too; the hash covers the document's @context, not the proof's
    assert verify_proofs(as_string)[0].code == "OK"
    lone = dict(signed, **{"@context": signed["@context"][0]})
    lone["proof"] = dict(signed["proof"], **{"@context": [signed["@context"][0]]})
    assert verify_proofs(lone)[0].code == "INVALID_SIGNATURE"
    other = dict(
        signed,
        proof=dict(
            signed["proof"], **{"@context": ["https://www.w3.org/ns/credentials/examples/v2"]}
        ),
    )
    assert verify_proofs(other)[0].code == "PROOF_VERIFICATION_ERROR"


def test_create_proof_refuses_a_previous_proof_it_does_not_have() -> None:
    key = _engine_key()
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    with pytest.raises(InvalidInput) as info:
        sign(sign(doc, key, created=_AT), key, created=_AT, previous_proof="urn:uuid:none")
    assert info.value.code == "PROOF_VERIFICATION_ERROR" and "urn:uuid:none" in str(info.value)


def test_result_details_of_later_steps() -> None:
    from mcvc.canon.api import Canonicalizer
    from mcvc.contexts import ContextEntry, StaticLoader
    from mcvc.did import DidResolver

    key = _engine_key()
    mismatch = verify_proofs(_engine_signed(cryptosuite="ecdsa-rdfc-2019"))[0]
    assert mismatch.step == "key" and "ed25519" in mismatch.message.lower()
    did = "did:web:uni.example"
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = did
    signed = sign(doc, key.with_id(f"{did}#k1", did), created=_AT)
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
    (result,) = verify_proofs(signed, resolver=DidResolver(None, {did: document}))
    assert (result.code, result.step, result.controller) == ("VM_NOT_AUTHORIZED", "purpose", did)
    assert result.cryptosuite == "eddsa-rdfc-2022" and "authentication" not in result.message
    url = "https://www.w3.org/ns/credentials/examples/v2"
    data = StaticLoader()._entry(url).data
    loader = StaticLoader().with_entries({url: ContextEntry(url, data, "0" * 64)})
    (broken,) = verify_proofs(_engine_signed(), canon=Canonicalizer(loader))
    assert (broken.code, broken.step) == ("CONTEXT_HASH_MISMATCH", "transform")
    assert broken.message and broken.cryptosuite == "eddsa-rdfc-2022" and broken.controller


def test_indexes_of_a_set() -> None:
    key = _engine_key()
    doc = load(EDDSA / "unsigned.json")
    doc["issuer"] = key.did_key
    three = sign(sign(sign(doc, key, created=_AT), key, created=_AT), key, created=_AT)
    assert [r.index for r in verify_proofs(three)] == [0, 1, 2]


def test_json_edges_the_tree_check_sees() -> None:
    from mcvc.jsontext import _check_tree

    assert parse_json('"é"') == "é"
    assert _bad_json("INVALID_STRING", '"\\ud800"').pointer == ""
    for bad, says in ((float("inf"), "finite"), (2**60, "I-JSON"), ([1, float("nan")], "finite")):
        with pytest.raises(InvalidInput) as info:
            _check_tree(bad, 64)
        assert info.value.code == "NUMBER_RANGE" and says in str(info.value)
    with pytest.raises(InvalidInput) as info:
        _check_tree({"a": {2: 1}}, 64)
    assert info.value.pointer == "/a" and "2" in str(info.value)
    big = str(MAX_SAFE_INTEGER + 1)
    assert big in str(_bad_json("NUMBER_RANGE", f"[{big}]"))
    assert "1e400" in str(_bad_json("NUMBER_RANGE", "[1e400]"))
    with pytest.raises(InvalidInput) as info:
        _check_tree({"n": 2**60}, 64)
    assert str(2**60) in str(info.value) and info.value.pointer == "/n"


def test_fetcher_request_options_and_streams() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/moved":
            return httpx.Response(302, headers={"Location": "https://uni.example/x"})
        if request.url.path == "/chunks":
            return httpx.Response(200, content=iter([b"a" * 400, b"b" * 400, b"c" * 400]))
        if request.url.path == "/fine":
            return httpx.Response(200, content=iter([b"ab", b"cd"]))
        return httpx.Response(500)

    resolve = {"uni.example": ["93.184.216.34"]}
    policy = FetchPolicy(max_bytes=1000, timeout=2.5, resolve=lambda host: resolve[host])
    following = httpx.Client(transport=httpx.MockTransport(answer), follow_redirects=True)
    fetcher = Fetcher(following, policy)
    with pytest.raises(NetworkPolicyError) as info:
        fetcher.get("https://uni.example/moved")
    assert info.value.code == "REDIRECT_REFUSED", (
        "the caller's client follows; the fetcher does not"
    )
    assert len(seen) == 1
    with pytest.raises(NetworkPolicyError) as info:
        fetcher.get("https://uni.example/chunks")
    assert info.value.code == "INPUT_TOO_LARGE" and "limit of 1000 bytes" in str(info.value)
    assert fetcher.fetch("https://uni.example/fine").body == b"abcd"
    assert seen[-1].headers["accept"] == "application/json"
    assert seen[-1].extensions["timeout"]["read"] == 2.5
    fetcher.get("https://uni.example/fine", accept="text/plain", bearer="t0k")
    assert (
        seen[-1].headers["accept"] == "text/plain"
        and seen[-1].headers["authorization"] == "Bearer t0k"
    )
    with pytest.raises(NetworkPolicyError) as info:
        fetcher.get("https://uni.example/broken")
    assert info.value.code == "HTTP_STATUS" and info.value.details["status"] == 500


def test_scoped_addresses_are_judged_by_their_address() -> None:
    from mcvc.net import _is_public

    assert _is_public("93.184.216.34") and not _is_public("fe80::1%eth0")
    assert not _is_public("::ffff:127.0.0.1") and _is_public("2606:2800:220:1:248:1893:25c8:1946")


def test_system_resolution_of_a_local_name() -> None:
    from mcvc.net import _system_resolve

    found = _system_resolve("localhost")
    assert "127.0.0.1" in found and found == sorted(set(found))
    with pytest.raises(NetworkPolicyError) as info:
        _system_resolve("")
    assert info.value.code == "NETWORK_ERROR" and "cannot resolve" in str(info.value)


def test_parse_failures_still_name_the_suite() -> None:
    for changes in (
        {"proofValue2": "z1"},
        {"verificationMethod": None},
        {"previousProof": 5},
        {"previousProof": "urn:uuid:absent"},
    ):
        result = verify_proofs(_engine_signed(**changes))[0]
        assert (result.step, result.cryptosuite) == ("parse", "eddsa-rdfc-2022"), changes
    transform = _engine_signed()
    transform["credentialSubject"] = dict(transform["credentialSubject"], **{"_:b0": 1})
    assert "_:b0" in verify_proofs(transform)[0].message


def test_created_is_utc_whatever_the_machines_zone() -> None:
    import os
    import time
    from datetime import timezone

    from mcvc.proofs.engine import format_created

    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        local = datetime(2026, 10, 1, 12, tzinfo=timezone(timedelta(hours=2)))
        assert format_created(local) == "2026-10-01T10:00:00Z"
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
