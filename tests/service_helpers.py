"""Running the service for tests: in-process on a real socket (injected clock), or as
``mcvc serve`` subprocesses (workers, replicas)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from mcvc import KeyPair, generate_key, save_key
from mcvc.clock import Clock, FixedClock
from mcvc.service.app import create_app
from mcvc.service.config import ServiceConfig

from .conftest import NOW, ROOT, trust_file

DEMO_KEY = ROOT / "keys" / "demo-ed25519.json"
TOKEN = "test-token-for-the-demo-issuer-only"
TOKEN_SHA = hashlib.sha256(TOKEN.encode()).hexdigest()
SECRET = "test-challenge-secret-not-for-production"


_RESERVED: dict[int, socket.socket] = {}


def free_port() -> int:
    """A loopback port bound now and kept for :func:`running`, so that no other process can
    take it between the choice and the server's start (a subprocess gets it released)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    _RESERVED[port] = sock
    return port


def release_port(port: int) -> None:
    """Give a reserved port up (before another process binds it)."""
    sock = _RESERVED.pop(port, None)
    if sock is not None:
        sock.close()


class RunningUrl(str):
    """The in-process service's base URL, and its Starlette app."""

    app: Any = None


def base_config(port: int, ledger: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "public_url": f"http://127.0.0.1:{port}",
        "ledger": ledger,
        "challenge_secret_env": "MCVC_TEST_CHALLENGE_SECRET",
        "issuers": [
            {
                "name": "demo",
                "key": str(DEMO_KEY),
                "token_sha256": [TOKEN_SHA],
                "status_list_ttl_ms": 1,
                "suspension": True,
            }
        ],
        "verify": {"allow_network": True, "allow_private": True, "allow_http": True},
        # threads keep the in-process tests fast; the process tests turn worker processes on
        "limits": {"verify_per_minute": 60_000, "verify_burst": 1000, "verify_processes": False},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return config


def verifier_config(
    folder: Path,
    port: int,
    verifier: KeyPair,
    token: str,
    *,
    issuer: KeyPair | None = None,
    **options: Any,
) -> dict[str, Any]:
    """A service config with an admissions office's verifier (``options`` go to its section)
    and, given ``issuer``, the demo issuer signing with that key, on the officer's trust list."""
    save_key(verifier, folder / "verifier.json")
    config = base_config(port, f"sqlite:///{folder / 'ledger.db'}")
    if issuer is not None:
        save_key(issuer, folder / "issuer.json")
        config["issuers"][0]["key"] = str(folder / "issuer.json")
        config["verify"]["trust"] = str(trust_file(folder, issuer.did_key))
    config["verifier"] = {
        "key": str(folder / "verifier.json"),
        "token_sha256": [hashlib.sha256(token.encode()).hexdigest()],
        **options,
    }
    return config


def did_web_issuer(config: dict[str, Any], folder: Path, path: str = "") -> tuple[str, KeyPair]:
    """Make the config's issuer a did:web one on its own host with a new P-256 key."""
    key = generate_key("p256")
    save_key(key, folder / "p256.json")
    port = config["public_url"].rsplit(":", 1)[1]
    did = f"did:web:127.0.0.1%3A{port}{path}"
    config["issuers"][0].update({"key": str(folder / "p256.json"), "did": did})
    return did, key


@contextlib.contextmanager
def running(config: dict[str, Any], clock: Clock | None = None) -> Iterator[RunningUrl]:
    """The service of ``config`` on the port of its public_url, in this process (on the
    socket :func:`free_port` reserved, when it did)."""
    os.environ["MCVC_TEST_CHALLENGE_SECRET"] = SECRET
    # a fixed day unless the test moves time itself: nothing depends on the day tests run
    app = create_app(ServiceConfig.from_dict(config), clock=clock or FixedClock(NOW))
    url = RunningUrl(config["public_url"])
    url.app = app
    port = int(url.rsplit(":", 1)[1])
    sock = _RESERVED.pop(port, None)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    sockets = [sock] if sock is not None else None
    thread = threading.Thread(target=server.run, kwargs={"sockets": sockets}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.service.close()
        if sock is not None:
            sock.close()


class ServedUrl(str):
    """The service's base URL, and the process id of the ``mcvc serve`` serving it."""

    pid: int = 0


@contextlib.contextmanager
def serve_process(
    config: dict[str, Any], folder: Path, *args: str, port: int | None = None
) -> Iterator[ServedUrl]:
    """``mcvc serve`` as a subprocess (the command operators run), on the port of its
    public_url unless another is given (a replica behind the same public URL)."""
    path = folder / f"service-{time.monotonic_ns()}.toml"
    path.write_text(_toml(config), "utf-8")
    port = port or int(config["public_url"].rsplit(":", 1)[1])
    release_port(port)
    env = {**os.environ, "MCVC_TEST_CHALLENGE_SECRET": SECRET}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mcvc.cli",
            "serve",
            "--config",
            str(path),
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
            *args,
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = ServedUrl(f"http://127.0.0.1:{port}")
    url.pid = proc.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"mcvc serve exited: {proc.stderr.read() if proc.stderr else ''}"
                )
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("mcvc serve did not become healthy")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


def _toml(data: dict[str, Any], prefix: str = "") -> str:
    """Just enough TOML for the service configuration."""
    lines: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append(f"[{prefix}{key}]\n" + _toml(value, f"{prefix}{key}."))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                tables.append(f"[[{prefix}{key}]]\n" + _toml(item, f"{prefix}{key}."))
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n" + "\n".join(tables)
