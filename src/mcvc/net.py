"""One guarded HTTP fetch for everything remote (did:web, status lists).

mcvc never opens a connection on its own: callers pass an ``httpx.Client`` (tests pass one
with ``httpx.MockTransport``). :class:`Fetcher` adds the policy: HTTPS only, no IP literals,
no loopback/private/link-local destinations unless configured, no redirects, a byte cap
enforced while streaming, and a timeout. :func:`guarded_client` makes the client mcvc's own
commands and service use: it applies the address rule again when it connects, to the address
it connects to, so a name that resolves to a public address for the check and to a private
one for the connection (DNS rebinding) is refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import NetworkPolicyError

if TYPE_CHECKING:  # httpx is imported only when a fetch happens (keeps the CLI fast)
    import httpx

__all__ = ["FetchPolicy", "Fetched", "Fetcher", "guarded_client"]

Resolve = Callable[[str], list[str]]


def _system_resolve(host: str) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise NetworkPolicyError(f"cannot resolve {host}: {exc}", code="NETWORK_ERROR") from None
    return sorted({str(info[4][0]) for info in infos})


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes
    etag: str | None


@dataclass(frozen=True)
class FetchPolicy:
    """What a remote fetch may do. ``allow_private`` is for tests and closed networks."""

    allow_private: bool = False
    allow_http: bool = False
    max_bytes: int = 1024 * 1024
    timeout: float = 10.0
    resolve: Resolve = field(default=_system_resolve)


class Fetcher:
    """Fetch bytes through the caller's client under a :class:`FetchPolicy`."""

    def __init__(self, client: httpx.Client, policy: FetchPolicy | None = None) -> None:
        self.client = client
        self.policy = policy or FetchPolicy()

    def check_url(self, url: str) -> None:
        parts = urlsplit(url)
        allowed = ("https", "http") if self.policy.allow_http else ("https",)
        if parts.scheme not in allowed:
            raise NetworkPolicyError(f"{url}: only HTTPS URLs are fetched", code="URL_NOT_ALLOWED")
        host = parts.hostname or ""
        if not host:
            raise NetworkPolicyError(f"{url}: no host", code="URL_NOT_ALLOWED")
        if parts.username or parts.password:
            raise NetworkPolicyError(f"{url}: credentials in URL", code="URL_NOT_ALLOWED")
        if self.policy.allow_private:
            return
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            raise NetworkPolicyError(
                f"{url}: IP address literals are not fetched", code="URL_NOT_ALLOWED"
            )
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise NetworkPolicyError(
                f"{url}: local host names are not fetched", code="URL_NOT_ALLOWED"
            )
        for address in self.policy.resolve(host):
            if not _is_public(address):
                raise NetworkPolicyError(
                    f"{url}: {host} resolves to non-public address {address}",
                    code="URL_NOT_ALLOWED",
                )

    def get(
        self, url: str, *, accept: str = "application/json", bearer: str | None = None
    ) -> bytes:
        """GET ``url`` and return at most ``max_bytes`` of body; raise on any refusal.
        ``bearer`` is an API token sent as ``Authorization: Bearer`` (DEQAR)."""
        return self.fetch(url, accept=accept, bearer=bearer).body

    def fetch(
        self,
        url: str,
        *,
        accept: str = "application/json",
        etag: str | None = None,
        bearer: str | None = None,
    ) -> Fetched:
        """GET with optional ``If-None-Match``: a 304 answer comes back as status 304, no body."""
        import httpx

        self.check_url(url)
        limit = self.policy.max_bytes
        headers = {"Accept": accept}
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        if etag:
            headers["If-None-Match"] = etag
        try:
            with self.client.stream(
                "GET",
                url,
                headers=headers,
                follow_redirects=False,
                timeout=self.policy.timeout,
            ) as response:
                if etag and response.status_code == 304:
                    return Fetched(304, b"", etag)
                if response.is_redirect:
                    raise NetworkPolicyError(
                        f"{url}: redirect to {response.headers.get('location', '?')} not followed",
                        code="REDIRECT_REFUSED",
                    )
                if response.status_code != 200:
                    raise NetworkPolicyError(
                        f"{url}: HTTP {response.status_code}",
                        code="HTTP_STATUS",
                        status=response.status_code,
                    )
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > limit:
                    raise NetworkPolicyError(
                        f"{url}: {declared} bytes exceed the limit of {limit}",
                        code="INPUT_TOO_LARGE",
                    )
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise NetworkPolicyError(
                            f"{url}: body exceeds the limit of {limit} bytes",
                            code="INPUT_TOO_LARGE",
                        )
                    chunks.append(chunk)
                return Fetched(200, b"".join(chunks), response.headers.get("etag"))
        except httpx.TimeoutException:
            raise NetworkPolicyError(f"{url}: timed out", code="TIMEOUT") from None
        except httpx.HTTPError as exc:
            raise NetworkPolicyError(
                f"{url}: {type(exc).__name__}: {exc}", code="NETWORK_ERROR"
            ) from None


def _allowed_addresses(host: str, policy: FetchPolicy) -> list[str]:
    try:
        ipaddress.ip_address(host.strip("[]"))
        addresses = [host.strip("[]")]
    except ValueError:
        addresses = policy.resolve(host)
    if policy.allow_private:
        return addresses
    refused = [a for a in addresses if not _is_public(a)]
    if refused:
        raise NetworkPolicyError(
            f"{host} resolves to non-public address {refused[0]} at connection time",
            code="URL_NOT_ALLOWED",
        )
    return addresses


def guarded_client(policy: FetchPolicy | None = None) -> httpx.Client:
    """An ``httpx.Client`` whose connections go only to addresses ``policy`` allows, checked
    on the address actually connected to (one lookup, no second one to rebind). TLS still
    verifies the certificate for the host name in the URL."""
    import httpcore
    import httpx

    rule = policy or FetchPolicy()

    class GuardedBackend(httpcore.SyncBackend):
        def connect_tcp(
            self,
            host: str,
            port: int,
            timeout: float | None = None,
            local_address: str | None = None,
            socket_options: Any = None,
        ) -> Any:
            last: Exception | None = None
            for address in _allowed_addresses(host, rule):
                try:
                    return super().connect_tcp(
                        address, port, timeout, local_address, socket_options
                    )
                except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                    last = exc
            raise last or httpcore.ConnectError(f"{host}: no address")

    transport = httpx.HTTPTransport()
    # httpx does not take a network backend; its pool does (httpcore's public API)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(), network_backend=GuardedBackend()
    )
    return httpx.Client(transport=transport, timeout=rule.timeout, follow_redirects=False)
