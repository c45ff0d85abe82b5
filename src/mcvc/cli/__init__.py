"""The ``mcvc`` command, by audience: :mod:`.officer` (verify, report, elements, demo),
:mod:`.issuer` (build, keygen, seal, sign, batches, status), :mod:`.trust` (trust sources) and
:mod:`.service` (serve) and :mod:`.wallet` (offers to
learners' wallets).

Exit codes of ``mcvc verify``: 0 verified, 1 failed, 3 unconfirmed or inconclusive, 2 usage.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import ElementsError, McvcError
from . import issuer, officer, service, wallet
from .common import _Usage
from .trust import add_trust_commands

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcvc", description="Micro-credentials as verifiable credentials."
    )
    parser.add_argument("--version", action="version", version="mcvc 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)
    issuer.add_parsers(sub)
    officer.add_parsers(sub)
    add_trust_commands(sub, _Usage)
    service.add_parsers(sub)
    wallet.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code not in (0, None) else 0
    try:
        return int(args.func(args))
    except _Usage as exc:
        print(f"mcvc {args.command}: {exc}", file=sys.stderr)
        return 2
    except ElementsError as exc:
        print(f"mcvc {args.command}: invalid standard elements", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue['path']}: {issue['message']} [{issue['rule']}]", file=sys.stderr)
        return 2
    except McvcError as exc:
        print(f"mcvc {args.command}: {exc} [{exc.code}]", file=sys.stderr)
        return 2
    except OSError as exc:
        # files and disks (a full disk, a read-only folder): say which, without a traceback
        print(f"mcvc {args.command}: {exc}", file=sys.stderr)
        return 2
