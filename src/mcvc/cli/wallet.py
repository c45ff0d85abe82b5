"""Wallets through ``mcvc serve``: ``mcvc offer`` hands a credential to a learner's wallet
(OpenID4VCI); ``mcvc request`` asks a student's wallet for one (OpenID4VP) and prints the
verdict as ``mcvc verify`` does."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from .common import _read_json, _Usage

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def _seconds(text: str) -> int:
    unit = text[-1:].lower()
    number = text[:-1] if unit in _UNITS else text
    try:
        value = float(number) * _UNITS.get(unit, 1)
    except ValueError:
        raise _Usage(f"--expires {text!r}: a number with s, m, h or d (7d, 12h)") from None
    return int(value)


def _token(args: argparse.Namespace) -> str:
    token = os.environ.get(args.token_env, "")
    if not token:
        raise _Usage(
            f"set {args.token_env} to the issuer's bearer token (as for /credentials/issue)"
        )
    return token


def cmd_offer(args: argparse.Namespace) -> int:
    import httpx

    body: dict[str, Any] = {"expiresIn": _seconds(args.expires)}
    if args.credential:
        body["credential"] = _read_json(args.credential)
    elif args.row_key:
        body["rowKey"] = args.row_key
    else:
        raise _Usage("give ROW_KEY (a credential a batch issued) or --credential FILE")
    if args.tx_code:
        body["txCode"] = {"length": args.tx_code, "input_mode": "numeric"}
        if args.tx_description:
            body["txCode"]["description"] = args.tx_description
    if args.format:
        body["credentialConfigurationIds"] = args.format
    url = f"{args.service.rstrip('/')}/issuers/{args.issuer}/offers"
    try:
        with httpx.Client(timeout=30, verify=not args.insecure) as client:
            r = client.post(url, json=body, headers={"Authorization": f"Bearer {_token(args)}"})
    except httpx.HTTPError as exc:
        raise _Usage(f"cannot reach {url}: {exc}") from None
    if r.status_code != 201:
        try:
            problem = r.json()
            reason = f"{problem.get('code')}: {problem.get('message')}"
        except ValueError:
            reason = r.text[:200]
        print(f"offer refused ({r.status_code}) {reason}", file=sys.stderr)
        return 2
    made = r.json()
    if args.png:
        from ..qr import qr_png

        Path(args.png).write_bytes(qr_png(made["offerUri"]))
    if args.json:
        print(json.dumps(made, indent=2, ensure_ascii=False))
        return 0
    from ..qr import qr_text

    out = sys.stdout
    out.write(qr_text(made["offerUri"]))
    out.write(f"\nOffer link (open it on the phone, or scan the code):\n  {made['offerUri']}\n")
    if made.get("txCode"):
        out.write(
            f"Transaction code: {made['txCode']}  (send it by another channel than the link)\n"
        )
    out.write(f"Valid until {made['expiresAt']}, once.\n")
    if args.png:
        out.write(f"QR code written to {args.png}\n")
    return 0


def _problem(r: Any) -> str:
    try:
        problem = r.json()
        return f"{problem.get('code')}: {problem.get('message')}"
    except ValueError:
        return str(r.text[:200])


def cmd_request(args: argparse.Namespace) -> int:
    import time

    import httpx

    from ..verification.report import VerificationReport
    from .common import EXIT

    body: dict[str, Any] = {"expiresIn": _seconds(args.expires)}
    if args.query:
        body["dcqlQuery"] = _read_json(args.query)
    if args.purpose:
        body["purpose"] = args.purpose
    if args.encrypt is not None:
        body["responseMode"] = "direct_post.jwt" if args.encrypt else "direct_post"
    base = args.service.rstrip("/")
    headers = {"Authorization": f"Bearer {_token(args)}"}
    with httpx.Client(timeout=30, verify=not args.insecure) as client:
        try:
            r = client.post(f"{base}/verifier/requests", json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise _Usage(f"cannot reach {base}: {exc}") from None
        if r.status_code != 201:
            print(f"request refused ({r.status_code}) {_problem(r)}", file=sys.stderr)
            return 2
        made = r.json()
        if args.png:
            from ..qr import qr_png

            Path(args.png).write_bytes(qr_png(made["authorizationRequest"]))
        from ..qr import qr_text

        out = sys.stdout if not args.json else sys.stderr
        out.write(qr_text(made["authorizationRequest"]))
        out.write(
            "\nAsk the student to scan this with their wallet, or open the link on their phone:\n"
            f"  {made['authorizationRequest']}\nValid until {made['expiresAt']}, once.\n"
        )
        if not args.wait:
            out.write(
                f"Request id: {made['requestId']} (see its answer with --wait or {made['statusUri']})\n"
            )
            if args.json:
                print(json.dumps(made, indent=2))
            return 0
        deadline = time.monotonic() + args.timeout
        while True:
            s = client.get(made["statusUri"], headers=headers)
            if s.status_code != 200:
                print(f"status unavailable ({s.status_code}) {_problem(s)}", file=sys.stderr)
                return 2
            state = s.json()
            if state["status"] != "pending":
                break
            if time.monotonic() > deadline:
                print(
                    "no answer from the wallet in time; the request stays open until it expires",
                    file=sys.stderr,
                )
                return 3
            time.sleep(args.poll)
    if args.json:
        print(json.dumps(state, indent=2, ensure_ascii=False))
    if state["status"] == "expired":
        print("EXPIRED: the wallet did not answer before the request expired", file=sys.stderr)
        return 3
    result = state["result"]
    if result["verdict"] == "declined":
        if not args.json:
            print(
                f"DECLINED: the wallet answered {result.get('error')} {result.get('error_description', '')}".rstrip()
            )
        return 3
    from ..display import render_report

    reports = [VerificationReport.from_dict(p["report"]) for p in result["presentations"]]
    if not args.json:
        for report in reports:
            print(render_report(report, color=sys.stdout.isatty(), lang=args.lang))
        for problem in result["problems"]:
            print(f"REQUEST NOT ANSWERED AS ASKED: {problem}")
    if args.html and reports:
        from datetime import UTC, datetime

        from ..report_html import render_html

        Path(args.html).write_text(
            render_html(reports[0], generated_at=datetime.now(UTC), lang=args.lang or "en"), "utf-8"
        )
    if result["problems"] and result["verdict"] in ("verified", "unconfirmed"):
        return 1
    return EXIT.get(result["verdict"], 1)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "offer",
        help="offer a credential to a learner's wallet (OpenID4VCI, through mcvc serve)",
        description=(
            "Creates a single-use credential offer at the service and prints its link and QR "
            "code. ROW_KEY is a row a batch issued into the service's ledger (handed over as "
            "signed; deferred while it is not signed yet); --credential offers an unsigned "
            "credential that the service signs for the wallet's key. See docs/wallets-hei.md."
        ),
    )
    p.add_argument("row_key", nargs="?", metavar="ROW_KEY")
    p.add_argument("--credential", help="an unsigned credential (JSON) instead of a ROW_KEY")
    p.add_argument("--service", required=True, help="the service's public URL")
    p.add_argument("--issuer", default="demo", help="the issuer's name in the service config")
    p.add_argument(
        "--token-env",
        default="MCVC_ISSUER_TOKEN",
        help="environment variable holding the issuer's bearer token (default MCVC_ISSUER_TOKEN)",
    )
    p.add_argument(
        "--tx-code",
        type=int,
        nargs="?",
        const=6,
        metavar="DIGITS",
        help="require a transaction code of DIGITS digits (default 6) at redemption",
    )
    p.add_argument("--tx-description", help="how the learner gets the code (shown by wallets)")
    p.add_argument(
        "--format",
        action="append",
        choices=[
            "MicroCredential_ldp_vc",
            "MicroCredential_jwt_vc_json",
            "MicroCredential_dc+sd-jwt",
            "MicroCredential_ldp_vc_signed",
        ],
        help="credential configurations to offer (repeatable; default: all that apply)",
    )
    p.add_argument("--expires", default="7d", help="how long the offer can be redeemed (7d)")
    p.add_argument("--png", help="also write the QR code as a PNG (for an e-mail or a page)")
    p.add_argument("--json", action="store_true", help="print the service's answer as JSON")
    p.add_argument(
        "--insecure", action="store_true", help="do not check the service's TLS certificate"
    )
    p.set_defaults(func=cmd_offer)

    p = sub.add_parser(
        "request",
        help="ask a student's wallet for a micro-credential (OpenID4VP, through mcvc serve)",
        description=(
            "Creates a signed OpenID4VP request at the service (DCQL query for a "
            "micro-credential, direct_post or encrypted direct_post.jwt), prints its QR code and link, and with --wait "
            "prints the verdict as mcvc verify does (exit 0 verified, 1 failed, 3 otherwise). "
            "See docs/wallets-officers.md."
        ),
    )
    p.add_argument("--service", required=True, help="the service's public URL")
    p.add_argument(
        "--token-env",
        default="MCVC_VERIFIER_TOKEN",
        help="environment variable holding the verifier's bearer token",
    )
    p.add_argument("--query", help="a DCQL query (JSON) instead of the micro-credential one")
    p.add_argument("--purpose", help="why the credential is asked for (kept with the request)")
    p.add_argument(
        "--encrypt",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="have the wallet encrypt its answer (direct_post.jwt); default: the service's "
        "[verifier] response_mode",
    )
    p.add_argument("--expires", default="10m", help="how long the request can be answered")
    p.add_argument("--wait", action="store_true", help="wait for the answer and print the verdict")
    p.add_argument("--timeout", type=float, default=600, help="seconds to wait (600)")
    p.add_argument("--poll", type=float, default=2, help=argparse.SUPPRESS)
    p.add_argument("--html", help="with --wait: write the HTML report of the credential")
    p.add_argument("--png", help="also write the QR code as a PNG")
    p.add_argument("--lang", default=None, help="report language (en, de, fr, pl, cs)")
    p.add_argument("--json", action="store_true", help="print the service's answer as JSON")
    p.add_argument("--insecure", action="store_true", help="do not check the TLS certificate")
    p.set_defaults(func=cmd_request)
