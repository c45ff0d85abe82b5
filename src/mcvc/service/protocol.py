"""uvicorn's h11 protocol with TCP_NODELAY on every connection.

With ``--workers`` uvicorn creates the listening socket itself with protocol number 0, and
asyncio only sets TCP_NODELAY on sockets whose protocol is IPPROTO_TCP. Without it a client
that writes headers and body separately waits for the server's delayed ACK: ~44 ms per request
on a keep-alive connection (measured on loopback, docs/service.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol"]


class NoDelayH11Protocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock: Any = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            # a socket that cannot take the option still serves, only slower
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
