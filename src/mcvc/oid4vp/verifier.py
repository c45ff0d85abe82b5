"""An admissions office as an OpenID4VP 1.0 verifier: signed authorization requests (JAR,
``client_id`` prefix ``decentralized_identifier``, ``x509_hash`` or ``x509_san_dns``), a DCQL
query, response mode ``direct_post`` or, encrypted to a key made for the request,
``direct_post.jwt``, and the verdict kept for the officer.

Each request has a fresh ``nonce`` and ``state``. The response endpoint takes one answer per
request (a conditional UPDATE, so a replay or a second answer changes nothing); every
presentation is verified with ``challenge``/``nonce`` = the request's nonce and
``domain``/``aud`` = the full Client Identifier, under the officer's policy (the issuer must
be confirmed by a trust source); the presentations together must satisfy the DCQL query.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from cryptography import x509
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    and_,
    delete,
    select,
    update,
)

from ..keys import KeyPair
from ..multibase import b64url_encode
from .client_id import client_identity
from .dcql import DcqlError, Presented, missing, validate_query
from .encryption import ENC_VALUES, EncryptedResponseError, decrypt_response, new_response_key

__all__ = ["RequestBook", "ResponseRefused", "VerifierRequests", "request_link"]

_metadata = MetaData()
requests = Table(
    "mcvc_oid4vp_requests",
    _metadata,
    Column("request_id", String(40), primary_key=True),
    Column("state", String(64), nullable=False, unique=True),
    Column("nonce", String(64), nullable=False),
    Column("query", Text, nullable=False),
    Column("purpose", Text),
    Column("request_object", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("result", Text),
)
# the private half of a direct_post.jwt request's key, deleted when the request is answered;
# a table of its own so that databases made before encryption need no migration
response_keys = Table(
    "mcvc_oid4vp_response_keys",
    _metadata,
    Column("request_id", String(40), primary_key=True),
    Column("jwk", Text, nullable=False),
)
RESPONSE_MODES = ("direct_post", "direct_post.jwt")
_ORDER = ("verified", "unconfirmed", "inconclusive", "failed")
REQUEST_TYP = "oauth-authz-req+jwt"
_ALG = {"ed25519": "EdDSA", "p256": "ES256", "p384": "ES384"}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class ResponseRefused(ValueError):
    """An authorization response the response endpoint does not take (``error`` for the
    wallet: ``invalid_request``)."""


def request_link(client_id: str, request_uri: str) -> str:
    return (
        f"openid4vp://?client_id={quote(client_id, safe='')}"
        f"&request_uri={quote(request_uri, safe='')}"
    )


@dataclass(frozen=True)
class StoredRequest:
    request_id: str
    state: str
    nonce: str
    query: dict[str, Any]
    purpose: str | None
    request_object: str
    status: str
    expires_at: datetime
    result: dict[str, Any] | None


class RequestBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _metadata.create_all(engine)

    def add(self, row: dict[str, Any], response_key: dict[str, Any] | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(requests.insert().values(**row))
            # keys of requests that can no longer be answered are of no use to anyone
            expired = select(requests.c.request_id).where(
                requests.c.expires_at <= row["created_at"]
            )
            conn.execute(delete(response_keys).where(response_keys.c.request_id.in_(expired)))
            if response_key is not None:
                conn.execute(
                    response_keys.insert().values(
                        request_id=row["request_id"], jwk=json.dumps(response_key)
                    )
                )

    def response_key(self, request_id: str) -> dict[str, Any] | None:
        """The private key of a request that asked for an encrypted response."""
        with self.engine.connect() as conn:
            found = conn.execute(
                select(response_keys.c.jwk).where(response_keys.c.request_id == request_id)
            ).scalar()
        return json.loads(found) if found else None

    def get(self, request_id: str) -> StoredRequest | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(requests).where(requests.c.request_id == request_id)).first()
        if r is None:
            return None
        return StoredRequest(
            r.request_id,
            r.state,
            r.nonce,
            json.loads(r.query),
            r.purpose,
            r.request_object,
            r.status,
            _aware(r.expires_at),
            json.loads(r.result) if r.result else None,
        )

    def close(self, request_id: str, state: str, status: str, result: dict[str, Any]) -> bool:
        """Record the answer, once: False when the request was answered already."""
        with self.engine.begin() as conn:
            closed = conn.execute(
                update(requests)
                .where(
                    and_(
                        requests.c.request_id == request_id,
                        requests.c.state == state,
                        requests.c.status == "pending",
                    )
                )
                .values(status=status, result=json.dumps(result))
            ).rowcount
            if closed:
                conn.execute(delete(response_keys).where(response_keys.c.request_id == request_id))
            return bool(closed)


Verify = Callable[[Any, str, str], Any]
"""(presentation, nonce, client id) -> VerificationReport under the officer's policy."""


class VerifierRequests:
    def __init__(
        self,
        book: RequestBook,
        key: KeyPair,
        *,
        base_url: str,
        clock: Any,
        name: str,
        ttl: timedelta = timedelta(minutes=10),
        loader: Any = None,
        response_mode: str = "direct_post",
        client_id_prefix: str = "decentralized_identifier",
        certificates: Sequence[x509.Certificate] = (),
    ) -> None:
        from ..contexts import default_loader

        self.loader = loader or default_loader()
        self.book = book
        self.key = key
        self.base_url = base_url
        self.clock = clock
        self.name = name
        self.ttl = ttl
        if response_mode not in RESPONSE_MODES:
            raise ValueError(f"response_mode is one of {', '.join(RESPONSE_MODES)}")
        self.response_mode = response_mode
        self.identity = client_identity(
            key, client_id_prefix, certificates=certificates, base_url=base_url, now=clock.now()
        )

    @property
    def client_id(self) -> str:
        return self.identity.client_id

    def create(
        self,
        query: Any,
        *,
        purpose: str | None = None,
        ttl: timedelta | None = None,
        response_mode: str | None = None,
    ) -> dict[str, Any]:
        """A new signed request; ``response_mode`` ``direct_post.jwt`` has the wallet encrypt
        its answer to a key made for this request (default: the verifier's mode)."""
        mode = response_mode or self.response_mode
        if mode not in RESPONSE_MODES:
            raise ResponseRefused(f"response_mode is one of {', '.join(RESPONSE_MODES)}")
        try:
            query = validate_query(query)
        except DcqlError as exc:
            raise ResponseRefused(f"dcql_query: {exc}") from None
        now = self.clock.now()
        expires = now + (ttl or self.ttl)
        request_id = secrets.token_urlsafe(18)
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        response_uri = f"{self.base_url}/verifier/responses/{request_id}"
        claims: dict[str, Any] = {
            "client_id": self.client_id,
            "response_type": "vp_token",
            "response_mode": mode,
            "response_uri": response_uri,
            "nonce": nonce,
            "state": state,
            "dcql_query": query,
            "client_metadata": {
                "client_name": self.name,
                "vp_formats_supported": {
                    "dc+sd-jwt": {
                        "sd-jwt_alg_values": ["EdDSA", "ES256", "ES384"],
                        "kb-jwt_alg_values": ["EdDSA", "ES256", "ES384"],
                    },
                    "ldp_vc": {
                        "proof_type_values": ["DataIntegrityProof"],
                        "cryptosuite_values": ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"],
                    },
                },
            },
            "aud": "https://self-issued.me/v2",
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        private_key = None
        if mode == "direct_post.jwt":
            public_key, private_key = new_response_key()
            claims["client_metadata"]["jwks"] = {"keys": [public_key]}
            claims["client_metadata"]["encrypted_response_enc_values_supported"] = list(ENC_VALUES)
        header = {"alg": _ALG[self.key.kind], "typ": REQUEST_TYP, **self.identity.header}
        p1 = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
        p2 = b64url_encode(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode())
        jws = f"{p1}.{p2}.{b64url_encode(self.key.sign(f'{p1}.{p2}'.encode()))}"
        self.book.add(
            {
                "request_id": request_id,
                "state": state,
                "nonce": nonce,
                "query": json.dumps(query),
                "purpose": purpose,
                "request_object": jws,
                "status": "pending",
                "created_at": now,
                "expires_at": expires,
            },
            private_key,
        )
        request_uri = f"{self.base_url}/verifier/requests/{request_id}/object"
        return {
            "requestId": request_id,
            "clientId": self.client_id,
            "requestUri": request_uri,
            "authorizationRequest": request_link(self.client_id, request_uri),
            "statusUri": f"{self.base_url}/verifier/requests/{request_id}",
            "responseMode": mode,
            "expiresAt": expires.isoformat().replace("+00:00", "Z"),
        }

    def request_object(self, request_id: str) -> str | None:
        found = self.book.get(request_id)
        if found is None or found.status != "pending" or found.expires_at <= self.clock.now():
            return None
        return found.request_object

    def status(self, request_id: str) -> dict[str, Any] | None:
        found = self.book.get(request_id)
        if found is None:
            return None
        status = found.status
        if status == "pending" and found.expires_at <= self.clock.now():
            status = "expired"
        out: dict[str, Any] = {"requestId": request_id, "status": status}
        if found.result is not None:
            out["result"] = found.result
        return out

    def _parameters(self, request_id: str, form: dict[str, str]) -> dict[str, Any]:
        """The response parameters: the form itself, or what its ``response`` JWE holds.

        A request that asked for encryption takes only the JWE, except an error, which a
        wallet unable to encrypt may send in clear (OpenID4VP 1.0 section 8.3.1)."""
        key = self.book.response_key(request_id)
        if "response" not in form:
            if key is not None and "error" not in form:
                raise ResponseRefused(
                    "this request asks for an encrypted response (direct_post.jwt): "
                    "the response parameter is missing"
                )
            return dict(form)
        if key is None:
            raise ResponseRefused("this request did not ask for an encrypted response")
        if len(form) > 1:
            raise ResponseRefused("with direct_post.jwt the response parameter comes alone")
        try:
            return decrypt_response(form["response"], key)
        except EncryptedResponseError as exc:
            raise ResponseRefused(str(exc)) from None

    def respond(self, request_id: str, form: dict[str, str], verify: Verify) -> dict[str, Any]:
        """Take the wallet's authorization response (``direct_post``, or ``direct_post.jwt``
        with the parameters inside the ``response`` JWE): verify, judge, record."""
        found = self.book.get(request_id)
        if found is None:
            raise ResponseRefused("no such request")
        if found.status != "pending":
            raise ResponseRefused("this request was already answered; a replay is refused")
        if found.expires_at <= self.clock.now():
            raise ResponseRefused("this request has expired")
        params = self._parameters(request_id, form)
        if params.get("state") != found.state:
            raise ResponseRefused("state does not match the request")
        result: dict[str, Any]
        if "error" in params:
            result = {
                "verdict": "declined",
                "error": _text(params, "error"),
                "error_description": _text(params, "error_description"),
            }
            if not self.book.close(request_id, found.state, "declined", result):
                raise ResponseRefused("this request was already answered; a replay is refused")
            return result
        raw = params.get("vp_token")
        if raw is None:
            raise ResponseRefused("vp_token is missing")
        if isinstance(raw, dict) and "response" in form:
            token: Any = raw  # a JSON member of the decrypted response, not a form string
        else:
            try:
                token = json.loads(raw) if isinstance(raw, str) else None
            except ValueError:
                raise ResponseRefused("vp_token is not JSON") from None
        if not isinstance(token, dict) or not token:
            raise ResponseRefused("vp_token must be a JSON object keyed by credential query id")
        by_id = {item["id"]: item for item in found.query["credentials"]}
        presented: list[Presented] = []
        reports: list[dict[str, Any]] = []
        outcomes: list[str] = []
        problems: list[str] = []
        for query_id, items in token.items():
            item = by_id.get(query_id)
            if item is None:
                problems.append(f"{query_id}: not a credential query of this request")
                continue
            if not isinstance(items, list) or not items:
                raise ResponseRefused(f"vp_token.{query_id} must be a non-empty array")
            if len(items) > 1 and not item.get("multiple"):
                problems.append(f"{query_id}: several presentations where one was asked")
            for entry in items:
                report = verify(entry, found.nonce, self.client_id)
                outcomes.append(report.outcome)
                reports.append(
                    {"queryId": query_id, "format": item["format"], "report": report.to_dict()}
                )
                if report.outcome in ("verified", "unconfirmed"):
                    claims, types = _content(entry, item["format"], self.loader)
                    if claims is not None:
                        presented.append(Presented(query_id, item["format"], claims, types))
        problems.extend(missing(found.query, presented))
        verdict = max(outcomes, key=_ORDER.index) if outcomes else "failed"
        if problems and verdict in ("verified", "unconfirmed"):
            verdict = "failed"
        result = {
            "verdict": verdict,
            "problems": problems,
            "presentations": reports,
            "receivedAt": self.clock.now().isoformat().replace("+00:00", "Z"),
        }
        if not self.book.close(request_id, found.state, "answered", result):
            raise ResponseRefused("this request was already answered; a replay is refused")
        return result


def _text(params: dict[str, Any], name: str) -> str:
    value = params.get(name, "")
    if not isinstance(value, str):
        raise ResponseRefused(f"{name} must be a string")
    return value


def _content(entry: Any, fmt: str, loader: Any) -> tuple[dict[str, Any] | None, set[str]]:
    """The verified credential's claims and types, for the DCQL match."""
    if fmt == "dc+sd-jwt" and isinstance(entry, str):
        from ..jose import parse_jose
        from ..sdjwt import parse_sd_jwt, reconstruct

        parsed = parse_sd_jwt(entry)
        payload = parse_jose(parsed.jwt).claims
        claims = reconstruct(payload, parsed.disclosures).claims
        return claims, {str(payload.get("vct", ""))}
    if fmt == "ldp_vc" and isinstance(entry, dict):
        inner = entry.get("verifiableCredential")
        credential = inner[0] if isinstance(inner, list) and inner else inner
        if not isinstance(credential, dict):
            return None, set()
        return credential, _expanded_types(credential, loader)
    return None, set()


def _expanded_types(credential: dict[str, Any], loader: Any) -> set[str]:
    """The credential's types as IRIs, expanded with the bundled contexts only (never a
    fetch): an unknown context matches no ``type_values``."""
    from pyld import jsonld

    try:
        expanded = jsonld.expand(
            {k: v for k, v in credential.items() if k in ("@context", "type")},
            {"documentLoader": loader},
        )
    except Exception:
        return set()
    types: set[str] = set()
    for node in expanded:
        types.update(node.get("@type", []))
    return types
