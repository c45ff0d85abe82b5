"""EBSI as a trust source: the Trusted Issuers Registry and the DID Registry, through an HTTP
fake built from the registries' documented v5 response shapes (docs/trust.md), kept on disk,
then used offline by the verifier."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import build_credential, generate_key, sign, verify
from mcvc.ebsi import EBSI_API, EbsiError, EbsiRegistry, EbsiStore
from mcvc.multibase import b64url_encode
from mcvc.net import Fetcher, FetchPolicy
from mcvc.verification.trust import TrustList

from .conftest import NOW, ROOT, load

DID = "did:ebsi:zfEmvX5twhXjQJiCWsukvQA"
TAO = "did:ebsi:zZeKyEJfUTGwajhNyNX928z"
KEY = generate_key("p256").with_id(f"{DID}#key-1", DID)
TIR = f"{EBSI_API}/trusted-issuers-registry/v5/issuers/{DID}"


def _accreditation_jwt(types: list[str]) -> str:
    head = b64url_encode(json.dumps({"alg": "ES256", "typ": "JWT"}).encode())
    body = b64url_encode(json.dumps({"vc": {"type": types}}).encode())
    return f"{head}.{body}.c2ln"


def _document() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": DID,
        "verificationMethod": [
            {
                "id": f"{DID}#key-1",
                "type": "JsonWebKey2020",
                "controller": DID,
                "publicKeyJwk": KEY.public_jwk(),
            }
        ],
        "assertionMethod": [f"{DID}#key-1"],
        "authentication": [f"{DID}#key-1"],
    }


def registry(
    kinds: tuple[str, ...] = ("TI",),
    *,
    status: int = 200,
    overrides: dict[str, Any] | None = None,
) -> tuple[httpx.Client, list[str]]:
    """An EBSI API: the issuer, its attributes over two pages, and its DID document."""
    asked: list[str] = []
    pages = {
        f"{TIR}/attributes": {
            "items": [{"id": "a0", "href": f"{TIR}/attributes/a0"}],
            "links": {"next": f"{TIR}/attributes?page=2"},
        },
        f"{TIR}/attributes?page=2": {
            "items": [
                {"id": f"a{i}", "href": f"{TIR}/attributes/a{i}"} for i in range(1, len(kinds))
            ],
            "links": {"next": f"{TIR}/attributes?page=2"},
        },
    }
    answers: dict[str, Any] = {
        TIR: {"did": DID, "attributes": f"{TIR}/attributes", "hasAttributes": bool(kinds)},
        **pages,
        f"{EBSI_API}/did-registry/v5/identifiers/{DID}": _document(),
    }
    for i, kind in enumerate(kinds):
        answers[f"{TIR}/attributes/a{i}"] = {
            "did": DID,
            "attribute": {
                "hash": f"{i:064x}",
                "body": _accreditation_jwt(
                    ["VerifiableCredential", "VerifiableAccreditationToAttest"]
                ),
                "issuerType": kind,
                "tao": TAO,
                "rootTao": TAO,
            },
        }
    answers.update(overrides or {})

    def handler(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        asked.append(url)
        if url not in answers:
            return httpx.Response(404, json={"title": "Not Found"})
        if url == TIR and status != 200:
            return httpx.Response(status, json={})
        return httpx.Response(200, json=answers[url])

    return httpx.Client(transport=httpx.MockTransport(handler)), asked


def fetched_store(**kw: Any) -> EbsiStore:
    client, _ = registry(**kw)
    store = EbsiStore()
    policy = FetchPolicy(resolve=lambda host: ["93.184.216.34"])
    store.update(EbsiRegistry(Fetcher(client, policy)), DID, NOW)
    return store


def credential() -> dict[str, Any]:
    doc = build_credential(load(ROOT / "examples" / "microcredential.json"), issuer=DID)
    doc.pop("credentialStatus", None)
    return sign(doc, KEY, created=NOW)


def test_an_accredited_issuer_is_vouched_for_offline(tmp_path: Path) -> None:
    store = fetched_store(kinds=("TI", "Revoked"))
    record = store.issuers[DID]
    assert record.registered and [a.issuer_type for a in record.accreditations] == ["TI", "Revoked"]
    assert record.accreditations[0].types == (
        "VerifiableCredential",
        "VerifiableAccreditationToAttest",
    )
    store.save(tmp_path)
    again = EbsiStore.load(tmp_path)
    assert again.issuers == store.issuers and again.documents == store.documents
    report = verify(credential(), now=NOW, ebsi=again)
    assert report.outcome == "verified", report.to_json()
    trust = report.check("trust")
    assert trust is not None and trust.details["source"] == "EBSI Trusted Issuers Registry"
    assert trust.details["issuer_type"] == "TI" and trust.details["tao"] == TAO
    assert f"as fetched {record.fetched}" in trust.message and "accredited by" in trust.message


def test_revoked_and_unregistered_issuers_are_not_confirmed() -> None:
    revoked = verify(credential(), now=NOW, ebsi=fetched_store(kinds=("Revoked",)))
    trust = revoked.check("trust")
    assert revoked.outcome == "unconfirmed" and trust is not None and "revoked" in trust.message
    unknown = fetched_store(status=404)
    assert unknown.issuers[DID].registered is False and DID not in unknown.documents
    report = verify(credential(), now=NOW, ebsi=unknown)
    # the key cannot even be found: the DID Registry was not asked for an unregistered DID
    assert report.outcome != "verified"
    assert "EBSI Trusted Issuers Registry" in (
        report.check("trust").message if report.check("trust") else ""
    )  # type: ignore[union-attr]


def test_a_trust_list_is_asked_first_then_ebsi() -> None:
    listed = TrustList.from_dict({"name": "alliance", "issuers": [{"did": DID}]})
    report = verify(credential(), now=NOW, trust=listed, ebsi=fetched_store())
    assert report.check("trust").details["source"] == "alliance"  # type: ignore[union-attr]
    other = TrustList.from_dict({"name": "alliance", "issuers": [{"did": "did:web:else.example"}]})
    both = verify(credential(), now=NOW, trust=other, ebsi=fetched_store())
    assert both.check("trust").details["source"] == "EBSI Trusted Issuers Registry"  # type: ignore[union-attr]
    none = verify(credential(), now=NOW, trust=other, ebsi=EbsiStore())
    assert none.check("trust").message.endswith(  # type: ignore[union-attr]
        "is not vouched for by the trust list alliance or the EBSI Trusted Issuers Registry"
    )


def test_a_forged_credential_of_an_accredited_issuer_is_not_verified() -> None:
    forged = credential()
    forged["credentialSubject"]["givenName"] = "Mallory"
    report = verify(forged, now=NOW, ebsi=fetched_store())
    assert report.outcome == "failed"
    stranger = generate_key("p256").with_id(f"{DID}#key-1", DID)
    doc = build_credential(load(ROOT / "examples" / "microcredential.json"), issuer=DID)
    doc.pop("credentialStatus", None)
    assert (
        verify(sign(doc, stranger, created=NOW), now=NOW, ebsi=fetched_store()).outcome == "failed"
    )


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({TIR: {"did": "did:ebsi:zSomeoneElseEntirely1"}}, 200, "EBSI_FORMAT"),
        (
            {
                f"{TIR}/attributes": {
                    "items": [{"id": "x", "href": "https://evil.example/a"}],
                    "links": {},
                }
            },
            200,
            "EBSI_FORMAT",
        ),
        ({f"{TIR}/attributes": {"nothing": []}}, 200, "EBSI_FORMAT"),
        (
            {f"{TIR}/attributes/a0": {"did": DID, "attribute": {"issuerType": "Boss"}}},
            200,
            "EBSI_FORMAT",
        ),
        (
            {f"{TIR}/attributes/a0": {"did": TAO, "attribute": {"issuerType": "TI"}}},
            200,
            "EBSI_FORMAT",
        ),
        ({f"{EBSI_API}/did-registry/v5/identifiers/{DID}": {"id": TAO}}, 200, "EBSI_FORMAT"),
        ({}, 500, "EBSI_UNREACHABLE"),
    ],
)
def test_registry_answers_that_are_refused(
    overrides: dict[str, Any], status: int, code: str
) -> None:
    with pytest.raises(EbsiError) as caught:
        fetched_store(overrides=overrides, status=status)
    assert caught.value.code == code


def test_pagination_is_bounded_and_ids_checked() -> None:
    client, asked = registry(kinds=("TI", "TAO", "TI"))
    store = EbsiStore()
    store.update(
        EbsiRegistry(Fetcher(client, FetchPolicy(resolve=lambda h: ["93.184.216.34"]))), DID, NOW
    )
    assert [a.issuer_type for a in store.issuers[DID].accreditations] == ["TI", "TAO", "TI"]
    # the second page names itself as next: read once, not forever
    assert asked.count(f"{TIR}/attributes?page=2") == 1
    with pytest.raises(EbsiError, match="legal-entity DID"):
        EbsiRegistry(Fetcher(client)).issuer("did:web:example.org", NOW)


def test_a_damaged_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ebsi.json").write_text('{"issuers": {"x": {"did": 1}}}')
    with pytest.raises(EbsiError, match="damaged"):
        EbsiStore.load(tmp_path)
    (tmp_path / "ebsi.json").write_text("[]")
    with pytest.raises(EbsiError, match="not a JSON object"):
        EbsiStore.load(tmp_path)
    assert EbsiStore.load(tmp_path / "nowhere").empty


def test_registry_refusal_codes() -> None:
    with pytest.raises(EbsiError) as shape:
        fetched_store(overrides={TIR: {"did": "did:ebsi:zSomeoneElseEntirely1"}})
    assert shape.value.code == "EBSI_FORMAT"
    with pytest.raises(EbsiError) as down:
        fetched_store(status=503)
    assert down.value.code == "EBSI_UNREACHABLE"


def test_cli_trust_update_ebsi_then_verify_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import http.server
    import threading

    from mcvc.cli import main

    routes: dict[str, Any] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = routes.get(self.path)
            data = json.dumps(body).encode() if body is not None else b"{}"
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    api = f"http://127.0.0.1:{server.server_address[1]}"
    tir = f"/trusted-issuers-registry/v5/issuers/{DID}"
    routes[tir] = {"did": DID, "attributes": f"{api}{tir}/attributes", "hasAttributes": True}
    routes[f"{tir}/attributes"] = {
        "items": [{"id": "a0", "href": f"{tir}/attributes/a0"}],
        "links": {},
    }
    routes[f"{tir}/attributes/a0"] = {
        "did": DID,
        "attribute": {
            "hash": "00",
            "body": _accreditation_jwt(["VerifiableAccreditationToAttest"]),
            "issuerType": "TI",
            "tao": TAO,
            "rootTao": TAO,
        },
    }
    routes[f"/did-registry/v5/identifiers/{DID}"] = _document()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        folder = tmp_path / "trust"
        code = main(
            [
                "trust",
                "update",
                "--dir",
                str(folder),
                "--ebsi",
                DID,
                "--ebsi",
                "did:ebsi:zNotRegisteredAnywhere1",
                "--ebsi-api",
                api,
                "--allow-http",
                "--allow-private",
            ]
        )
        out = capsys.readouterr().out
        assert code == 0, out
        assert (
            f"{DID}: registered (TI)" in out and "not in the EBSI Trusted Issuers Registry" in out
        )
        assert main(["trust", "show", "--dir", str(folder)]) == 0
        assert f"EBSI {DID}: TI, fetched" in capsys.readouterr().out
    finally:
        server.shutdown()
        server.server_close()
    # the registry is gone: verification uses what was kept
    (tmp_path / "signed.json").write_text(json.dumps(credential()))
    code = main(
        [
            "verify",
            str(tmp_path / "signed.json"),
            "--trusted-lists",
            str(folder),
            "--now",
            NOW.isoformat(),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "EBSI Trusted Issuers Registry" in out


def test_the_service_uses_the_kept_ebsi_records(tmp_path: Path) -> None:
    from .service_helpers import base_config, free_port, running

    fetched_store().save(tmp_path / "trust")
    config = base_config(free_port(), f"sqlite:///{tmp_path / 'l.db'}")
    config["verify"] = {
        **config["verify"],
        "trusted_lists": str(tmp_path / "trust"),
        "policy": "officer",
    }
    with running(config) as url:
        r = httpx.post(f"{url}/credentials/verify", json={"verifiableCredential": credential()})
        assert r.status_code == 200, r.text
        trust = next(c for c in r.json()["checks"] if c["check"] == "trust")
        assert trust["details"]["source"] == "EBSI Trusted Issuers Registry"


def test_cli_status_list_of_an_ebsi_issuer_is_checked_offline_with_the_kept_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from mcvc.cli import main
    from mcvc.status.bitstring import Bitstring
    from mcvc.status.lists import status_entry, status_list_credential

    folder = tmp_path / "trust"
    fetched_store().save(folder)
    url = "https://status.uni.example/lists/ebsi"
    revoked = Bitstring.empty(131072).with_value(9, 1)
    signed_list = sign(
        status_list_credential(url, DID, revoked, valid_from=NOW - timedelta(1)), KEY, created=NOW
    )
    (tmp_path / "list.json").write_text(json.dumps(signed_list))
    doc = build_credential(load(ROOT / "examples" / "microcredential.json"), issuer=DID)
    context = doc["@context"]
    if "https://www.w3.org/ns/credentials/status/v1" not in context:
        doc["@context"] = [*context, "https://www.w3.org/ns/credentials/status/v1"]
    args = ["--trusted-lists", str(folder), "--status-list", str(tmp_path / "list.json")]
    for index, expected in ((7, 0), (9, 1)):
        doc["credentialStatus"] = status_entry(url, index, "revocation")
        (tmp_path / "signed.json").write_text(json.dumps(sign(doc, KEY, created=NOW)))
        code = main(["verify", str(tmp_path / "signed.json"), *args, "--now", NOW.isoformat()])
        out = capsys.readouterr().out
        assert code == expected, out
        assert (f"not revoked ({url} #7)" if index == 7 else "REVOKED") in out
