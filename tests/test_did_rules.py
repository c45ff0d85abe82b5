"""DID resolution rule by rule (mcvc.did): the documents did:key and did:jwk resolve to, whole;
did:web URLs; every refusal with its code; verification methods found by absolute, relative
and embedded ids, and the relationships that list them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from mcvc import generate_key
from mcvc.did import (
    DidResolver,
    did_jwk_for,
    did_key_document,
    did_web_document,
    did_web_url,
)
from mcvc.errors import DidResolutionError
from mcvc.multibase import b64url_decode, b64url_encode
from mcvc.net import Fetcher, FetchPolicy

KEY = generate_key()
P256 = generate_key("p256")
RELATIONS = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")


def _code(call: Any) -> tuple[str, str]:
    with pytest.raises(DidResolutionError) as caught:
        call()
    return caught.value.code, str(caught.value)


def test_a_did_key_document_whole() -> None:
    did = KEY.did_key
    multibase = did.removeprefix("did:key:")
    vm = f"{did}#{multibase}"
    assert did_key_document(did) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": multibase}
        ],
        **{relation: [vm] for relation in RELATIONS},
    }


@pytest.mark.parametrize(
    "did",
    ["did:key:", "did:web:z6Mk", "did:key:z6Mk:x", "did:key:a:b", "did:key::"],
)
def test_what_is_not_a_did_key(did: str) -> None:
    assert _code(lambda: did_key_document(did)) == ("INVALID_DID", f"{did!r} is not a did:key")


def test_a_did_key_that_is_not_a_key() -> None:
    code, message = _code(lambda: did_key_document("did:key:z6MkNOTAKEY"))
    assert code == "INVALID_DID" and message.startswith("invalid did:key: ")


def test_a_did_jwk_document_whole() -> None:
    did = did_jwk_for(P256)
    assert did == "did:jwk:" + b64url_encode(
        json.dumps(P256.public_jwk(), separators=(",", ":")).encode()
    )
    vm = did + "#0"
    assert DidResolver().resolve(did) == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm, "type": "JsonWebKey", "controller": did, "publicKeyJwk": P256.public_jwk()}
        ],
        **{relation: [vm] for relation in RELATIONS},
    }
    assert DidResolver().method(vm).key.public_jwk() == P256.public_jwk()


def _jwk_did(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return "did:jwk:" + b64url_encode(raw)


@pytest.mark.parametrize(
    ("did", "message"),
    [
        (_jwk_did(["not", "an", "object"]), "did:jwk must encode a public JWK"),
        (_jwk_did({**P256.public_jwk(), "d": "AAAA"}), "did:jwk must encode a public JWK"),
    ],
)
def test_a_did_jwk_must_be_a_public_jwk(did: str, message: str) -> None:
    assert _code(lambda: DidResolver().resolve(did)) == ("INVALID_DID", message)


def test_a_did_jwk_whose_json_or_key_is_bad() -> None:
    for did in (_jwk_did(b"{not json"), _jwk_did({"kty": "RSA", "n": "AQAB", "e": "AQAB"})):
        code, message = _code(lambda did=did: DidResolver().resolve(did))
        assert code == "INVALID_DID" and message.startswith("invalid did:jwk: "), message


def test_a_did_jwk_is_at_most_4_kib_of_json() -> None:
    jwk = P256.public_jwk()
    text = json.dumps({**jwk, "pad": ""}, separators=(",", ":"))
    fits = {**jwk, "pad": "a" * (4096 - len(text))}
    raw = json.dumps(fits, separators=(",", ":")).encode()
    assert len(raw) == 4096
    assert DidResolver().resolve(_jwk_did(raw))["id"] == _jwk_did(raw)
    over = json.dumps({**fits, "pad": fits["pad"] + "a"}, separators=(",", ":")).encode()
    code, message = _code(lambda: DidResolver().resolve(_jwk_did(over)))
    assert (code, message) == (
        "INVALID_DID",
        "invalid did:jwk: document of 4097 bytes exceeds the limit of 4096",
    )
    assert b64url_decode(_jwk_did(over).removeprefix("did:jwk:")) == over


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:uni.example", "https://uni.example/.well-known/did.json"),
        ("did:web:uni.example%3A8443", "https://uni.example:8443/.well-known/did.json"),
        ("did:web:uni.example:issuers:cs", "https://uni.example/issuers/cs/did.json"),
        ("did:web:uni.example:a%20b:c%2Fd", "https://uni.example/a%20b/c%2Fd/did.json"),
    ],
)
def test_did_web_urls(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    ("did", "message"),
    [
        ("did:key:z6Mk", "'did:key:z6Mk' is not a did:web"),
        ("did:web:uni.example#k", "'did:web:uni.example#k' is not a did:web"),
        ("did:web:uni.example?x=1", "'did:web:uni.example?x=1' is not a did:web"),
        ("did:web:", "'did:web:': invalid host"),
        ("did:web:uni.example%2Fevil", "'did:web:uni.example%2Fevil': invalid host"),
        ("did:web:me%40uni.example", "'did:web:me%40uni.example': invalid host"),
        ("did:web::path", "'did:web::path': invalid host"),
    ],
)
def test_what_is_not_a_did_web(did: str, message: str) -> None:
    assert _code(lambda: did_web_url(did)) == ("INVALID_DID", message)


def test_a_did_web_document_names_its_keys_by_their_fragments() -> None:
    did = "did:web:uni.example"
    named = KEY.with_id(f"{did}#seal-2026", did)
    doc = did_web_document(did, [named, P256])
    assert doc == {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": f"{did}#seal-2026",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": KEY.public_key_multibase,
            },
            {
                "id": f"{did}#key-2",
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": P256.public_key_multibase,
            },
        ],
        "assertionMethod": [f"{did}#seal-2026", f"{did}#key-2"],
        "authentication": [f"{did}#seal-2026", f"{did}#key-2"],
    }
    assert _code(lambda: did_web_document("did:web:a#b", [KEY]))[0] == "INVALID_DID"


@pytest.mark.parametrize(
    ("did", "code", "message"),
    [
        ("did:ebsi:zabc", "UNSUPPORTED_DID_METHOD", "DID method 'ebsi' is not supported"),
        ("did:example:x:y", "UNSUPPORTED_DID_METHOD", "DID method 'example' is not supported"),
        ("did:example", "INVALID_DID", "'did:example' is not a DID"),
        ("urn:uuid:1:2", "INVALID_DID", "'urn:uuid:1:2' is not a DID"),
        ("did::", "INVALID_DID", "'did::' is not a DID"),
    ],
)
def test_what_cannot_be_resolved(did: str, code: str, message: str) -> None:
    assert _code(lambda: DidResolver().resolve(did)) == (code, message)


def test_known_documents_come_first() -> None:
    doc = {"id": KEY.did_key, "verificationMethod": []}
    assert DidResolver(None, {KEY.did_key: doc}).resolve(KEY.did_key) is doc


DID = "did:web:uni.example"


def _served(doc: Any, status: int = 200) -> DidResolver:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url == "https://uni.example/.well-known/did.json"
        assert request.headers["accept"] == "application/did+json, application/json"
        return httpx.Response(status, content=json.dumps(doc).encode())

    policy = FetchPolicy(resolve=lambda host: ["93.184.216.34"])
    return DidResolver(Fetcher(httpx.Client(transport=httpx.MockTransport(answer)), policy))


def test_did_web_is_fetched_only_when_allowed_and_must_name_itself() -> None:
    doc = did_web_document(DID, [KEY])
    assert _served(doc).resolve(DID) == doc
    assert _code(lambda: DidResolver().resolve(DID)) == (
        "NETWORK_NOT_ALLOWED",
        f"{DID} needs a network fetch, which was not allowed",
    )
    assert _code(lambda: _served({**doc, "id": "did:web:other.example"}).resolve(DID)) == (
        "DID_DOCUMENT_ID_MISMATCH",
        f"the document at https://uni.example/.well-known/did.json has id "
        f"'did:web:other.example', not {DID}",
    )
    assert _code(lambda: _served([doc]).resolve(DID))[0] == "DID_DOCUMENT_ID_MISMATCH"
    code, message = _code(lambda: _served(doc, 404).resolve(DID))
    assert code != "DID_RESOLUTION_ERROR" and message.startswith(f"{DID}: "), (code, message)


def _resolver(doc: dict[str, Any]) -> DidResolver:
    return DidResolver(None, {DID: doc})


def test_verification_methods_by_absolute_relative_and_embedded_ids() -> None:
    method = {
        "id": "#k1",
        "type": "Multikey",
        "controller": DID,
        "publicKeyMultibase": KEY.public_key_multibase,
    }
    relative = _resolver({"id": DID, "verificationMethod": [method], "assertionMethod": ["#k1"]})
    found = relative.method(f"{DID}#k1")
    assert found.id == f"{DID}#k1" and found.method["id"] == f"{DID}#k1"
    assert found.controller == DID and found.key.id == f"{DID}#k1"
    assert found.listed_under("assertionMethod") and not found.listed_under("authentication")
    for relation in (*RELATIONS, "keyAgreement"):
        embedded = _resolver({"id": DID, relation: [{**method, "id": f"{DID}#k1"}]})
        inside = embedded.method(f"{DID}#k1")
        assert inside.listed_under(relation), relation
        assert not inside.listed_under("assertionMethod" if relation != "assertionMethod" else "x")
    by_object = _resolver(
        {"id": DID, "verificationMethod": [method], "authentication": [{"id": "#k1"}]}
    )
    assert by_object.method(f"{DID}#k1").listed_under("authentication")
    empty = _resolver({"id": DID, "verificationMethod": None, "assertionMethod": None})
    assert _code(lambda: empty.method(f"{DID}#k1")) == (
        "VM_NOT_FOUND",
        f"{DID}#k1 is not in the DID document of {DID}",
    )


def test_a_method_must_be_a_did_url_controlled_by_its_document() -> None:
    for bad in ("https://uni.example#k1", 7, None):
        code, message = _code(lambda bad=bad: _resolver({}).method(bad))  # type: ignore[arg-type]
        assert (code, message) == (
            "INVALID_VERIFICATION_METHOD",
            f"verification method {bad!r} is not a DID URL",
        )
    stranger = {
        "id": f"{DID}#k1",
        "type": "Multikey",
        "controller": "did:web:evil.example",
        "publicKeyMultibase": KEY.public_key_multibase,
    }
    assert _code(
        lambda: _resolver({"id": DID, "verificationMethod": [stranger]}).method(f"{DID}#k1")
    ) == (
        "VM_CONTROLLER_MISMATCH",
        f"verification method {DID}#k1 names controller 'did:web:evil.example', but is "
        f"published in {DID}",
    )
    broken = {**stranger, "controller": DID, "publicKeyMultibase": "zNOTAKEY"}
    code, message = _code(
        lambda: _resolver({"id": DID, "verificationMethod": [broken]}).method(f"{DID}#k1")
    )
    assert code != "VM_NOT_FOUND" and message.startswith(f"verification method {DID}#k1: ")
    # the first method with the id counts, and "did" in a fragment is not a second document
    twice = _resolver({"id": DID, "verificationMethod": ["#k1", {**stranger, "controller": DID}]})
    assert twice.method(f"{DID}#k1").key.public_key_multibase == KEY.public_key_multibase


def test_fragments_and_method_urls_with_a_second_hash() -> None:
    did = "did:web:uni.example"
    doc = did_web_document(did, [KEY.with_id(f"{did}#k1#v2", did)])
    assert doc["verificationMethod"][0]["id"] == f"{did}#k1#v2"
    resolver = DidResolver(None, {did: doc})
    found = resolver.method(f"{did}#k1#v2")
    assert found.key.controller == did and found.key.id == f"{did}#k1#v2"
    assert _code(lambda: resolver.method(f"{did}#k2#v2"))[0] == "VM_NOT_FOUND"


def test_a_did_web_document_is_at_most_256_kib() -> None:
    doc = did_web_document(DID, [KEY])
    text = json.dumps({**doc, "pad": ""})
    fits = {**doc, "pad": "a" * (256 * 1024 - len(text))}
    assert _served(fits).resolve(DID)["id"] == DID
    over = {**fits, "pad": fits["pad"] + "a"}
    code, message = _code(lambda: _served(over).resolve(DID))
    assert code == "INPUT_TOO_LARGE" and message.startswith(f"{DID}: "), (code, message)
