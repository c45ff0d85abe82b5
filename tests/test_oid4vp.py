"""OpenID4VP 1.0 from ``mcvc serve``: an admissions office asks a learner's wallet for a
micro-credential and gets a verdict.

The holder here receives its credential through the service's own OpenID4VCI issuer (the
whole path), checks the signed request object with jwcrypto, and answers with selective
disclosure (the date of birth stays in the wallet)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from jwcrypto import jwk, jws

from mcvc import create_presentation, generate_key, sign_presentation
from mcvc.sdjwt import parse_sd_jwt, present_sd_jwt

from .conftest import NOW
from .service_helpers import base_config, free_port, running, verifier_config
from .test_oid4vci import ISSUER, Clock, Wallet, nonce, offer, token

VERIFIER = generate_key("p256")
VERIFIER_TOKEN = "admissions-office-test-token"
VAUTH = {"Authorization": f"Bearer {VERIFIER_TOKEN}"}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, Clock]]:
    clock = Clock(NOW)
    config = verifier_config(tmp_path, free_port(), VERIFIER, VERIFIER_TOKEN, issuer=ISSUER)
    with running(config, clock=clock) as url:
        yield str(url), clock


def receive(url: str, configuration: str, wallet: Wallet) -> Any:
    """The holder's side of OpenID4VCI: offer, token, nonce, credential."""
    made = offer(url, credentialConfigurationIds=[configuration])
    access = token(url, made).json()["access_token"]
    r = httpx.post(
        f"{url}/issuers/demo/credential",
        json={
            "credential_configuration_id": configuration,
            "proofs": {"jwt": [wallet.proof(f"{url}/issuers/demo", nonce(url))]},
        },
        headers={"Authorization": f"Bearer {access}"},
    )
    assert r.status_code == 200, r.text
    return r.json()["credentials"][0]["credential"]


def ask(url: str, **body: Any) -> dict[str, Any]:
    r = httpx.post(f"{url}/verifier/requests", json=body, headers=VAUTH)
    assert r.status_code == 201, r.text
    return dict(r.json())


def open_request(link: str) -> dict[str, Any]:
    """What a wallet does with the link: fetch the request object, check its signature
    against the verifier's DID (did:key here) and its type."""
    query = parse_qs(urlsplit(link).query)
    client_id = query["client_id"][0]
    assert client_id == f"decentralized_identifier:{VERIFIER.did_key}"
    fetched = httpx.get(query["request_uri"][0])
    assert fetched.headers["content-type"] == "application/oauth-authz-req+jwt"
    token = jws.JWS()
    token.deserialize(fetched.text)
    token.verify(jwk.JWK(**VERIFIER.public_jwk()))
    header = json.loads(token.objects["protected"])
    assert header["typ"] == "oauth-authz-req+jwt"
    assert header["kid"] == VERIFIER.verification_method
    claims = json.loads(token.payload)
    assert claims["client_id"] == client_id
    return dict(claims)


def answer(request: dict[str, Any], **form: Any) -> httpx.Response:
    data = {"state": request["state"], **form}
    if isinstance(data.get("vp_token"), dict):
        data["vp_token"] = json.dumps(data["vp_token"])
    return httpx.post(request["response_uri"], data=data)


def sd_presentation(credential: str, wallet: Wallet, request: dict[str, Any], **kb: Any) -> str:
    names = parse_sd_jwt(credential).names
    return present_sd_jwt(
        credential,
        reveal=[n for n in names if n != "dateOfBirth"],
        holder_key=wallet.key,
        nonce=kb.get("nonce", request["nonce"]),
        audience=kb.get("audience", request["client_id"]),
        now=NOW,
    )


def result_of(url: str, made: dict[str, Any]) -> dict[str, Any]:
    r = httpx.get(made["statusUri"], headers=VAUTH)
    assert r.status_code == 200
    return dict(r.json())


def test_an_sd_jwt_micro_credential_from_the_wallet_is_verified(service: tuple[str, Clock]) -> None:
    url, _ = service
    wallet = Wallet("p256")
    credential = receive(url, "MicroCredential_dc+sd-jwt", wallet)
    made = ask(url, purpose="admission to the MSc programme")
    assert made["authorizationRequest"].startswith("openid4vp://?client_id=")
    assert result_of(url, made)["status"] == "pending"
    request = open_request(made["authorizationRequest"])
    assert request["response_mode"] == "direct_post" and request["response_type"] == "vp_token"
    assert len(request["nonce"]) >= 22  # at least 128 bits
    assert request["dcql_query"]["credentials"][0]["meta"]["vct_values"] == [
        f"{url}/vct/micro-credential"
    ]
    shown = sd_presentation(credential, wallet, request)
    r = answer(request, vp_token={"micro_credential_sd_jwt": [shown]})
    assert r.status_code == 200, r.text
    done = result_of(url, made)
    assert done["status"] == "answered"
    assert done["result"]["verdict"] == "verified", done
    report = done["result"]["presentations"][0]["report"]
    assert "dateOfBirth" not in json.dumps(report["elements"] or {})
    # once answered, the request object is gone and a second answer is a replay
    assert (
        httpx.get(request["response_uri"].replace("responses", "requests") + "/object").status_code
        == 404
    )
    again = answer(request, vp_token={"micro_credential_sd_jwt": [shown]})
    assert again.status_code == 400 and "replay" in again.json()["error_description"]


def test_a_data_integrity_presentation_is_verified(service: tuple[str, Clock]) -> None:
    url, _ = service
    wallet = Wallet("ed25519", header="kid")
    credential = receive(url, "MicroCredential_ldp_vc", wallet)
    made = ask(url)
    request = open_request(made["authorizationRequest"])
    holder = wallet.key.with_id(wallet.did + "#0", wallet.did)
    vp = sign_presentation(
        create_presentation([credential], holder=wallet.did),
        holder,
        challenge=request["nonce"],
        domain=request["client_id"],
        created=NOW,
    )
    assert answer(request, vp_token={"micro_credential_ldp": [vp]}).status_code == 200
    assert result_of(url, made)["result"]["verdict"] == "verified", result_of(url, made)


def test_presentations_bound_to_something_else_fail(service: tuple[str, Clock]) -> None:
    url, _ = service
    wallet = Wallet("p256")
    credential = receive(url, "MicroCredential_dc+sd-jwt", wallet)
    for kb in (
        {"nonce": "another-requests-nonce"},
        {"audience": "decentralized_identifier:did:web:evil.example"},
    ):
        made = ask(url)
        request = open_request(made["authorizationRequest"])
        shown = sd_presentation(credential, wallet, request, **kb)
        assert answer(request, vp_token={"micro_credential_sd_jwt": [shown]}).status_code == 200
        result = result_of(url, made)["result"]
        assert result["verdict"] == "failed", (kb, result)
    # a presentation without key binding is refused too (the query asks for holder binding)
    made = ask(url)
    request = open_request(made["authorizationRequest"])
    bare = present_sd_jwt(credential, reveal=parse_sd_jwt(credential).names)
    answer(request, vp_token={"micro_credential_sd_jwt": [bare]})
    assert result_of(url, made)["result"]["verdict"] == "failed"


def test_the_dcql_query_must_be_answered(service: tuple[str, Clock]) -> None:
    url, _ = service
    wallet = Wallet("p256")
    credential = receive(url, "MicroCredential_dc+sd-jwt", wallet)
    query = {
        "credentials": [
            {
                "id": "mc",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [f"{url}/vct/micro-credential"]},
                "claims": [{"path": ["credentialSubject", "dateOfBirth"]}],
            }
        ]
    }
    made = ask(url, dcqlQuery=query)
    request = open_request(made["authorizationRequest"])
    shown = sd_presentation(credential, wallet, request)  # withholds the date of birth
    answer(request, vp_token={"mc": [shown]})
    result = result_of(url, made)["result"]
    assert result["verdict"] == "failed"
    assert any("dateOfBirth is not disclosed" in p for p in result["problems"])
    made = ask(
        url,
        dcqlQuery={
            **query,
            "credentials": [
                {**query["credentials"][0], "meta": {"vct_values": ["urn:other"]}, "claims": []}
            ],
        },
    )
    request = open_request(made["authorizationRequest"])
    answer(request, vp_token={"mc": [sd_presentation(credential, wallet, request)]})
    assert any("vct" in p for p in result_of(url, made)["result"]["problems"])
    made = ask(url)
    request = open_request(made["authorizationRequest"])
    answer(request, vp_token={"something_else": [sd_presentation(credential, wallet, request)]})
    problems = result_of(url, made)["result"]["problems"]
    assert any("not a credential query" in p for p in problems)
    assert any("credential_sets[0]" in p for p in problems)


def test_response_endpoint_refusals(service: tuple[str, Clock]) -> None:
    url, clock = service
    made = ask(url)
    request = open_request(made["authorizationRequest"])
    assert answer({**request, "state": "forged"}, vp_token={"x": ["y"]}).status_code == 400
    assert answer(request).json()["error_description"] == "vp_token is missing"
    assert answer(request, vp_token="not json").status_code == 400
    assert answer(request, vp_token="[]").status_code == 400
    assert answer(request, vp_token={"micro_credential_ldp": "one"}).status_code == 400
    plain = httpx.post(request["response_uri"], json={"state": request["state"]})
    assert plain.status_code == 415
    declined = answer(request, error="access_denied", error_description="the learner said no")
    assert declined.status_code == 200
    assert result_of(url, made)["result"]["verdict"] == "declined"
    unknown = httpx.post(f"{url}/verifier/responses/nope", data={"state": "x"})
    assert unknown.status_code == 400
    late = ask(url, expiresIn=30)
    late_request = open_request(late["authorizationRequest"])
    clock.advance(31)
    assert (
        answer(late_request, vp_token={"x": ["y"]}).json()["error_description"]
        == "this request has expired"
    )
    assert result_of(url, late)["status"] == "expired"


def test_making_requests_needs_the_verifier_token(service: tuple[str, Clock]) -> None:
    url, _ = service
    assert httpx.post(f"{url}/verifier/requests", json={}).status_code == 401
    wrong = httpx.post(f"{url}/verifier/requests", json={}, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 401
    bad = httpx.post(
        f"{url}/verifier/requests", json={"dcqlQuery": {"credentials": []}}, headers=VAUTH
    )
    assert bad.status_code == 400 and "credentials" in bad.json()["message"]
    made = ask(url)
    assert httpx.get(made["statusUri"]).status_code == 401
    assert httpx.get(f"{url}/verifier/requests/none", headers=VAUTH).status_code == 404


def test_mcvc_request_waits_and_prints_the_verdict(
    service: tuple[str, Clock],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import re
    import threading
    import time

    from mcvc.cli import main

    url, _ = service
    wallet = Wallet("p256")
    credential = receive(url, "MicroCredential_dc+sd-jwt", wallet)
    monkeypatch.setenv("MCVC_VERIFIER_TOKEN", VERIFIER_TOKEN)
    html = tmp_path / "report.html"
    codes: list[int] = []
    command = [
        "request",
        "--service",
        url,
        "--wait",
        "--poll",
        "0.05",
        "--timeout",
        "30",
        "--html",
        str(html),
    ]
    thread = threading.Thread(target=lambda: codes.append(main(command)))
    thread.start()
    seen, link = "", None
    for _ in range(400):
        seen += capsys.readouterr().out
        found = re.search(r"openid4vp://\S+", seen)
        if found:
            link = found.group(0)
            break
        time.sleep(0.02)
    assert link is not None, seen
    request = open_request(link)
    answer(
        request,
        vp_token={"micro_credential_sd_jwt": [sd_presentation(credential, wallet, request)]},
    )
    thread.join(30)
    out = seen + capsys.readouterr().out
    assert codes == [0], out
    assert "VERIFIED" in out
    assert html.read_text().startswith("<!DOCTYPE html>")

    # no token: a clear refusal; a wallet that never answers: exit 3 at the timeout
    monkeypatch.setenv("MCVC_VERIFIER_TOKEN", "wrong")
    assert main(["request", "--service", url]) == 2
    assert "request refused (401)" in capsys.readouterr().err
    monkeypatch.setenv("MCVC_VERIFIER_TOKEN", VERIFIER_TOKEN)
    assert main(["request", "--service", url, "--wait", "--timeout", "0.1", "--poll", "0.05"]) == 3


def test_no_verifier_key_no_requests(tmp_path: Path) -> None:
    config = base_config(free_port(), f"sqlite:///{tmp_path / 'ledger.db'}")
    with running(config) as url:
        r = httpx.post(f"{url}/verifier/requests", json={}, headers=VAUTH)
        assert r.status_code == 404 and r.json()["code"] == "VERIFIER_OFF"
        assert httpx.get(f"{url}/verifier/requests/x/object").json()["code"] == "VERIFIER_OFF"


def encrypted_answer(request: dict[str, Any], **params: Any) -> httpx.Response:
    """direct_post.jwt as a wallet sends it: the parameters in a JWE to the request's key."""
    from jwcrypto import jwe

    (key,) = request["client_metadata"]["jwks"]["keys"]
    header = {"alg": key["alg"], "enc": "A256GCM", "kid": key["kid"]}
    box = jwe.JWE(json.dumps({"state": request["state"], **params}).encode(), json.dumps(header))
    box.add_recipient(jwk.JWK(**{k: v for k, v in key.items() if k not in ("alg", "use")}))
    return httpx.post(request["response_uri"], data={"response": box.serialize(compact=True)})


def test_encrypted_answers(tmp_path: Path) -> None:
    config = verifier_config(
        tmp_path,
        free_port(),
        VERIFIER,
        VERIFIER_TOKEN,
        issuer=ISSUER,
        response_mode="direct_post.jwt",
    )
    with running(config, clock=Clock(NOW)) as url:
        wallet = Wallet("p256")
        credential = receive(url, "MicroCredential_dc+sd-jwt", wallet)
        made = ask(url)
        assert made["responseMode"] == "direct_post.jwt"
        request = open_request(made["authorizationRequest"])
        assert request["response_mode"] == "direct_post.jwt"
        meta = request["client_metadata"]
        assert meta["encrypted_response_enc_values_supported"] == ["A128GCM", "A256GCM"]
        shown = {"micro_credential_sd_jwt": [sd_presentation(credential, wallet, request)]}
        clear = answer(request, vp_token=shown)
        assert clear.status_code == 400
        assert "asks for an encrypted response" in clear.json()["error_description"]
        r = encrypted_answer(request, vp_token=shown)
        assert r.status_code == 200, r.text
        assert result_of(url, made)["result"]["verdict"] == "verified"
        assert encrypted_answer(request, vp_token=shown).status_code == 400  # a replay
        # a request may still ask for an answer in clear; and only the two modes exist
        plain = open_request(ask(url, responseMode="direct_post")["authorizationRequest"])
        assert plain["response_mode"] == "direct_post" and "jwks" not in plain["client_metadata"]
        bad = httpx.post(
            f"{url}/verifier/requests", json={"responseMode": "fragment"}, headers=VAUTH
        )
        assert bad.status_code == 400 and bad.json()["field"] == "responseMode"


def test_mcvc_request_chooses_encryption(
    service: tuple[str, Clock], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcvc.cli import main

    url, _ = service
    monkeypatch.setenv("MCVC_VERIFIER_TOKEN", VERIFIER_TOKEN)
    for flag, mode in (
        ([], "direct_post"),
        (["--encrypt"], "direct_post.jwt"),
        (["--no-encrypt"], "direct_post"),
    ):
        assert main(["request", "--service", url, "--json", *flag]) == 0
        made = json.loads(capsys.readouterr().out)
        assert made["responseMode"] == mode
        assert open_request(made["authorizationRequest"])["response_mode"] == mode


def test_a_verifier_with_an_access_certificate(tmp_path: Path) -> None:
    import base64

    from cryptography.hazmat.primitives import serialization

    from mcvc.service.app import create_app
    from mcvc.service.config import ConfigError, ServiceConfig

    from .test_oid4vp_client_id import CA, leaf

    chain = [leaf(VERIFIER, dns=("127.0.0.1",)), CA]
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    (tmp_path / "chain.pem").write_bytes(pem)
    config = verifier_config(
        tmp_path, free_port(), VERIFIER, VERIFIER_TOKEN, certificate=str(tmp_path / "chain.pem")
    )
    with running(config, clock=Clock(NOW)) as url:
        made = ask(url)
        assert made["clientId"].startswith("x509_hash:")
        link = parse_qs(urlsplit(made["authorizationRequest"]).query)
        fetched = httpx.get(link["request_uri"][0]).text
        header = json.loads(base64.urlsafe_b64decode(fetched.split(".")[0] + "=="))
        assert header["x5c"] == [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain
        ]
        token = jws.JWS()
        token.deserialize(fetched)
        token.verify(jwk.JWK(**VERIFIER.public_jwk()))
        assert json.loads(token.payload)["client_id"] == made["clientId"]
    # x509_san_dns asked for explicitly: the public URL's host is a DNS name of the leaf
    config["verifier"]["client_id_prefix"] = "x509_san_dns"
    with running(config, clock=Clock(NOW)) as url:
        assert ask(url)["clientId"] == "x509_san_dns:127.0.0.1"
    # a certificate for another key, or none where one is needed, stops the service
    other = generate_key("p256")
    (tmp_path / "other.pem").write_bytes(leaf(other).public_bytes(serialization.Encoding.PEM))
    bad = {**config, "verifier": {**config["verifier"], "certificate": str(tmp_path / "other.pem")}}
    with pytest.raises(ConfigError, match="verifier: the leaf certificate is not for the verifier"):
        create_app(ServiceConfig.from_dict(bad), clock=Clock(NOW))
    (tmp_path / "empty.pem").write_text("nothing here")
    empty = {
        **config,
        "verifier": {**config["verifier"], "certificate": str(tmp_path / "empty.pem")},
    }
    with pytest.raises(ConfigError, match=r"verifier\.certificate: "):
        create_app(ServiceConfig.from_dict(empty), clock=Clock(NOW))
    none = {
        **config,
        "verifier": {k: v for k, v in config["verifier"].items() if k != "certificate"},
    }
    with pytest.raises(ConfigError, match="x509_san_dns prefix needs the verifier's certificate"):
        create_app(ServiceConfig.from_dict(none), clock=Clock(NOW))
