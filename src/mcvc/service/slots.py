"""How many verifications run at once: in all, and for one client.

Verification is CPU work in the thread pool. Without a cap a burst of expensive requests takes
every thread and every request after it waits; with only a global cap one client can still
hold every slot. So a client queues first for one of its own slots, then for a shared one,
and a slot is given back only when the thread has really finished (the request's deadline
stops the work, see :mod:`mcvc.limits`).
"""

from __future__ import annotations

import asyncio

__all__ = ["Slots"]


class Slots:
    """Belongs to one event loop (each worker process has its own)."""

    def __init__(self, total: int, per_client: int) -> None:
        self._total = asyncio.Semaphore(total)
        self._per_client = per_client
        self._clients: dict[str, tuple[asyncio.Semaphore, int]] = {}

    def _client(self, client: str, change: int) -> asyncio.Semaphore:
        sem, users = self._clients.get(client, (None, 0))
        if sem is None:
            sem = asyncio.Semaphore(self._per_client)
        users += change
        if users > 0:
            self._clients[client] = (sem, users)
        else:
            self._clients.pop(client, None)
        return sem

    async def acquire(self, client: str, timeout: float) -> None:
        """Take a slot for ``client`` within ``timeout`` seconds, or raise TimeoutError."""
        own = self._client(client, +1)
        try:
            async with asyncio.timeout(timeout):
                await own.acquire()
                try:
                    await self._total.acquire()
                except BaseException:
                    own.release()
                    raise
        except BaseException:
            self._client(client, -1)
            raise

    def release(self, client: str) -> None:
        """Give back ``client``'s slot; call on the loop's thread."""
        self._total.release()
        self._client(client, -1).release()

    def busy(self, client: str) -> int:
        """Verifications ``client`` holds or waits for (for tests and metrics)."""
        return self._clients.get(client, (None, 0))[1]
