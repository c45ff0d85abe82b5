"""One service issuer as an OpenID4VCI 1.0 Credential Issuer and authorization server.

Pre-authorized code flow only: the university has identified the learner before it makes the
offer, so there is no authorization endpoint. Each method takes what arrived over HTTP and
gives an :class:`Answer` (status, JSON body, headers), the errors being the specification's
codes, so the Starlette glue stays thin and the rules are tested without a server.

Exactly once: an offer allows one credential per configuration and key slot (``batch_size``
slots); the first request binds a slot to a wallet key, the ledger row of the slot decides
that it is signed once, and a later request for the slot gets the same credential if it
proves the same key and ``credential_request_denied`` otherwise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from ..clock import Clock
from ..did import did_jwk_for
from ..issuing.ledger import Ledger
from ..issuing.token_lists import status_claim
from ..jose import sign_jwt
from ..jsontext import copy_json
from ..sdjwt import issue_sd_jwt
from ..service.challenges import ChallengeBook
from ..service.issuer import IssueRefused, ServiceIssuer
from .book import MAX_EVENTS, OfferBook, TokenError
from .dpop import (
    DPOP_ALGS,
    DpopBook,
    DpopError,
    DpopNonces,
    DpopProof,
    jwk_thumbprint,
    verify_dpop,
)
from .keyattest import KeyAttestationError, KeyAttestationPolicy, verify_key_attestation
from .keyproof import HolderKey, KeyProofError, verify_key_proof
from .metadata import (
    BOUND_CONFIGURATIONS,
    CONFIG_JWT,
    CONFIG_LDP,
    CONFIG_SD_JWT,
    CONFIG_SIGNED,
    PRE_AUTHORIZED,
    authorization_server_metadata,
    credential_issuer_metadata,
)

__all__ = ["Answer", "OfferRefused", "WalletIssuer", "offer_link"]

_NO_STORE = {"Cache-Control": "no-store"}
_DESCRIPTION = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
MAX_OFFER_TTL = timedelta(days=30)
NOTIFICATION_EVENTS = ("credential_accepted", "credential_failure", "credential_deleted")
_NONCE_NEEDED = "a DPoP proof with the server's current nonce is needed (DPoP-Nonce header)"


class OfferRefused(IssueRefused):
    """An offer the service will not make (bad template, unknown row, bad options)."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, error: str, description: str, **headers: str) -> Answer:
    # error_description is limited to printable ASCII without '"' and '\' (section 8.3.1.2)
    text = _DESCRIPTION.sub("?", description.replace('"', "'").replace("\\", "/"))
    return Answer(status, {"error": error, "error_description": text}, {**_NO_STORE, **headers})


def offer_link(offer: dict[str, Any] | str, scheme: str = "openid-credential-offer://") -> str:
    """The link a wallet opens: by reference when ``offer`` is the offer's URL, else by value."""
    if isinstance(offer, str):
        return f"{scheme}?credential_offer_uri={quote(offer, safe='')}"
    text = json.dumps(offer, separators=(",", ":"), ensure_ascii=False)
    return f"{scheme}?credential_offer={quote(text, safe='')}"


class WalletIssuer:
    def __init__(
        self,
        issuer: ServiceIssuer,
        *,
        identifier: str,
        ledger: Ledger,
        book: OfferBook,
        nonces: ChallengeBook,
        clock: Clock,
        vct: str,
        batch_size: int = 3,
        token_ttl: timedelta = timedelta(minutes=10),
        deferred_interval: int = 60,
        require_dpop: bool = False,
        dpop_nonces: DpopNonces | None = None,
        key_attestations: KeyAttestationPolicy | None = None,
    ) -> None:
        self.issuer = issuer
        self.identifier = identifier
        self.ledger = ledger
        self.book = book
        self.nonces = nonces
        self.clock = clock
        self.vct = vct
        self.batch_size = batch_size
        self.token_ttl = token_ttl
        self.deferred_interval = deferred_interval
        self.require_dpop = require_dpop
        self.dpop = DpopBook(book.engine)
        self.dpop_nonces = dpop_nonces
        self.key_attestations = key_attestations
        """Wallet providers whose key attestations are evaluated, and whether one is needed."""
        """With nonces, every DPoP proof must carry a current one (RFC 9449 sections 8, 9)."""

    # --- metadata -----------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        return credential_issuer_metadata(
            self.identifier,
            issuer_name=self.issuer.name,
            key_kind=self.issuer.key.kind,
            vct=self.vct,
            batch_size=self.batch_size,
            key_attestations=(
                None if self.key_attestations is None else self.key_attestations.metadata()
            ),
            attestation_required=self.key_attestations is not None
            and self.key_attestations.required,
        )

    def as_metadata(self) -> dict[str, Any]:
        return {
            **authorization_server_metadata(self.identifier),
            "dpop_signing_alg_values_supported": list(DPOP_ALGS),
        }

    # --- offers -------------------------------------------------------------------------

    def create_offer(
        self,
        *,
        credential: Any = None,
        row_key: str | None = None,
        configurations: list[str] | None = None,
        tx_code: Any = None,
        ttl: timedelta = timedelta(days=7),
    ) -> dict[str, Any]:
        """Offer a credential to be signed when the wallet asks (``credential``, an unsigned
        template, bound to the wallet's key), or one a batch issued (``row_key``, a row of the
        ledger, handed over as signed; deferred while the batch has not signed it)."""
        now = self.clock.now()
        if (credential is None) == (row_key is None):
            raise OfferRefused(
                "give either credential (a template) or rowKey (a batch row)",
                code="REQUEST_INVALID",
                field="credential",
            )
        if not timedelta(minutes=1) <= ttl <= MAX_OFFER_TTL:
            raise OfferRefused(
                "expiresIn must be between 60 seconds and 30 days",
                code="REQUEST_INVALID",
                field="expiresIn",
            )
        if row_key is not None:
            allowed: tuple[str, ...] = (CONFIG_SIGNED,)
            subject: dict[str, Any] = {"row_key": row_key}
            if self.ledger.get(row_key) is None:
                raise OfferRefused(
                    f"no ledger row {row_key!r}; issue the batch (or reserve the row) first",
                    code="UNKNOWN_ROW",
                    status=404,
                    field="rowKey",
                )
        else:
            allowed = BOUND_CONFIGURATIONS
            subject = {"credential": self._template(credential)}
        chosen = list(configurations) if configurations else list(allowed)
        wrong = [c for c in chosen if c not in allowed]
        if wrong or len(set(chosen)) != len(chosen):
            raise OfferRefused(
                f"credentialConfigurationIds: {', '.join(wrong) or 'repeated'} cannot be offered "
                f"for this credential (use {', '.join(allowed)})",
                code="REQUEST_INVALID",
                field="credentialConfigurationIds",
            )
        tx = self._tx_spec(tx_code)

        def document(offer_id: str, code: str) -> dict[str, Any]:
            grant: dict[str, Any] = {"pre-authorized_code": code}
            if tx is not None:
                grant["tx_code"] = tx
            return {
                "credential_issuer": self.identifier,
                "credential_configuration_ids": chosen,
                "grants": {PRE_AUTHORIZED: grant},
            }

        made = self.book.create(
            self.issuer.name, chosen, subject, now=now, ttl=ttl, tx=tx, document=document
        )
        document_now = document(made.offer.offer_id, made.code)
        uri = f"{self.identifier}/offers/{made.offer.offer_id}"
        return {
            "offerId": made.offer.offer_id,
            "credentialOffer": document_now,
            "credentialOfferUri": uri,
            "offerUri": offer_link(uri),
            "offerUriByValue": offer_link(document_now),
            "txCode": made.tx_code,
            "expiresAt": made.offer.expires_at.isoformat().replace("+00:00", "Z"),
        }

    def _template(self, credential: Any) -> dict[str, Any]:
        if not isinstance(credential, dict):
            raise OfferRefused(
                "credential must be a JSON object", code="REQUEST_INVALID", field="credential"
            )
        doc = copy_json(credential)
        subject = doc.get("credentialSubject")
        if not isinstance(subject, dict):
            raise OfferRefused(
                "credential.credentialSubject must be one object: it is bound to the wallet's key",
                code="REQUEST_INVALID",
                field="credential.credentialSubject",
            )
        # refuse now what the credential endpoint would refuse later
        probe = {**doc, "credentialSubject": {**subject, "id": "did:example:wallet"}}
        self.issuer._check(probe)
        return dict(doc)

    @staticmethod
    def _tx_spec(tx_code: Any) -> dict[str, Any] | None:
        if tx_code in (None, False):
            return None
        if tx_code is True:
            return {"input_mode": "numeric", "length": 6}
        if not isinstance(tx_code, dict):
            raise OfferRefused(
                "txCode must be true, false or an object",
                code="REQUEST_INVALID",
                field="txCode",
            )
        spec: dict[str, Any] = {
            "input_mode": tx_code.get("input_mode", "numeric"),
            "length": tx_code.get("length", 6),
        }
        if spec["input_mode"] not in ("numeric", "text"):
            raise OfferRefused(
                "txCode.input_mode is numeric or text", code="REQUEST_INVALID", field="txCode"
            )
        length = spec["length"]
        if isinstance(length, bool) or not isinstance(length, int) or not 4 <= length <= 12:
            raise OfferRefused(
                "txCode.length is 4 to 12", code="REQUEST_INVALID", field="txCode.length"
            )
        description = tx_code.get("description")
        if description is not None:
            if not isinstance(description, str) or len(description) > 300:
                raise OfferRefused(
                    "txCode.description is a string of at most 300 characters",
                    code="REQUEST_INVALID",
                    field="txCode.description",
                )
            spec["description"] = description
        return spec

    def offer_document(self, offer_id: str) -> Answer:
        found = self.book.open_offer(offer_id, self.clock.now())
        if found is None or found[0].issuer != self.issuer.name:
            return _error(
                404, "not_found", "no open credential offer here (used, withdrawn or expired)"
            )
        return Answer(200, found[1], dict(_NO_STORE))

    # --- OAuth token endpoint -----------------------------------------------------------

    def token(self, form: dict[str, str], dpop: str | None = None) -> Answer:
        """The token endpoint; ``dpop`` is the request's ``DPoP`` header (RFC 9449): with it
        the token is bound to the proof's key and its type is ``DPoP``."""
        bound: DpopProof | None = None
        if dpop is not None:
            try:
                bound = verify_dpop(
                    dpop, method="POST", url=f"{self.identifier}/token", now=self.clock.now()
                )
            except DpopError as exc:
                return _error(400, "invalid_dpop_proof", str(exc))
            if self._stale_nonce(bound):
                # section 8: the wallet retries with the nonce of the DPoP-Nonce header
                return _error(400, "use_dpop_nonce", _NONCE_NEEDED, **self._nonce_header())
            if not self.dpop.first_use(bound, self.clock.now()):
                return _error(400, "invalid_dpop_proof", "this DPoP proof was already used")
        elif self.require_dpop:
            return _error(400, "invalid_dpop_proof", "this issuer binds tokens with DPoP only")
        grant = form.get("grant_type")
        if grant is None:
            return _error(400, "invalid_request", "grant_type is missing")
        if grant != PRE_AUTHORIZED:
            return _error(400, "unsupported_grant_type", f"only {PRE_AUTHORIZED} is supported")
        try:
            offer, token = self.book.redeem(
                form.get("pre-authorized_code"),
                form.get("tx_code"),
                now=self.clock.now(),
                token_ttl=self.token_ttl,
                issuer=self.issuer.name,
            )
        except TokenError as exc:
            return _error(400, exc.code, str(exc))
        if bound is not None:
            now = self.clock.now()
            self.dpop.bind(token, bound.jkt, now + self.token_ttl, now)
        body: dict[str, Any] = {
            "access_token": token,
            "token_type": "Bearer" if bound is None else "DPoP",
            "expires_in": int(self.token_ttl.total_seconds()),
        }
        details = form.get("authorization_details")
        if details:
            try:
                asked = json.loads(details)
            except ValueError:
                return _error(400, "invalid_request", "authorization_details is not JSON")
            granted = [
                {**item, "credential_identifiers": [item["credential_configuration_id"]]}
                for item in (asked if isinstance(asked, list) else [])
                if isinstance(item, dict)
                and item.get("type") == "openid_credential"
                and item.get("credential_configuration_id") in offer.configurations
            ]
            if granted:
                body["authorization_details"] = granted
        # a fresh nonce with the token, so the wallet's next proof needs no retry
        nonce = self._nonce_header() if bound is not None else {}
        return Answer(200, body, {**_NO_STORE, **nonce})

    def nonce(self) -> Answer:
        return Answer(200, {"c_nonce": self.nonces.create(self.clock.now())}, dict(_NO_STORE))

    # --- credential endpoints -----------------------------------------------------------

    def _offer_for(self, authorization: str | None, dpop: str | None, endpoint: str) -> Any:
        """The offer behind the request's access token, or the 401 :class:`Answer`. A token
        bound with DPoP needs the ``DPoP`` scheme and a fresh proof by the same key, for this
        endpoint and this token (RFC 9449 section 7)."""
        parts = (authorization or "").split()
        if len(parts) != 2 or parts[0].lower() not in ("bearer", "dpop"):
            return self._unauthorized()
        scheme, token = parts[0].lower(), parts[1]
        offer = self.book.by_token(token, self.clock.now())
        if offer is None or offer.issuer != self.issuer.name:
            return self._unauthorized()
        jkt = self.dpop.bound_to(token)
        if jkt is None:
            # a bearer token presented as DPoP is refused: the schemes are not interchangeable
            return offer if scheme == "bearer" else self._unauthorized("not a DPoP-bound token")
        if scheme != "dpop":
            return self._unauthorized("this token is DPoP-bound: use the DPoP scheme")
        now = self.clock.now()
        try:
            proof = verify_dpop(
                dpop,
                method="POST",
                url=f"{self.identifier}/{endpoint}",
                now=now,
                access_token=token,
            )
        except DpopError as exc:
            return self._unauthorized(str(exc), error="invalid_dpop_proof")
        if self._stale_nonce(proof):
            # section 9: a 401 challenge with the nonce to use
            return self._unauthorized(
                _NONCE_NEEDED, error="use_dpop_nonce", scheme="DPoP", **self._nonce_header()
            )
        if proof.jkt != jkt:
            return self._unauthorized(
                "the DPoP proof is not by the key the token is bound to", error="invalid_dpop_proof"
            )
        if not self.dpop.first_use(proof, now):
            return self._unauthorized(
                "this DPoP proof was already used", error="invalid_dpop_proof"
            )
        return offer

    @staticmethod
    def _unauthorized(
        description: str = "the access token is missing, unknown or expired",
        error: str = "invalid_token",
        scheme: str | None = None,
        **headers: str,
    ) -> Answer:
        challenge = f'error="{error}"'
        schemes = [scheme] if scheme else ["Bearer", "DPoP"]
        if scheme:
            challenge += f', error_description="{_DESCRIPTION.sub("?", description)}"'
        return _error(
            401,
            error,
            description,
            **{"WWW-Authenticate": ", ".join(f"{s} {challenge}" for s in schemes)},
            **headers,
        )

    def _stale_nonce(self, proof: DpopProof) -> bool:
        """True when this issuer asks for nonces and the proof has no current one."""
        return self.dpop_nonces is not None and not self.dpop_nonces.accepts(
            proof.nonce, self.clock.now()
        )

    def with_nonce(self, answer: Answer) -> Answer:
        """The answer to a DPoP request, with the nonce for the wallet's next proof."""
        extra = self._nonce_header()
        if not extra or "DPoP-Nonce" in answer.headers:
            return answer
        return Answer(answer.status, answer.body, {**answer.headers, **extra})

    def _nonce_header(self) -> dict[str, str]:
        """``DPoP-Nonce`` with the current nonce, for the wallet's next proof."""
        if self.dpop_nonces is None:
            return {}
        return {"DPoP-Nonce": self.dpop_nonces.current(self.clock.now())}

    def credential(self, authorization: str | None, body: Any, dpop: str | None = None) -> Answer:
        offer = self._offer_for(authorization, dpop, "credential")
        if isinstance(offer, Answer):
            return offer
        if not isinstance(body, dict):
            return _error(400, "invalid_credential_request", "send the request as a JSON object")
        if "credential_response_encryption" in body:
            return _error(
                400, "invalid_encryption_parameters", "encrypted responses are not offered"
            )
        by_id, by_config = (
            body.get("credential_identifier"),
            body.get("credential_configuration_id"),
        )
        if (by_id is None) == (by_config is None):
            return _error(
                400,
                "invalid_credential_request",
                "give exactly one of credential_configuration_id and credential_identifier",
            )
        if "proof" in body:
            return _error(400, "invalid_credential_request", "proof is replaced by proofs in 1.0")
        configuration = by_config if by_config is not None else by_id
        if not isinstance(configuration, str):
            return _error(400, "invalid_credential_request", "the configuration id is a string")
        known = self.metadata()["credential_configurations_supported"]
        if configuration not in known:
            error = (
                "unknown_credential_configuration" if by_config else "unknown_credential_identifier"
            )
            return _error(400, error, f"{configuration!r} is not a configuration of this issuer")
        if configuration not in offer.configurations:
            return _error(
                403,
                "insufficient_scope",
                f"the offer behind this token does not include {configuration}",
                **{"WWW-Authenticate": 'Bearer error="insufficient_scope"'},
            )
        if configuration == CONFIG_SIGNED:
            return self._signed(offer)
        holders = self._holders(body.get("proofs"))
        if isinstance(holders, Answer):
            return holders
        credentials: list[dict[str, Any]] = []
        for slot, holder in enumerate(holders):
            answer = self._bound(offer, configuration, slot, holder)
            if isinstance(answer, Answer):
                return answer
            credentials.append({"credential": answer})
        return self._delivered(offer.offer_id, configuration, credentials)

    def _delivered(
        self, offer_id: str, configuration: str, credentials: list[dict[str, Any]]
    ) -> Answer:
        """A Credential Response with its notification id (section 11): the wallet tells,
        with it, whether it kept the credentials."""
        notification_id = self.book.notification(offer_id, configuration, self.clock.now())
        return Answer(
            200,
            {"credentials": credentials, "notification_id": notification_id},
            dict(_NO_STORE),
        )

    def _holders(self, proofs: Any) -> list[HolderKey] | Answer:
        if not isinstance(proofs, dict) or len(proofs) != 1:
            return _error(400, "invalid_proof", "proofs must hold one proof type (jwt)")
        kind, items = next(iter(proofs.items()))
        kinds = ("jwt", "attestation") if self.key_attestations is not None else ("jwt",)
        if kind not in kinds:
            return _error(
                400,
                "invalid_proof",
                f"proof type {kind!r} is not supported; use {' or '.join(kinds)}",
            )
        if not isinstance(items, list) or not items:
            return _error(400, "invalid_proof", f"proofs.{kind} must be a non-empty array")
        if len(items) > self.batch_size:
            return _error(
                400, "invalid_proof", f"at most {self.batch_size} key proofs in one request"
            )
        now = self.clock.now()
        if kind == "attestation" and self.key_attestations is not None:
            return self._by_attestation(items, self.key_attestations, now)
        holders: list[HolderKey] = []
        for i, token in enumerate(items):
            try:
                holders.append(verify_key_proof(token, audience=self.identifier, now=now))
            except KeyProofError as exc:
                return _error(400, exc.code, f"proofs.jwt[{i}]: {exc}")
        if len({h.thumbprint for h in holders}) != len(holders):
            return _error(400, "invalid_proof", "each key proof must be for a different key")
        nonces = {h.nonce for h in holders}
        if len(nonces) != 1:
            return _error(400, "invalid_nonce", "the key proofs carry different nonces")
        nonce = nonces.pop()
        attested = self._attested(holders, nonce, now)
        if isinstance(attested, Answer):
            return attested
        return self._spend(nonce, now) or attested

    def _spend(self, nonce: str, now: Any) -> Answer | None:
        code, message = self.nonces.consume(nonce, now)
        if code != "OK":
            return _error(400, "invalid_nonce", f"{message}; ask the nonce endpoint for a new one")
        return None

    def _by_attestation(
        self, items: list[Any], policy: KeyAttestationPolicy, now: Any
    ) -> list[HolderKey] | Answer:
        """The ``attestation`` proof type (appendix F.3): the key attestation is the proof,
        its ``nonce`` the issuer's ``c_nonce``; a credential for each attested key."""
        keys: dict[str, HolderKey] = {}
        nonces: set[str] = set()
        for i, token in enumerate(items):
            try:
                found = verify_key_attestation(token, policy=policy, nonce=None, now=now)
            except KeyAttestationError as exc:
                return _error(400, exc.code, f"proofs.attestation[{i}]: {exc}")
            nonces.add(found.nonce)
            for key in found.keys:
                jkt = jwk_thumbprint(key.public_jwk())
                keys.setdefault(jkt, HolderKey(key=key, did=did_jwk_for(key), nonce=found.nonce))
        if len(nonces) != 1:
            return _error(400, "invalid_nonce", "the key attestations carry different nonces")
        if len(keys) > self.batch_size:
            return _error(400, "invalid_proof", f"at most {self.batch_size} keys in one request")
        return self._spend(nonces.pop(), now) or list(keys.values())

    def _attested(self, holders: list[HolderKey], nonce: str, now: Any) -> list[HolderKey] | Answer:
        """The keys to issue to: the proofs' keys, and with key attestations the keys they
        attest (appendix D: a credential for each attested key, the proof's key among them)."""
        policy = self.key_attestations
        if policy is None:
            return holders  # nothing to evaluate them against: attestations are not read
        keys: dict[str, HolderKey] = {}
        for i, holder in enumerate(holders):
            if holder.attestation is None:
                if policy.required:
                    return _error(
                        400,
                        "invalid_proof",
                        f"proofs.jwt[{i}]: this issuer needs a key attestation (key_attestation)",
                    )
                keys.setdefault(holder.thumbprint, holder)
                continue
            try:
                found = verify_key_attestation(
                    holder.attestation, policy=policy, nonce=nonce, now=now
                )
            except KeyAttestationError as exc:
                return _error(400, exc.code, f"proofs.jwt[{i}]: {exc}")
            attested = {jwk_thumbprint(k.public_jwk()): k for k in found.keys}
            if holder.thumbprint not in attested:
                return _error(
                    400,
                    "invalid_proof",
                    f"proofs.jwt[{i}]: the proof's key is not among the attested keys",
                )
            keys.setdefault(holder.thumbprint, holder)
            for jkt, key in attested.items():
                keys.setdefault(jkt, HolderKey(key=key, did=did_jwk_for(key), nonce=nonce))
        if len(keys) > self.batch_size:
            return _error(400, "invalid_proof", f"at most {self.batch_size} keys in one request")
        return list(keys.values())

    def _bound(
        self, offer: Any, configuration: str, slot: int, holder: HolderKey
    ) -> dict[str, Any] | str | Answer:
        name = f"oid4vci/{offer.offer_id}/{configuration}/{slot}"
        claimed = self.book.claim(
            offer.offer_id, configuration, slot, holder.thumbprint, self.issuer.row_key(name)
        )
        if claimed.holder != holder.thumbprint:
            return _error(
                400,
                "credential_request_denied",
                "this offer's credential was already issued to another key",
            )
        template = copy_json(offer.subject["credential"])
        if slot > 0 or len(offer.configurations) > 1:
            # one credential id names one credential: when an offer gives several (formats,
            # keys), each gets an id of its own and the template's is not reused
            template.pop("id", None)
        now = self.clock.now()
        issuer = self.issuer
        if configuration == CONFIG_SD_JWT:
            doc = template

            def secure(prepared: dict[str, Any]) -> str:
                # the same list and index as its credentialStatus, for verifiers that read
                # only Token Status Lists (the EUDI wallet ecosystem)
                status = status_claim(prepared)
                claims = prepared if status is None else {**prepared, "status": status}
                return issue_sd_jwt(
                    claims, issuer.key, now=now, holder_jwk=holder.jwk, vct=self.vct
                )
        else:
            doc = {
                **template,
                "credentialSubject": {**template["credentialSubject"], "id": holder.did},
            }

            def secure(prepared: dict[str, Any]) -> str:
                if configuration == CONFIG_JWT:
                    return sign_jwt(prepared, issuer.key, typ="JWT")
                return issuer.data_integrity(prepared, now)

        try:
            issued = issuer.issue_secured(doc, name, self.ledger, now, secure)
        except IssueRefused as exc:
            return _error(400, "credential_request_denied", f"{exc.field}: {exc}")
        if configuration == CONFIG_LDP:
            return dict(json.loads(issued.text))
        return issued.text

    def _signed(self, offer: Any) -> Answer:
        row_key = offer.subject["row_key"]
        self.book.claim(offer.offer_id, CONFIG_SIGNED, 0, "-", row_key)
        row = self.ledger.get(row_key)
        if row is not None and row.signed is not None:
            credentials = [{"credential": json.loads(row.signed)}]
            return self._delivered(offer.offer_id, CONFIG_SIGNED, credentials)
        transaction = self.book.defer(offer.offer_id, CONFIG_SIGNED, 0)
        return Answer(
            202,
            {"transaction_id": transaction, "interval": self.deferred_interval},
            dict(_NO_STORE),
        )

    def deferred(self, authorization: str | None, body: Any, dpop: str | None = None) -> Answer:
        offer = self._offer_for(authorization, dpop, "deferred_credential")
        if isinstance(offer, Answer):
            return offer
        transaction_id = body.get("transaction_id") if isinstance(body, dict) else None
        if not isinstance(transaction_id, str):
            return _error(400, "invalid_credential_request", "transaction_id is missing")
        found = self.book.transaction(transaction_id)
        if found is None or found[0] != offer.offer_id:
            return _error(
                400,
                "invalid_transaction_id",
                "unknown transaction, or its credential was delivered",
            )
        row = self.ledger.get(found[1].row_key)
        if row is None:
            return _error(400, "credential_request_denied", "the batch row no longer exists")
        if row.signed is None:
            return Answer(
                202,
                {"transaction_id": transaction_id, "interval": self.deferred_interval},
                dict(_NO_STORE),
            )
        if not self.book.delivered(transaction_id):
            return _error(400, "invalid_transaction_id", "the credential was already delivered")
        credentials = [{"credential": json.loads(row.signed)}]
        return self._delivered(offer.offer_id, CONFIG_SIGNED, credentials)

    # --- notification endpoint (section 11) ----------------------------------------------

    def notification(self, authorization: str | None, body: Any, dpop: str | None = None) -> Answer:
        """Record that the wallet kept (``credential_accepted``), could not keep
        (``credential_failure``) or deleted (``credential_deleted``) what it received; 204."""
        offer = self._offer_for(authorization, dpop, "notification")
        if isinstance(offer, Answer):
            return offer
        if not isinstance(body, dict):
            return _error(400, "invalid_notification_request", "send a JSON object")
        notification_id = body.get("notification_id")
        if not isinstance(notification_id, str) or not notification_id:
            return _error(400, "invalid_notification_request", "notification_id is missing")
        event = body.get("event")
        if event not in NOTIFICATION_EVENTS:
            return _error(
                400,
                "invalid_notification_request",
                f"event must be one of {', '.join(NOTIFICATION_EVENTS)}",
            )
        description = body.get("event_description")
        if description is not None and (
            not isinstance(description, str)
            or len(description) > 1000
            or _DESCRIPTION.search(description)
        ):
            return _error(
                400,
                "invalid_notification_request",
                "event_description is printable ASCII without quote or backslash, at most "
                "1000 characters",
            )
        outcome = self.book.notify(
            notification_id, offer.offer_id, event, description, self.clock.now()
        )
        if outcome == "unknown":
            return _error(
                400,
                "invalid_notification_id",
                "no credential of this access token has that notification_id",
            )
        if outcome == "full":
            return _error(
                400,
                "invalid_notification_request",
                f"at most {MAX_EVENTS} events are kept for one notification_id",
            )
        return Answer(204, None, dict(_NO_STORE))

    def offer_status(self, offer_id: str) -> Answer:
        """For the university: the offer's state and what the wallet reported."""
        offer = self.book.get(offer_id)
        if offer is None or offer.issuer != self.issuer.name:
            return _error(404, "not_found", "no such offer for this issuer")
        return Answer(
            200,
            {
                "offerId": offer.offer_id,
                "state": offer.state,
                "expiresAt": offer.expires_at.isoformat(),
                "credentialConfigurationIds": offer.configurations,
                "notifications": self.book.history(offer_id),
            },
            dict(_NO_STORE),
        )
