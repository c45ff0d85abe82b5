"""The OpenID4VP request book without a server: what a request carries, its lifetime, and how
an answer is judged (with a fake verifier, so each rule is seen alone)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import create_engine

from mcvc import generate_key
from mcvc.clock import FixedClock
from mcvc.multibase import b64url_decode
from mcvc.oid4vp.dcql import default_query
from mcvc.oid4vp.verifier import RequestBook, ResponseRefused, VerifierRequests, request_link

from .conftest import NOW

KEY = generate_key("p256")
VC = "https://www.w3.org/2018/credentials#VerifiableCredential"
BASE = "https://uni.example"


class Clock(FixedClock):
    def advance(self, seconds: float) -> None:
        self._at = self._at + timedelta(seconds=seconds)


@dataclass
class Report:
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome}


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[VerifierRequests, Clock]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'r.db'}")
    clock = Clock(NOW)
    yield (
        VerifierRequests(RequestBook(engine), KEY, base_url=BASE, clock=clock, name="Admissions"),
        clock,
    )
    engine.dispose()


def ldp_query() -> dict[str, Any]:
    return {"credentials": [{"id": "mc", "format": "ldp_vc", "meta": {"type_values": [[VC]]}}]}


def vp() -> dict[str, Any]:
    return {
        "verifiableCredential": [
            {
                "@context": ["https://www.w3.org/2018/credentials/v1"],
                "type": ["VerifiableCredential"],
                "issuer": "did:x",
            }
        ]
    }


def answers(outcome: str = "verified") -> Any:
    seen: list[tuple[Any, str, str]] = []

    def verify(entry: Any, nonce: str, client_id: str) -> Report:
        seen.append((entry, nonce, client_id))
        return Report(outcome)

    verify.seen = seen  # type: ignore[attr-defined]
    return verify


def test_a_request_as_made(setup: tuple[VerifierRequests, Clock]) -> None:
    v, _ = setup
    made = v.create(ldp_query(), purpose="admission", ttl=timedelta(minutes=5))
    client_id = f"decentralized_identifier:{KEY.did_key}"
    assert made["clientId"] == client_id
    assert made["requestUri"] == f"{BASE}/verifier/requests/{made['requestId']}/object"
    assert made["statusUri"] == f"{BASE}/verifier/requests/{made['requestId']}"
    assert made["authorizationRequest"] == request_link(client_id, made["requestUri"])
    assert made["authorizationRequest"] == (
        "openid4vp://?client_id=decentralized_identifier%3A"
        + KEY.did_key.replace(":", "%3A")
        + "&request_uri=https%3A%2F%2Funi.example%2Fverifier%2Frequests%2F"
        + made["requestId"]
        + "%2Fobject"
    )
    query = parse_qs(urlsplit(made["authorizationRequest"]).query)
    assert query == {"client_id": [client_id], "request_uri": [made["requestUri"]]}
    assert made["expiresAt"] == (NOW + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    jws = v.request_object(made["requestId"])
    assert jws is not None
    p1, p2, p3 = jws.split(".")
    header, claims = json.loads(b64url_decode(p1)), json.loads(b64url_decode(p2))
    assert header == {"alg": "ES256", "typ": "oauth-authz-req+jwt", "kid": KEY.verification_method}
    KEY.verify(b64url_decode(p3), f"{p1}.{p2}".encode())
    assert claims["client_id"] == client_id and claims["response_type"] == "vp_token"
    assert claims["response_mode"] == "direct_post"
    assert claims["response_uri"] == f"{BASE}/verifier/responses/{made['requestId']}"
    assert claims["dcql_query"] == ldp_query() and claims["aud"] == "https://self-issued.me/v2"
    assert claims["iat"] == int(NOW.timestamp()) and claims["exp"] == int(
        (NOW + timedelta(minutes=5)).timestamp()
    )
    assert (
        len(claims["nonce"]) >= 32
        and len(claims["state"]) >= 32
        and claims["nonce"] != claims["state"]
    )
    assert claims["client_metadata"]["client_name"] == "Admissions"
    assert claims["client_metadata"]["vp_formats_supported"] == {
        "dc+sd-jwt": {
            "sd-jwt_alg_values": ["EdDSA", "ES256", "ES384"],
            "kb-jwt_alg_values": ["EdDSA", "ES256", "ES384"],
        },
        "ldp_vc": {
            "proof_type_values": ["DataIntegrityProof"],
            "cryptosuite_values": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
        },
    }
    stored = v.book.get(made["requestId"])
    assert stored is not None and stored.purpose == "admission" and stored.status == "pending"
    assert stored.request_id == made["requestId"] and stored.result is None
    assert v.status(made["requestId"]) == {"requestId": made["requestId"], "status": "pending"}
    with pytest.raises(ResponseRefused, match=r"^dcql_query: credentials must be"):
        v.create({"credentials": []})
    assert v.create(default_query("urn:v"))["requestId"] != made["requestId"]


def test_lifetime(setup: tuple[VerifierRequests, Clock]) -> None:
    v, clock = setup
    made = v.create(ldp_query())
    rid = made["requestId"]
    clock.advance(599)
    assert v.request_object(rid) is not None and v.status(rid)["status"] == "pending"  # type: ignore[index]
    clock.advance(1)
    assert v.request_object(rid) is None
    assert v.status(rid)["status"] == "expired"  # type: ignore[index]
    assert v.request_object("nope") is None and v.status("nope") is None
    assert v.book.get("") is None and v.book.get("x" * 41) is None


def _state(v: VerifierRequests, rid: str) -> str:
    stored = v.book.get(rid)
    assert stored is not None
    return stored.state


def test_what_an_answer_must_be(setup: tuple[VerifierRequests, Clock]) -> None:
    v, clock = setup
    rid = v.create(ldp_query())["requestId"]
    state = _state(v, rid)
    ok = answers()
    cases: list[tuple[dict[str, str], str]] = [
        ({"state": "forged", "vp_token": "{}"}, "state does not match"),
        ({"state": state}, "vp_token is missing"),
        ({"state": state, "vp_token": "not json"}, "vp_token is not JSON"),
        ({"state": state, "vp_token": "[1]"}, "JSON object keyed"),
        ({"state": state, "vp_token": "{}"}, "JSON object keyed"),
        (
            {"state": state, "vp_token": json.dumps({"mc": []})},
            "vp_token.mc must be a non-empty array",
        ),
        (
            {"state": state, "vp_token": json.dumps({"mc": vp()})},
            "vp_token.mc must be a non-empty array",
        ),
    ]
    for form, message in cases:
        with pytest.raises(ResponseRefused, match=message):
            v.respond(rid, form, ok)
    with pytest.raises(ResponseRefused, match="no such request"):
        v.respond("nope", {"state": state}, ok)
    assert v.status(rid)["status"] == "pending"  # type: ignore[index]
    result = v.respond(rid, {"state": state, "vp_token": json.dumps({"mc": [vp()]})}, ok)
    assert result["verdict"] == "verified" and result["problems"] == []
    assert result["presentations"] == [
        {"queryId": "mc", "format": "ldp_vc", "report": {"outcome": "verified"}}
    ]
    assert result["receivedAt"] == NOW.isoformat().replace("+00:00", "Z")
    entry, nonce, client_id = ok.seen[0]
    stored = v.book.get(rid)
    assert (
        stored is not None and nonce == stored.nonce and client_id == v.client_id and entry == vp()
    )
    assert v.status(rid) == {"requestId": rid, "status": "answered", "result": result}
    with pytest.raises(ResponseRefused, match="already answered"):
        v.respond(rid, {"state": state, "vp_token": json.dumps({"mc": [vp()]})}, ok)
    late = v.create(ldp_query())["requestId"]
    clock.advance(600)
    with pytest.raises(ResponseRefused, match="expired"):
        v.respond(late, {"state": _state(v, late), "vp_token": "{}"}, ok)


def test_a_declined_request(setup: tuple[VerifierRequests, Clock]) -> None:
    v, _ = setup
    rid = v.create(ldp_query())["requestId"]
    result = v.respond(
        rid,
        {"state": _state(v, rid), "error": "access_denied", "error_description": "no"},
        answers(),
    )
    assert result == {"verdict": "declined", "error": "access_denied", "error_description": "no"}
    assert v.status(rid)["status"] == "declined"  # type: ignore[index]
    with pytest.raises(ResponseRefused, match="already answered"):
        v.respond(rid, {"state": _state(v, rid), "error": "access_denied"}, answers())
    bare = v.create(ldp_query())["requestId"]
    said = v.respond(bare, {"state": _state(v, bare), "error": "access_denied"}, answers())
    assert said == {"verdict": "declined", "error": "access_denied", "error_description": ""}


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        (["verified", "verified"], "verified"),
        (["verified", "unconfirmed"], "unconfirmed"),
        (["unconfirmed"], "unconfirmed"),
        (["unconfirmed", "inconclusive"], "inconclusive"),
        (["inconclusive", "failed", "verified"], "failed"),
    ],
)
def test_the_worst_presentation_decides(
    setup: tuple[VerifierRequests, Clock], outcomes: list[str], verdict: str
) -> None:
    v, _ = setup
    query = {
        "credentials": [
            {"id": "mc", "format": "ldp_vc", "multiple": True, "meta": {"type_values": [[VC]]}}
        ]
    }
    rid = v.create(query)["requestId"]
    queue = list(outcomes)

    def verify(entry: Any, nonce: str, client_id: str) -> Report:
        return Report(queue.pop(0))

    result = v.respond(
        rid,
        {"state": _state(v, rid), "vp_token": json.dumps({"mc": [vp()] * len(outcomes)})},
        verify,
    )
    assert result["verdict"] == verdict


def test_an_answer_that_misses_the_query_fails(setup: tuple[VerifierRequests, Clock]) -> None:
    v, _ = setup
    rid = v.create(ldp_query())["requestId"]
    two = json.dumps({"mc": [vp(), vp()], "other": [vp()]})
    result = v.respond(rid, {"state": _state(v, rid), "vp_token": two}, answers())
    assert result["verdict"] == "failed"
    assert result["problems"] == [
        "mc: several presentations where one was asked",
        "other: not a credential query of this request",
    ]
    rid = v.create(ldp_query())["requestId"]
    failed = v.respond(
        rid, {"state": _state(v, rid), "vp_token": json.dumps({"mc": [vp()]})}, answers("failed")
    )
    # a failed presentation is not counted as an answer to the query either
    assert failed["verdict"] == "failed"
    assert failed["problems"] == ["mc: no valid presentation for this credential query"]
    rid = v.create(ldp_query())["requestId"]
    wrong_type = {
        "verifiableCredential": {
            "@context": ["https://www.w3.org/2018/credentials/v1"],
            "type": ["Other"],
        }
    }
    typed = v.respond(
        rid, {"state": _state(v, rid), "vp_token": json.dumps({"mc": [wrong_type]})}, answers()
    )
    assert typed["verdict"] == "failed" and "type_values" in typed["problems"][0]


class RacingBook(RequestBook):
    """A book where another replica records its answer between our read and our write."""

    def close(self, request_id: str, state: str, status: str, result: dict[str, Any]) -> bool:
        super().close(request_id, state, status, result)
        return False


def test_a_concurrent_answer_wins(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'race.db'}")
    v = VerifierRequests(RacingBook(engine), KEY, base_url=BASE, clock=Clock(NOW), name="A")
    for form in ({"vp_token": json.dumps({"mc": [vp()]})}, {"error": "access_denied"}):
        rid = v.create(ldp_query())["requestId"]
        with pytest.raises(ResponseRefused, match="already answered; a replay is refused"):
            v.respond(rid, {"state": _state(v, rid), **form}, answers())
    engine.dispose()


def test_closing_is_for_one_pending_request(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    v = VerifierRequests(RequestBook(engine), KEY, base_url=BASE, clock=Clock(NOW), name="A")
    a, b = (v.create(ldp_query())["requestId"] for _ in range(2))
    assert v.book.close(a, "wrong state", "answered", {}) is False
    assert v.book.close(a, _state(v, a), "answered", {"x": 1}) is True
    assert v.book.close(a, _state(v, a), "answered", {"x": 2}) is False
    assert v.book.get(a).result == {"x": 1}  # type: ignore[union-attr]
    assert v.book.get(b).status == "pending"  # type: ignore[union-attr]
    engine.dispose()


def test_answers_of_the_wrong_shape_for_their_format(setup: tuple[VerifierRequests, Clock]) -> None:
    v, _ = setup
    rid = v.create(ldp_query())["requestId"]
    as_string = v.respond(
        rid, {"state": _state(v, rid), "vp_token": json.dumps({"mc": ["a.b.c~"]})}, answers()
    )
    assert as_string["problems"] == ["mc: no valid presentation for this credential query"]
    sd_query = {
        "credentials": [{"id": "sd", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:v"]}}]
    }
    rid = v.create(sd_query)["requestId"]
    as_object = v.respond(
        rid, {"state": _state(v, rid), "vp_token": json.dumps({"sd": [vp()]})}, answers()
    )
    assert as_object["problems"] == ["sd: no valid presentation for this credential query"]
    rid = v.create(ldp_query())["requestId"]
    unknown_first = json.dumps({"other": [vp()], "mc": [vp()]})
    judged = v.respond(rid, {"state": _state(v, rid), "vp_token": unknown_first}, answers())
    assert judged["problems"] == ["other: not a credential query of this request"]
    rid = v.create(ldp_query())["requestId"]
    broken = {
        "verifiableCredential": {
            "@context": ["https://unknown.example/ctx"],
            "type": ["VerifiableCredential"],
        }
    }
    unreadable = v.respond(
        rid, {"state": _state(v, rid), "vp_token": json.dumps({"mc": [broken]})}, answers()
    )
    assert "type_values" in unreadable["problems"][0]


def test_verdicts_without_a_valid_answer(setup: tuple[VerifierRequests, Clock]) -> None:
    v, _ = setup
    rid = v.create(ldp_query())["requestId"]
    only_unknown = v.respond(
        rid, {"state": _state(v, rid), "vp_token": json.dumps({"x": [vp()]})}, answers()
    )
    assert only_unknown["verdict"] == "failed" and only_unknown["presentations"] == []
    rid = v.create(ldp_query())["requestId"]
    two = json.dumps({"mc": [vp(), vp()]})
    unconfirmed = v.respond(rid, {"state": _state(v, rid), "vp_token": two}, answers("unconfirmed"))
    assert unconfirmed["verdict"] == "failed", "an unconfirmed answer that breaks the query fails"


def test_types_come_from_the_bundled_contexts_only(tmp_path: Path) -> None:
    import uuid

    from mcvc.contexts import default_loader

    # pyld caches resolved contexts process-wide: a URL of this test's own, and the loader
    # without it asked first
    url = f"https://contexts.invalid/{uuid.uuid4()}/v1"
    context = json.dumps(
        {
            "@context": {
                "type": "@type",
                "MicroCredential": "https://example.invalid/vocab#MicroCredential",
            }
        }
    ).encode()
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")
    query = {
        "credentials": [
            {
                "id": "mc",
                "format": "ldp_vc",
                "meta": {"type_values": [["https://example.invalid/vocab#MicroCredential"]]},
            }
        ]
    }
    presented = {"verifiableCredential": {"@context": [url], "type": ["MicroCredential"]}}
    untyped = {"verifiableCredential": {"@context": [url]}}
    for loader, verdict in (
        (None, "failed"),
        (default_loader().with_contexts({url: context}), "verified"),
    ):
        v = VerifierRequests(
            RequestBook(engine), KEY, base_url=BASE, clock=Clock(NOW), name="A", loader=loader
        )
        rid = v.create(query)["requestId"]
        result = v.respond(
            rid, {"state": _state(v, rid), "vp_token": json.dumps({"mc": [presented]})}, answers()
        )
        assert result["verdict"] == verdict, result
        rid = v.create(query)["requestId"]
        result = v.respond(
            rid, {"state": _state(v, rid), "vp_token": json.dumps({"mc": [untyped]})}, answers()
        )
        assert result["verdict"] == "failed"
    engine.dispose()
