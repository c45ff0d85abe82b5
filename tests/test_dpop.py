"""DPoP (RFC 9449) at the OpenID4VCI token, credential, deferred and notification endpoints.
Proofs are made with jwcrypto, not with mcvc's own JOSE code."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk, jws

from mcvc.issuing.ledger import Ledger
from mcvc.oid4vci.dpop import DpopBook, DpopError, DpopProof, jwk_thumbprint, verify_dpop
from mcvc.oid4vci.issuer import WalletIssuer

from .conftest import NOW
from .test_oid4vci import PRE, Clock, Wallet, template

IDENT = "https://uni.example/issuers/demo"
TOKEN_URL = f"{IDENT}/token"
CREDENTIAL_URL = f"{IDENT}/credential"
LDP = "MicroCredential_ldp_vc"


def _ath(token: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=").decode()


class Holder(Wallet):
    def dpop(
        self,
        url: str,
        *,
        method: str = "POST",
        token: str | None = None,
        jti: str = "j-1",
        iat: float | None = None,
        claims: dict[str, Any] | None = None,
        **header: Any,
    ) -> str:
        protected: dict[str, Any] = {
            "typ": "dpop+jwt",
            "alg": self.alg,
            "jwk": json.loads(self.jwk.export_public()),
            **header,
        }
        protected = {k: v for k, v in protected.items() if v is not None}
        body: dict[str, Any] = {
            "jti": jti,
            "htm": method,
            "htu": url,
            "iat": int(iat if iat is not None else NOW.timestamp()),
        }
        if token is not None:
            body["ath"] = _ath(token)
        body.update(claims or {})
        body = {k: v for k, v in body.items() if v is not None}
        if "crit" in protected:  # jwcrypto will not sign an extension it does not know
            return _compact(self, protected, body)
        signed = jws.JWS(json.dumps(body).encode())
        signed.add_signature(self.jwk, alg=protected.get("alg"), protected=json.dumps(protected))
        return str(signed.serialize(compact=True))


def _compact(holder: Wallet, header: dict[str, Any], body: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(body)}"
    signature = holder.key.sign(signing_input.encode())
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


# --- the proof itself ----------------------------------------------------------------------


def test_a_good_proof_names_its_key() -> None:
    holder = Holder("p256")
    proof = verify_dpop(holder.dpop(TOKEN_URL), method="POST", url=TOKEN_URL, now=NOW)
    assert proof.jkt == holder.jwk.thumbprint()  # jwcrypto's RFC 7638 thumbprint
    assert proof.jti == "j-1" and proof.iat == int(NOW.timestamp())
    # the htu compares without query and fragment, scheme and host in any case
    loose = holder.dpop("HTTPS://UNI.example/issuers/demo/token?x=1#f")
    assert verify_dpop(loose, method="POST", url=TOKEN_URL, now=NOW).jkt == proof.jkt
    eddsa = Holder("ed25519")
    assert verify_dpop(eddsa.dpop(TOKEN_URL), method="POST", url=TOKEN_URL, now=NOW).jkt == (
        eddsa.jwk.thumbprint()
    )


def test_the_thumbprint_is_rfc_7638() -> None:
    # RFC 7638 section 3.1's example key and thumbprint
    example = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSo"
        "c_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR"
        "0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWh"
        "AI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
    }
    ec = Holder("p256")
    public = json.loads(ec.jwk.export_public())
    assert jwk_thumbprint(public) == ec.jwk.thumbprint()
    okp = Holder("ed25519")
    assert jwk_thumbprint(json.loads(okp.jwk.export_public())) == okp.jwk.thumbprint()
    assert jwk.JWK(**example).thumbprint() == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"typ": "JWT"}, "typ must be dpop+jwt"),
        ({"typ": None}, "typ must be dpop+jwt"),
        ({"crit": ["exp"]}, "crit"),
        ({"jwk": None}, "jwk must be a public key"),
    ],
)
def test_header_refusals(change: dict[str, Any], named: str) -> None:
    proof = Holder("p256").dpop(TOKEN_URL, **change)
    with pytest.raises(DpopError, match=re.escape(named)) as caught:
        verify_dpop(proof, method="POST", url=TOKEN_URL, now=NOW)
    assert caught.value.code == "invalid_dpop_proof"


def test_key_refusals() -> None:
    holder = Holder("p256")
    private = json.loads(holder.jwk.export_private())
    with pytest.raises(DpopError, match="public key"):
        verify_dpop(holder.dpop(TOKEN_URL, jwk=private), method="POST", url=TOKEN_URL, now=NOW)
    other = json.loads(Holder("p256").jwk.export_public())
    with pytest.raises(DpopError, match="signature does not verify"):
        verify_dpop(holder.dpop(TOKEN_URL, jwk=other), method="POST", url=TOKEN_URL, now=NOW)
    p384 = json.loads(Holder("p384").jwk.export_public())
    with pytest.raises(DpopError, match="does not fit"):
        verify_dpop(holder.dpop(TOKEN_URL, jwk=p384), method="POST", url=TOKEN_URL, now=NOW)
    with pytest.raises(DpopError, match="not a usable key"):
        bad = {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}
        verify_dpop(holder.dpop(TOKEN_URL, jwk=bad), method="POST", url=TOKEN_URL, now=NOW)
    hmac_key = jwk.JWK.generate(kty="oct", size=256)
    signed = jws.JWS(json.dumps({"jti": "j", "htm": "POST", "htu": TOKEN_URL}).encode())
    signed.add_signature(
        hmac_key, alg="HS256", protected=json.dumps({"typ": "dpop+jwt", "alg": "HS256"})
    )
    with pytest.raises(DpopError, match="'HS256' is not accepted"):
        verify_dpop(signed.serialize(compact=True), method="POST", url=TOKEN_URL, now=NOW)
    for junk in (None, "", "a.b", "a.b.c.d", "x" * 9000, 7):
        with pytest.raises(DpopError):
            verify_dpop(junk, method="POST", url=TOKEN_URL, now=NOW)


@pytest.mark.parametrize(
    ("kw", "named"),
    [
        ({"claims": {"jti": None}}, "needs a jti"),
        ({"claims": {"jti": ""}}, "needs a jti"),
        ({"claims": {"jti": "j" * 257}}, "needs a jti"),
        ({"method": "GET"}, "for method 'GET', not POST"),
        ({"url": CREDENTIAL_URL}, "not https://uni.example/issuers/demo/token"),
        ({"url": "https://uni.example/issuers/other/token"}, "not https"),
        ({"claims": {"htu": None}}, "for None"),
        ({"claims": {"iat": None}}, "the DPoP proof needs iat (a number)"),
        ({"claims": {"iat": "now"}}, "needs iat"),
        ({"claims": {"iat": True}}, "needs iat"),
        ({"iat": NOW.timestamp() + 61}, "in the future"),
        (
            {"iat": NOW.timestamp() - 301},
            "the DPoP proof is too old (iat); make a new one for each",
        ),
    ],
)
def test_claim_refusals(kw: dict[str, Any], named: str) -> None:
    rest = {k: v for k, v in kw.items() if k != "url"}  # the parameters are shared: not popped
    proof = Holder("p256").dpop(kw.get("url", TOKEN_URL), **rest)
    with pytest.raises(DpopError, match=re.escape(named)):
        verify_dpop(proof, method="POST", url=TOKEN_URL, now=NOW)


def test_the_edges_of_the_time_window() -> None:
    holder = Holder("p256")
    for iat in (NOW.timestamp() + 60, NOW.timestamp() - 300):
        verify_dpop(holder.dpop(TOKEN_URL, iat=iat), method="POST", url=TOKEN_URL, now=NOW)


def test_the_access_token_hash() -> None:
    holder = Holder("p256")
    good = holder.dpop(CREDENTIAL_URL, token="tok")
    verify_dpop(good, method="POST", url=CREDENTIAL_URL, now=NOW, access_token="tok")
    for proof in (holder.dpop(CREDENTIAL_URL), holder.dpop(CREDENTIAL_URL, token="other")):
        with pytest.raises(DpopError, match="ath"):
            verify_dpop(proof, method="POST", url=CREDENTIAL_URL, now=NOW, access_token="tok")


def test_a_proof_is_used_once_and_forgotten_after_its_window(tmp_path: Path) -> None:
    book = DpopBook(Ledger(f"sqlite:///{tmp_path / 'l.db'}").engine)
    proof = DpopProof("jkt-a", "j-1", NOW.timestamp())
    assert book.first_use(proof, NOW)
    assert not book.first_use(proof, NOW + timedelta(minutes=5))
    # the same jti by another key is another proof
    assert book.first_use(DpopProof("jkt-b", "j-1", NOW.timestamp()), NOW)
    # until iat + 5 min + 60 s skew a proof with that iat could be accepted: still refused at
    # that very moment; past it, the jti is dropped
    assert not book.first_use(proof, NOW + timedelta(minutes=6))
    assert book.first_use(proof, NOW + timedelta(minutes=6, seconds=1))
    book.bind("tok", "jkt-a", NOW + timedelta(minutes=10), NOW)
    assert book.bound_to("tok") == "jkt-a" and book.bound_to("other") is None


# --- at the endpoints ------------------------------------------------------------------------


def _code(w: WalletIssuer) -> dict[str, str]:
    made = w.create_offer(credential=template(), configurations=[LDP])
    return {
        "grant_type": PRE,
        "pre-authorized_code": made["credentialOffer"]["grants"][PRE]["pre-authorized_code"],
    }


def _request(w: WalletIssuer, holder: Holder) -> dict[str, Any]:
    nonce = str(w.nonce().body["c_nonce"])  # type: ignore[index]
    return {"credential_configuration_id": LDP, "proofs": {"jwt": [holder.proof(IDENT, nonce)]}}


def test_a_dpop_bound_token_needs_a_fresh_proof_by_its_key(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    w, _ = wallet_issuer
    holder = Holder("p256")
    answer = w.token(_code(w), holder.dpop(TOKEN_URL))
    assert answer.status == 200 and answer.body is not None, answer.body
    assert answer.body["token_type"] == "DPoP"
    token = answer.body["access_token"]

    def denied(auth: str | None, proof: str | None, error: str, named: str) -> None:
        got = w.credential(auth, _request(w, holder), proof)
        assert got.status == 401 and got.body is not None, got.body
        assert got.body["error"] == error and named in got.body["error_description"]
        assert got.headers["WWW-Authenticate"] == f'Bearer error="{error}", DPoP error="{error}"'

    proof = holder.dpop(CREDENTIAL_URL, token=token, jti="c-1")
    denied(f"Bearer {token}", proof, "invalid_token", "use the DPoP scheme")
    denied(f"DPoP {token}", None, "invalid_dpop_proof", "one compact JWS")
    stranger = Holder("p256").dpop(CREDENTIAL_URL, token=token, jti="c-2")
    denied(f"DPoP {token}", stranger, "invalid_dpop_proof", "not by the key the token is bound")
    elsewhere = holder.dpop(f"{IDENT}/notification", token=token, jti="c-3")
    denied(f"DPoP {token}", elsewhere, "invalid_dpop_proof", "/notification")
    no_ath = holder.dpop(CREDENTIAL_URL, jti="c-4")
    denied(f"DPoP {token}", no_ath, "invalid_dpop_proof", "ath")
    got = w.credential(f"DPoP {token}", _request(w, holder), proof)
    assert got.status == 200, got.body
    denied(f"DPoP {token}", proof, "invalid_dpop_proof", "already used")
    # the notification endpoint asks the same
    notification = {"notification_id": got.body["notification_id"], "event": "credential_accepted"}  # type: ignore[index]
    assert w.notification(f"Bearer {token}", notification).status == 401
    by_key = holder.dpop(f"{IDENT}/notification", token=token, jti="n-1")
    assert w.notification(f"DPoP {token}", notification, by_key).status == 204


def test_token_requests_with_dpop(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    holder = Holder("ed25519")
    bad = w.token(_code(w), holder.dpop(CREDENTIAL_URL))
    assert bad.status == 400 and bad.body["error"] == "invalid_dpop_proof"  # type: ignore[index]
    proof = holder.dpop(TOKEN_URL, jti="t-1")
    assert w.token(_code(w), proof).status == 200
    replay = w.token(_code(w), proof)
    assert replay.status == 400 and "already used" in replay.body["error_description"]  # type: ignore[index]
    # a bearer token stays a bearer token, and is not accepted as DPoP
    plain = w.token(_code(w))
    assert plain.status == 200 and plain.body["token_type"] == "Bearer"  # type: ignore[index]
    token = plain.body["access_token"]  # type: ignore[index]
    as_dpop = w.credential(
        f"DPoP {token}", _request(w, holder), holder.dpop(CREDENTIAL_URL, token=token)
    )
    assert as_dpop.status == 401 and "not a DPoP-bound token" in as_dpop.body["error_description"]  # type: ignore[index]
    assert w.credential(f"Bearer {token}", _request(w, holder)).status == 200


def test_an_issuer_can_require_dpop(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    w.require_dpop = True
    refused = w.token(_code(w))
    assert refused.status == 400 and refused.body["error"] == "invalid_dpop_proof"  # type: ignore[index]
    assert w.token(_code(w), Holder("p256").dpop(TOKEN_URL)).status == 200
    assert w.as_metadata()["dpop_signing_alg_values_supported"] == ["EdDSA", "ES256", "ES384"]


def test_a_proof_is_forgotten_by_utc_time_on_any_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        book = DpopBook(Ledger(f"sqlite:///{tmp_path / 'l.db'}").engine)
        proof = DpopProof("jkt-a", "j-1", NOW.timestamp())
        assert book.first_use(proof, NOW)
        assert not book.first_use(proof, NOW + timedelta(minutes=6))
        assert book.first_use(proof, NOW + timedelta(minutes=6, seconds=1))
    finally:
        monkeypatch.undo()
        time.tzset()


def test_parts_that_do_not_decode_are_named() -> None:
    holder = Holder("p256")
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": json.loads(holder.jwk.export_public())}

    def signed(head: str, body: str) -> str:
        signature = holder.key.sign(f"{head}.{body}".encode())
        return f"{head}.{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"

    def b64(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    for proof, named in (
        (signed("bm90IGpzb24", b64({})), "the DPoP proof's header is not base64url JSON"),
        (signed(b64([1]), b64({})), "the DPoP proof's header must be a JSON object"),
        (signed(b64(header), "bm90IGpzb24"), "the DPoP proof's payload is not base64url JSON"),
        (signed(b64(header), b64([1])), "the DPoP proof's payload must be a JSON object"),
    ):
        with pytest.raises(DpopError, match=re.escape(named)):
            verify_dpop(proof, method="POST", url=TOKEN_URL, now=NOW)


def test_private_members_of_any_key_type_are_refused() -> None:
    holder = Holder("p256")
    public = json.loads(holder.jwk.export_public())
    for member in ("d", "p", "q", "k"):
        proof = holder.dpop(TOKEN_URL, jwk={**public, member: "AQAB"})
        with pytest.raises(DpopError, match="must be a public key"):
            verify_dpop(proof, method="POST", url=TOKEN_URL, now=NOW)


def test_the_size_bounds_are_inclusive() -> None:
    from mcvc.oid4vci.dpop import _MAX_PROOF

    holder = Holder("ed25519")
    verify_dpop(holder.dpop(TOKEN_URL, jti="j" * 256), method="POST", url=TOKEN_URL, now=NOW)
    # a proof of exactly the bound: unpadded base64url is never 1 more than a multiple of 4
    # long, so vary the header too (an unknown member is ignored) around the estimate
    base = len(holder.dpop(TOKEN_URL, claims={"pad": ""}))
    estimate = (_MAX_PROOF - base) * 3 // 4
    exact = next(
        proof
        for size in range(estimate - 24, estimate + 4)
        for note in (None, "a", "ab", "abc")
        if len(proof := holder.dpop(TOKEN_URL, note=note, claims={"pad": "x" * size})) == _MAX_PROOF
    )
    verify_dpop(exact, method="POST", url=TOKEN_URL, now=NOW)
    longer = holder.dpop(TOKEN_URL, claims={"pad": "x" * (estimate + 3)})
    assert len(longer) > _MAX_PROOF
    with pytest.raises(DpopError, match="one compact JWS"):
        verify_dpop(longer, method="POST", url=TOKEN_URL, now=NOW)


# --- server-provided nonces (RFC 9449 sections 8 and 9) -------------------------------------


KNOWN_NONCE = "AAAAAABbXVCT5nT4IBFeKnxDBdGWJYYZ"


def test_nonces_are_the_window_macd_under_the_secret() -> None:
    from mcvc.oid4vci.dpop import DpopNonces

    nonces = DpopNonces(b"a secret of sixteen+ bytes", window=timedelta(minutes=5))
    start = NOW.replace(minute=0, second=0)  # the start of a window
    first = nonces.current(start)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", first)
    assert nonces.current(start + timedelta(seconds=299)) == first
    second = nonces.current(start + timedelta(minutes=5))
    assert second != first
    # accepted in its window and the next, not before and not after
    assert nonces.accepts(first, start) and nonces.accepts(first, start + timedelta(seconds=599))
    assert not nonces.accepts(first, start + timedelta(minutes=10))
    assert not nonces.accepts(second, start + timedelta(seconds=299))
    # another secret's nonces, another length, another type are not this issuer's
    other = DpopNonces(b"another secret, long enough")
    assert not other.accepts(first, start)
    for value in (None, "", first[:-1], first + "A", first.upper(), 5):
        assert not nonces.accepts(value, start)  # type: ignore[arg-type]
    # the window count is in the nonce (8 bytes) with a 16-byte MAC
    raw = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4))
    assert int.from_bytes(raw[:8], "big") == int(start.timestamp() // 300) and len(raw) == 24
    with pytest.raises(ValueError, match="at least 16 bytes"):
        DpopNonces(b"short")
    # replicas of two versions must agree on the nonces during a rolling upgrade: the
    # derivation (HMAC-SHA-256 of the window number under a labelled key) is pinned
    known = DpopNonces(b"0123456789abcdef", window=timedelta(minutes=5))
    stamp = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert known.current(stamp) == KNOWN_NONCE
    assert DpopNonces(b"x" * 16).current(start) != first


def test_a_proof_carries_the_nonce_it_was_given() -> None:
    holder = Holder("p256")
    proof = holder.dpop(TOKEN_URL, claims={"nonce": "n-1"})
    assert verify_dpop(proof, method="POST", url=TOKEN_URL, now=NOW).nonce == "n-1"
    assert verify_dpop(holder.dpop(TOKEN_URL), method="POST", url=TOKEN_URL, now=NOW).nonce is None
    for bad in (5, "x" * 257, ["n"]):
        with pytest.raises(DpopError, match="nonce must be a string of at most 256"):
            verify_dpop(
                holder.dpop(TOKEN_URL, claims={"nonce": bad}), method="POST", url=TOKEN_URL, now=NOW
            )
    assert (
        verify_dpop(
            holder.dpop(TOKEN_URL, claims={"nonce": "x" * 256}),
            method="POST",
            url=TOKEN_URL,
            now=NOW,
        ).nonce
        == "x" * 256
    )


def test_an_issuer_that_asks_for_nonces(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    from mcvc.oid4vci.dpop import DpopNonces

    w, clock = wallet_issuer
    w.dpop_nonces = DpopNonces(b"the service secret, 16+ bytes")
    w.token_ttl = timedelta(hours=1)
    holder = Holder("p256")
    # section 8: the token endpoint answers use_dpop_nonce with the nonce to use
    asked = w.token(_code(w), holder.dpop(TOKEN_URL, jti="t-1"))
    assert asked.status == 400 and asked.body is not None
    assert asked.body["error"] == "use_dpop_nonce"
    nonce = asked.headers["DPoP-Nonce"]
    assert nonce == w.dpop_nonces.current(NOW) and asked.headers["Cache-Control"] == "no-store"
    wrong = w.token(_code(w), holder.dpop(TOKEN_URL, jti="t-2", claims={"nonce": "made-up"}))
    assert wrong.status == 400 and wrong.body["error"] == "use_dpop_nonce"  # type: ignore[index]
    # the retry with the nonce is taken, and the same proof's jti was not burnt by the refusal
    code = _code(w)
    got = w.token(code, holder.dpop(TOKEN_URL, jti="t-1", claims={"nonce": nonce}))
    assert got.status == 200 and got.body is not None, got.body
    assert got.body["token_type"] == "DPoP" and got.headers["DPoP-Nonce"] == nonce
    token = got.body["access_token"]
    # a bearer token response carries no nonce
    plain = w.token(_code(w))
    assert plain.status == 200 and "DPoP-Nonce" not in plain.headers
    # section 9: the credential endpoint challenges with 401 and the nonce
    clock.advance(600)  # two windows later the nonce is stale
    stale = holder.dpop(
        CREDENTIAL_URL, token=token, jti="c-1", iat=clock.now().timestamp(), claims={"nonce": nonce}
    )
    challenged = w.credential(f"DPoP {token}", _request(w, holder), stale)
    assert challenged.status == 401 and challenged.body is not None
    assert challenged.body["error"] == "use_dpop_nonce"
    fresh = challenged.headers["DPoP-Nonce"]
    assert fresh == w.dpop_nonces.current(clock.now()) and fresh != nonce
    assert challenged.headers["WWW-Authenticate"] == (
        'DPoP error="use_dpop_nonce", error_description="a DPoP proof with the server\'s current'
        ' nonce is needed (DPoP-Nonce header)"'
    )
    retry = holder.dpop(
        CREDENTIAL_URL, token=token, jti="c-1", iat=clock.now().timestamp(), claims={"nonce": fresh}
    )
    c_nonce = str(w.nonce().body["c_nonce"])  # type: ignore[index]
    request = {
        "credential_configuration_id": LDP,
        "proofs": {"jwt": [holder.proof(IDENT, c_nonce, iat=clock.now().timestamp())]},
    }
    issued = w.credential(f"DPoP {token}", request, retry)
    assert issued.status == 200, issued.body
    # the service adds the next nonce to what the wallet's DPoP requests get back
    assert w.with_nonce(issued).headers["DPoP-Nonce"] == fresh
    assert w.with_nonce(challenged) is challenged
    w.dpop_nonces = None
    assert w.with_nonce(issued) is issued


def test_the_deferred_endpoint_needs_its_own_proof(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    from .test_wallet_issuer import SIGNED

    w, _ = wallet_issuer
    w.ledger.reserve("batch/R9", status_base=w.issuer.status_base, now=NOW)
    made = w.create_offer(row_key="batch/R9")
    holder = Holder("p256")
    code = {
        "grant_type": PRE,
        "pre-authorized_code": made["credentialOffer"]["grants"][PRE]["pre-authorized_code"],
    }
    token = w.token(code, holder.dpop(TOKEN_URL, jti="t")).body["access_token"]  # type: ignore[index]
    auth = f"DPoP {token}"
    waiting = w.credential(
        auth,
        {"credential_configuration_id": SIGNED},
        holder.dpop(CREDENTIAL_URL, token=token, jti="c"),
    )
    assert waiting.status == 202, waiting.body
    body = {"transaction_id": waiting.body["transaction_id"]}  # type: ignore[index]
    deferred_url = f"{IDENT}/deferred_credential"
    assert w.deferred(auth, body).status == 401  # no proof
    wrong = w.deferred(auth, body, holder.dpop(CREDENTIAL_URL, token=token, jti="d-1"))
    assert wrong.status == 401 and "/deferred_credential" in wrong.body["error_description"]  # type: ignore[index]
    right = w.deferred(auth, body, holder.dpop(deferred_url, token=token, jti="d-2"))
    assert right.status == 202, right.body


def test_token_refusals_name_the_rule(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    w, _ = wallet_issuer
    holder = Holder("p256")
    bad = w.token(_code(w), holder.dpop(TOKEN_URL, typ="JWT"))
    assert bad.status == 400 and bad.body == {
        "error": "invalid_dpop_proof",
        "error_description": "the DPoP proof's typ must be dpop+jwt, not 'JWT'",
    }
    proof = holder.dpop(TOKEN_URL, jti="once")
    assert w.token(_code(w), proof).status == 200
    replay = w.token(_code(w), proof)
    assert replay.body == {
        "error": "invalid_dpop_proof",
        "error_description": "this DPoP proof was already used",
    }


def test_the_next_nonce_is_added_to_an_answer(wallet_issuer: tuple[WalletIssuer, Clock]) -> None:
    from mcvc.oid4vci.dpop import DpopNonces
    from mcvc.oid4vci.issuer import Answer

    w, _ = wallet_issuer
    w.dpop_nonces = DpopNonces(b"the service secret, 16+ bytes")
    answer = Answer(202, {"transaction_id": "t"}, {"Cache-Control": "no-store"})
    assert w.with_nonce(answer) == Answer(
        202,
        {"transaction_id": "t"},
        {"Cache-Control": "no-store", "DPoP-Nonce": w.dpop_nonces.current(NOW)},
    )


def test_bindings_last_as_long_as_their_tokens(tmp_path: Path) -> None:
    book = DpopBook(Ledger(f"sqlite:///{tmp_path / 'l.db'}").engine)
    book.bind("old", "jkt-old", NOW + timedelta(minutes=10), NOW)
    book.bind("young", "jkt-young", NOW + timedelta(minutes=20), NOW + timedelta(minutes=5))
    assert book.bound_to("old") == "jkt-old" and book.bound_to("young") == "jkt-young"
    # a binding stays until its expiry, to the second, and is dropped by the next bind after
    book.bind("third", "jkt-3", NOW + timedelta(hours=1), NOW + timedelta(minutes=10))
    assert book.bound_to("old") == "jkt-old"
    book.bind("fourth", "jkt-4", NOW + timedelta(hours=1), NOW + timedelta(minutes=10, seconds=1))
    assert book.bound_to("old") is None and book.bound_to("young") == "jkt-young"


def test_a_bound_token_stays_bound_while_others_are_issued(
    wallet_issuer: tuple[WalletIssuer, Clock],
) -> None:
    w, _ = wallet_issuer
    first = w.token(_code(w), Holder("p256").dpop(TOKEN_URL, jti="a")).body["access_token"]  # type: ignore[index]
    w.token(_code(w), Holder("p256").dpop(TOKEN_URL, jti="b"))
    holder = Holder("p256")
    as_bearer = w.credential(f"Bearer {first}", _request(w, holder))
    assert as_bearer.status == 401 and "DPoP-bound" in as_bearer.body["error_description"]  # type: ignore[index]
