"""The OpenID4VCI issuer's rules called directly (no HTTP server), so that each answer, code
and header is seen where it is made. ``test_oid4vci.py`` runs the same flows over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from mcvc.canon.api import Canonicalizer
from mcvc.oid4vci.book import MAX_EVENTS, OfferBook
from mcvc.oid4vci.issuer import MAX_OFFER_TTL, OfferRefused, WalletIssuer, offer_link
from mcvc.service.issuer import IssueRefused, ServiceIssuer

from .conftest import NOW
from .test_oid4vci import ISSUER, PRE, Clock, Wallet, template

IDENT = "https://uni.example/issuers/demo"
LDP, JWT, SD, SIGNED = (
    "MicroCredential_ldp_vc",
    "MicroCredential_jwt_vc_json",
    "MicroCredential_dc+sd-jwt",
    "MicroCredential_ldp_vc_signed",
)


def redeem(w: WalletIssuer, **offer: Any) -> str:
    made = w.create_offer(credential=offer.pop("credential", template()), **offer)
    answer = w.token(
        {
            "grant_type": PRE,
            "pre-authorized_code": made["credentialOffer"]["grants"][PRE]["pre-authorized_code"],
        }
    )
    assert answer.status == 200, answer.body
    return f"Bearer {answer.body['access_token']}"  # type: ignore[index]


def nonce(w: WalletIssuer) -> str:
    return str(w.nonce().body["c_nonce"])  # type: ignore[index]


def err(answer: Any, status: int, error: str) -> str:
    assert (answer.status, answer.body["error"]) == (status, error), answer.body
    assert answer.headers["Cache-Control"] == "no-store"
    return str(answer.body["error_description"])


def test_metadata(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    meta = w.metadata()
    assert meta["credential_issuer"] == IDENT
    assert meta["credential_endpoint"] == f"{IDENT}/credential"
    assert meta["nonce_endpoint"] == f"{IDENT}/nonce"
    assert meta["deferred_credential_endpoint"] == f"{IDENT}/deferred_credential"
    assert meta["notification_endpoint"] == f"{IDENT}/notification"
    assert meta["batch_credential_issuance"] == {"batch_size": 2}
    assert meta["display"] == [{"name": "demo", "locale": "en"}]
    configs = meta["credential_configurations_supported"]
    assert set(configs) == {LDP, JWT, SD, SIGNED}
    assert configs[LDP]["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert configs[JWT]["credential_signing_alg_values_supported"] == ["EdDSA"]
    assert configs[SD]["vct"] == "https://uni.example/vct/micro-credential"
    assert configs[LDP]["cryptographic_binding_methods_supported"] == ["did:key", "did:jwk"]
    assert configs[SD]["cryptographic_binding_methods_supported"] == ["jwk"]
    assert configs[LDP]["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"] == [
        "EdDSA",
        "ES256",
        "ES384",
    ]
    assert w.as_metadata() == {
        "issuer": IDENT,
        "token_endpoint": f"{IDENT}/token",
        "grant_types_supported": [PRE],
        "pre-authorized_grant_anonymous_access_supported": True,
        "token_endpoint_auth_methods_supported": ["none"],
        "response_types_supported": [],
        "dpop_signing_alg_values_supported": ["EdDSA", "ES256", "ES384"],
    }


def test_offer_links() -> None:
    assert offer_link("https://a.example/o/1") == (
        "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fa.example%2Fo%2F1"
    )
    assert offer_link({"a": "é"}).startswith(
        "openid-credential-offer://?credential_offer=%7B%22a%22"
    )
    assert offer_link("x", scheme="haip://") == "haip://?credential_offer_uri=x"


def test_offer_refusals(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer

    def refused(**kw: Any) -> IssueRefused:
        with pytest.raises(IssueRefused) as caught:
            w.create_offer(**kw)
        return caught.value

    assert (refused().field, refused().code) == ("credential", "REQUEST_INVALID")
    both = refused(credential=template(), row_key="r")
    assert (both.field, both.code) == ("credential", "REQUEST_INVALID")
    short = refused(credential=template(), ttl=timedelta(seconds=59))
    assert (short.field, short.code) == ("expiresIn", "REQUEST_INVALID")
    assert (
        refused(credential=template(), ttl=MAX_OFFER_TTL + timedelta(seconds=1)).field
        == "expiresIn"
    )
    w.create_offer(credential=template(), ttl=timedelta(seconds=60))
    w.create_offer(credential=template(), ttl=MAX_OFFER_TTL)
    missing = refused(row_key="no-such-row")
    assert (missing.code, missing.status, missing.field) == ("UNKNOWN_ROW", 404, "rowKey")
    assert refused(credential=[1]).field == "credential"
    assert (
        refused(credential={**template(), "credentialSubject": [{}]}).field
        == "credential.credentialSubject"
    )
    wrong = refused(credential=template(), configurations=[SIGNED])
    assert wrong.field == "credentialConfigurationIds" and SIGNED in str(wrong)
    assert "repeated" in str(refused(credential=template(), configurations=[LDP, LDP]))
    assert (
        refused(credential={**template(), "issuer": "did:example:other"}).code == "ISSUER_MISMATCH"
    )
    for tx, field in (
        ("yes", "txCode"),
        ({"input_mode": "emoji"}, "txCode"),
        ({"length": 3}, "txCode.length"),
        ({"length": 13}, "txCode.length"),
        ({"length": True}, "txCode.length"),
        ({"description": "x" * 301}, "txCode.description"),
        ({"description": 5}, "txCode.description"),
    ):
        got = refused(credential=template(), tx_code=tx)
        assert (got.field, got.code) == (field, "REQUEST_INVALID"), tx
    assert isinstance(refused(credential=template(), tx_code="yes"), OfferRefused)
    for kw in (
        {"credential": [1]},
        {"credential": {**template(), "credentialSubject": [{}]}},
        {"credential": template(), "configurations": [SIGNED]},
        {"credential": template(), "configurations": [LDP, LDP]},
    ):
        assert refused(**kw).code == "REQUEST_INVALID", kw
    # the edges that are still accepted: a 300-character description, a default length of 6
    edge = w.create_offer(credential=template(), tx_code={"description": "x" * 300})
    assert edge["credentialOffer"]["grants"][PRE]["tx_code"] == {
        "input_mode": "numeric",
        "length": 6,
        "description": "x" * 300,
    }
    # the subject's id is the wallet's DID at issuance: a template's own id is not judged
    loose = {**template(), "credentialSubject": {**template()["credentialSubject"], "id": "x y"}}
    assert w.create_offer(credential=loose)["offerId"]


def test_offers_as_made(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    plain = w.create_offer(credential=template(), tx_code=False)
    assert plain["txCode"] is None and "tx_code" not in plain["credentialOffer"]["grants"][PRE]
    assert plain["credentialOffer"]["credential_issuer"] == IDENT
    assert plain["credentialOffer"]["credential_configuration_ids"] == [LDP, JWT, SD]
    assert plain["credentialOfferUri"] == f"{IDENT}/offers/{plain['offerId']}"
    assert plain["expiresAt"] == (NOW + timedelta(days=7)).isoformat().replace("+00:00", "Z")
    for tx, spec in (
        (True, {"input_mode": "numeric", "length": 6}),
        (
            {"length": 4, "input_mode": "text", "description": "by SMS"},
            {"input_mode": "text", "length": 4, "description": "by SMS"},
        ),
        ({"length": 12}, {"input_mode": "numeric", "length": 12}),
    ):
        made = w.create_offer(credential=template(), tx_code=tx, configurations=[SD])
        assert made["credentialOffer"]["grants"][PRE]["tx_code"] == spec
        assert len(made["txCode"]) == spec["length"]
        document = w.offer_document(made["offerId"])
        assert document.status == 200 and document.body == made["credentialOffer"]
        assert document.headers == {"Cache-Control": "no-store"}
    assert err(w.offer_document("nope"), 404, "not_found")


def test_token_refusals(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    assert "grant_type is missing" in err(w.token({}), 400, "invalid_request")
    err(w.token({"grant_type": "password"}), 400, "unsupported_grant_type")
    err(w.token({"grant_type": PRE, "pre-authorized_code": "nope"}), 400, "invalid_grant")
    made = w.create_offer(credential=template())
    code = made["credentialOffer"]["grants"][PRE]["pre-authorized_code"]
    bad_details = w.token(
        {"grant_type": PRE, "pre-authorized_code": code, "authorization_details": "{"}
    )
    assert "authorization_details" in err(bad_details, 400, "invalid_request")
    made = w.create_offer(credential=template(), configurations=[LDP])
    code = made["credentialOffer"]["grants"][PRE]["pre-authorized_code"]
    details = [
        {"type": "openid_credential", "credential_configuration_id": LDP},
        {"type": "other", "credential_configuration_id": LDP},
        {"type": "openid_credential", "credential_configuration_id": SD},
        "junk",
    ]
    answer = w.token(
        {
            "grant_type": PRE,
            "pre-authorized_code": code,
            "authorization_details": json.dumps(details),
        }
    )
    assert answer.status == 200 and answer.headers == {"Cache-Control": "no-store"}
    assert answer.body["token_type"] == "Bearer" and answer.body["expires_in"] == 600  # type: ignore[index]
    assert answer.body["authorization_details"] == [{**details[0], "credential_identifiers": [LDP]}]  # type: ignore[index]
    made = w.create_offer(credential=template())
    code = made["credentialOffer"]["grants"][PRE]["pre-authorized_code"]
    nothing = w.token(
        {
            "grant_type": PRE,
            "pre-authorized_code": code,
            "authorization_details": json.dumps({"a": 1}),
        }
    )
    assert "authorization_details" not in nothing.body  # type: ignore[operator]


def test_credential_request_refusals(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    auth = redeem(w, configurations=[LDP])
    wallet = Wallet("ed25519")
    for bad in (None, "", "Bearer", "Bearer ", "Basic x", "Bearer unknown"):
        denied = w.credential(bad, {})
        assert (
            denied.status == 401
            and denied.headers["WWW-Authenticate"]
            == 'Bearer error="invalid_token", DPoP error="invalid_token"'
        )
    assert "JSON object" in err(w.credential(auth, [1]), 400, "invalid_credential_request")
    err(
        w.credential(
            auth, {"credential_configuration_id": LDP, "credential_response_encryption": {}}
        ),
        400,
        "invalid_encryption_parameters",
    )
    err(w.credential(auth, {}), 400, "invalid_credential_request")
    err(
        w.credential(auth, {"credential_configuration_id": LDP, "credential_identifier": LDP}),
        400,
        "invalid_credential_request",
    )
    assert "proofs" in err(
        w.credential(auth, {"credential_configuration_id": LDP, "proof": {}}),
        400,
        "invalid_credential_request",
    )
    err(w.credential(auth, {"credential_configuration_id": 5}), 400, "invalid_credential_request")
    err(
        w.credential(auth, {"credential_configuration_id": "X"}),
        400,
        "unknown_credential_configuration",
    )
    err(w.credential(auth, {"credential_identifier": "X"}), 400, "unknown_credential_identifier")
    scope = w.credential(auth, {"credential_configuration_id": SD})
    assert (
        scope.status == 403
        and scope.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope"'
    )

    def proofs(value: Any) -> str:
        return err(
            w.credential(auth, {"credential_configuration_id": LDP, "proofs": value}),
            400,
            "invalid_proof",
        )

    assert "one proof type" in proofs(None)
    assert "one proof type" in proofs({"jwt": [], "di_vp": []})
    assert "not supported" in proofs({"di_vp": [{}]})
    assert "non-empty array" in proofs({"jwt": "x"})
    assert "non-empty array" in proofs({"jwt": []})
    one = nonce(w)
    assert "at most 2" in proofs({"jwt": [Wallet().proof(IDENT, one) for _ in range(3)]})
    assert proofs({"jwt": [wallet.proof(IDENT, one), "junk"]}).startswith("proofs.jwt[1]: ")
    assert "different key" in proofs({"jwt": [wallet.proof(IDENT, one), wallet.proof(IDENT, one)]})
    mixed = w.credential(
        auth,
        {
            "credential_configuration_id": LDP,
            "proofs": {"jwt": [wallet.proof(IDENT, one), Wallet().proof(IDENT, nonce(w))]},
        },
    )
    assert "different nonces" in err(mixed, 400, "invalid_nonce")
    unknown = w.credential(
        auth,
        {"credential_configuration_id": LDP, "proofs": {"jwt": [wallet.proof(IDENT, "made-up")]}},
    )
    assert "nonce endpoint" in err(unknown, 400, "invalid_nonce")


def test_credentials_bound_once(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    auth = redeem(w)
    a, b = Wallet("ed25519"), Wallet("p256", header="kid")
    n = nonce(w)
    got = w.credential(
        auth,
        {
            "credential_configuration_id": LDP,
            "proofs": {"jwt": [a.proof(IDENT, n), b.proof(IDENT, n)]},
        },
    )
    assert got.status == 200 and got.headers == {"Cache-Control": "no-store"}
    issued = [c["credential"] for c in got.body["credentials"]]  # type: ignore[index]
    assert [c["credentialSubject"]["id"] for c in issued] == [a.did, b.did]
    assert "id" not in template() or all(c["id"] != template().get("id") for c in issued)
    again = w.credential(
        auth, {"credential_configuration_id": LDP, "proofs": {"jwt": [a.proof(IDENT, nonce(w))]}}
    )
    # the same notification id: one per offer and configuration
    assert again.body == {
        "credentials": [{"credential": issued[0]}],
        "notification_id": got.body["notification_id"],  # type: ignore[index]
    }
    stranger = w.credential(
        auth,
        {"credential_configuration_id": LDP, "proofs": {"jwt": [Wallet().proof(IDENT, nonce(w))]}},
    )
    assert "another key" in err(stranger, 400, "credential_request_denied")
    jwt = w.credential(
        auth, {"credential_configuration_id": JWT, "proofs": {"jwt": [a.proof(IDENT, nonce(w))]}}
    )
    assert isinstance(jwt.body["credentials"][0]["credential"], str)  # type: ignore[index]
    sd = w.credential(
        auth, {"credential_identifier": SD, "proofs": {"jwt": [a.proof(IDENT, nonce(w))]}}
    )
    assert sd.body["credentials"][0]["credential"].endswith("~")  # type: ignore[index]


def test_a_single_configuration_keeps_the_template_id(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    w, _ = wallet_issuer
    doc = {**template(), "id": "urn:uuid:11111111-2222-3333-4444-555555555555"}
    auth = redeem(w, credential=doc, configurations=[LDP])
    a, b = Wallet(), Wallet()
    n = nonce(w)
    got = w.credential(
        auth,
        {
            "credential_configuration_id": LDP,
            "proofs": {"jwt": [a.proof(IDENT, n), b.proof(IDENT, n)]},
        },
    )
    ids = [c["credential"]["id"] for c in got.body["credentials"]]  # type: ignore[index]
    assert ids[0] == doc["id"] and ids[1] != doc["id"]


def test_deferred(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    row = w.ledger.reserve("batch/R7", status_base=w.issuer.status_base, now=NOW)
    auth = redeem(w, credential=None, row_key="batch/R7")
    waiting = w.credential(auth, {"credential_configuration_id": SIGNED})
    assert waiting.status == 202 and waiting.body["interval"] == 30  # type: ignore[index]
    assert waiting.headers == {"Cache-Control": "no-store"}
    transaction = waiting.body["transaction_id"]  # type: ignore[index]
    assert (
        w.credential(auth, {"credential_configuration_id": SIGNED}).body["transaction_id"]
        == transaction
    )  # type: ignore[index]
    for bad in (None, "Bearer nope"):
        assert w.deferred(bad, {"transaction_id": transaction}).status == 401
    err(w.deferred(auth, {}), 400, "invalid_credential_request")
    err(w.deferred(auth, [transaction]), 400, "invalid_credential_request")
    err(w.deferred(auth, {"transaction_id": "nope"}), 400, "invalid_transaction_id")
    other_auth = redeem(w)
    err(w.deferred(other_auth, {"transaction_id": transaction}), 400, "invalid_transaction_id")
    pending = w.deferred(auth, {"transaction_id": transaction})
    assert pending.status == 202 and pending.body == {"transaction_id": transaction, "interval": 30}
    assert pending.headers == {"Cache-Control": "no-store"}
    signed = {"id": row.credential_id, "proof": {}}
    w.ledger.complete("batch/R7", json.dumps(signed), now=NOW)
    ready = w.deferred(auth, {"transaction_id": transaction})
    assert ready.status == 200 and ready.body is not None
    assert ready.body["credentials"] == [{"credential": signed}]
    notification_id = ready.body["notification_id"]
    assert ready.headers == {"Cache-Control": "no-store"}
    err(w.deferred(auth, {"transaction_id": transaction}), 400, "invalid_transaction_id")
    direct = w.credential(auth, {"credential_configuration_id": SIGNED})
    assert direct.status == 200 and direct.body == {
        "credentials": [{"credential": signed}],
        "notification_id": notification_id,
    }
    assert direct.headers == {"Cache-Control": "no-store"}


def test_credentials_across_offers_and_formats(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    a = Wallet()
    fixed = {**template(), "id": "urn:uuid:aaaaaaaa-2222-3333-4444-555555555555"}
    first = redeem(w, credential=fixed, configurations=[LDP])
    got = w.credential(
        first, {"credential_configuration_id": LDP, "proofs": {"jwt": [a.proof(IDENT, nonce(w))]}}
    )
    assert got.body["credentials"][0]["credential"]["id"] == fixed["id"]  # type: ignore[index]
    # the slot records the ledger row of the credential it gave
    offer = w.book.by_token(first.split()[1], NOW)
    assert offer is not None
    slot = w.book.claim(offer.offer_id, LDP, 0, "anyone", "x")
    assert slot.row_key == f"demo/oid4vci/{offer.offer_id}/{LDP}/0"
    # the same credential id in a second offer is a second credential: refused by the ledger
    second = redeem(w, credential=fixed, configurations=[LDP])
    clash = w.credential(
        second, {"credential_configuration_id": LDP, "proofs": {"jwt": [a.proof(IDENT, nonce(w))]}}
    )
    assert "credential.id" in err(clash, 400, "credential_request_denied")
    # two formats: neither reuses the template's id; a template without id is fine too
    two = redeem(w, credential=fixed, configurations=[LDP, JWT])
    ldp = w.credential(
        two, {"credential_configuration_id": LDP, "proofs": {"jwt": [a.proof(IDENT, nonce(w))]}}
    )
    assert ldp.body["credentials"][0]["credential"]["id"] != fixed["id"]  # type: ignore[index]
    no_id = {k: v for k, v in template().items() if k != "id"}
    bare = redeem(w, credential=no_id, configurations=[LDP, SD])
    assert (
        w.credential(
            bare, {"credential_configuration_id": SD, "proofs": {"jwt": [a.proof(IDENT, nonce(w))]}}
        ).status
        == 200
    )


def test_a_code_is_only_redeemed_at_its_issuer(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, clock = wallet_issuer
    other = WalletIssuer(
        ServiceIssuer(
            "other",
            ISSUER,
            status_base="https://uni.example/status/other/",
            suspension=False,
            status_ttl_ms=1000,
            canon=Canonicalizer(),
            now=clock.now,
        ),
        identifier="https://uni.example/issuers/other",
        ledger=w.ledger,
        book=w.book,
        nonces=w.nonces,
        clock=clock,
        vct="v",
    )
    made = w.create_offer(credential=template())
    form = {
        "grant_type": PRE,
        "pre-authorized_code": made["credentialOffer"]["grants"][PRE]["pre-authorized_code"],
    }
    err(other.token(form), 400, "invalid_grant")
    assert w.token(form).status == 200, "trying it elsewhere did not spend it"
    auth = redeem(w)
    assert other.credential(auth, {"credential_configuration_id": LDP}).status == 401


class RacingBook(OfferBook):
    """Another request delivers the deferred credential between our read and our write."""

    def delivered(self, transaction_id: str) -> bool:
        super().delivered(transaction_id)
        return False


def test_deferred_races_and_vanished_rows(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    from sqlalchemy import delete

    from mcvc.issuing.ledger import credentials

    w, _ = wallet_issuer
    w.ledger.reserve("batch/R8", status_base=w.issuer.status_base, now=NOW)
    auth = redeem(w, credential=None, row_key="batch/R8")
    transaction = w.credential(auth, {"credential_configuration_id": SIGNED}).body["transaction_id"]  # type: ignore[index]
    with w.ledger.engine.begin() as conn:
        conn.execute(delete(credentials).where(credentials.c.row_key == "batch/R8"))
    assert "no longer exists" in err(
        w.deferred(auth, {"transaction_id": transaction}), 400, "credential_request_denied"
    )
    w.ledger.reserve("batch/R9", status_base=w.issuer.status_base, now=NOW)
    auth = redeem(w, credential=None, row_key="batch/R9")
    transaction = w.credential(auth, {"credential_configuration_id": SIGNED}).body["transaction_id"]  # type: ignore[index]
    w.ledger.complete("batch/R9", json.dumps({"id": "x"}), now=NOW)
    w.book = RacingBook(w.ledger.engine)
    assert "already delivered" in err(
        w.deferred(auth, {"transaction_id": transaction}), 400, "invalid_transaction_id"
    )


def _issued(w: WalletIssuer, auth: str, holder: Wallet | None = None) -> str:
    holder = holder or Wallet("ed25519")
    got = w.credential(
        auth,
        {"credential_configuration_id": LDP, "proofs": {"jwt": [holder.proof(IDENT, nonce(w))]}},
    )
    assert got.status == 200, got.body
    return str(got.body["notification_id"])  # type: ignore[index]


def test_the_wallet_notifies_what_it_did_with_the_credential(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    w, clock = wallet_issuer
    auth = redeem(w)
    notification_id = _issued(w, auth)
    offer_id = w.book.by_token(auth.split()[1], NOW).offer_id  # type: ignore[union-attr]
    ok = w.notification(auth, {"notification_id": notification_id, "event": "credential_accepted"})
    assert (ok.status, ok.body, ok.headers) == (204, None, {"Cache-Control": "no-store"})
    clock.advance(60)
    deleted = {
        "notification_id": notification_id,
        "event": "credential_deleted",
        "event_description": "the learner removed it",
    }
    assert w.notification(auth, deleted).status == 204
    status = w.offer_status(offer_id)
    assert status.status == 200 and status.body is not None
    assert status.body["state"] == "redeemed"
    assert status.body["notifications"] == [
        {"credentialConfigurationId": LDP, "event": "credential_accepted", "at": NOW.isoformat()},
        {
            "credentialConfigurationId": LDP,
            "event": "credential_deleted",
            "description": "the learner removed it",
            "at": (NOW + timedelta(minutes=1)).isoformat(),
        },
    ]


def test_notification_requests_are_checked(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    auth = redeem(w)
    notification_id = _issued(w, auth)
    good = {"notification_id": notification_id, "event": "credential_failure"}
    for bad_auth in (None, "Bearer nope", auth.split()[1]):
        refused = w.notification(bad_auth, good)
        assert refused.status == 401 and refused.body["error"] == "invalid_token"  # type: ignore[index]
    for body, named in (
        ([good], "JSON object"),
        ({"event": "credential_failure"}, "notification_id is missing"),
        ({**good, "notification_id": ""}, "notification_id is missing"),
        ({**good, "notification_id": 7}, "notification_id is missing"),
        ({**good, "event": "credential_stored"}, "event must be one of"),
        ({"notification_id": notification_id}, "event must be one of"),
        ({**good, "event_description": 'a "quoted" word'}, "printable ASCII"),
        ({**good, "event_description": "back\\slash"}, "printable ASCII"),
        ({**good, "event_description": "caf\u00e9"}, "printable ASCII"),
        ({**good, "event_description": "x" * 1001}, "at most 1000"),
        ({**good, "event_description": 5}, "printable ASCII"),
    ):
        assert named in err(w.notification(auth, body), 400, "invalid_notification_request")
    assert w.notification(auth, {**good, "event_description": "x" * 1000}).status == 204
    # the book's own answer for a recorded event (the endpoint tells only the refusals apart)
    offer_id = w.book.by_token(auth.split()[1], NOW).offer_id  # type: ignore[union-attr]
    assert w.book.notify(notification_id, offer_id, "credential_failure", None, NOW) == "recorded"
    # an id that is unknown, or another offer's, is invalid_notification_id
    unknown = {**good, "notification_id": "nope"}
    assert "notification_id" in err(w.notification(auth, unknown), 400, "invalid_notification_id")
    other = redeem(w)
    err(w.notification(other, good), 400, "invalid_notification_id")
    # a bounded number of events per id
    for _ in range(MAX_EVENTS - 2):  # two are recorded above
        assert w.notification(auth, good).status == 204
    assert f"at most {MAX_EVENTS}" in err(
        w.notification(auth, good), 400, "invalid_notification_request"
    )


def test_every_credential_response_carries_one_notification_id_per_configuration(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    w, _ = wallet_issuer
    auth = redeem(w, configurations=[LDP, JWT])
    holder = Wallet("ed25519")
    first = _issued(w, auth, holder)
    assert _issued(w, auth, holder) == first  # asked again: the same id
    jwt = w.credential(
        auth,
        {
            "credential_configuration_id": JWT,
            "proofs": {"jwt": [Wallet("ed25519").proof(IDENT, nonce(w))]},
        },
    )
    assert jwt.status == 200 and jwt.body["notification_id"] != first  # type: ignore[index]


def test_offer_status_is_the_issuers_own(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    err(w.offer_status("nope"), 404, "not_found")
    # another offer's events are not this one's
    auth = redeem(w)
    notified = {"notification_id": _issued(w, auth), "event": "credential_accepted"}
    assert w.notification(auth, notified).status == 204
    made = w.create_offer(credential=template())
    status = w.offer_status(made["offerId"])
    assert status.body is not None and status.body["state"] == "offered"
    assert status.body["notifications"] == []
    assert (
        status.body["credentialConfigurationIds"]
        == made["credentialOffer"]["credential_configuration_ids"]
    )


def test_error_descriptions_stay_in_the_allowed_characters() -> None:
    from mcvc.oid4vci.issuer import _error

    said = _error(400, "invalid_request", 'a "quoted" C:\\path \u00e9\n')
    assert said.body == {
        "error": "invalid_request",
        "error_description": "a 'quoted' C:/path ??",
    }


def test_offer_links_by_value_are_compact_utf8() -> None:
    from urllib.parse import quote

    offer = {"credential_issuer": "https://uni.example/issuers/d\u00e9mo", "ids": [1, 2]}
    text = '{"credential_issuer":"https://uni.example/issuers/d\u00e9mo","ids":[1,2]}'
    assert offer_link(offer) == (
        "openid-credential-offer://?credential_offer=" + quote(text, safe="")
    )


def test_the_constructor_keeps_what_it_is_given(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    from mcvc.jades.certs import TrustAnchors
    from mcvc.oid4vci.dpop import DpopNonces
    from mcvc.oid4vci.keyattest import KeyAttestationPolicy

    w, clock = wallet_issuer
    nonces = DpopNonces(b"sixteen bytes or more")
    policy = KeyAttestationPolicy(TrustAnchors())

    def like_w(**options: Any) -> WalletIssuer:
        shared = {k: getattr(w, k) for k in ("identifier", "ledger", "book", "nonces", "vct")}
        return WalletIssuer(w.issuer, clock=clock, **shared, **options)

    made = like_w(require_dpop=True, dpop_nonces=nonces, key_attestations=policy)
    assert made.require_dpop is True and made.dpop_nonces is nonces
    assert made.key_attestations is policy
    plain = like_w()
    assert (plain.batch_size, plain.deferred_interval) == (3, 60)
    assert plain.require_dpop is False and plain.dpop_nonces is None
    assert plain.key_attestations is None


def test_offer_status_as_the_university_reads_it(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    made = w.create_offer(credential=template())
    status = w.offer_status(made["offerId"])
    assert status.status == 200 and status.headers == {"Cache-Control": "no-store"}
    assert status.body == {
        "offerId": made["offerId"],
        "state": "offered",
        "expiresAt": made["expiresAt"].replace("Z", "+00:00"),
        "credentialConfigurationIds": made["credentialOffer"]["credential_configuration_ids"],
        "notifications": [],
    }


def test_authorization_details_that_are_not_a_list(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    w, _ = wallet_issuer
    for details in ("5", '"openid_credential"', '{"type": "openid_credential"}'):
        made = w.create_offer(credential=template())
        answer = w.token(
            {
                "grant_type": PRE,
                "pre-authorized_code": made["credentialOffer"]["grants"][PRE][
                    "pre-authorized_code"
                ],
                "authorization_details": details,
            }
        )
        assert answer.status == 200 and "authorization_details" not in answer.body, details  # type: ignore[operator]


def test_proofs_without_attestations_under_a_policy_that_does_not_need_them(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    from mcvc.jades.certs import TrustAnchors
    from mcvc.oid4vci.keyattest import KeyAttestationPolicy

    w, _ = wallet_issuer
    w.key_attestations = KeyAttestationPolicy(TrustAnchors())
    a, b = Wallet("p256"), Wallet("ed25519")
    n = nonce(w)
    got = w.credential(
        redeem(w),
        {
            "credential_configuration_id": LDP,
            "proofs": {"jwt": [a.proof(IDENT, n), b.proof(IDENT, n)]},
        },
    )
    assert got.status == 200, got.body
    subjects = [c["credential"]["credentialSubject"]["id"] for c in got.body["credentials"]]  # type: ignore[index]
    assert subjects == [a.did, b.did]


def test_an_sd_jwt_names_a_token_status_list_only_when_it_has_a_status(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    from mcvc.jose import parse_jose
    from mcvc.sdjwt import parse_sd_jwt

    w, _ = wallet_issuer

    def payload() -> dict[str, Any]:
        got = w.credential(
            redeem(w, credential=template()),
            {
                "credential_configuration_id": SD,
                "proofs": {"jwt": [Wallet().proof(IDENT, nonce(w))]},
            },
        )
        assert got.status == 200, got.body
        token = got.body["credentials"][0]["credential"]  # type: ignore[index]
        return dict(parse_jose(parse_sd_jwt(token).jwt).claims)

    with_status = payload()
    assert with_status["status"]["status_list"]["uri"].endswith("/token")
    # a VC 1.1 template without the status context, from an issuer that adds status lists to
    # those only when asked: no credentialStatus, and no status claim either (not a null one)
    w.issuer.vc1_status = "when-asked"
    assert "status" not in payload()
