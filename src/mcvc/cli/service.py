"""``mcvc serve``: the VC-API service."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import _Usage


def cmd_serve(args: argparse.Namespace) -> int:
    import os
    import secrets

    try:
        import uvicorn

        from ..service.app import CONFIG_ENV, create_app
        from ..service.config import ServiceConfig
    except ImportError as exc:
        raise _Usage(
            f"the service needs the serve extra: pip install 'mcvc[serve]' ({exc.name} is missing)"
        ) from None
    config = ServiceConfig.load(args.config)
    if not config.challenge_secret():
        # the workers of this server share one secret; replicas must configure the same one
        os.environ[config.challenge_secret_env] = secrets.token_urlsafe(32)
    os.environ[CONFIG_ENV] = str(Path(args.config).resolve())
    app = create_app(config)  # fails here, once, on a bad key, token or ledger
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "access_log": not args.no_access_log,
        "server_header": False,
        "timeout_keep_alive": 5,
        "forwarded_allow_ips": args.forwarded_allow_ips,
        "log_level": args.log_level,
        "http": "mcvc.service.protocol:NoDelayH11Protocol",
    }
    if args.workers > 1:
        uvicorn.run(
            "mcvc.service.app:create_app_from_env", factory=True, workers=args.workers, **options
        )
    else:
        uvicorn.run(app, **options)
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the VC-API service (needs the serve extra)")
    p.add_argument(
        "--config", required=True, help="service configuration (TOML), see docs/service.md"
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        help="proxies whose X-Forwarded-For is believed (for per-client rate limits)",
    )
    p.add_argument("--no-access-log", action="store_true")
    p.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    p.set_defaults(func=cmd_serve)
