"""The OpenID4VCI routes of ``mcvc serve``: each configured issuer is a Credential Issuer at
``{public_url}/issuers/{name}``, with its metadata at the well-known paths of RFC 8414 and
OpenID4VCI 1.0 section 12.2.2 (and, for wallets that append instead, after the identifier)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..errors import McvcError
from ..jades.certs import TrustAnchors
from ..oid4vci.book import OfferBook
from ..oid4vci.dpop import DpopNonces
from ..oid4vci.issuer import Answer, WalletIssuer
from ..oid4vci.keyattest import KeyAttestationPolicy
from ..oid4vci.metadata import type_metadata
from .challenges import ChallengeBook
from .config import ConfigError
from .forms import FormNotText, read_form
from .issuer import IssueRefused

if TYPE_CHECKING:
    from .app import _Service

__all__ = ["wallet_issuers", "wallet_routes"]

_MAX_FORM = 16 * 1024

# a token-protected endpoint of WalletIssuer: (authorization, body, dpop) -> Answer
_Bound = Callable[[str | None, Any, str | None], Answer]


def _send(answer: Answer) -> Response:
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    text = json.dumps(answer.body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, answer.status, headers=answer.headers, media_type="application/json")


def vct_of(service: _Service) -> str:
    return service.config.wallet.vct or f"{service.config.public_url}/vct/micro-credential"


def _key_attestations(service: _Service) -> KeyAttestationPolicy | None:
    config = service.config.wallet
    if config.key_attestation_anchors is None:
        if config.require_key_attestation:
            raise ConfigError("wallet.require_key_attestation needs wallet.key_attestation_anchors")
        return None
    try:
        anchors = TrustAnchors.from_pem(
            service.config.path(config.key_attestation_anchors).read_bytes(),
            config.key_attestation_anchors,
        )
    except (OSError, McvcError) as exc:
        raise ConfigError(f"wallet.key_attestation_anchors: {exc}") from None
    if not anchors.certificates:
        raise ConfigError("wallet.key_attestation_anchors: no certificate in the file")
    return KeyAttestationPolicy(
        anchors,
        required=config.require_key_attestation,
        key_storage=tuple(config.key_storage),
        user_authentication=tuple(config.user_authentication),
    )


def wallet_issuers(service: _Service, secret: bytes) -> dict[str, WalletIssuer]:
    config = service.config.wallet
    if not config.enabled:
        return {}
    book = OfferBook(service.ledger.engine)
    attestations = _key_attestations(service)
    # a c_nonce is not a presentation challenge: its own key, the same one-use table
    nonces = ChallengeBook(
        service.ledger.engine, b"oid4vci c_nonce\0" + secret, ttl=timedelta(minutes=5)
    )
    return {
        name: WalletIssuer(
            issuer,
            identifier=f"{service.config.public_url}/issuers/{name}",
            ledger=service.ledger,
            book=book,
            nonces=nonces,
            clock=service.clock,
            vct=vct_of(service),
            batch_size=config.batch_size,
            token_ttl=timedelta(seconds=config.token_ttl_seconds),
            deferred_interval=config.deferred_interval_seconds,
            require_dpop=config.require_dpop,
            key_attestations=attestations,
            dpop_nonces=DpopNonces(b"oid4vci dpop nonce\0" + secret) if config.dpop_nonce else None,
        )
        for name, issuer in service.issuers.items()
    }


def wallet_routes(
    service: _Service,
    endpoint: Callable[[Callable[[Request], Awaitable[Response]]], Callable[..., Any]],
    refusal: Callable[..., Exception],
) -> list[Route]:
    wallets: dict[str, WalletIssuer] = service.wallets

    def wallet(request: Request) -> WalletIssuer:
        found = wallets.get(request.path_params["issuer"])
        if found is None:
            raise refusal(404, "UNKNOWN_ISSUER", "no such credential issuer here")
        return found

    async def form(request: Request) -> dict[str, str]:
        try:
            parsed = await read_form(request, _MAX_FORM, "the token request", refusal)
        except FormNotText:
            raise refusal(400, "REQUEST_INVALID", "the form is not UTF-8") from None
        repeated = [k for k, v in parsed.items() if len(v) > 1]
        if repeated:
            # RFC 6749 section 3.1: parameters must not be included more than once
            return {"__repeated__": repeated[0]}
        return {k: v[0] for k, v in parsed.items()}

    async def issuer_metadata(request: Request) -> Response:
        return _send(Answer(200, wallet(request).metadata()))

    async def as_metadata(request: Request) -> Response:
        return _send(Answer(200, wallet(request).as_metadata()))

    async def token(request: Request) -> Response:
        w = wallet(request)
        fields = await form(request)
        if "__repeated__" in fields:
            return _send(
                Answer(
                    400,
                    {
                        "error": "invalid_request",
                        "error_description": f"{fields['__repeated__']} is repeated",
                    },
                    {"Cache-Control": "no-store"},
                )
            )
        return _send(await service.cpu(w.token, fields, request.headers.get("dpop")))

    async def nonce(request: Request) -> Response:
        return _send(wallet(request).nonce())

    async def _bound(request: Request, endpoint: Callable[[WalletIssuer], _Bound]) -> Response:
        # the three token-protected endpoints read the same things: body, access token, DPoP
        w = wallet(request)
        body = await service.body(request)
        auth, dpop = request.headers.get("authorization"), request.headers.get("dpop")
        answer = await service.cpu(endpoint(w), auth, body, dpop)
        return _send(w.with_nonce(answer) if dpop is not None else answer)

    async def credential(request: Request) -> Response:
        return await _bound(request, lambda w: w.credential)

    async def deferred(request: Request) -> Response:
        return await _bound(request, lambda w: w.deferred)

    async def notification(request: Request) -> Response:
        return await _bound(request, lambda w: w.notification)

    async def offer_status(request: Request) -> Response:
        w = wallet(request)
        if w.issuer.name not in service.authorize(request):
            raise refusal(403, "FORBIDDEN", f"this token may not read {w.issuer.name!r}'s offers")
        return _send(await service.cpu(w.offer_status, request.path_params["offer"]))

    async def create_offer(request: Request) -> Response:
        w = wallet(request)
        allowed = service.authorize(request)
        if w.issuer.name not in allowed:
            raise refusal(403, "FORBIDDEN", f"this token may not offer as {w.issuer.name!r}")
        body = await service.body(request)
        if not isinstance(body, dict):
            raise refusal(400, "REQUEST_INVALID", "the request body must be a JSON object")
        unknown = set(body) - {
            "credential",
            "rowKey",
            "credentialConfigurationIds",
            "txCode",
            "expiresIn",
        }
        if unknown:
            raise refusal(400, "REQUEST_INVALID", f"unknown field {sorted(unknown)[0]}")
        expires = body.get("expiresIn", service.config.wallet.offer_ttl_days * 86_400)
        ids = body.get("credentialConfigurationIds")
        if isinstance(expires, bool) or not isinstance(expires, int | float):
            raise refusal(400, "REQUEST_INVALID", "expiresIn is a number of seconds")
        if ids is not None and (
            not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)
        ):
            raise refusal(400, "REQUEST_INVALID", "credentialConfigurationIds is a list of strings")
        row_key = body.get("rowKey")
        if row_key is not None and not isinstance(row_key, str):
            raise refusal(400, "REQUEST_INVALID", "rowKey is a string")
        try:
            made = await service.cpu(
                lambda: w.create_offer(
                    credential=body.get("credential"),
                    row_key=row_key,
                    configurations=ids,
                    tx_code=body.get("txCode"),
                    ttl=timedelta(seconds=expires),
                )
            )
        except IssueRefused as exc:
            raise refusal(exc.status, exc.code, str(exc), field=exc.field) from None
        return _send(Answer(201, made, {"Cache-Control": "no-store"}))

    async def offer(request: Request) -> Response:
        return _send(wallet(request).offer_document(request.path_params["offer"]))

    async def offer_qr(request: Request) -> Response:
        from ..qr import qr_png

        w = wallet(request)
        answer = w.offer_document(request.path_params["offer"])
        if answer.status != 200:
            return _send(answer)
        from ..oid4vci.issuer import offer_link

        link = offer_link(f"{w.identifier}/offers/{request.path_params['offer']}")
        return Response(
            qr_png(link), 200, media_type="image/png", headers={"Cache-Control": "no-store"}
        )

    async def vct(request: Request) -> Response:
        return _send(Answer(200, type_metadata(vct_of(service))))

    base = "/issuers/{issuer}"
    e = endpoint
    return [
        Route(f"/.well-known/openid-credential-issuer{base}", e(issuer_metadata), methods=["GET"]),
        Route(f"{base}/.well-known/openid-credential-issuer", e(issuer_metadata), methods=["GET"]),
        Route(f"/.well-known/oauth-authorization-server{base}", e(as_metadata), methods=["GET"]),
        Route(f"{base}/.well-known/oauth-authorization-server", e(as_metadata), methods=["GET"]),
        Route(f"{base}/token", e(token), methods=["POST"]),
        Route(f"{base}/nonce", e(nonce), methods=["POST"]),
        Route(f"{base}/credential", e(credential), methods=["POST"]),
        Route(f"{base}/deferred_credential", e(deferred), methods=["POST"]),
        Route(f"{base}/notification", e(notification), methods=["POST"]),
        Route(f"{base}/offers", e(create_offer), methods=["POST"]),
        Route(base + "/offers/{offer}", e(offer), methods=["GET"]),
        Route(base + "/offers/{offer}/qr.png", e(offer_qr), methods=["GET"]),
        Route(base + "/offers/{offer}/status", e(offer_status), methods=["GET"]),
        Route("/vct/micro-credential", e(vct), methods=["GET"]),
        Route("/.well-known/vct/vct/micro-credential", e(vct), methods=["GET"]),
    ]
