"""The guarded client connects only to addresses the policy allows, checked on the address it
connects to: a name that resolves to a public address for the URL check and to a private one
for the connection (DNS rebinding) is refused."""

from __future__ import annotations

import contextlib
import http.server
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from mcvc.errors import NetworkPolicyError
from mcvc.net import Fetcher, FetchPolicy, guarded_client


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"hello": "world"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def local_port() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


class _Rebinding:
    """A resolver that answers a public address first and loopback afterwards."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, host: str) -> list[str]:
        self.calls += 1
        return ["93.184.215.14"] if self.calls == 1 else ["127.0.0.1"]


def test_rebinding_to_loopback_is_refused_at_connection(local_port: int) -> None:
    resolve = _Rebinding()
    policy = FetchPolicy(allow_http=True, resolve=resolve, timeout=5)
    with guarded_client(policy) as client, pytest.raises(NetworkPolicyError) as caught:
        Fetcher(client, policy).get(f"http://rebind.example:{local_port}/x")
    assert caught.value.code == "URL_NOT_ALLOWED"
    assert "connection time" in str(caught.value)
    assert resolve.calls == 2  # checked once for the URL, once for the connection


def test_connection_goes_to_the_checked_address(local_port: int) -> None:
    # "never.invalid" cannot be resolved by the system: the body can only come from the
    # address the policy's resolver gave
    policy = FetchPolicy(
        allow_http=True, allow_private=True, resolve=lambda host: ["127.0.0.1"], timeout=5
    )
    with guarded_client(policy) as client:
        body = Fetcher(client, policy).get(f"http://never.invalid:{local_port}/x")
    assert body == b'{"hello": "world"}'


def test_private_literal_refused_by_the_client_itself(local_port: int) -> None:
    # even a caller that skips the Fetcher's URL check cannot reach a private address
    client = guarded_client(FetchPolicy(allow_http=True))
    with client, pytest.raises(NetworkPolicyError) as caught:
        client.get(f"http://127.0.0.1:{local_port}/x")
    assert caught.value.code == "URL_NOT_ALLOWED"


def _by_host(table: dict[str, list[str]]) -> object:
    def resolve(host: str) -> list[str]:
        return table[host]  # an unknown host is a KeyError: the resolver must be asked for it

    return resolve


def test_names_are_resolved_by_their_own_name(local_port: int) -> None:
    policy = FetchPolicy(
        allow_private=True, allow_http=True, resolve=_by_host({"svc.test": ["127.0.0.1"]})
    )  # type: ignore[arg-type]
    with guarded_client(policy) as client:
        assert (
            Fetcher(client, policy).get(f"http://svc.test:{local_port}/") == b'{"hello": "world"}'
        )


def test_address_literals_are_not_resolved(local_port: int) -> None:
    def never(host: str) -> list[str]:
        raise AssertionError(f"{host} is an address; nothing to resolve")

    policy = FetchPolicy(allow_private=True, allow_http=True, resolve=never)
    with guarded_client(policy) as client:
        assert client.get(f"http://127.0.0.1:{local_port}/").status_code == 200


def test_the_next_address_is_tried_and_the_last_failure_named(local_port: int) -> None:
    table = {"two.test": ["127.0.0.2", "127.0.0.1"], "dead.test": ["127.0.0.2"]}
    policy = FetchPolicy(allow_private=True, allow_http=True, resolve=_by_host(table))  # type: ignore[arg-type]
    with guarded_client(policy) as client:
        fetcher = Fetcher(client, policy)
        assert fetcher.get(f"http://two.test:{local_port}/") == b'{"hello": "world"}'
        with pytest.raises(NetworkPolicyError) as info:
            fetcher.get(f"http://dead.test:{local_port}/")
    assert info.value.code == "NETWORK_ERROR"
    assert "no address" not in str(info.value) and "refused" in str(info.value).lower()


def test_the_client_never_follows_redirects_and_has_the_policys_timeout() -> None:
    client = guarded_client(FetchPolicy(timeout=3.5))
    try:
        assert client.follow_redirects is False
        assert client.timeout.connect == 3.5 and client.timeout.read == 3.5
    finally:
        client.close()


def test_the_connect_timeout_reaches_the_socket() -> None:
    # a listener whose backlog is full drops new handshakes, so only the timeout the guarded
    # backend passes on ends the connection attempt
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    waiting = []
    for _ in range(4):
        queued = socket.socket()
        queued.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            queued.connect(("127.0.0.1", port))
        waiting.append(queued)
    policy = FetchPolicy(allow_private=True, allow_http=True, timeout=0.5)
    started = time.monotonic()
    try:
        with guarded_client(policy) as client, pytest.raises(httpx.ConnectTimeout):
            client.get(f"http://127.0.0.1:{port}/")
        assert time.monotonic() - started < 10
    finally:
        for queued in waiting:
            queued.close()
        server.close()
