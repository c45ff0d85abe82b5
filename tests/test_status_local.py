"""Status lists given as files (mcvc.status.local) rule by rule: how files are read and named,
what is answered from them, and what is fetched (only with a client) with the caller's headers."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mcvc.errors import InvalidInput, NetworkPolicyError
from mcvc.net import Fetched, FetchPolicy
from mcvc.status.local import LocalLists, local_status_checker

LIST = "https://status.uni.example/lists/1"
PUBLIC = FetchPolicy(resolve=lambda host: ["93.184.216.34"])


def _file(tmp_path: Path, name: str, doc: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("doc", [{"type": "BitstringStatusListCredential"}, {"id": ""}, [1]])
def test_a_file_must_be_a_list_credential_with_an_id(tmp_path: Path, doc: object) -> None:
    path = _file(tmp_path, "list.json", doc)
    with pytest.raises(InvalidInput) as caught:
        LocalLists.from_files([path])
    assert caught.value.code == "STATUS_VERIFICATION_ERROR"
    assert str(caught.value) == (
        f"{path}: not a status list credential with an id, nor a Status List Token with a sub"
    )


def test_a_status_list_token_file_is_answered_by_its_sub(tmp_path: Path) -> None:
    from .test_token_status import URI, _token

    token = _token({1: 1})
    path = tmp_path / "list.jwt"
    path.write_text("\n" + token + "\n")
    assert LocalLists.from_files([path]).documents == {URI: path.read_bytes()}
    # a JWT that is not a Status List Token, one without sub, and text that is neither
    from mcvc import generate_key
    from mcvc.jose import sign_jwt
    from mcvc.sdjwt import _jws

    key = generate_key()
    # a list credential in a JWT is keyed by its id, as a JSON one is (tests/test_status_jwt.py)
    path.write_text(sign_jwt({"@context": [], "id": URI}, key))
    assert list(LocalLists.from_files([path]).documents) == [URI]
    for body in (
        _jws({"alg": "EdDSA", "typ": "vc+jwt", "kid": "did:example:k#1"}, {"sub": URI}, key),
        _token(sub=None),
        _token(sub=5),
        "not a list at all",
        json.dumps({"id": 5}),
        json.dumps([{"id": URI}]),
    ):
        path.write_text(body)
        with pytest.raises(InvalidInput) as caught:
            LocalLists.from_files([path])
        assert caught.value.code == "STATUS_VERIFICATION_ERROR"


def test_a_list_file_may_start_with_white_space(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("\n  " + json.dumps({"id": LIST}))
    assert list(LocalLists.from_files([path]).documents) == [LIST]


def test_files_are_answered_by_their_id_byte_for_byte(tmp_path: Path) -> None:
    path = _file(tmp_path, "list.json", {"id": LIST, "type": "X"})
    lists = LocalLists.from_files([path])
    assert lists.documents == {LIST: path.read_bytes()}
    assert lists.client is None
    assert lists.fetch(LIST) == Fetched(200, path.read_bytes(), None)
    assert lists.get(LIST) == path.read_bytes()


def test_a_list_not_given_is_not_fetched_without_a_client(tmp_path: Path) -> None:
    lists = LocalLists.from_files([_file(tmp_path, "list.json", {"id": LIST})])
    with pytest.raises(NetworkPolicyError) as caught:
        lists.fetch(LIST + "-suspension")
    assert caught.value.code == "NETWORK_NOT_ALLOWED"
    assert str(caught.value) == (
        f"{LIST}-suspension is not among the status list files given, and fetching is off"
    )


def test_a_list_not_given_is_fetched_through_the_client_with_the_callers_headers() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b'{"id": "x"}', headers={"ETag": '"v2"'})

    client = httpx.Client(transport=httpx.MockTransport(answer))
    lists = LocalLists({}, client, PUBLIC)
    assert lists.policy is PUBLIC and lists.client is client
    found = lists.fetch(LIST, accept="application/vc", etag='"v1"', bearer="t0ken")
    assert (found.status, found.body, found.etag) == (200, b'{"id": "x"}', '"v2"')
    headers = seen[0].headers
    assert str(seen[0].url) == LIST
    assert headers["accept"] == "application/vc" and headers["if-none-match"] == '"v1"'
    assert headers["authorization"] == "Bearer t0ken"
    lists.fetch(LIST)
    assert seen[1].headers["accept"] == "application/json"
    assert "if-none-match" not in seen[1].headers and "authorization" not in seen[1].headers


def test_the_checker_reads_the_files_and_fetches_others_only_with_a_client(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, "list.json", {"id": LIST})
    offline = local_status_checker([path])
    assert isinstance(offline.fetcher, LocalLists) and offline.fetcher.client is None
    assert offline.fetcher.documents == {LIST: path.read_bytes()}
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(404)))
    online = local_status_checker([path], http=client)
    assert isinstance(online.fetcher, LocalLists) and online.fetcher.client is client
    assert online.fetcher.policy == FetchPolicy() and online.fetcher.policy is not PUBLIC
    guarded = local_status_checker([path], http=client, fetch_policy=PUBLIC)
    assert isinstance(guarded.fetcher, LocalLists) and guarded.fetcher.policy is PUBLIC
    assert LocalLists.from_files([path], client, PUBLIC).policy is PUBLIC


def test_a_did_web_list_issuer_is_resolved_through_the_client_only(tmp_path: Path) -> None:
    from datetime import timedelta

    from mcvc import did_web_document, generate_key, sign, verify
    from mcvc.status.bitstring import Bitstring
    from mcvc.status.lists import status_entry, status_list_credential

    from .conftest import NOW
    from .test_pipeline_checks import _unsigned

    web = "did:web:status.uni.example"
    lister = generate_key().with_id(f"{web}#k1", web)
    signed_list = sign(
        status_list_credential(LIST, web, Bitstring.empty(131072), valid_from=NOW - timedelta(1)),
        lister,
        created=NOW - timedelta(days=1),
    )
    path = _file(tmp_path, "list.json", signed_list)
    served = httpx.MockTransport(
        lambda request: (
            httpx.Response(200, json=did_web_document(web, [lister]))
            if str(request.url) == "https://status.uni.example/.well-known/did.json"
            else httpx.Response(404)
        )
    )
    credential = sign(
        _unsigned(issuer=web, credentialStatus=status_entry(LIST, 7, "revocation")),
        lister,
        created=NOW - timedelta(days=1),
    )
    documents = {web: did_web_document(web, [lister])}
    online = local_status_checker([path], http=httpx.Client(transport=served), fetch_policy=PUBLIC)
    report = verify(credential, now=NOW, status_checker=online, did_documents=documents)
    assert report.check("status").code == "OK", report.to_json()  # type: ignore[union-attr]
    offline = local_status_checker([path])
    report = verify(credential, now=NOW, status_checker=offline, did_documents=documents)
    status = report.check("status")
    # an offline officer could not check the list: inconclusive, never "revoked" nor "fail"
    assert status is not None and (status.code, status.outcome) == (
        "STATUS_RETRIEVAL_ERROR",
        "error",
    )
    assert status.message == (
        f"status entry 1: the status list's key could not be resolved: NETWORK_NOT_ALLOWED: "
        f"{web} needs a network fetch, which was not allowed"
    )
    assert report.facet("valid") == "unknown" and report.outcome == "inconclusive"
    # the DID documents the officer already holds (an EBSI store's) serve the list issuer offline
    held = local_status_checker([path], did_documents=documents)
    report = verify(credential, now=NOW, status_checker=held, did_documents=documents)
    assert report.check("status").code == "OK", report.to_json()  # type: ignore[union-attr]
    # the caller's loader reads the list's contexts: one that serves none cannot verify it
    from mcvc.contexts import StaticLoader

    blind = local_status_checker([path], did_documents=documents, loader=StaticLoader({}))
    report = verify(credential, now=NOW, status_checker=blind, did_documents=documents)
    status = report.check("status")
    assert status is not None and status.outcome == "fail", report.to_json()
    # and a list whose proof fails against a key that was resolved is still a failure
    stranger = generate_key().with_id(f"{web}#k1", web)
    wrong = local_status_checker([path], did_documents={web: did_web_document(web, [stranger])})
    report = verify(credential, now=NOW, status_checker=wrong, did_documents=documents)
    status = report.check("status")
    assert status is not None and (status.code, status.outcome) == (
        "STATUS_VERIFICATION_ERROR",
        "fail",
    )
