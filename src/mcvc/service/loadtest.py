"""A bounded load generator for the service: ``python -m mcvc.service.loadtest URL BODY``.

Threads with one keep-alive connection each POST the same JSON body until ``requests`` have
been sent or ``seconds`` have passed, whichever comes first, and report requests per second and
every answer that was not the expected status. Loopback use only: it is for measuring one's own
deployment, not anybody else's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import socket
import sys
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

__all__ = ["run_load"]


def run_load(
    url: str,
    body: bytes,
    *,
    requests: int = 1000,
    seconds: float = 20.0,
    concurrency: int = 8,
    expect: int = 200,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the load test only targets http://127.0.0.1, localhost or [::1]")
    path = parts.path or "/"
    sent = 0
    lock = threading.Lock()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    send_headers = {"Content-Type": "application/json", **(headers or {})}

    def connect() -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port or 80, timeout=30
        )
        conn.connect()
        # http.client writes headers and body separately: without TCP_NODELAY, Nagle and the
        # server's delayed ACK add ~40 ms to every request, which measures the client, not us
        assert conn.sock is not None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def worker() -> None:
        nonlocal sent
        conn = connect()
        try:
            while True:
                with lock:
                    if sent >= requests or time.monotonic() >= deadline:
                        return
                    sent += 1
                start = time.perf_counter()
                try:
                    conn.request("POST", path, body=body, headers=send_headers)
                    response = conn.getresponse()
                    response.read()
                    status = response.status
                except (OSError, http.client.HTTPException) as exc:
                    status = 0
                    conn.close()
                    conn = connect()
                    with lock:
                        failures.append(f"{type(exc).__name__}: {exc}")
                elapsed = time.perf_counter() - start
                with lock:
                    statuses[status] += 1
                    latencies.append(elapsed)
        finally:
            conn.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    done = sum(statuses.values())
    latencies.sort()
    unexpected = {str(k): v for k, v in statuses.items() if k != expect}
    return {
        "url": url,
        "requests": done,
        "seconds": round(wall, 3),
        "requests_per_s": round(done / wall, 1) if wall else 0.0,
        "concurrency": concurrency,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": sum(unexpected.values()),
        "transport_failures": failures[:5],
        "latency_ms_p50": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
        "latency_ms_p95": round(latencies[int(len(latencies) * 0.95)] * 1000, 1)
        if latencies
        else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mcvc.service.loadtest")
    parser.add_argument("url")
    parser.add_argument("body", help="file with the JSON request body")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--expect", type=int, default=200)
    args = parser.parse_args(argv)
    with open(args.body, "rb") as f:
        body = f.read()
    result = run_load(
        args.url,
        body,
        requests=args.requests,
        seconds=args.seconds,
        concurrency=args.concurrency,
        expect=args.expect,
    )
    print(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
