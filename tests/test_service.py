"""The VC-API service, driven over real HTTP: issue, verify, present, revoke, and the failure
shapes. The service runs in this process on a loopback socket with an injected clock."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import (
    build_credential,
    create_presentation,
    did_web_document,
    elements_from_dict,
    generate_key,
    load_key,
    save_key,
    sign,
    sign_presentation,
    verify,
)
from mcvc.issuing.ledger import Ledger
from mcvc.service.config import ConfigError, ServiceConfig

from .conftest import EDDSA, NOW, ROOT, load
from .service_helpers import DEMO_KEY, TOKEN, base_config, did_web_issuer, free_port, running

AUTH = {"Authorization": f"Bearer {TOKEN}"}


class MovableClock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> Any:
        return self.at


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def service(tmp_path: Path, clock: MovableClock) -> Iterator[str]:
    port = free_port()
    with running(base_config(port, f"sqlite:///{tmp_path / 'ledger.db'}"), clock) as url:
        yield url


@pytest.fixture
def unsigned() -> dict[str, Any]:
    elements = elements_from_dict(load(ROOT / "examples" / "microcredential.json"))
    return build_credential(elements, issuer=load_key(DEMO_KEY).controller_id)


def _issue(url: str, credential: dict[str, Any], **options: Any) -> httpx.Response:
    body: dict[str, Any] = {"credential": credential}
    if options:
        body["options"] = options
    return httpx.post(f"{url}/credentials/issue", json=body, headers=AUTH, timeout=30)


def _verify(url: str, vc: Any) -> httpx.Response:
    return httpx.post(f"{url}/credentials/verify", json={"verifiableCredential": vc}, timeout=30)


def _codes(body: dict[str, Any]) -> dict[str, str]:
    return {c["check"]: c["code"] for c in body["checks"]}


# --- issue and verify -----------------------------------------------------------------------


def test_issue_then_verify_over_http(service: str, unsigned: dict[str, Any]) -> None:
    r = _issue(service, unsigned, credentialId="s2024-4411/dpe/1")
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert vc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert vc["proof"]["created"] == "2026-11-01T12:00:00Z"
    assert vc["credentialStatus"][0]["statusListCredential"] == f"{service}/status/demo/1"
    assert "https://www.w3.org/ns/credentials/status/v1" in vc["@context"]
    assert unsigned.get("credentialStatus") is None  # the request's document is untouched

    v = _verify(service, vc)
    assert v.status_code == 200, v.text
    body = v.json()
    assert body["verified"] is True and body["outcome"] == "verified"
    assert _codes(body)["status"] == "OK" and _codes(body)["proof"] == "OK"
    # the VC-API policy: verified, and the issuer no trust source confirms is a warning
    assert body["policy"] == "vc-api" and body["facets"]["issuer"] == "unknown"
    assert body["problemDetails"] == []
    assert [w["title"] for w in body["warnings"]] == ["TRUST_NOT_CHECKED"]
    # and independently of the service
    assert verify(vc, now=NOW).check("proof").code == "OK"  # type: ignore[union-attr]


def test_same_credential_id_is_issued_once(
    service: str, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    first = _issue(service, unsigned, credentialId="row-7")
    again = _issue(service, unsigned, credentialId="row-7")
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content  # the exact stored bytes

    changed = json.loads(json.dumps(unsigned))
    changed["credentialSubject"]["givenName"] = {"en": "Marie"}
    conflict = _issue(service, changed, credentialId="row-7")
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "CREDENTIAL_CONFLICT"

    other_key = _issue(service, unsigned, credentialId="row-8")
    assert other_key.status_code == 409  # credential.id is already issued under row-7
    assert other_key.json()["code"] == "CREDENTIAL_ID_TAKEN"
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        assert ledger.counts() == {"issued": 1}
    finally:
        ledger.close()


def test_concurrent_requests_for_one_credential_issue_it_once(
    service: str, unsigned: dict[str, Any]
) -> None:
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _issue(service, unsigned, credentialId="race"), range(8)))
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["verifiableCredential"]["proof"]["proofValue"] for a in answers}) == 1


def test_issue_without_any_id_gives_a_new_credential_each_time(
    service: str, unsigned: dict[str, Any]
) -> None:
    bare = {k: v for k, v in unsigned.items() if k != "id"}
    a, b = _issue(service, bare), _issue(service, bare)
    assert a.status_code == b.status_code == 201
    ids = {r.json()["verifiableCredential"]["id"] for r in (a, b)}
    assert len(ids) == 2 and all(i.startswith("urn:uuid:") for i in ids)


def test_issuer_filled_in_from_the_token(service: str, unsigned: dict[str, Any]) -> None:
    bare = {k: v for k, v in unsigned.items() if k != "issuer"}
    r = _issue(service, bare, credentialId="no-issuer")
    assert r.status_code == 201, r.text
    assert r.json()["verifiableCredential"]["issuer"] == load_key(DEMO_KEY).controller_id


def test_vc2_credential(service: str) -> None:
    credential = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": load_key(DEMO_KEY).controller_id,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "alumniOf": "The School of Examples"},
    }
    r = _issue(service, credential, credentialId="vc2")
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    assert "issuanceDate" not in vc and vc["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert _verify(service, vc).status_code == 200


# --- who may issue --------------------------------------------------------------------------


def test_issuing_needs_a_token(service: str, unsigned: dict[str, Any]) -> None:
    body = {"credential": unsigned}
    r = httpx.post(f"{service}/credentials/issue", json=body)
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = httpx.post(
        f"{service}/credentials/issue", json=body, headers={"Authorization": "Bearer wrong"}
    )
    assert r.status_code == 401
    r = httpx.post(f"{service}/credentials/issue", json=body, headers={"X-API-Key": TOKEN})
    assert r.status_code == 201


def test_issuer_not_configured_or_not_the_tokens(tmp_path: Path, unsigned: dict[str, Any]) -> None:
    other = generate_key("ed25519")
    save_key(other, tmp_path / "other.json")
    port = free_port()
    config = base_config(port, f"sqlite:///{tmp_path / 'l.db'}")
    config["issuers"].append(
        {"name": "other", "key": str(tmp_path / "other.json"), "token_sha256": ["0" * 64]}
    )
    with running(config) as url:
        as_other = {**unsigned, "issuer": {**unsigned["issuer"], "id": other.controller_id}}
        r = _issue(url, as_other)
        assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
        stranger = {**unsigned, "issuer": {**unsigned["issuer"], "id": "did:web:elsewhere.example"}}
        r = _issue(url, stranger)
        assert r.status_code == 400 and r.json() == {
            "code": "UNKNOWN_ISSUER",
            "message": "'did:web:elsewhere.example' is not an issuer of this service",
            "field": "credential.issuer",
        }


# --- failure shapes -------------------------------------------------------------------------


def test_request_failures_name_the_field(service: str, unsigned: dict[str, Any]) -> None:
    def post(body: Any, **kw: Any) -> httpx.Response:
        return httpx.post(
            f"{service}/credentials/issue",
            headers={**AUTH, **kw.pop("headers", {})},
            content=body,
            **kw,
        )

    r = post(b"{}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = post(b'{"credential": {"a": 1, "a": 2}}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "DUPLICATE_KEY"
    assert r.json()["field"] == "/credential/a"
    r = post(json.dumps({"credential": []}).encode(), headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["field"] == "credential"
    r = post(
        json.dumps({"credential": unsigned, "options": {"credentialId": 5}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["field"] == "options.credentialId"
    r = post(
        json.dumps({"credential": unsigned, "extra": 1}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["field"] == "extra"
    signed = sign(unsigned, load_key(DEMO_KEY))
    assert _issue(service, signed).json()["field"] == "credential.proof"
    with_status = {**unsigned, "credentialStatus": {"type": "BitstringStatusListEntry"}}
    r = _issue(service, with_status)
    assert r.json()["field"] == "credential.credentialStatus"
    assert r.json()["code"] == "MALFORMED_VALUE_ERROR"
    typeless = {**unsigned, "credentialStatus": [{"id": "https://lists.example/1#5"}]}
    assert _issue(service, typeless).json()["code"] == "TYPE_REQUIRED"
    undefined = {**unsigned, "notAnElmTerm": "dropped silently elsewhere"}
    r = _issue(service, undefined, credentialId="undefined-term")
    assert r.status_code == 400 and r.json()["field"] == "credential"
    assert "notAnElmTerm" in r.json()["message"]
    r = _issue(service, unsigned, mandatoryPointers=["/issuer"])
    assert r.status_code == 400 and r.json()["field"] == "options.mandatoryPointers"


def test_status_entries_the_caller_gives_are_kept_beside_the_services(
    tmp_path: Path, unsigned: dict[str, Any]
) -> None:
    theirs = {
        "id": "https://registry.uni.example/lists/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://registry.uni.example/lists/3",
    }
    other_kind = {
        "id": "https://example.org/status/1",
        "type": "https://example.org/vocab#CustomStatusEntry",
    }
    given = {**unsigned, "credentialStatus": [theirs, other_kind]}
    with running(base_config(free_port(), f"sqlite:///{tmp_path / 'l.db'}")) as url:
        r = _issue(url, given, credentialId="caller-status")
        assert r.status_code == 201, r.text
        entries = r.json()["verifiableCredential"]["credentialStatus"]
        assert entries[:2] == [theirs, other_kind]
        assert entries[2]["statusListCredential"].startswith(f"{url}/status/demo/")
    strict = base_config(free_port(), f"sqlite:///{tmp_path / 'l2.db'}")
    strict["issuers"][0]["caller_status"] = False
    with running(strict) as url:
        r = _issue(url, given, credentialId="caller-status")
        assert r.status_code == 400 and r.json()["field"] == "credential.credentialStatus"


def test_body_size_limit(tmp_path: Path) -> None:
    port = free_port()
    config = base_config(port, f"sqlite:///{tmp_path / 'l.db'}", limits={"max_body_bytes": 4096})
    with running(config) as url:
        big = {"verifiableCredential": {"x": "y" * 5000}}
        r = httpx.post(f"{url}/credentials/verify", json=big)
        assert r.status_code == 413 and r.json()["code"] == "INPUT_TOO_LARGE"

        def chunks() -> Iterator[bytes]:  # no Content-Length: the stream itself is counted
            yield b'{"verifiableCredential": "'
            yield b"y" * 5000
            yield b'"}'

        r = httpx.post(
            f"{url}/credentials/verify",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 413


def test_verify_verdicts_and_status_codes(
    service: str, unsigned: dict[str, Any], tmp_path: Path
) -> None:
    vc = _issue(service, unsigned, credentialId="v").json()["verifiableCredential"]
    tampered = json.loads(json.dumps(vc))
    tampered["credentialSubject"]["hasClaim"]["title"]["en"] += " (forged)"
    r = _verify(service, tampered)
    assert r.status_code == 400
    body = r.json()
    assert body["verified"] is False and body["outcome"] == "failed"
    assert {p["title"] for p in body["problemDetails"]} == {"INVALID_SIGNATURE"}
    assert body["problemDetails"][0]["check"] == "proof"

    # the W3C vector: a good proof, but its key is not the issuer's
    r = _verify(service, load(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json"))
    assert r.status_code == 400 and _codes(r.json())["issuer"] == "ISSUER_MISMATCH"

    r = httpx.post(
        f"{service}/credentials/verify",
        content=b'{"verifiableCredential": {"id": 1, "id": 2}}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and _codes(r.json())["parse"] == "DUPLICATE_KEY"
    r = httpx.post(f"{service}/credentials/verify", json={"credential": vc})
    assert r.status_code == 400 and r.json()["code"] == "REQUEST_INVALID"

    # inconclusive: a verifier that may not fetch status lists cannot say "not revoked"
    port = free_port()
    offline = base_config(
        port, f"sqlite:///{tmp_path / 'offline.db'}", verify={"allow_network": False}
    )
    with running(offline) as url:
        r = _verify(url, vc)
        assert r.status_code == 422
        assert r.json()["outcome"] == "inconclusive"
        assert {w["title"] for w in r.json()["warnings"]} == {
            "STATUS_NOT_CHECKED",
            "TRUST_NOT_CHECKED",
        }


# --- revocation and status lists ------------------------------------------------------------


def _status(
    url: str, credential_id: str, purpose: str, value: bool, headers: dict[str, str] = AUTH
) -> httpx.Response:
    return httpx.post(
        f"{url}/credentials/status",
        json={
            "credentialId": credential_id,
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
            "status": value,
        },
        headers=headers,
        timeout=30,
    )


def test_revoke_suspend_and_status_lists(service: str, unsigned: dict[str, Any]) -> None:
    vc = _issue(service, unsigned, credentialId="learner-1").json()["verifiableCredential"]
    assert _verify(service, vc).status_code == 200

    r = _status(service, "learner-1", "suspension", True)
    assert r.status_code == 200, r.text
    assert r.json()["statusListCredential"] == f"{service}/status/demo/1-suspension"
    v = _verify(service, vc)
    assert v.status_code == 400 and _codes(v.json())["status"] == "SUSPENDED"
    assert _status(service, vc["id"], "suspension", False).status_code == 200  # by credential id
    assert _verify(service, vc).status_code == 200

    listed = httpx.get(f"{service}/status/demo/1")
    assert listed.status_code == 200 and listed.json()["type"] == [
        "VerifiableCredential",
        "BitstringStatusListCredential",
    ]
    etag = listed.headers["ETag"]
    assert httpx.get(f"{service}/status/demo/1", headers={"If-None-Match": etag}).status_code == 304

    assert _status(service, "learner-1", "revocation", True).status_code == 200
    changed = httpx.get(f"{service}/status/demo/1", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    v = _verify(service, vc)
    assert v.status_code == 400
    assert [p["title"] for p in v.json()["problemDetails"]] == ["REVOKED"]

    assert _status(service, "nobody", "revocation", True).status_code == 404
    assert _status(service, "learner-1", "revocation", True, headers={}).status_code == 401
    assert httpx.get(f"{service}/status/demo/99").status_code == 404
    assert httpx.get(f"{service}/status/nobody/1").status_code == 404


# --- presentations and challenges -----------------------------------------------------------


def _presentation(url: str, vc: dict[str, Any], challenge: str, holder: Any) -> httpx.Response:
    vp = sign_presentation(
        create_presentation([vc], holder=holder.controller_id),
        holder,
        challenge=challenge,
        domain="uni.example",
        created=NOW,
    )
    return httpx.post(
        f"{url}/presentations/verify",
        json={
            "verifiablePresentation": vp,
            "options": {"challenge": challenge, "domain": "uni.example"},
        },
        timeout=30,
    )


def _learner_owned(unsigned: dict[str, Any], holder: Any) -> dict[str, Any]:
    credential = json.loads(json.dumps(unsigned))
    credential["credentialSubject"]["id"] = holder.controller_id
    return credential


def test_presentation_with_a_single_use_challenge(
    service: str, unsigned: dict[str, Any], clock: MovableClock
) -> None:
    holder = generate_key("ed25519")
    vc = _issue(service, _learner_owned(unsigned, holder), credentialId="vp").json()[
        "verifiableCredential"
    ]
    challenge = httpx.post(f"{service}/challenges").json()["challenge"]
    r = _presentation(service, vc, challenge, holder)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "presentation" and _codes(body)["challenge-issued"] == "OK"
    assert body["credentials"][0]["outcome"] == "verified"

    replay = _presentation(service, vc, challenge, holder)
    assert replay.status_code == 400
    assert _codes(replay.json())["challenge-issued"] == "CHALLENGE_REUSED"

    forged = _presentation(service, vc, "my-own-challenge", holder)
    assert (
        forged.status_code == 400
        and _codes(forged.json())["challenge-issued"] == "CHALLENGE_UNKNOWN"
    )

    late = httpx.post(f"{service}/challenges").json()["challenge"]
    clock.at = NOW + timedelta(seconds=601)
    expired = _presentation(service, vc, late, holder)
    assert (
        expired.status_code == 400
        and _codes(expired.json())["challenge-issued"] == "CHALLENGE_EXPIRED"
    )

    r = httpx.post(
        f"{service}/presentations/verify", json={"presentation": {}, "verifiablePresentation": {}}
    )
    assert r.status_code == 400 and r.json()["code"] == "REQUEST_INVALID"


def test_challenges_from_one_replica_are_accepted_once_by_another(
    tmp_path: Path, unsigned: dict[str, Any]
) -> None:
    ledger = f"sqlite:///{tmp_path / 'shared.db'}"
    holder = generate_key("ed25519")
    a_port, b_port = free_port(), free_port()
    with running(base_config(a_port, ledger)) as a, running(base_config(b_port, ledger)) as b:
        vc = _issue(a, _learner_owned(unsigned, holder), credentialId="shared").json()[
            "verifiableCredential"
        ]
        challenge = httpx.post(f"{a}/challenges").json()["challenge"]
        assert _presentation(b, vc, challenge, holder).status_code == 200
        again = _presentation(a, vc, challenge, holder)
        assert _codes(again.json())["challenge-issued"] == "CHALLENGE_REUSED"


def test_verification_is_rate_limited(tmp_path: Path) -> None:
    port = free_port()
    config = base_config(
        port, f"sqlite:///{tmp_path / 'l.db'}", limits={"verify_per_minute": 1, "verify_burst": 2}
    )
    with running(config) as url:
        answers = [httpx.post(f"{url}/challenges") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert int(answers[2].headers["Retry-After"]) >= 1
        assert answers[2].json()["code"] == "RATE_LIMITED"


# --- did:web, OpenAPI, configuration --------------------------------------------------------


def test_did_web_issuer_document_and_credentials(tmp_path: Path, unsigned: dict[str, Any]) -> None:
    config = base_config(free_port(), f"sqlite:///{tmp_path / 'l.db'}")
    did, key = did_web_issuer(config, tmp_path, ":issuers:demo")
    with running(config) as url:
        doc = httpx.get(f"{url}/issuers/demo/did.json")
        assert doc.status_code == 200
        assert doc.json() == did_web_document(did, [key.with_id(f"{did}#key-1", did)])
        assert httpx.get(f"{url}/.well-known/did.json").status_code == 404
        as_web = {**unsigned, "issuer": {**unsigned["issuer"], "id": did}}
        vc = _issue(url, as_web, credentialId="web").json()["verifiableCredential"]
        assert vc["proof"]["verificationMethod"] == f"{did}#key-1"
        assert vc["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"
        report = verify(vc, now=NOW, did_documents={did: doc.json()})
        assert report.check("proof").code == "OK"  # type: ignore[union-attr]
        assert report.check("issuer").code == "OK"  # type: ignore[union-attr]


def test_openapi_document_describes_the_routes(service: str) -> None:
    doc = httpx.get(f"{service}/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) >= {
        "/credentials/issue",
        "/credentials/verify",
        "/presentations/verify",
        "/challenges",
        "/credentials/status",
        "/status/{issuer}/{list}",
    }
    issue = doc["paths"]["/credentials/issue"]["post"]
    assert issue["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/credentials/verify"]["post"]["security"] == []
    assert "VerificationResult" in doc["components"]["schemas"]


def test_configuration_errors_are_specific(tmp_path: Path) -> None:
    def refused(**changes: Any) -> str:
        config = base_config(8080, "sqlite://")
        config["issuers"][0].update(changes)
        with pytest.raises(ConfigError) as info:
            from mcvc.service.app import create_app

            create_app(ServiceConfig.from_dict(config))
        return str(info.value)

    assert "no token" in refused(token_sha256=[])
    assert "issuers.0.name" in refused(name="Not A Slug")
    assert "issuers.demo.key" in refused(key=str(tmp_path / "missing.json"))
    assert "issuers.0.token_sha256" in refused(token_sha256=["abc"])
    with pytest.raises(ConfigError, match=r"verify\.allow_netwrok"):
        ServiceConfig.from_dict({"verify": {"allow_netwrok": True}})
    path = tmp_path / "bad.toml"
    path.write_text("public_url = ", "utf-8")
    with pytest.raises(ConfigError, match=r"bad\.toml"):
        ServiceConfig.load(path)
    assert (
        hashlib.sha256(TOKEN.encode()).hexdigest()
        in ServiceConfig.from_dict(base_config(8080, "sqlite://")).issuers[0].token_hashes()
    )


def test_serve_command_refuses_a_bad_configuration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mcvc.cli import main

    example = ServiceConfig.load(ROOT / "examples" / "service.toml")
    assert example.issuers[0].token_env == "MCVC_DEMO_TOKEN"
    assert example.path(example.issuers[0].key).resolve() == DEMO_KEY.resolve()
    path = tmp_path / "service.toml"
    path.write_text(
        f'ledger = "sqlite:///{tmp_path / "l.db"}"\n[[issuers]]\nname = "demo"\nkey = "{DEMO_KEY}"\n',
        "utf-8",
    )
    assert main(["serve", "--config", str(path)]) == 2
    assert "issuers.demo: no token" in capsys.readouterr().err
