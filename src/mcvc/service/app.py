"""The VC-API service as an ASGI application (Starlette).

Everything a worker needs is built once from the configuration by :func:`create_app`; the only
shared state between workers and replicas is the ledger database (issued credentials, status
lists, used challenges). CPU work (canonicalization, signatures) and database calls run in the
thread pool so the event loop keeps accepting connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import __version__
from ..canon.api import Canonicalizer
from ..clock import Clock, SystemClock
from ..contexts import StaticLoader, default_loader
from ..did import did_web_document, did_web_url
from ..errors import InvalidInput, McvcError
from ..issuing.ledger import Ledger, LedgerError
from ..jsontext import parse_json
from ..keys import load_key
from ..limits import Deadline, Limits
from ..net import FetchPolicy
from ..status.checker import StatusChecker, status_checker
from ..verification.pipeline import verify
from ..verification.report import Check, TrustPolicy, VerificationReport
from . import models as m
from .challenges import ChallengeBook
from .config import ConfigError, ServiceConfig
from .issuer import IssueRefused, ServiceIssuer
from .openapi import openapi_document
from .presentations import presentation_routes
from .ratelimit import RateLimiter
from .slots import Slots
from .wallet import wallet_routes

if TYPE_CHECKING:
    import httpx

    from ..jades.certs import TrustAnchors
    from ..verification.trust import TrustList

__all__ = ["CONFIG_ENV", "create_app", "create_app_from_env"]

CONFIG_ENV = "MCVC_SERVICE_CONFIG"
log = logging.getLogger("mcvc.service")
_JSON_TYPES = ("application/json", "application/ld+json")
_DEADLINE_GRACE = 2.0
_PARSE_INLINE_BYTES = 64 * 1024
_STATUS_OF = {"verified": 200, "failed": 400, "inconclusive": 422, "unconfirmed": 422}
M = TypeVar("M", bound=BaseModel)


def _names_list(signed: str, status_list: str) -> bool:
    """Whether a stored credential carries entries of ``status_list``: in its JSON text, or
    in the payload of the JWT or SD-JWT it was issued as (base64url there, so not as text)."""
    if status_list in signed:
        return True
    jwt = signed.split("~", 1)[0]
    parts = jwt.split(".")
    if len(parts) != 3:
        return False
    from ..multibase import b64url_decode

    try:
        payload = b64url_decode(parts[1]).decode("utf-8")
    except (McvcError, UnicodeDecodeError):
        return False
    return status_list in payload.replace("\\/", "/")


class _Refusal(Exception):
    """Answer the request with ``status`` and an ErrorResponse body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        body = m.ErrorResponse(code=self.code, message=self.message, field=self.field or None)
        return JSONResponse(body.model_dump(exclude_none=True), self.status, headers=self.headers)


def _timed_out() -> _Refusal:
    return _Refusal(503, "TIMEOUT", "the request took too long", headers={"Retry-After": "5"})


def _answer(response: Response) -> tuple[int, bytes, dict[str, str]]:
    """A response as plain data (it crosses a process boundary)."""
    headers = {
        k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")
    }
    return response.status_code, bytes(response.body), headers


# The verifier of a worker process: one per process, made by the pool's initializer.
_WORKER: list[_Service] = []


def _start_worker(config_json: str, base_dir: str) -> None:
    _exit_with_parent()
    config = ServiceConfig.from_dict(json.loads(config_json), base_dir=base_dir)
    _WORKER.append(_Service(config, clock=SystemClock(), http=None, loader=default_loader()))


def _exit_with_parent() -> None:
    """End this worker when the server process that started it is gone (killed, or ended
    before it could stop its pool): an orphaned worker would hold the server's files, pipes
    and memory for ever."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="mcvc-parent-watch", daemon=True).start()


def _job_in_process(kind: str, raw: bytes, seconds: float) -> tuple[int, bytes, dict[str, str]]:
    if seconds <= 0:
        return _answer(_timed_out().response())
    return _answer(_WORKER[0].verification_job(kind, raw, Deadline(seconds)))


def _warm() -> None:
    time.sleep(0.05)  # long enough for the pool to hand each call to another worker


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status, headers=headers, media_type="application/json")


class _Service:
    def __init__(
        self,
        config: ServiceConfig,
        *,
        clock: Clock,
        http: httpx.Client | None,
        loader: StaticLoader,
        processes: bool = False,
    ) -> None:
        self.config = config
        self.clock = clock
        self.loader = loader
        self.ledger = Ledger(config.ledger)
        secret = config.challenge_secret()
        if secret is None:
            raise ConfigError(
                f"set {config.challenge_secret_env} (16+ characters, the same on every replica); "
                "mcvc serve sets one for its own workers when it is unset"
            )
        self.challenges = ChallengeBook(
            self.ledger.engine, secret, ttl=timedelta(seconds=config.limits.challenge_ttl_seconds)
        )
        self.limiter = RateLimiter(config.limits.verify_per_minute, config.limits.verify_burst)
        self.limits = Limits(max_values=config.verify.max_values)
        self._slots: tuple[asyncio.AbstractEventLoop, Slots] | None = None
        # Verification runs in worker processes unless the caller injected a clock, an HTTP
        # client or a loader (tests), which cannot cross into another process.
        self.pool: ProcessPoolExecutor | None = (
            self._new_pool() if processes and config.limits.verify_processes else None
        )
        self.issuers: dict[str, ServiceIssuer] = {}
        self.by_did: dict[str, ServiceIssuer] = {}
        self.tokens: dict[str, set[str]] = {}
        self.did_documents: dict[str, dict[str, Any]] = {}
        for item in config.issuers:
            self._add_issuer(item)
        from .wallet import wallet_issuers

        self.wallets = wallet_issuers(self, secret)
        from .presentations import verifier_of

        self.verifier = verifier_of(self)
        self.trust: TrustList | None = None
        self.ebsi: Any = None
        self.anchors: TrustAnchors | None = None
        self._load_trust()
        self.http = http
        self._own_http = False
        self.fetch_policy = FetchPolicy(
            allow_private=config.verify.allow_private,
            allow_http=config.verify.allow_http,
            timeout=config.verify.fetch_timeout,
        )
        if http is None and config.verify.allow_network:
            from ..net import guarded_client

            self.http = guarded_client(self.fetch_policy)
            self._own_http = True
        # one checker per worker: its cache of status lists serves every request
        self.status_checker: StatusChecker | None = (
            status_checker(self.http, fetch_policy=self.fetch_policy, loader=loader)
            if self.http is not None
            else None
        )

    def close(self) -> None:
        if self.pool is not None:
            # running verifications end at their deadline, so waiting is bounded
            self.pool.shutdown(wait=True, cancel_futures=True)
        if self._own_http and self.http is not None:
            self.http.close()
        self.ledger.close()

    def _add_issuer(self, item: Any) -> None:
        try:
            key = load_key(self.config.path(item.key))
        except (OSError, McvcError) as exc:
            raise ConfigError(f"issuers.{item.name}.key: {exc}") from None
        if key.private_key is None:
            raise ConfigError(f"issuers.{item.name}.key: no private key")
        if item.did and key.controller_id != item.did:
            if item.did.startswith("did:key:"):
                raise ConfigError(f"issuers.{item.name}.did: a did:key must be the key's own")
            key = key.with_id(f"{item.did}#key-1", item.did)
        issuer = ServiceIssuer(
            item.name,
            key,
            status_base=f"{self.config.public_url}/status/{item.name}/",
            suspension=item.suspension,
            caller_status=item.caller_status,
            vc1_status=item.vc1_status,
            status_ttl_ms=item.status_list_ttl_ms,
            canon=Canonicalizer(self.loader),
            now=self.clock.now,
        )
        if issuer.id in self.by_did:
            raise ConfigError(f"issuers.{item.name}: {issuer.id} is configured twice")
        try:
            # the ledger's lists under this base are this issuer's: a changed key fails here
            self.ledger.bind(issuer.status_base, issuer.id, now=self.clock.now())
        except LedgerError as exc:
            raise ConfigError(f"issuers.{item.name}: {exc}") from None
        self.issuers[item.name] = issuer
        self.by_did[issuer.id] = issuer
        hashes = item.token_hashes()
        if not hashes:
            raise ConfigError(
                f"issuers.{item.name}: no token (token_sha256 or a set token_env); issuing is never open"
            )
        for digest in hashes:
            self.tokens.setdefault(digest, set()).add(item.name)
        if issuer.id.startswith("did:web:"):
            url = did_web_url(issuer.id)
            path = "/" + url.split("://", 1)[1].split("/", 1)[1]
            self.did_documents[path] = did_web_document(issuer.id, [key])

    def _load_trust(self) -> None:
        v = self.config.verify
        if v.trust:
            from ..verification.trust import TrustList

            try:
                self.trust = TrustList.load(self.config.path(v.trust), signer=v.trust_signer)
            except (OSError, ValueError, McvcError) as exc:
                raise ConfigError(f"verify.trust: {exc}") from None
        if v.anchors:
            from ..jades.certs import TrustAnchors

            try:
                self.anchors = TrustAnchors.load(self.config.path(v.anchors))
            except (OSError, McvcError) as exc:
                raise ConfigError(f"verify.anchors: {exc}") from None
        if v.trusted_lists:
            from ..ebsi import FILE, EbsiError, EbsiStore
            from ..tsl import TrustedLists

            folder = self.config.path(v.trusted_lists)
            if (folder / FILE).is_file():
                try:
                    self.ebsi = EbsiStore.load(folder)
                except EbsiError as exc:
                    raise ConfigError(f"verify.trusted_lists: {exc}") from None
            if self.ebsi is not None and not (folder / "index.json").is_file():
                return  # a folder of EBSI records only
            try:
                store = TrustedLists.load(folder)
            except McvcError as exc:
                raise ConfigError(f"verify.trusted_lists: {exc}") from None
            for territory, problem in sorted(store.problems.items()):
                log.warning("trusted list %s not used: %s", territory, problem)
            listed = store.anchors()
            self.anchors = listed if self.anchors is None else self.anchors.merged(listed)

    # --- request plumbing -------------------------------------------------------------------

    async def body(self, request: Request) -> Any:
        raw = await self.raw_body(request)
        if len(raw) <= _PARSE_INLINE_BYTES:
            return self.parse_body(raw)
        # about 0.1 s per MB: on the event loop it would hold up every other request
        return await run_in_threadpool(self.parse_body, raw)

    async def raw_body(self, request: Request) -> bytes:
        limit = self.config.limits.max_body_bytes
        ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if ctype not in _JSON_TYPES and not ctype.endswith("+json"):
            raise _Refusal(415, "UNSUPPORTED_MEDIA_TYPE", "send the request as application/json")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Refusal(413, "INPUT_TOO_LARGE", f"the request body exceeds {limit} bytes")

        async def read() -> bytes:
            chunks: list[bytes] = []
            size = 0
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _Refusal(
                        413, "INPUT_TOO_LARGE", f"the request body exceeds {limit} bytes"
                    )
                chunks.append(chunk)
            return b"".join(chunks)

        try:
            return await asyncio.wait_for(read(), self.config.limits.request_timeout)
        except TimeoutError:
            raise _Refusal(
                408, "REQUEST_TIMEOUT", "the request body did not arrive in time"
            ) from None

    def parse_body(self, raw: bytes) -> Any:
        try:
            return parse_json(raw, max_bytes=self.config.limits.max_body_bytes)
        except InvalidInput as exc:
            raise _Refusal(400, exc.code, f"request body: {exc}", field=exc.pointer) from None

    @staticmethod
    def envelope(model: type[M], data: Any) -> M:
        if not isinstance(data, dict):
            raise _Refusal(400, "REQUEST_INVALID", "the request body must be a JSON object")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(
                str(p) for p in first["loc"] if not str(p).startswith(("function-", "json-or"))
            )
            raise _Refusal(
                400, "REQUEST_INVALID", f"{where}: {first['msg']}", field=where
            ) from None

    def authorize(self, request: Request) -> set[str]:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            token = request.headers.get("x-api-key", "")
        digest = hashlib.sha256(token.strip().encode("utf-8")).hexdigest() if token.strip() else ""
        # a dict lookup by the token's SHA-256: no timing signal about the token itself
        names = self.tokens.get(digest) if digest else None
        if not names:
            raise _Refusal(
                401,
                "UNAUTHORIZED",
                "issuing needs a valid bearer token",
                headers={"WWW-Authenticate": 'Bearer realm="mcvc"'},
            )
        return names

    def rate_limit(self, request: Request) -> None:
        wait = self.limiter.take(_client(request))
        if wait > 0:
            raise _Refusal(
                429,
                "RATE_LIMITED",
                "too many verification requests; retry later",
                headers={"Retry-After": str(max(1, round(wait + 0.5)))},
            )

    async def cpu(self, func: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.wait_for(
                run_in_threadpool(func, *args), self.config.limits.request_timeout
            )
        except TimeoutError:
            raise _timed_out() from None

    async def verification(self, request: Request, kind: str) -> Response:
        """Answer one verification request: its body is parsed, checked and verified by
        :meth:`verification_job` in a worker process (or a thread, see ``verify_processes``),
        holding one of the client's slots, under the request's deadline.

        The deadline goes into :func:`mcvc.verify`, whose loops stop when it passes, so the
        work ends with the answer instead of running on after it. Waiting for a slot
        (:class:`~mcvc.service.slots.Slots`) counts against the same deadline."""
        self.rate_limit(request)
        raw = await self.raw_body(request)
        deadline = Deadline(self.config.limits.request_timeout)
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots[0] is not loop:
            limits = self.config.limits
            self._slots = (loop, Slots(limits.verify_concurrency, limits.verify_per_client))
        slots = self._slots[1]
        client = _client(request)
        try:
            await slots.acquire(client, deadline.remaining)
        except TimeoutError:
            raise _Refusal(
                503,
                "BUSY",
                "no verification slot came free in time; retry later",
                headers={"Retry-After": "5"},
            ) from None
        pool = self.pool
        if pool is not None:
            running = loop.run_in_executor(pool, _job_in_process, kind, raw, deadline.remaining)
        else:
            running = loop.run_in_executor(
                None, lambda: _answer(self.verification_job(kind, raw, deadline))
            )
        # the slot is free when the work has really ended, not when the wait below gives up
        running.add_done_callback(lambda _: slots.release(client))
        try:
            status, body, headers = await asyncio.wait_for(
                asyncio.shield(running), deadline.remaining + _DEADLINE_GRACE
            )
        except TimeoutError:
            log.error("a verification ran past its deadline by %s s", _DEADLINE_GRACE)
            if pool is not None:
                self._replace_pool(pool)
            raise _timed_out() from None
        except BrokenProcessPool:
            if pool is not None:
                self._replace_pool(pool)
            raise _Refusal(
                503, "BUSY", "the verifier was restarted; retry", headers={"Retry-After": "1"}
            ) from None
        return Response(body, status, headers=headers, media_type="application/json")

    def _replace_pool(self, pool: ProcessPoolExecutor) -> None:
        """Stop a pool whose worker overran its deadline and start a fresh one. The standard
        library cannot stop one task, so every worker of the old pool is ended (the requests
        they held answer 503 BUSY)."""
        if self.pool is not pool:
            return
        self.pool = self._new_pool()
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    @property
    def pool_size(self) -> int:
        # one process per slot: a client holding all of its slots never holds up another's
        return self.config.limits.verify_concurrency

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.pool_size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self.config.model_dump_json(), self.config.base_dir),
        )

    def verification_job(self, kind: str, raw: bytes, deadline: Deadline) -> Response:
        """Everything a verification request needs after its body has arrived."""
        try:
            data, answer = self._judged_body(raw)
            if answer is not None:
                return answer
            if kind == "credential":
                req = self.envelope(m.VerifyCredentialRequest, data)
                report = self._verify(req.verifiableCredential, None, None, deadline)
                return self._report_response(report)
            return self._presentation_job(data, deadline)
        except _Refusal as refusal:
            return refusal.response()

    def _presentation_job(self, data: Any, deadline: Deadline) -> Response:
        req = self.envelope(m.VerifyPresentationRequest, data)
        vp = req.verifiablePresentation or req.presentation
        if vp is None or (req.verifiablePresentation is not None and req.presentation is not None):
            raise _Refusal(
                400,
                "REQUEST_INVALID",
                "give exactly one of verifiablePresentation or presentation",
                field="verifiablePresentation",
            )
        challenge, domain = req.options.challenge, req.options.domain
        if domain is not None and challenge is None:
            raise _Refusal(
                400,
                "REQUEST_INVALID",
                "options.domain needs options.challenge",
                field="options.domain",
            )
        issued_check = None
        if challenge is not None:
            code, message = self._consume_challenge(challenge)
            if code != "OK" and not (
                code == "CHALLENGE_UNKNOWN" and self.config.verify.accept_foreign_challenges
            ):
                issued_check = Check("challenge-issued", code, "fail", message)
            else:
                issued_check = Check(
                    "challenge-issued",
                    "OK" if code == "OK" else "CHALLENGE_FOREIGN",
                    "pass",
                    message,
                )
        report = self._verify(vp, challenge, domain, deadline)
        if issued_check is not None:
            report.checks.insert(0, issued_check)
        return self._report_response(report)

    # --- endpoints --------------------------------------------------------------------------

    async def issue(self, request: Request) -> Response:
        allowed = self.authorize(request)
        req = self.envelope(m.IssueRequest, await self.body(request))
        if req.options.mandatoryPointers is not None:
            raise _Refusal(
                400,
                "REQUEST_INVALID",
                "selective disclosure is not offered",
                field="options.mandatoryPointers",
            )
        credential = req.credential
        issuer_value = credential.get("issuer")
        if "issuer" in credential and issuer_value is None:
            raise _Refusal(
                400,
                "ISSUER_INVALID",
                "credential.issuer is null: it must be a URL or an object whose id is a URL",
                field="credential.issuer",
            )
        if issuer_value is None:
            if len(allowed) != 1:
                raise _Refusal(
                    400,
                    "REQUEST_INVALID",
                    "credential.issuer is required",
                    field="credential.issuer",
                )
            credential = {**credential, "issuer": self.issuers[next(iter(allowed))].id}
            issuer_value = credential["issuer"]
        issuer_id = issuer_value.get("id") if isinstance(issuer_value, dict) else issuer_value
        issuer = self.by_did.get(issuer_id) if isinstance(issuer_id, str) else None
        if issuer is None:
            raise _Refusal(
                400,
                "UNKNOWN_ISSUER",
                f"{issuer_id!r} is not an issuer of this service",
                field="credential.issuer",
            )
        if issuer.name not in allowed:
            raise _Refusal(403, "FORBIDDEN", f"this token may not issue as {issuer.name!r}")
        now = self.clock.now()
        try:
            issued = await self.cpu(
                issuer.issue,
                credential,
                req.options.credentialId,
                self.ledger,
                now,
                req.options.credentialStatus is not None,
            )
        except IssueRefused as exc:
            raise _Refusal(exc.status, exc.code, str(exc), field=exc.field) from None
        except McvcError as exc:
            # the credential cannot be signed as it is (undefined term, relative IRI, ...)
            raise _Refusal(400, exc.code, f"credential: {exc}", field="credential") from None
        text = '{"verifiableCredential":' + issued.text + "}"
        return Response(
            text,
            200 if issued.replayed else 201,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"} if issued.replayed else None,
        )

    async def update_status(self, request: Request) -> Response:
        allowed = self.authorize(request)
        req = self.envelope(m.UpdateStatusRequest, await self.body(request))
        purpose = req.credentialStatus.statusPurpose
        if req.credentialStatus.type not in ("BitstringStatusListEntry", "BitstringStatusList"):
            raise _Refusal(
                400,
                "REQUEST_INVALID",
                "credentialStatus.type must be BitstringStatusListEntry",
                field="credentialStatus.type",
            )

        def change() -> tuple[str, str]:
            record = None
            for name in sorted(allowed):
                record = self.ledger.get(self.issuers[name].row_key(req.credentialId))
                if record is not None:
                    break
            if record is None:
                try:
                    record = self.ledger.find_credential(req.credentialId)
                except LedgerError:
                    raise _Refusal(
                        404, "NOT_FOUND", f"no credential {req.credentialId!r}"
                    ) from None
            owner = next(
                (i for i in self.issuers.values() if record.status_list.startswith(i.status_base)),
                None,
            )
            if owner is None or owner.name not in allowed:
                raise _Refusal(
                    403, "FORBIDDEN", "this token may not change that credential's status"
                )
            if record.state != "issued":
                raise _Refusal(404, "NOT_FOUND", f"{req.credentialId!r} was never issued")
            if not _names_list(record.signed or "", record.status_list):
                raise _Refusal(
                    400,
                    "REQUEST_INVALID",
                    f"{req.credentialId!r} was issued without status entries; its status "
                    "cannot change",
                    field="credentialId",
                )
            if purpose == "suspension" and not owner.suspension:
                raise _Refusal(
                    400,
                    "REQUEST_INVALID",
                    f"issuer {owner.name!r} issues without suspension entries",
                    field="credentialStatus.statusPurpose",
                )
            url = self.ledger.set_status(
                record.credential_id,
                purpose,
                int(req.status),
                sign_list=owner.sign_list,
                now=self.clock.now(),
            )
            return record.credential_id, url

        credential_id, url = await self.cpu(change)
        body = m.UpdateStatusResponse(
            credentialId=credential_id,
            statusPurpose=purpose,
            status=req.status,
            statusListCredential=url,
        )
        return _json(body.model_dump())

    def _judged_body(self, raw: bytes) -> tuple[Any, Response | None]:
        """The body of a verification request, or the answer already: a body that is not
        strict JSON is a credential that failed to parse (a report), not a usage error."""
        try:
            return self.parse_body(raw), None
        except _Refusal as refusal:
            if refusal.status != 400:
                raise
            report = VerificationReport()
            report.checks.append(
                Check("parse", refusal.code, "fail", refusal.message, {"pointer": refusal.field})
            )
            return None, self._report_response(report)

    async def verify_credential(self, request: Request) -> Response:
        return await self.verification(request, "credential")

    async def verify_presentation(self, request: Request) -> Response:
        return await self.verification(request, "presentation")

    def _consume_challenge(self, challenge: str) -> tuple[str, str]:
        return self.challenges.consume(challenge, self.clock.now())

    async def challenge(self, request: Request) -> Response:
        self.rate_limit(request)
        return _json(
            m.ChallengeResponse(challenge=self.challenges.create(self.clock.now())).model_dump()
        )

    async def status_list(self, request: Request) -> Response:
        issuer = self.issuers.get(request.path_params["issuer"])
        name = request.path_params["list"]
        if issuer is None or not name or "/" in name:
            raise _Refusal(404, "NOT_FOUND", "no such status list")
        url = issuer.status_base + name
        found = await self.cpu(
            lambda: self.ledger.document(url, sign_list=issuer.sign_list, now=self.clock.now())
        )
        if found is None:
            raise _Refusal(404, "NOT_FOUND", f"no status list {url}")
        text, _version = found
        etag = '"' + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + '"'
        ttl = issuer.status_ttl_ms // 1000
        headers = {"ETag": etag, "Cache-Control": f"public, max-age={ttl}"}
        if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
            return Response(status_code=304, headers=headers)
        return Response(text, 200, media_type="application/json", headers=headers)

    async def status_list_token(self, request: Request) -> Response:
        """The same list as a Status List Token (IETF Token Status List), signed when asked:
        the statuses are read from the ledger, so it is never older than the W3C list."""
        from ..issuing.token_lists import sign_token_list, token_list_from_bits

        issuer = self.issuers.get(request.path_params["issuer"])
        name = request.path_params["list"]
        if issuer is None or not name:
            raise _Refusal(404, "NOT_FOUND", "no such status list")
        url = issuer.status_base + name
        # one token per list holds both purposes: the suspension list has none of its own
        if url not in await self.cpu(self.ledger.lists):
            raise _Refusal(404, "NOT_FOUND", f"no status list {url}")
        ttl = max(1, issuer.status_ttl_ms // 1000)

        def signed() -> str:
            revocation = self.ledger.bits(url, "revocation")
            suspension = self.ledger.bits(url, "suspension") if issuer.suspension else None
            claim = token_list_from_bits(revocation, suspension)
            return sign_token_list(
                f"{url}/token", claim, issuer.key, now=self.clock.now(), ttl_seconds=ttl
            )

        token = await self.cpu(signed)
        return Response(
            token,
            200,
            media_type="application/statuslist+jwt",
            headers={"Cache-Control": f"public, max-age={ttl}"},
        )

    async def did_document(self, request: Request) -> Response:
        doc = self.did_documents.get(request.url.path)
        if doc is None:
            raise _Refusal(404, "NOT_FOUND", "no did:web document at this path")
        return _json(doc, headers={"Cache-Control": "public, max-age=300"})

    async def openapi(self, request: Request) -> Response:
        return _json(openapi_document(version=__version__, server_url=self.config.public_url))

    async def health(self, request: Request) -> Response:
        try:
            await self.cpu(self.ledger.counts)
        except Exception:  # any driver failure means the same to a load balancer
            raise _Refusal(
                503, "LEDGER_UNAVAILABLE", "the ledger database cannot be reached"
            ) from None
        return _json({"status": "ok", "version": __version__, "issuers": sorted(self.issuers)})

    # --- verification -----------------------------------------------------------------------

    def _verify(
        self,
        document: Any,
        challenge: str | None,
        domain: str | None,
        deadline: Deadline,
        *,
        policy: TrustPolicy | None = None,
        holder_binding: bool | None = None,
    ) -> VerificationReport:
        """Verify with the service's trust, anchors, fetcher and limits; ``policy`` and
        ``holder_binding`` default to the configured ones (an officer's request sets both)."""
        return verify(
            document,
            now=self.clock.now(),
            trust=self.trust,
            anchors=self.anchors,
            http=self.http,
            fetch_policy=self.fetch_policy,
            status_checker=self.status_checker,
            challenge=challenge,
            domain=domain,
            loader=self.loader,
            limits=self.limits,
            deadline=deadline,
            policy=policy or self.config.verify.policy,
            require_holder_binding=(
                self.config.verify.require_holder_binding
                if holder_binding is None
                else holder_binding
            ),
            ebsi=self.ebsi,
        )

    @staticmethod
    def _report_response(report: VerificationReport) -> Response:
        body = report.to_dict()
        problems: list[dict[str, str]] = []
        warnings: list[dict[str, str]] = []

        def collect(r: VerificationReport, prefix: str) -> None:
            for c in r.checks:
                if c.informative or c.outcome not in ("fail", "error"):
                    continue
                item = {
                    "type": f"urn:mcvc:problem:{c.code}",
                    "title": c.code,
                    "detail": c.message,
                    "check": prefix + c.name,
                }
                (problems if c.outcome == "fail" else warnings).append(item)
            for i, inner in enumerate(r.credentials):
                collect(inner, f"{prefix}credentials[{i}].")

        collect(report, "")
        body["problemDetails"] = problems
        body["warnings"] = warnings
        return _json(body, _STATUS_OF[report.outcome])


def _endpoint(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except _Refusal as refusal:
            return refusal.response()
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            return _Refusal(
                500, "INTERNAL_ERROR", "unexpected error; see the service log"
            ).response()

    return run


def create_app(
    config: ServiceConfig,
    *,
    clock: Clock | None = None,
    http: httpx.Client | None = None,
    loader: StaticLoader | None = None,
) -> Starlette:
    """The ASGI application for ``config``. ``clock`` and ``http`` (the guarded client's
    transport for did:web and status lists) are injectable for tests."""
    service = _Service(
        config,
        clock=clock or SystemClock(),
        http=http,
        loader=loader or default_loader(),
        processes=clock is None and http is None and loader is None,
    )
    s = service
    routes = [
        Route("/credentials/issue", _endpoint(s.issue), methods=["POST"]),
        Route("/credentials/status", _endpoint(s.update_status), methods=["POST"]),
        Route("/credentials/verify", _endpoint(s.verify_credential), methods=["POST"]),
        Route("/presentations/verify", _endpoint(s.verify_presentation), methods=["POST"]),
        Route("/challenges", _endpoint(s.challenge), methods=["POST"]),
        Route("/status/{issuer}/{list}", _endpoint(s.status_list), methods=["GET"]),
        Route("/status/{issuer}/{list}/token", _endpoint(s.status_list_token), methods=["GET"]),
        Route("/.well-known/did.json", _endpoint(s.did_document), methods=["GET"]),
        Route("/{path:path}/did.json", _endpoint(s.did_document), methods=["GET"]),
        Route("/openapi.json", _endpoint(s.openapi), methods=["GET"]),
        Route("/health", _endpoint(s.health), methods=["GET"]),
        *wallet_routes(s, _endpoint, _Refusal),
        *presentation_routes(s, _endpoint, _Refusal),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        if service.pool is not None:
            # start the workers now (each imports mcvc once), not on the first request
            loop = asyncio.get_running_loop()
            pool, size = service.pool, service.pool_size
            await asyncio.gather(*(loop.run_in_executor(pool, _warm) for _ in range(size)))
        yield
        service.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    return app


def create_app_from_env() -> Starlette:
    """The factory uvicorn's workers call (``mcvc serve`` sets the config path)."""
    path = os.environ.get(CONFIG_ENV)
    if not path:
        raise ConfigError(f"{CONFIG_ENV} is not set")
    return create_app(ServiceConfig.load(path))
