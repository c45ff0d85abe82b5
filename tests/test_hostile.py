"""Hostile input: JSON parser differentials, JSON-LD tricks, keys and proofs (security.md A-D)."""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from mcvc import (
    ContextNotAllowed,
    InvalidInput,
    JsonLdProcessingError,
    KeyFormatError,
    generate_key,
    load_key,
    save_key,
    sign,
    verify,
    verify_proofs,
)
from mcvc.canon.jsonld_rdf import to_dataset
from mcvc.contexts import StaticLoader
from mcvc.did import DidResolver
from mcvc.errors import ContextIntegrityError, DidResolutionError
from mcvc.jsontext import _check_tree, parse_json
from mcvc.keys import public_key_from_multibase
from mcvc.multibase import b58encode, multibase_encode

from .conftest import ECDSA, EDDSA, load


@pytest.mark.parametrize(
    ("text", "code", "pointer"),
    [
        (
            '{"issuer": "a", "credentialSubject": {"x": 1, "x": 2}}',
            "DUPLICATE_KEY",
            "/credentialSubject/x",
        ),
        ('{"ects": NaN}', "PARSING_ERROR", ""),
        ('{"ects": Infinity}', "PARSING_ERROR", ""),
        ('{"name": "\\ud800"}', "INVALID_STRING", "/name"),
        ('{"n": ' + "1" * 5000 + "}", "PARSING_ERROR", ""),
        ("[" * 100 + "]" * 100, "TOO_DEEP", None),
        ("[" * 100000 + "]" * 100000, "TOO_DEEP", None),
    ],
)
def test_strict_json(text: str, code: str, pointer: str | None) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_json(text)
    assert info.value.code == code
    if pointer is not None and pointer:
        assert info.value.pointer == pointer


def _nested(depth: int) -> dict[str, object]:
    doc: dict[str, object] = {"leaf": "x"}
    for _ in range(depth):
        doc = {"a": [doc]}
    return doc


@pytest.mark.parametrize(
    ("value", "code", "pointer"),
    [
        ({"a": {"b": ["ok", "caf\u00e9", "\udc00"]}}, "INVALID_STRING", "/a/b/2"),
        ({"a": [{"\ud83d": 1}]}, "INVALID_STRING", "/a/0"),
        ({"a": [{1: "x"}]}, "PARSING_ERROR", "/a/0"),
        (OrderedDict(a=OrderedDict(b="\ud800")), "INVALID_STRING", "/a/b"),
        (_nested(40), "TOO_DEEP", None),
    ],
)
def test_strict_tree_of_python_values(value: object, code: str, pointer: str | None) -> None:
    """What callers pass as dicts gets the same refusals as parsed text (verify's dict path)."""
    with pytest.raises(InvalidInput) as info:
        _check_tree(value, 64)
    assert info.value.code == code
    if pointer is not None:
        assert info.value.pointer == pointer
    report = verify(value)  # type: ignore[arg-type]
    assert report.check("parse").code == code  # type: ignore[union-attr]


def test_strict_tree_accepts_what_is_allowed() -> None:
    # non-ASCII text, surrogate pairs that form characters, scalars, empty containers at the
    # depth limit and 64 levels exactly
    _check_tree({"n": "\u00e9\U0001f600", "x": [1, 2.5, True, None, {}, []]}, 64)
    limit = _nested(31)  # 63 levels of containers below the root
    _check_tree(limit, 64)
    with pytest.raises(InvalidInput):
        _check_tree(limit, 62)


def test_oversized_document() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_json(b" " * 100 + b"{}", max_bytes=50)
    assert info.value.code == "INPUT_TOO_LARGE"


def _vc(
    extra: dict[str, object] | None = None, ctx: list[object] | None = None
) -> dict[str, object]:
    doc: dict[str, object] = {
        "@context": ctx or ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:1",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
    }
    doc.update(extra or {})
    return doc


def test_unknown_context_refused_without_fetch() -> None:
    loader = StaticLoader()
    for url in ("http://169.254.169.254/latest/meta-data/", "https://attacker.example/ctx.jsonld"):
        with pytest.raises(ContextNotAllowed) as info:
            to_dataset(_vc(ctx=["https://www.w3.org/ns/credentials/v2", url]), loader)
        assert info.value.url == url


def test_tampered_context_bytes_refused() -> None:
    original = StaticLoader()
    data = (Path(__file__).resolve().parents[1] / "contexts" / "credentials-v2.jsonld").read_bytes()
    from mcvc.contexts import ContextEntry

    forged = original.with_entries(
        {
            "https://www.w3.org/ns/credentials/v2": ContextEntry(
                "https://www.w3.org/ns/credentials/v2",
                data.replace(b"validFrom", b"validFrum"),
                original.sha256("https://www.w3.org/ns/credentials/v2"),
            )
        }
    )
    with pytest.raises(ContextIntegrityError):
        to_dataset(_vc(), forged)


def test_protected_term_redefinition_refused() -> None:
    doc = _vc(
        ctx=[
            "https://www.w3.org/ns/credentials/v2",
            {"VerifiableCredential": "https://example.org/#Bad"},
        ]
    )
    with pytest.raises(JsonLdProcessingError) as info:
        to_dataset(doc, StaticLoader())
    assert info.value.code == "PROTECTED_TERM_REDEFINITION"


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (
            {"credentialSubject": {"id": "did:example:2", "grade": "A+"}},
            "DATA_LOSS_DETECTION_ERROR",
        ),
        ({"id": "credentials/1"}, "RELATIVE_IRI"),
        ({"type": ["VerifiableCredential", "MicroCredential"]}, "RELATIVE_IRI"),
    ],
)
def test_lossy_json_ld_refused(extra: dict[str, object], code: str) -> None:
    with pytest.raises(JsonLdProcessingError) as info:
        to_dataset(_vc(extra), StaticLoader())
    assert info.value.code == code


def test_undefined_term_added_after_signing_fails_verification() -> None:
    key = generate_key()
    signed = sign(_vc({"issuer": key.did_key}), key)
    signed["credentialSubject"]["grade"] = "A+"
    (result,) = verify_proofs(signed)
    assert result.outcome == "fail" and result.code == "DATA_LOSS_DETECTION_ERROR"
    # the W3C examples context has @vocab: there the added term is signed data and breaks the proof
    vector = load(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")
    vector["credentialSubject"]["grade"] = "A+"
    (result,) = verify_proofs(vector)
    assert result.code == "INVALID_SIGNATURE"


@pytest.mark.parametrize(
    ("signed_value", "forged_value"), [(1, True), (0, False), ({"@value": 1}, {"@value": True})]
)
def test_repeated_node_changed_to_a_python_equal_value_fails(
    signed_value: object, forged_value: object
) -> None:
    # A node that appears twice is walked once when both are equal; Python's 1 == True must not
    # let a changed second copy pass as the signed one.
    key = generate_key()
    node = {"id": "did:example:2", "v": signed_value}
    doc = _vc(
        {"issuer": key.did_key, "credentialSubject": [node, dict(node)]},
        ctx=["https://www.w3.org/ns/credentials/v2", {"v": "https://ex.example/v"}],
    )
    signed = sign(doc, key)
    assert verify_proofs(signed)[0].code == "OK"
    signed["credentialSubject"][1]["v"] = forged_value
    assert verify_proofs(signed)[0].code == "INVALID_SIGNATURE"


def test_a_second_key_for_id_cannot_rebind_a_credential() -> None:
    # {"id": A, "@id": B}: JSON-LD processors refuse two keys for @id ("colliding keywords").
    # The fast walk took the last one, so a credential signed for B, with "id" set to A and B
    # moved to "@id", verified while every reader of the JSON saw A as its subject.
    key = generate_key()
    doc = _vc({"issuer": key.did_key, "credentialSubject": {"id": "did:example:bob"}})
    signed = sign(doc, key)
    forged = json.loads(json.dumps(signed))
    forged["credentialSubject"] = {"id": "did:example:mallory", "@id": "did:example:bob"}
    (result,) = verify_proofs(forged)
    assert result.code == "JSONLD_ERROR" and "colliding keywords" in result.message


def test_small_order_ed25519_key_rejected() -> None:
    small = multibase_encode(b"\xed\x01" + b"\x01" + bytes(31))
    with pytest.raises(KeyFormatError) as info:
        public_key_from_multibase(small)
    assert info.value.code == "INVALID_PUBLIC_KEY"
    doc = load(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")
    doc["proof"]["verificationMethod"] = f"did:key:{small}#{small}"
    doc["proof"]["proofValue"] = "z" + b58encode(b"\x01" + bytes(63))
    (result,) = verify_proofs(doc)
    assert result.outcome == "fail" and result.step == "key"


@pytest.mark.parametrize("header", [b"\xec\x01", b"\xe7\x01", b"\x00\x00"])
def test_wrong_multicodec_did_key(header: bytes) -> None:
    bad = multibase_encode(header + bytes(32))
    with pytest.raises(DidResolutionError) as info:
        DidResolver().resolve(f"did:key:{bad}")
    assert info.value.code == "INVALID_DID"


def test_short_did_key() -> None:
    with pytest.raises(DidResolutionError):
        DidResolver().resolve("did:key:" + multibase_encode(b"\xed\x01" + bytes(31)))


def test_suite_key_mismatch_and_unknown_suite() -> None:
    doc = load(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")
    doc["proof"]["cryptosuite"] = "ecdsa-rdfc-2019"
    (result,) = verify_proofs(doc)
    assert result.code == "SUITE_KEY_MISMATCH"
    doc["proof"]["cryptosuite"] = "eddsa-2022"
    (result,) = verify_proofs(doc)
    assert result.code == "UNSUPPORTED_CRYPTOSUITE"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("u" + "A" * 86, "PROOF_VERIFICATION_ERROR"),
        ("z" + b58encode(bytes(63) + b"\x01"), "INVALID_SIGNATURE"),
        ("z" + b58encode(b"\x01" * 65), "INVALID_SIGNATURE"),
        ("z0OIl", "PROOF_VERIFICATION_ERROR"),
    ],
)
def test_malformed_proof_values(value: str, code: str) -> None:
    doc = load(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")
    doc["proof"]["proofValue"] = value
    (result,) = verify_proofs(doc)
    assert result.outcome == "fail" and result.code == code


def test_ecdsa_der_signature_refused_and_high_s_accepted() -> None:
    doc = load(ECDSA / "ecdsa-rdfc-2019-p256" / "signedECDSAP256.json")
    from mcvc.multibase import multibase_decode

    raw = multibase_decode(doc["proof"]["proofValue"])
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    der = encode_dss_signature(r, s)
    bad = json.loads(json.dumps(doc))
    bad["proof"]["proofValue"] = multibase_encode(der)
    (result,) = verify_proofs(bad)
    assert result.code == "INVALID_SIGNATURE" and "P1363" in result.message
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    malleated = json.loads(json.dumps(doc))
    malleated["proof"]["proofValue"] = multibase_encode(
        r.to_bytes(32, "big") + (n - s).to_bytes(32, "big")
    )
    (result,) = verify_proofs(malleated)
    assert (
        result.outcome == "pass"
    )  # the spec allows high S; mcvc never keys anything on signature bytes
    assert decode_dss_signature(der) == (r, s)


def test_mcvc_ecdsa_signatures_are_low_s() -> None:
    key = generate_key("p256")
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    for _ in range(20):
        sig = key.sign(b"data")
        assert int.from_bytes(sig[32:], "big") <= n // 2


def test_proof_context_must_prefix_document_context() -> None:
    doc = load(EDDSA / "eddsa-jcs-2022" / "signedJCS.json")
    doc["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    (result,) = verify_proofs(doc)
    assert result.outcome == "fail" and result.code == "PROOF_VERIFICATION_ERROR"


def test_vector_key_files_load_and_roundtrip(tmp_path: Path) -> None:
    for path in (EDDSA / "keyPair.json", ECDSA / "p256KeyPair.json", ECDSA / "p384KeyPair.json"):
        key = load_key(path)
        assert key.public_key_multibase == load(path)["publicKeyMultibase"]
        out = tmp_path / f"{path.stem}.json"
        save_key(key, out)
        assert os.stat(out).st_mode & 0o777 == 0o600
        again = load_key(out)
        # ECDSA signatures are randomized: each key must verify what the other signs
        again.verify(key.sign(b"x"), b"x")
        key.verify(again.sign(b"x"), b"x")
        assert again.private_key is not None and again.kind == key.kind


def test_secret_key_must_match_public_key(tmp_path: Path) -> None:
    doc = load(EDDSA / "keyPair.json")
    doc["publicKeyMultibase"] = generate_key().public_key_multibase
    path = tmp_path / "k.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFormatError):
        load_key(path)


def test_sign_refuses_key_for_other_suite() -> None:
    from mcvc import UnsupportedSuite

    with pytest.raises(UnsupportedSuite):
        sign(_vc(), generate_key("ed25519"), suite="ecdsa-rdfc-2019")


def _web_client(routes: dict[str, httpx.Response], seen: list[str]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return routes.get(str(request.url), httpx.Response(404))

    return httpx.Client(transport=httpx.MockTransport(handler))


def test_did_web_resolution_policy() -> None:
    from mcvc.did import did_web_document
    from mcvc.net import Fetcher, FetchPolicy

    key = generate_key()
    did = "did:web:uni.example"
    doc = did_web_document(did, [key])
    seen: list[str] = []
    public = FetchPolicy(resolve=lambda host: ["93.184.216.34"])
    client = _web_client(
        {"https://uni.example/.well-known/did.json": httpx.Response(200, json=doc)}, seen
    )
    resolver = DidResolver(Fetcher(client, public))
    method = resolver.method(f"{did}#key-1")
    assert method.listed_under("assertionMethod")

    for bad in ("did:web:127.0.0.1", "did:web:localhost", "did:web:192.168.0.1%3A3003"):
        seen.clear()
        with pytest.raises(DidResolutionError):
            resolver.resolve(bad)
        assert seen == []

    private = FetchPolicy(resolve=lambda host: ["10.0.0.5"])
    seen.clear()
    with pytest.raises(DidResolutionError) as info:
        DidResolver(Fetcher(client, private)).resolve(did)
    assert info.value.code == "URL_NOT_ALLOWED" and seen == []

    evil = _web_client(
        {
            "https://uni.example/.well-known/did.json": httpx.Response(
                200, json={**doc, "id": "did:web:evil.example"}
            )
        },
        seen,
    )
    with pytest.raises(DidResolutionError) as info:
        DidResolver(Fetcher(evil, public)).resolve(did)
    assert info.value.code == "DID_DOCUMENT_ID_MISMATCH"

    redirect = _web_client(
        {
            "https://uni.example/.well-known/did.json": httpx.Response(
                302, headers={"location": "http://169.254.169.254/"}
            )
        },
        seen,
    )
    with pytest.raises(DidResolutionError) as info:
        DidResolver(Fetcher(redirect, public)).resolve(did)
    assert info.value.code == "REDIRECT_REFUSED"

    big = _web_client(
        {"https://uni.example/.well-known/did.json": httpx.Response(200, content=b" " * 2_000_000)},
        seen,
    )
    with pytest.raises(DidResolutionError) as info:
        DidResolver(Fetcher(big, public)).resolve(did)
    assert info.value.code == "INPUT_TOO_LARGE"

    with pytest.raises(DidResolutionError) as info:
        DidResolver().resolve(did)
    assert info.value.code == "NETWORK_NOT_ALLOWED"


def test_did_jwk_roundtrip() -> None:
    from mcvc.did import did_jwk_for

    key = generate_key("p384")
    did = did_jwk_for(key)
    method = DidResolver().method(did + "#0")
    assert method.key.public_key_multibase == key.public_key_multibase


@pytest.mark.parametrize("name", [["eddsa-rdfc-2022"], {"eddsa-rdfc-2022": 1}, None, 2022])
def test_a_cryptosuite_name_that_is_not_a_string_is_unsupported(name: object) -> None:
    from mcvc.errors import UnsupportedSuite
    from mcvc.proofs.suites import get_suite

    with pytest.raises(UnsupportedSuite) as caught:
        get_suite(name)  # type: ignore[arg-type]
    assert str(caught.value).startswith(f"cryptosuite {name!r} is not supported (supported: ")
