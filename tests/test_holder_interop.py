"""Interop with independent OpenID4VC implementations: a holder built on the OpenID Foundation
TypeScript libraries (``tests/holder``: @openid4vc/openid4vci, @openid4vc/openid4vp,
@sd-jwt/sd-jwt-vc) receives an EDC micro-credential from ``mcvc serve`` through a
pre-authorized offer, keeps it, and presents it (the date of birth withheld) to an
``mcvc request``, which reports it verified.

.ci/run copies tests/holder to a temporary folder, installs it and sets MCVC_HOLDER_DIR;
without it these tests are skipped (MCVC_REQUIRE_HOLDER=1 makes that a failure)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import generate_key, save_key
from mcvc.clock import SystemClock
from mcvc.jose import parse_jose
from mcvc.sdjwt import parse_sd_jwt

from .service_helpers import TOKEN, base_config, free_port, running, verifier_config
from .test_oid4vci import ISSUER, template

HOLDER = os.environ.get("MCVC_HOLDER_DIR", "")
if not HOLDER:
    if os.environ.get("MCVC_REQUIRE_HOLDER"):
        raise RuntimeError("MCVC_REQUIRE_HOLDER is set but MCVC_HOLDER_DIR is not")
    pytest.skip("the OpenID4VC holder is not installed (MCVC_HOLDER_DIR)", allow_module_level=True)

VERIFIER = generate_key("p256")
VERIFIER_TOKEN = "interop-verifier-token"


def holder(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(Path(HOLDER) / "holder.mjs"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        out: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"holder: {done.stdout}\n{done.stderr}") from None
    return out


@pytest.fixture
def service(tmp_path: Path) -> Iterator[str]:
    # the libraries stamp proofs with the wall clock, so the service runs on it too
    config = verifier_config(tmp_path, free_port(), VERIFIER, VERIFIER_TOKEN, issuer=ISSUER)
    with running(config, clock=SystemClock()) as url:
        yield str(url)


def _offer(url: str, configuration: str, tx: bool, *, anonymous: bool = False) -> dict[str, Any]:
    credential = template()
    if anonymous:
        credential.pop("id", None)  # a second credential from the same template
    body: dict[str, Any] = {
        "credential": credential,
        "credentialConfigurationIds": [configuration],
        "txCode": tx,
    }
    r = httpx.post(
        f"{url}/issuers/demo/offers", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_the_library_holder_receives_and_presents(service: str, tmp_path: Path) -> None:
    url = service
    state = str(tmp_path / "wallet.json")
    made = _offer(url, "MicroCredential_dc+sd-jwt", tx=True)
    got = holder("receive", state, made["offerUri"], made["txCode"])
    assert "error" not in got, got
    # the library's notification reached the issuer, and the university can read it
    assert got["notified"] is True
    status = httpx.get(
        f"{url}/issuers/demo/offers/{made['offerId']}/status",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ).json()
    assert status["state"] == "redeemed"
    assert [(n["event"], n["description"]) for n in status["notifications"]] == [
        ("credential_accepted", "stored by the test holder")
    ]
    issued = parse_sd_jwt(got["credential"])
    assert parse_jose(issued.jwt).claims["cnf"]["jwk"]["crv"] == "P-256"
    assert "dateOfBirth" in issued.names

    # once in clear (direct_post), once encrypted to the request's key (direct_post.jwt)
    for mode in ("direct_post", "direct_post.jwt"):
        r = httpx.post(
            f"{url}/verifier/requests",
            json={"purpose": "interop", "responseMode": mode},
            headers={"Authorization": f"Bearer {VERIFIER_TOKEN}"},
        )
        request = r.json()
        assert request["responseMode"] == mode
        shown = holder(
            "present",
            state,
            request["authorizationRequest"],
            json.dumps(VERIFIER.public_jwk()),
            "dateOfBirth",
        )
        assert "error" not in shown, shown
        assert shown["status"] == 200, shown
        assert shown["responseMode"] == mode
        assert shown["encrypted"] is (mode == "direct_post.jwt")
        assert "dateOfBirth" not in parse_sd_jwt(shown["presentation"]).names
        status = httpx.get(
            request["statusUri"], headers={"Authorization": f"Bearer {VERIFIER_TOKEN}"}
        ).json()
        assert status["status"] == "answered"
        assert status["result"]["verdict"] == "verified", status["result"]


def test_the_library_holder_presents_to_a_verifier_with_an_access_certificate(
    tmp_path: Path,
) -> None:
    # as an EUDI wallet meets a relying party: the request signed under an X.509 certificate
    # (client id x509_hash) and the answer encrypted to the request's key (direct_post.jwt)
    from cryptography.hazmat.primitives import serialization

    from .test_oid4vp_client_id import CA, leaf

    chain = [leaf(VERIFIER, start=_now() - timedelta(days=1), end=_now() + timedelta(days=1)), CA]
    (tmp_path / "chain.pem").write_bytes(
        b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    )
    config = verifier_config(
        tmp_path,
        free_port(),
        VERIFIER,
        VERIFIER_TOKEN,
        issuer=ISSUER,
        certificate=str(tmp_path / "chain.pem"),
        response_mode="direct_post.jwt",
    )
    state = str(tmp_path / "wallet.json")
    with running(config, clock=SystemClock()) as url:
        made = _offer(url, "MicroCredential_dc+sd-jwt", tx=False)
        got = holder("receive", state, made["offerUri"])
        assert "error" not in got, got
        request = httpx.post(
            f"{url}/verifier/requests",
            json={},
            headers={"Authorization": f"Bearer {VERIFIER_TOKEN}"},
        ).json()
        assert request["clientId"].startswith("x509_hash:")
        shown = holder(
            "present",
            state,
            request["authorizationRequest"],
            json.dumps(VERIFIER.public_jwk()),
            "dateOfBirth",
        )
        assert "error" not in shown, shown
        assert shown["clientIdPrefix"] == "x509_hash" and shown["clientId"] == request["clientId"]
        assert shown["encrypted"] is True and shown["status"] == 200
        status = httpx.get(
            request["statusUri"], headers={"Authorization": f"Bearer {VERIFIER_TOKEN}"}
        ).json()
        assert status["result"]["verdict"] == "verified", status["result"]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_the_library_holder_sends_a_key_attestation(tmp_path: Path) -> None:
    # an issuer that needs key attestations (appendix D) from wallet providers it trusts by
    # certificate; the library puts the attestation in its key proof's header
    import base64

    from cryptography.hazmat.primitives import serialization

    from .test_key_attestation import CA, OTHER_CA, OTHER_CA_KEY, provider_cert

    port = free_port()
    save_key(ISSUER, tmp_path / "issuer.json")
    (tmp_path / "providers.pem").write_bytes(CA.public_bytes(serialization.Encoding.PEM))
    config = base_config(port, f"sqlite:///{tmp_path / 'ledger.db'}")
    config["issuers"][0]["key"] = str(tmp_path / "issuer.json")
    config["wallet"] = {
        "key_attestation_anchors": str(tmp_path / "providers.pem"),
        "require_key_attestation": True,
        "key_storage": ["iso_18045_high"],
    }

    def provider_file(name: str, **kw: object) -> str:
        provider = generate_key("p256")
        now = _now()
        chain = [
            provider_cert(
                provider, start=now - timedelta(days=1), end=now + timedelta(days=1), **kw
            )
        ]  # type: ignore[arg-type]
        path = tmp_path / name
        der = [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in chain]
        private = _private_jwk(provider)
        path.write_text(json.dumps({"privateJwk": private, "x5c": der}))
        return str(path)

    with running(config, clock=SystemClock()) as url:
        meta = httpx.get(f"{url}/.well-known/openid-credential-issuer/issuers/demo").json()
        jwt_proofs = meta["credential_configurations_supported"]["MicroCredential_ldp_vc"][
            "proof_types_supported"
        ]["jwt"]
        assert jwt_proofs["key_attestations_required"] == {"key_storage": ["iso_18045_high"]}
        made = _offer(str(url), "MicroCredential_ldp_vc", tx=False)
        args = ("receive", str(tmp_path / "a.json"), made["offerUri"], "", "MicroCredential_ldp_vc")
        got = holder(*args, "", provider_file("trusted.json"))
        assert "error" not in got, got
        assert got["credential"]["credentialSubject"]["id"].startswith("did:jwk:")
        # the attestation as the proof itself (appendix F.3)
        made = _offer(str(url), "MicroCredential_ldp_vc", tx=False, anonymous=True)
        args = ("receive", str(tmp_path / "d.json"), made["offerUri"], "", "MicroCredential_ldp_vc")
        by_attestation = holder(*args, "", provider_file("again.json"), "attestation")
        assert "error" not in by_attestation, by_attestation
        assert by_attestation["credential"]["credentialSubject"]["id"].startswith("did:jwk:")
        # without an attestation, or with one from a provider this issuer does not trust
        made = _offer(str(url), "MicroCredential_ldp_vc", tx=False)
        bare = holder(
            "receive", str(tmp_path / "b.json"), made["offerUri"], "", "MicroCredential_ldp_vc"
        )
        # the library reads key_attestations_required from the metadata and does not ask
        assert "requires key attestations" in json.dumps(bare), bare
        made = _offer(str(url), "MicroCredential_ldp_vc", tx=False)
        untrusted = provider_file("untrusted.json", ca_key=OTHER_CA_KEY, ca=OTHER_CA)
        refused = holder(
            "receive",
            str(tmp_path / "c.json"),
            made["offerUri"],
            "",
            "MicroCredential_ldp_vc",
            "",
            untrusted,
        )
        assert "not from a trusted wallet provider" in json.dumps(refused), refused


def _private_jwk(key: Any) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from jwcrypto import jwk

    assert key.private_key is not None
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return dict(json.loads(jwk.JWK.from_pem(pem).export_private()))


def test_the_library_holder_binds_its_token_with_dpop(tmp_path: Path) -> None:
    # an issuer that requires DPoP (as HAIP wallets use it): the library's proofs for the
    # token, credential and notification requests are accepted, a bearer request is not
    port = free_port()
    save_key(ISSUER, tmp_path / "issuer.json")
    config = base_config(port, f"sqlite:///{tmp_path / 'ledger.db'}")
    config["issuers"][0]["key"] = str(tmp_path / "issuer.json")
    config["wallet"] = {"require_dpop": True}
    with running(config, clock=SystemClock()) as url:
        made = _offer(str(url), "MicroCredential_ldp_vc", tx=False)
        plain = holder("receive", str(tmp_path / "a.json"), made["offerUri"])
        assert "invalid_dpop_proof" in json.dumps(plain), plain
        made = _offer(str(url), "MicroCredential_ldp_vc", tx=False)
        got = holder(
            "receive",
            str(tmp_path / "b.json"),
            made["offerUri"],
            "",
            "MicroCredential_ldp_vc",
            "dpop",
        )
        assert "error" not in got, got
        assert got["tokenType"] == "DPoP" and got["notified"] is True
        assert got["credential"]["credentialSubject"]["id"].startswith("did:jwk:")
        assert got["dpopNonce"] is None


def test_the_library_holder_retries_with_the_servers_dpop_nonce(tmp_path: Path) -> None:
    # RFC 9449 sections 8 and 9: the issuer asks for its own nonce in every proof; the
    # library retries its token request with the nonce of the use_dpop_nonce answer
    port = free_port()
    save_key(ISSUER, tmp_path / "issuer.json")
    config = base_config(port, f"sqlite:///{tmp_path / 'ledger.db'}")
    config["issuers"][0]["key"] = str(tmp_path / "issuer.json")
    config["wallet"] = {"require_dpop": True, "dpop_nonce": True}
    with running(config, clock=SystemClock()) as url:
        made = _offer(str(url), "MicroCredential_dc+sd-jwt", tx=False)
        got = holder(
            "receive",
            str(tmp_path / "w.json"),
            made["offerUri"],
            "",
            "MicroCredential_dc+sd-jwt",
            "dpop",
        )
        assert "error" not in got, got
        assert got["tokenType"] == "DPoP" and got["notified"] is True
        assert isinstance(got["dpopNonce"], str) and len(got["dpopNonce"]) == 32


def test_the_library_holder_is_refused_a_replayed_offer(service: str, tmp_path: Path) -> None:
    made = _offer(service, "MicroCredential_ldp_vc", tx=False)
    first = holder("receive", str(tmp_path / "a.json"), made["offerUri"])
    assert "error" not in first, first
    assert first["credential"]["credentialSubject"]["id"].startswith("did:jwk:")
    # the offer by reference is gone once used; by value, its code is refused
    again = holder("receive", str(tmp_path / "b.json"), made["offerUriByValue"])
    assert "error" in again and "invalid_grant" in json.dumps(again), again


def test_the_library_holder_with_a_wrong_transaction_code(service: str, tmp_path: Path) -> None:
    made = _offer(service, "MicroCredential_jwt_vc_json", tx=True)
    wrong = holder(
        "receive",
        str(tmp_path / "a.json"),
        made["offerUriByValue"],
        "000000" if made["txCode"] != "000000" else "111111",
    )
    assert "error" in wrong and "invalid_grant" in json.dumps(wrong), wrong
    right = holder("receive", str(tmp_path / "b.json"), made["offerUriByValue"], made["txCode"])
    assert "error" not in right, right
    assert parse_jose(right["credential"]).claims["sub"].startswith("did:jwk:")


def _private_jwk(key: Any) -> dict[str, str]:
    from mcvc.multibase import b64url_encode

    size = 32 if key.kind == "p256" else 48
    d = key.private_key.private_numbers().private_value.to_bytes(size, "big")
    return {**key.public_jwk(), "d": b64url_encode(d)}


@pytest.mark.parametrize("kind", ["p256", "p384"])
def test_sd_jwt_vc_library_verifies_what_mcvc_issues(kind: str) -> None:
    from mcvc import build_credential, issue_sd_jwt, present_sd_jwt

    from .conftest import NOW, ROOT, load

    issuer, wallet = generate_key(kind), generate_key("p256")  # type: ignore[arg-type]
    credential = build_credential(
        load(ROOT / "examples" / "microcredential.json"), issuer=issuer.did_key
    )
    issued = issue_sd_jwt(credential, issuer, now=NOW, holder_jwk=wallet.public_jwk())
    plain = holder("sd-verify", issued, json.dumps(issuer.public_jwk()))
    assert plain.get("verified") is True, plain
    assert (
        plain["claims"]["credentialSubject"]["dateOfBirth"]
        == credential["credentialSubject"]["dateOfBirth"]
    )
    names = [n for n in parse_sd_jwt(issued).names if n != "dateOfBirth"]
    shown = present_sd_jwt(
        issued,
        reveal=names,
        holder_key=wallet,
        nonce="n-42",
        audience="x509_san_dns:uni.example",
        now=NOW,
    )
    checked = holder(
        "sd-verify", shown, json.dumps(issuer.public_jwk()), "n-42", "x509_san_dns:uni.example"
    )
    assert checked.get("verified") is True, checked
    assert "dateOfBirth" not in checked["claims"]["credentialSubject"]
    assert checked["kb"]["nonce"] == "n-42"
    # a changed byte is refused there too
    forged = issued.replace(issued.split(".")[1][:8], issued.split(".")[1][:7] + "A", 1)
    assert "error" in holder("sd-verify", forged, json.dumps(issuer.public_jwk()))


def test_mcvc_verifies_what_the_sd_jwt_vc_library_issues(tmp_path: Path) -> None:
    from mcvc import FetchPolicy, TrustList, build_credential, present_sd_jwt, verify

    from .conftest import ROOT, load

    issuer, wallet = generate_key("p256"), generate_key("p256")
    credential = build_credential(
        load(ROOT / "examples" / "microcredential.json"), issuer=issuer.did_key
    )
    credential.pop("credentialStatus", None)
    (tmp_path / "claims.json").write_text(json.dumps(credential))
    made = holder(
        "sd-issue",
        str(tmp_path / "claims.json"),
        json.dumps(_private_jwk(issuer)),
        issuer.verification_method,
        json.dumps(wallet.public_jwk()),
    )
    assert "token" in made, made
    token = made["token"]
    assert "dateOfBirth" in parse_sd_jwt(token).names
    # the library stamps iat with the wall clock: check as of then
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    trust = TrustList.from_dict({"name": "t", "issuers": [{"did": issuer.did_key}]})
    shown = present_sd_jwt(
        token,
        reveal=["nationalID"],
        holder_key=wallet,
        nonce="n-7",
        audience="https://admissions.example",
        now=now,
    )
    report = verify(
        shown,
        trust=trust,
        now=now,
        challenge="n-7",
        domain="https://admissions.example",
        fetch_policy=FetchPolicy(),
    )
    assert report.outcome == "verified", report.to_json()
    assert report.check("parse").details["disclosed"] == ["credentialSubject.nationalID"]  # type: ignore[union-attr]
    wrong_aud = verify(
        shown, trust=trust, now=now, challenge="n-7", domain="https://elsewhere.example"
    )
    assert wrong_aud.outcome == "failed"
