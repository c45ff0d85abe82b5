"""OpenID4VCI 1.0 issuance from ``mcvc serve``: the pre-authorized code flow end to end, and
each step's hostile variants answered with the specification's error codes.

The wallet side (key proofs) is built with jwcrypto, not with mcvc's own JOSE code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from jwcrypto import jwk, jws

from mcvc import FetchPolicy, build_credential, generate_key, save_key, verify
from mcvc.clock import FixedClock
from mcvc.did import did_jwk_for
from mcvc.jose import parse_jose
from mcvc.sdjwt import parse_sd_jwt, present_sd_jwt
from mcvc.verification.trust import TrustList

from .conftest import NOW, ROOT, load
from .service_helpers import TOKEN, base_config, free_port, running

PRE = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class Clock(FixedClock):
    def advance(self, seconds: float) -> None:
        self._at = self._at + timedelta(seconds=seconds)


ISSUER = generate_key("ed25519")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[str, Clock]]:
    port = free_port()
    clock = Clock(NOW)
    save_key(ISSUER, tmp_path / "issuer.json")
    config = base_config(port, f"sqlite:///{tmp_path / 'ledger.db'}")
    config["issuers"][0]["key"] = str(tmp_path / "issuer.json")
    with running(config, clock=clock) as url:
        yield str(url), clock


def template() -> dict[str, Any]:
    doc = build_credential(load(ROOT / "examples" / "microcredential.json"), issuer=ISSUER.did_key)
    doc.pop("credentialStatus", None)
    return doc


def check(document: Any, **options: Any) -> Any:
    """Verify as an officer would, the status lists fetched from the test service."""
    trust = TrustList.from_dict(
        {"name": "test", "issuers": [{"did": ISSUER.did_key, "legal_name": "Test University"}]}
    )
    with httpx.Client() as client:
        return verify(
            document,
            trust=trust,
            now=NOW,
            http=client,
            fetch_policy=FetchPolicy(allow_private=True, allow_http=True),
            **options,
        )


def failing(report: Any) -> list[dict[str, Any]]:
    return [c.to_dict() for c in report.checks if c.outcome != "pass"]


class Wallet:
    """A holder's key and the key proofs it makes (jwcrypto)."""

    def __init__(self, kind: str = "p256", header: str = "jwk") -> None:
        self.key = generate_key(kind)  # type: ignore[arg-type]
        self.header = header
        from cryptography.hazmat.primitives import serialization

        assert self.key.private_key is not None
        pem = self.key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.jwk = jwk.JWK.from_pem(pem)
        self.alg = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}[kind]

    @property
    def did(self) -> str:
        return did_jwk_for(self.key)

    def proof(self, aud: str, nonce: str | None, *, iat: float | None = None, **header: Any) -> str:
        protected: dict[str, Any] = {"typ": "openid4vci-proof+jwt", "alg": self.alg}
        if self.header == "jwk":
            protected["jwk"] = json.loads(self.jwk.export_public())
        else:
            protected["kid"] = self.did + "#0"
        protected.update(header)
        protected = {k: v for k, v in protected.items() if v is not None}
        claims: dict[str, Any] = {
            "aud": aud,
            "iat": int(iat if iat is not None else NOW.timestamp()),
        }
        if nonce is not None:
            claims["nonce"] = nonce
        token = jws.JWS(json.dumps(claims).encode())
        token.add_signature(self.jwk, alg=self.alg, protected=json.dumps(protected))
        return str(token.serialize(compact=True))


def offer(url: str, **body: Any) -> dict[str, Any]:
    body.setdefault("credential", template())
    r = httpx.post(f"{url}/issuers/demo/offers", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    return dict(r.json())


def token(url: str, made: dict[str, Any], **extra: Any) -> httpx.Response:
    code = made["credentialOffer"]["grants"][PRE]["pre-authorized_code"]
    data = {"grant_type": PRE, "pre-authorized_code": code, **extra}
    return httpx.post(f"{url}/issuers/demo/token", data=data)


def nonce(url: str) -> str:
    r = httpx.post(f"{url}/issuers/demo/nonce")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    return str(r.json()["c_nonce"])


def ask(url: str, access: str, configuration: str, proofs: list[str] | None) -> httpx.Response:
    body: dict[str, Any] = {"credential_configuration_id": configuration}
    if proofs is not None:
        body["proofs"] = {"jwt": proofs}
    return httpx.post(
        f"{url}/issuers/demo/credential",
        json=body,
        headers={"Authorization": f"Bearer {access}"},
    )


def test_metadata_at_the_well_known_paths(service: tuple[str, Clock]) -> None:
    url, _ = service
    ident = f"{url}/issuers/demo"
    for path in (
        "/.well-known/openid-credential-issuer/issuers/demo",
        "/issuers/demo/.well-known/openid-credential-issuer",
    ):
        meta = httpx.get(url + path).json()
        assert meta["credential_issuer"] == ident
        assert meta["credential_endpoint"] == f"{ident}/credential"
        assert meta["nonce_endpoint"] == f"{ident}/nonce"
        configs = meta["credential_configurations_supported"]
        assert configs["MicroCredential_ldp_vc"]["format"] == "ldp_vc"
        assert configs["MicroCredential_dc+sd-jwt"]["vct"] == f"{url}/vct/micro-credential"
        assert configs["MicroCredential_jwt_vc_json"]["proof_types_supported"]["jwt"]
        assert "proof_types_supported" not in configs["MicroCredential_ldp_vc_signed"]
    asm = httpx.get(f"{url}/.well-known/oauth-authorization-server/issuers/demo").json()
    assert asm["issuer"] == ident and asm["token_endpoint"] == f"{ident}/token"
    assert asm["grant_types_supported"] == [PRE]
    vct = httpx.get(f"{url}/vct/micro-credential").json()
    assert vct["vct"] == f"{url}/vct/micro-credential"
    assert (
        httpx.get(f"{url}/.well-known/openid-credential-issuer/issuers/nobody").status_code == 404
    )


@pytest.mark.parametrize("header", ["jwk", "kid"])
def test_pre_authorized_flow_gives_a_credential_bound_to_the_wallet(
    service: tuple[str, Clock], header: str
) -> None:
    url, _ = service
    ident = f"{url}/issuers/demo"
    made = offer(url, txCode=True)
    assert made["offerUri"].startswith("openid-credential-offer://?credential_offer_uri=")
    reference = parse_qs(urlsplit(made["offerUri"]).query)["credential_offer_uri"][0]
    assert reference == f"{ident}/offers/{made['offerId']}"
    fetched = httpx.get(reference)
    assert fetched.status_code == 200 and fetched.json() == made["credentialOffer"]
    by_value = json.loads(parse_qs(urlsplit(made["offerUriByValue"]).query)["credential_offer"][0])
    assert by_value == made["credentialOffer"]
    assert made["credentialOffer"]["grants"][PRE]["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
    }
    assert len(made["txCode"]) == 6 and made["txCode"].isdigit()
    png = httpx.get(f"{reference}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")

    r = token(url, made, tx_code=made["txCode"])
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    access = r.json()["access_token"]
    assert r.json()["token_type"] == "Bearer"
    # the offer is single use: its reference is gone once redeemed
    assert httpx.get(reference).status_code == 404

    wallet = Wallet("p256", header=header)
    r = ask(url, access, "MicroCredential_ldp_vc", [wallet.proof(ident, nonce(url))])
    assert r.status_code == 200, r.text
    credential = r.json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"] == wallet.did
    report = check(credential)
    assert report.verified, failing(report)


def test_jwt_and_sd_jwt_formats(service: tuple[str, Clock]) -> None:
    url, _ = service
    ident = f"{url}/issuers/demo"
    made = offer(url)
    access = token(url, made).json()["access_token"]
    wallet = Wallet("ed25519")
    r = ask(url, access, "MicroCredential_jwt_vc_json", [wallet.proof(ident, nonce(url))])
    assert r.status_code == 200, r.text
    jwt = r.json()["credentials"][0]["credential"]
    parsed = parse_jose(jwt)
    assert parsed.claims["sub"] == wallet.did
    assert check(jwt).verified, failing(check(jwt))

    r = ask(url, access, "MicroCredential_dc+sd-jwt", [wallet.proof(ident, nonce(url))])
    assert r.status_code == 200, r.text
    sd = r.json()["credentials"][0]["credential"]
    issued = parse_sd_jwt(sd)
    payload = parse_jose(issued.jwt).claims
    assert payload["cnf"]["jwk"] == wallet.key.public_jwk()
    assert payload["vct"] == f"{url}/vct/micro-credential"
    shown = present_sd_jwt(
        sd,
        reveal=[n for n in issued.names if n != "dateOfBirth"],
        holder_key=wallet.key,
        nonce="n-1",
        audience="https://admissions.example",
        now=NOW,
    )
    report = check(shown, challenge="n-1", domain="https://admissions.example")
    assert report.verified, failing(report)
    disclosed = report.check("parse").details["disclosed"]
    assert "credentialSubject.nationalID" in disclosed
    assert "credentialSubject.dateOfBirth" not in disclosed


def test_an_sd_jwt_vc_names_a_token_status_list_the_service_keeps(
    service: tuple[str, Clock],
) -> None:
    url, clock = service
    ident = f"{url}/issuers/demo"
    access = token(url, offer(url)).json()["access_token"]
    wallet = Wallet("p256")
    r = ask(url, access, "MicroCredential_dc+sd-jwt", [wallet.proof(ident, nonce(url))])
    assert r.status_code == 200, r.text
    sd = r.json()["credentials"][0]["credential"]
    claims = parse_jose(parse_sd_jwt(sd).jwt).claims
    entry = claims["credentialStatus"]
    entry = entry[0] if isinstance(entry, list) else entry
    # the same list and index as the W3C entry
    reference = claims["status"]["status_list"]
    assert reference == {
        "idx": int(entry["statusListIndex"]),
        "uri": f"{entry['statusListCredential']}/token",
    }
    served = httpx.get(reference["uri"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/statuslist+jwt"
    listed = parse_jose(served.text)
    assert listed.header["typ"] == "statuslist+jwt" and listed.claims["sub"] == reference["uri"]
    assert listed.header["kid"] == ISSUER.verification_method

    def token_status() -> dict[str, Any]:
        report = check(sd)
        return {
            "code": report.check("status").code,  # type: ignore[union-attr]
            "token": report.check("status").details.get("token_status_list"),  # type: ignore[union-attr]
        }

    first = token_status()
    assert first["code"] == "OK" and first["token"]["value"] == 0, first
    revoked = httpx.post(
        f"{url}/credentials/status",
        json={
            "credentialId": claims["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        },
        headers=AUTH,
    )
    assert revoked.status_code == 200, revoked.text
    clock.advance(600)  # past the lists' time to live
    decoded = parse_jose(httpx.get(reference["uri"]).text).claims["status_list"]
    from mcvc.status.token import decode_token_list

    assert decode_token_list(decoded).value(reference["idx"]) == 1
    after = check(sd)
    assert after.check("status").code == "REVOKED", after.check("status")  # type: ignore[union-attr]
    # a list no credential uses, and the suspension list's name, have no token
    base = entry["statusListCredential"].rsplit("/", 1)[0]
    assert httpx.get(f"{base}/999/token").status_code == 404
    assert httpx.get(f"{entry['statusListCredential']}-suspension/token").status_code == 404
    assert httpx.get(f"{url}/status/nobody/1/token").status_code == 404


# --- the token endpoint ---------------------------------------------------------------


def error_of(r: httpx.Response) -> str:
    assert r.headers.get("cache-control") == "no-store", r.headers
    return str(r.json()["error"])


def test_a_pre_authorized_code_is_redeemed_once(service: tuple[str, Clock]) -> None:
    url, _ = service
    made = offer(url)
    assert token(url, made).status_code == 200
    again = token(url, made)
    assert again.status_code == 400 and error_of(again) == "invalid_grant"


def test_transaction_code_rules(service: tuple[str, Clock]) -> None:
    url, _ = service
    made = offer(url, txCode={"length": 8, "input_mode": "text", "description": "sent by SMS"})
    assert made["credentialOffer"]["grants"][PRE]["tx_code"]["description"] == "sent by SMS"
    assert len(made["txCode"]) == 8
    missing = token(url, made)
    assert missing.status_code == 400 and error_of(missing) == "invalid_request"
    for left in (4, 3, 2, 1):
        wrong = token(url, made, tx_code="WRONG000")
        assert error_of(wrong) == "invalid_grant"
        assert f"{left} tries left" in wrong.json()["error_description"]
    locked = token(url, made, tx_code="WRONG000")
    assert "withdrawn" in locked.json()["error_description"]
    # guessing has ended the offer: even the right code no longer works
    assert error_of(token(url, made, tx_code=made["txCode"])) == "invalid_grant"
    plain = offer(url)
    unexpected = token(url, plain, tx_code="123456")
    assert error_of(unexpected) == "invalid_request"


def test_token_request_refusals(service: tuple[str, Clock]) -> None:
    url, clock = service
    endpoint = f"{url}/issuers/demo/token"
    assert error_of(httpx.post(endpoint, data={"pre-authorized_code": "x"})) == "invalid_request"
    assert (
        error_of(httpx.post(endpoint, data={"grant_type": "authorization_code", "code": "x"}))
        == "unsupported_grant_type"
    )
    assert error_of(httpx.post(endpoint, data={"grant_type": PRE})) == "invalid_request"
    unknown = httpx.post(endpoint, data={"grant_type": PRE, "pre-authorized_code": "nope"})
    assert error_of(unknown) == "invalid_grant"
    twice = httpx.post(
        endpoint,
        content=f"grant_type={PRE}&pre-authorized_code=a&pre-authorized_code=b",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert error_of(twice) == "invalid_request" and "repeated" in twice.text
    as_json = httpx.post(endpoint, json={"grant_type": PRE})
    assert as_json.status_code == 415
    made = offer(url, expiresIn=120)
    clock.advance(121)
    expired = token(url, made)
    assert error_of(expired) == "invalid_grant" and "expired" in expired.text


def test_authorization_details_give_credential_identifiers(service: tuple[str, Clock]) -> None:
    url, _ = service
    ident = f"{url}/issuers/demo"
    made = offer(url)
    details = [
        {"type": "openid_credential", "credential_configuration_id": "MicroCredential_ldp_vc"},
        {"type": "openid_credential", "credential_configuration_id": "NotOffered"},
    ]
    r = token(url, made, authorization_details=json.dumps(details))
    granted = r.json()["authorization_details"]
    assert granted == [{**details[0], "credential_identifiers": ["MicroCredential_ldp_vc"]}]
    wallet = Wallet()
    r = httpx.post(
        f"{ident}/credential",
        json={
            "credential_identifier": "MicroCredential_ldp_vc",
            "proofs": {"jwt": [wallet.proof(ident, nonce(url))]},
        },
        headers={"Authorization": f"Bearer {r.json()['access_token']}"},
    )
    assert r.status_code == 200, r.text


# --- the credential endpoint ------------------------------------------------------------


@pytest.fixture
def redeemed(service: tuple[str, Clock]) -> tuple[str, Clock, str]:
    url, clock = service
    made = offer(url, credentialConfigurationIds=["MicroCredential_ldp_vc"])
    return url, clock, str(token(url, made).json()["access_token"])


def test_the_access_token_is_required_and_expires(redeemed: tuple[str, Clock, str]) -> None:
    url, clock, access = redeemed
    ident = f"{url}/issuers/demo"
    wallet = Wallet()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"DPoP {access}"}):
        r = httpx.post(
            f"{ident}/credential",
            json={"credential_configuration_id": "MicroCredential_ldp_vc"},
            headers=headers,
        )
        assert r.status_code == 401 and error_of(r) == "invalid_token"
        assert r.headers["www-authenticate"].startswith("Bearer")
    clock.advance(601)
    late = ask(
        url,
        access,
        "MicroCredential_ldp_vc",
        [wallet.proof(ident, nonce(url), iat=clock.now().timestamp())],
    )
    assert late.status_code == 401


def test_credential_request_refusals(redeemed: tuple[str, Clock, str]) -> None:
    url, _, access = redeemed
    ident = f"{url}/issuers/demo"
    wallet = Wallet()
    auth = {"Authorization": f"Bearer {access}"}

    def post(body: Any) -> httpx.Response:
        return httpx.post(f"{ident}/credential", json=body, headers=auth)

    assert error_of(ask(url, access, "Nope", [])) == "unknown_credential_configuration"
    assert error_of(post({"credential_identifier": "Nope"})) == "unknown_credential_identifier"
    other = ask(url, access, "MicroCredential_dc+sd-jwt", [wallet.proof(ident, nonce(url))])
    assert other.status_code == 403 and error_of(other) == "insufficient_scope"
    both = post(
        {"credential_configuration_id": "MicroCredential_ldp_vc", "credential_identifier": "x"}
    )
    assert error_of(both) == "invalid_credential_request"
    assert error_of(post({})) == "invalid_credential_request"
    assert error_of(post([1])) == "invalid_credential_request"
    assert error_of(post({"credential_configuration_id": ["a"]})) == "invalid_credential_request"
    assert error_of(post({"credential_identifier": {"a": 1}})) == "invalid_credential_request"
    singular = post(
        {
            "credential_configuration_id": "MicroCredential_ldp_vc",
            "proof": {"proof_type": "jwt", "jwt": wallet.proof(ident, nonce(url))},
        }
    )
    assert error_of(singular) == "invalid_credential_request"
    encrypted = post(
        {
            "credential_configuration_id": "MicroCredential_ldp_vc",
            "credential_response_encryption": {"jwk": {}, "enc": "A128GCM"},
        }
    )
    assert error_of(encrypted) == "invalid_encryption_parameters"
    assert error_of(ask(url, access, "MicroCredential_ldp_vc", None)) == "invalid_proof"
    assert error_of(ask(url, access, "MicroCredential_ldp_vc", [])) == "invalid_proof"
    di_vp = post(
        {"credential_configuration_id": "MicroCredential_ldp_vc", "proofs": {"di_vp": [{}]}}
    )
    assert error_of(di_vp) == "invalid_proof"


def test_key_proof_refusals_over_http(redeemed: tuple[str, Clock, str]) -> None:
    url, clock, access = redeemed
    ident = f"{url}/issuers/demo"
    wallet = Wallet()
    now = clock.now().timestamp()

    def code(proofs: list[str]) -> str:
        return error_of(ask(url, access, "MicroCredential_ldp_vc", proofs))

    assert code([wallet.proof("https://elsewhere.example", nonce(url))]) == "invalid_proof"
    assert code([wallet.proof(ident, None)]) == "invalid_proof"
    assert code([wallet.proof(ident, "made-up-nonce")]) == "invalid_nonce"
    assert code([wallet.proof(ident, nonce(url), iat=now - 3600)]) == "invalid_proof"
    assert code([wallet.proof(ident, nonce(url), typ="JWT")]) == "invalid_proof"
    one = nonce(url)
    assert code([wallet.proof(ident, one), wallet.proof(ident, one)]) == "invalid_proof"
    assert (
        code([wallet.proof(ident, nonce(url)), Wallet().proof(ident, nonce(url))])
        == "invalid_nonce"
    )
    many = nonce(url)
    assert code([Wallet().proof(ident, many) for _ in range(4)]) == "invalid_proof"
    stale = nonce(url)
    clock.advance(301)
    assert code([wallet.proof(ident, stale, iat=clock.now().timestamp())]) == "invalid_nonce"


def test_a_nonce_is_used_once(redeemed: tuple[str, Clock, str]) -> None:
    url, _, access = redeemed
    ident = f"{url}/issuers/demo"
    wallet = Wallet()
    proof = wallet.proof(ident, nonce(url))
    first = ask(url, access, "MicroCredential_ldp_vc", [proof])
    assert first.status_code == 200
    replay = ask(url, access, "MicroCredential_ldp_vc", [proof])
    assert error_of(replay) == "invalid_nonce"
    # a presentation challenge of the same service is not a c_nonce
    challenge = httpx.post(f"{url}/challenges", json={}).json()["challenge"]
    assert (
        error_of(ask(url, access, "MicroCredential_ldp_vc", [wallet.proof(ident, challenge)]))
        == "invalid_nonce"
    )


def test_nothing_is_issued_twice(redeemed: tuple[str, Clock, str]) -> None:
    url, _, access = redeemed
    ident = f"{url}/issuers/demo"
    wallet = Wallet()
    first = ask(url, access, "MicroCredential_ldp_vc", [wallet.proof(ident, nonce(url))])
    retry = ask(url, access, "MicroCredential_ldp_vc", [wallet.proof(ident, nonce(url))])
    # the same key asking again (a lost response) gets the very same credential
    assert retry.status_code == 200 and retry.json() == first.json()
    thief = ask(url, access, "MicroCredential_ldp_vc", [Wallet().proof(ident, nonce(url))])
    assert thief.status_code == 400 and error_of(thief) == "credential_request_denied"


def test_batch_issuance_one_credential_per_key(redeemed: tuple[str, Clock, str]) -> None:
    url, _, access = redeemed
    ident = f"{url}/issuers/demo"
    wallets = [Wallet("ed25519"), Wallet("p256", header="kid"), Wallet("p384")]
    shared = nonce(url)
    r = ask(url, access, "MicroCredential_ldp_vc", [w.proof(ident, shared) for w in wallets])
    assert r.status_code == 200, r.text
    issued = [c["credential"] for c in r.json()["credentials"]]
    assert [c["credentialSubject"]["id"] for c in issued] == [w.did for w in wallets]
    assert len({c["id"] for c in issued}) == 3
    for credential in issued:
        assert check(credential).verified


# --- offers -----------------------------------------------------------------------------


def test_offer_refusals(service: tuple[str, Clock]) -> None:
    url, _ = service
    endpoint = f"{url}/issuers/demo/offers"

    def refused(body: Any, headers: dict[str, str] = AUTH) -> httpx.Response:
        r = httpx.post(endpoint, json=body, headers=headers)
        assert r.status_code >= 400, r.text
        return r

    assert refused({"credential": template()}, headers={}).status_code == 401
    foreign = {**template(), "issuer": "did:example:another"}
    assert refused({"credential": foreign}).json()["code"] == "ISSUER_MISMATCH"
    no_subject = {k: v for k, v in template().items() if k != "credentialSubject"}
    assert refused({"credential": no_subject}).json()["field"] == "credential.credentialSubject"
    assert refused({"credential": template(), "rowKey": "r"}).json()["code"] == "REQUEST_INVALID"
    unknown_row = refused({"rowKey": "no-such-row"})
    assert unknown_row.status_code == 404 and unknown_row.json()["code"] == "UNKNOWN_ROW"
    assert refused({"credential": template(), "expiresIn": 5}).json()["field"] == "expiresIn"
    assert (
        refused({"credential": template(), "txCode": {"length": 2}}).json()["field"]
        == "txCode.length"
    )
    wrong = refused(
        {"credential": template(), "credentialConfigurationIds": ["MicroCredential_ldp_vc_signed"]}
    )
    assert wrong.json()["field"] == "credentialConfigurationIds"
    assert refused({"credential": template(), "colour": "red"}).json()["code"] == "REQUEST_INVALID"


def test_an_offer_reference_expires(service: tuple[str, Clock]) -> None:
    url, clock = service
    made = offer(url, expiresIn=60)
    assert httpx.get(made["credentialOfferUri"]).status_code == 200
    clock.advance(61)
    assert httpx.get(made["credentialOfferUri"]).status_code == 404
    assert httpx.get(f"{url}/issuers/demo/offers/unknown").status_code == 404


def test_offer_status_needs_the_issuing_token(service: tuple[str, Clock]) -> None:
    url, _ = service
    made = offer(url)
    status = f"{url}/issuers/demo/offers/{made['offerId']}/status"
    assert httpx.get(status).status_code == 401
    assert httpx.get(status, headers={"Authorization": "Bearer wrong"}).status_code == 401
    r = httpx.get(status, headers=AUTH)
    assert r.status_code == 200 and r.json()["state"] == "offered", r.text
    assert r.headers["cache-control"] == "no-store"
    assert httpx.get(f"{url}/issuers/demo/offers/nope/status", headers=AUTH).status_code == 404
    # the notification endpoint answers OAuth errors without a token
    n = httpx.post(f"{url}/issuers/demo/notification", json={})
    assert n.status_code == 401 and n.json()["error"] == "invalid_token"


# --- deferred: a batch row that is not signed yet ----------------------------------------------


def test_a_batch_row_is_deferred_until_signed(service: tuple[str, Clock], tmp_path: Path) -> None:
    from mcvc import sign
    from mcvc.issuing.ledger import Ledger

    url, _ = service
    ident = f"{url}/issuers/demo"
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.db'}")
    row = ledger.reserve("batch/R0001", status_base=f"{url}/status/demo/", now=NOW)
    made = offer(url, credential=None, rowKey="batch/R0001")
    assert made["credentialOffer"]["credential_configuration_ids"] == [
        "MicroCredential_ldp_vc_signed"
    ]
    access = token(url, made).json()["access_token"]
    auth = {"Authorization": f"Bearer {access}"}
    r = ask(url, access, "MicroCredential_ldp_vc_signed", None)
    assert r.status_code == 202, r.text
    transaction = r.json()["transaction_id"]
    assert r.json()["interval"] == 60
    waiting = httpx.post(
        f"{ident}/deferred_credential", json={"transaction_id": transaction}, headers=auth
    )
    assert waiting.status_code == 202 and waiting.json()["transaction_id"] == transaction
    signed = sign({**template(), "id": row.credential_id}, ISSUER)
    ledger.complete("batch/R0001", json.dumps(signed), now=NOW)
    ready = httpx.post(
        f"{ident}/deferred_credential", json={"transaction_id": transaction}, headers=auth
    )
    assert ready.status_code == 200 and ready.json()["credentials"][0]["credential"] == signed
    again = httpx.post(
        f"{ident}/deferred_credential", json={"transaction_id": transaction}, headers=auth
    )
    assert again.status_code == 400 and error_of(again) == "invalid_transaction_id"
    unknown = httpx.post(f"{ident}/deferred_credential", json={"transaction_id": "x"}, headers=auth)
    assert error_of(unknown) == "invalid_transaction_id"
    assert httpx.post(f"{ident}/deferred_credential", json={}, headers=auth).status_code == 400
    assert (
        httpx.post(f"{ident}/deferred_credential", json={"transaction_id": transaction}).status_code
        == 401
    )
    # once signed, the same offer's credential endpoint answers at once
    now_ready = ask(url, access, "MicroCredential_ldp_vc_signed", None)
    assert now_ready.status_code == 200
    ledger.close()


# --- mcvc offer ---------------------------------------------------------------------------


def test_mcvc_offer_prints_link_code_and_qr(
    service: tuple[str, Clock],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mcvc.cli import main

    url, _ = service
    (tmp_path / "unsigned.json").write_text(json.dumps(template()))
    monkeypatch.setenv("MCVC_ISSUER_TOKEN", TOKEN)
    png = tmp_path / "offer.png"
    code = main(
        [
            "offer",
            "--credential",
            str(tmp_path / "unsigned.json"),
            "--service",
            url,
            "--tx-code",
            "--png",
            str(png),
            "--expires",
            "2d",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "openid-credential-offer://?credential_offer_uri=" in out
    assert "Transaction code: " in out and "█" in out
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "2026-11-03T12:00:00Z" in out  # NOW + 2 days, from the service's clock
    # a wrong token is a clear refusal, not a traceback
    monkeypatch.setenv("MCVC_ISSUER_TOKEN", "wrong")
    assert main(["offer", "--credential", str(tmp_path / "unsigned.json"), "--service", url]) == 2
    assert "offer refused (401)" in capsys.readouterr().err
    monkeypatch.delenv("MCVC_ISSUER_TOKEN")
    assert main(["offer", "ROW", "--service", url]) == 2
    assert "MCVC_ISSUER_TOKEN" in capsys.readouterr().err
    assert main(["offer", "ROW", "--service", url, "--expires", "soon"]) == 2
