"""The OpenID4VP routes of ``mcvc serve`` (an admissions office asking a wallet):

- ``POST /verifier/requests`` (the verifier's bearer token): a new request, its link and QR;
- ``GET /verifier/requests/{id}/object``: the signed request object the wallet fetches;
- ``POST /verifier/responses/{id}``: the wallet's ``direct_post`` (or ``direct_post.jwt``) answer;
- ``GET /verifier/requests/{id}`` (token): pending, answered (with the verdict), declined,
  expired.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import McvcError
from ..keys import load_key
from ..limits import Deadline
from ..oid4vp.client_id import load_certificates
from ..oid4vp.dcql import default_query
from ..oid4vp.verifier import RESPONSE_MODES, RequestBook, ResponseRefused, VerifierRequests
from .config import ConfigError
from .forms import FormNotText, read_form

if TYPE_CHECKING:
    from .app import _Service

__all__ = ["presentation_routes", "verifier_of"]

_MAX_RESPONSE = 4 * 1024 * 1024
_NO_STORE = {"Cache-Control": "no-store"}


def verifier_of(service: _Service) -> VerifierRequests | None:
    config = service.config.verifier
    if config.key is None:
        return None
    try:
        key = load_key(service.config.path(config.key))
    except (OSError, McvcError) as exc:
        raise ConfigError(f"verifier.key: {exc}") from None
    if key.private_key is None:
        raise ConfigError("verifier.key: no private key")
    if config.did:
        key = key.with_id(f"{config.did}#key-1", config.did)
        if config.did.startswith("did:web:"):
            from ..did import did_web_document, did_web_url

            url = did_web_url(config.did)
            path = "/" + url.split("://", 1)[1].split("/", 1)[1]
            service.did_documents[path] = did_web_document(config.did, [key])
    if not config.token_hashes():
        raise ConfigError("verifier: no token (token_sha256 or a set token_env)")
    certificates = []
    if config.certificate:
        try:
            certificates = load_certificates(service.config.path(config.certificate).read_bytes())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"verifier.certificate: {exc}") from None
    prefix = config.client_id_prefix or (
        "x509_hash" if certificates else "decentralized_identifier"
    )
    try:
        return VerifierRequests(
            RequestBook(service.ledger.engine),
            key,
            base_url=service.config.public_url,
            clock=service.clock,
            name=config.name,
            ttl=timedelta(seconds=config.request_ttl_seconds),
            loader=service.loader,
            response_mode=config.response_mode,
            client_id_prefix=prefix,
            certificates=certificates,
        )
    except ValueError as exc:
        raise ConfigError(f"verifier: {exc}") from None


def _json(data: Any, status: int = 200) -> Response:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status, headers=_NO_STORE, media_type="application/json")


def presentation_routes(
    service: _Service,
    endpoint: Callable[[Callable[[Request], Awaitable[Response]]], Callable[..., Any]],
    refusal: Callable[..., Exception],
) -> list[Route]:
    def verifier() -> VerifierRequests:
        if service.verifier is None:
            raise refusal(404, "VERIFIER_OFF", "this service has no verifier key configured")
        return service.verifier

    def authorize(request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        digest = hashlib.sha256(token.strip().encode()).hexdigest() if token.strip() else ""
        if scheme.lower() != "bearer" or digest not in service.config.verifier.token_hashes():
            raise refusal(
                401,
                "UNAUTHORIZED",
                "asking wallets needs the verifier's bearer token",
                headers={"WWW-Authenticate": 'Bearer realm="mcvc"'},
            )

    def officer_verify(document: Any, nonce: str, client_id: str) -> Any:
        # the officer's policy (an unconfirmed issuer is not "verified"); the presentation's
        # key binding is the nonce and client id, not the holder-is-subject rule
        return service._verify(
            document,
            nonce,
            client_id,
            Deadline(service.config.limits.request_timeout),
            policy="officer",
            holder_binding=False,
        )

    async def create(request: Request) -> Response:
        v = verifier()
        authorize(request)
        body = await service.body(request)
        if not isinstance(body, dict):
            raise refusal(400, "REQUEST_INVALID", "the request body must be a JSON object")
        unknown = set(body) - {"dcqlQuery", "purpose", "expiresIn", "responseMode"}
        if unknown:
            raise refusal(400, "REQUEST_INVALID", f"unknown field {sorted(unknown)[0]}")
        from .wallet import vct_of

        query = body.get("dcqlQuery") or default_query(vct_of(service))
        expires = body.get("expiresIn", service.config.verifier.request_ttl_seconds)
        if isinstance(expires, bool) or not isinstance(expires, int) or not 30 <= expires <= 86_400:
            raise refusal(400, "REQUEST_INVALID", "expiresIn is 30 to 86400 seconds")
        purpose = body.get("purpose")
        if purpose is not None and (not isinstance(purpose, str) or len(purpose) > 500):
            raise refusal(400, "REQUEST_INVALID", "purpose is a string of at most 500 characters")
        mode = body.get("responseMode")
        if mode is not None and mode not in RESPONSE_MODES:
            raise refusal(
                400,
                "REQUEST_INVALID",
                f"responseMode is one of {', '.join(RESPONSE_MODES)}",
                field="responseMode",
            )
        try:
            made = v.create(
                query, purpose=purpose, ttl=timedelta(seconds=expires), response_mode=mode
            )
        except ResponseRefused as exc:
            raise refusal(400, "REQUEST_INVALID", str(exc), field="dcqlQuery") from None
        return _json(made, 201)

    async def request_object(request: Request) -> Response:
        jws = verifier().request_object(request.path_params["request"])
        if jws is None:
            return _json(
                {
                    "error": "invalid_request_uri",
                    "error_description": "unknown, answered or expired",
                },
                404,
            )
        return Response(jws, 200, headers=_NO_STORE, media_type="application/oauth-authz-req+jwt")

    async def respond(request: Request) -> Response:
        v = verifier()
        try:
            parsed = await read_form(request, _MAX_RESPONSE, "the response", refusal)
        except FormNotText:
            return _json({"error": "invalid_request", "error_description": "not UTF-8"}, 400)
        if any(len(values) > 1 for values in parsed.values()):
            return _json(
                {"error": "invalid_request", "error_description": "a parameter is repeated"}, 400
            )
        form = {k: v[0] for k, v in parsed.items()}
        try:
            await service.cpu(v.respond, request.path_params["request"], form, officer_verify)
        except ResponseRefused as exc:
            return _json({"error": "invalid_request", "error_description": str(exc)}, 400)
        return _json({})

    async def status(request: Request) -> Response:
        v = verifier()
        authorize(request)
        found = v.status(request.path_params["request"])
        if found is None:
            raise refusal(404, "NOT_FOUND", "no such request")
        return _json(found)

    e = endpoint
    return [
        Route("/verifier/requests", e(create), methods=["POST"]),
        Route("/verifier/requests/{request}/object", e(request_object), methods=["GET"]),
        Route("/verifier/requests/{request}", e(status), methods=["GET"]),
        Route("/verifier/responses/{request}", e(respond), methods=["POST"]),
    ]
