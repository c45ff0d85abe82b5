"""The recognition officer's commands: verify, report, elements and demo."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import McvcError
from ..i18n import LANGUAGES
from ..jsontext import parse_json
from .common import (
    DEMO_NOTE,
    EXIT,
    _import_pyld_without_its_http_loaders,
    _instant,
    _read_json,
    _seconds,
    _Usage,
)


def _verdict_options(args: argparse.Namespace) -> dict[str, Any]:
    """What ``verify`` needs from the options ``mcvc verify`` and ``mcvc report`` share."""
    from ..verification.trust import TrustList

    options: dict[str, Any] = {"policy": args.policy, "timeout": args.timeout}
    if args.trust_signer and not args.trust:
        raise _Usage("--trust-signer needs --trust")
    if args.trust:
        try:
            options["trust"] = TrustList.load(args.trust, signer=args.trust_signer)
        except (OSError, ValueError, McvcError) as exc:
            raise _Usage(f"--trust: {exc}") from None
    from .trust import trusted_list_anchors

    anchors = trusted_list_anchors(args.trusted_lists, _Usage)
    from .trust import ebsi_store

    ebsi = ebsi_store(args.trusted_lists, _Usage)
    if ebsi is not None:
        options["ebsi"] = ebsi
    if args.anchors_signer and not args.anchors:
        raise _Usage(
            "--anchors-signer pins the signer of an --anchors Trusted List; give --anchors"
        )
    if args.anchors:
        from ..jades.certs import TrustAnchors

        try:
            pins = None
            if args.anchors_signer:
                from cryptography import x509

                try:
                    pins = x509.load_pem_x509_certificates(Path(args.anchors_signer).read_bytes())
                except ValueError as exc:
                    raise _Usage(f"--anchors-signer: not PEM certificates ({exc})") from None
            given = TrustAnchors.load(args.anchors, pins)
        except (OSError, McvcError) as exc:
            raise _Usage(f"--anchors: {exc}") from None
        anchors = given if anchors is None else anchors.merged(given)
    if anchors is not None:
        options["anchors"] = anchors
    client = None
    if args.allow_network:
        from ..net import guarded_client

        client = guarded_client()
        options["http"] = client
    if args.status_list:
        from ..status.local import local_status_checker

        try:
            ebsi_store_ = options.get("ebsi")
            options["status_checker"] = local_status_checker(
                args.status_list,
                http=client,
                did_documents=dict(ebsi_store_.documents) if ebsi_store_ is not None else None,
            )
        except (OSError, McvcError) as exc:
            raise _Usage(f"--status-list: {exc}") from None
    return options


def _quality(report: Any, args: argparse.Namespace, options: dict[str, Any]) -> None:
    """With --deqar: what DEQAR records of the awarding bodies (informative)."""
    if not args.deqar:
        return
    import os

    from ..clock import SystemClock
    from ..deqar import DEQAR_API, Deqar, quality_check
    from ..net import Fetcher

    token = os.environ.get("DEQAR_TOKEN", "")
    if "http" not in options or not token:
        raise _Usage("--deqar needs --allow-network and a DEQAR API token in DEQAR_TOKEN")
    deqar = Deqar(Fetcher(options["http"]), token, os.environ.get("DEQAR_API") or DEQAR_API)
    report.checks.append(quality_check(report, deqar, SystemClock().now()))


def _add_verdict_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--now", help="judge dates at this time (ISO 8601 with timezone)")
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        help="stop verifying a file after this many seconds (inconclusive, TIMEOUT); default 30",
    )
    p.add_argument("--trust", help="trust list JSON file (issuer DIDs the officer accepts)")
    p.add_argument(
        "--trust-signer",
        metavar="DID",
        help="accept the --trust list only when this DID signed it (a list an alliance publishes)",
    )
    p.add_argument(
        "--anchors",
        help="trust anchors for Europass seals: PEM bundle, or a signed Trusted List XML file",
    )
    p.add_argument(
        "--anchors-signer",
        metavar="PEM",
        help="accept an --anchors Trusted List only when signed with one of these certificates "
        "(the ones the EU LOTL gives for its territory)",
    )
    p.add_argument(
        "--trusted-lists",
        metavar="DIR",
        help="EU Trusted Lists stored by 'mcvc trust update' (default: that command's folder, "
        "when it holds any)",
    )
    p.add_argument(
        "--status-list",
        action="append",
        default=[],
        metavar="FILE",
        help="a status list credential or Status List Token you have as a file (repeatable); "
        "checked instead of fetching",
    )
    p.add_argument(
        "--lang",
        choices=list(LANGUAGES),
        default=None,
        help="language of the report: en, de, fr, pl, cs (default: from the environment)",
    )
    p.add_argument(
        "--policy",
        choices=["officer", "vc-api"],
        default="officer",
        help="officer (default): verified only when a trust source confirms the issuer; "
        "vc-api: a valid signature from an unconfirmed issuer is verified with a warning",
    )
    p.add_argument(
        "--allow-network",
        action="store_true",
        help="allow did:web resolution and status list fetches over HTTPS",
    )
    p.add_argument(
        "--deqar",
        action="store_true",
        help="also show what DEQAR records of the awarding bodies' quality assurance "
        "(needs --allow-network and DEQAR_TOKEN; informative)",
    )


def cmd_verify(args: argparse.Namespace) -> int:
    _import_pyld_without_its_http_loaders()
    from ..display import render_report
    from ..verification.pipeline import verify

    now = _instant(args.now, "--now")
    if (args.challenge is None) != (args.domain is None) and args.domain is not None:
        raise _Usage("--domain needs --challenge")
    options = _verdict_options(args)
    reports = []
    for path in args.files:
        p = Path(path)
        if p.is_dir():
            raise _Usage(f"{path} is a folder, not a credential file")
        if not p.is_file():
            raise _Usage(f"no such file: {path}")
        report = verify(
            p.read_bytes(),
            now=now,
            challenge=args.challenge,
            domain=args.domain,
            require_holder_binding=args.require_holder_binding,
            **options,
        )
        report.source = path
        _quality(report, args, options)
        reports.append(report)
    if args.json:
        payload: Any = (
            reports[0].to_dict()
            if len(reports) == 1
            else {"reports": [r.to_dict() for r in reports], "summary": _stack_summary(reports)}
        )
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        color = sys.stdout.isatty()
        for r in reports:
            print(
                render_report(
                    r, color=color, name=r.source if len(reports) > 1 else "", lang=args.lang
                )
            )
            print()
        if len(reports) > 1:
            print(_render_stack(_stack_summary(reports)))
    rank = {"verified": 0, "unconfirmed": 1, "inconclusive": 2, "failed": 3}
    worst = max(reports, key=lambda r: rank[r.outcome])
    return EXIT[worst.outcome]


# Identifiers that name no one: the Europass samples (and issuers copying them) number their
# learners urn:epass:person:1, so two different people share one.


_PLACEHOLDER_ID = re.compile(r"^urn:epass:person:\d{1,3}$")


def _learner_key(learner: dict[str, Any], source: str) -> tuple[tuple[str, ...], str, str]:
    """How credentials are grouped per learner: by an identifier that identifies someone,
    else by name and date of birth (and the summary says so), else not at all."""
    ident = str(learner.get("id") or "")
    name = str(learner.get("name") or "")
    born = str(learner.get("date_of_birth") or "").split(" ", 1)[0]
    if ident and not _PLACEHOLDER_ID.match(ident):
        return ("id", ident), f"{name} {ident}".strip(), "identifier"
    if name and born:
        return (
            ("name", " ".join(name.casefold().split()), born),
            f"{name} (born {born})",
            "name and date of birth",
        )
    return ("file", source), f"{name or '(unknown learner)'} in {source}", "not grouped"


def _stack_summary(reports: list[Any]) -> list[dict[str, Any]]:
    learners: dict[tuple[str, ...], dict[str, Any]] = {}
    for r in reports:
        el = r.elements or {}
        key, label, how = _learner_key(el.get("learner") or {}, r.source)
        entry = learners.setdefault(
            key,
            {
                "learner": label,
                "grouped_by": how,
                "total_ects": 0.0,
                "levels": [],
                "credentials": 0,
                "not_verified": [],
            },
        )
        entry["credentials"] += 1
        if r.outcome != "verified":
            entry["not_verified"].append({"file": r.source, "outcome": r.outcome})
            continue
        with contextlib.suppress(ValueError):
            entry["total_ects"] += float(el.get("ects") or 0)
        if el.get("eqf_level"):
            entry["levels"].append(el["eqf_level"])
    return list(learners.values())


def _render_stack(summary: list[dict[str, Any]]) -> str:
    from ..display import safe

    lines = ["Stacking summary (verified credentials only)"]
    for s in summary:
        levels = ", ".join(f"EQF {lv}" for lv in sorted(set(s["levels"]))) or "no level"
        lines.append(
            f"  {safe(s['learner'])}: {s['total_ects']:g} ECTS from {s['credentials'] - len(s['not_verified'])} of {s['credentials']} credentials ({levels})"
        )
        if s["grouped_by"] != "identifier" and s["credentials"] > 1:
            lines.append(
                "    WARNING: grouped by name and date of birth, because the credentials' "
                "learner identifiers do not identify a person; check that it is one learner"
            )
        for bad in s["not_verified"]:
            lines.append(f"    not counted: {safe(bad['file'])} ({bad['outcome']})")
    return "\n".join(lines)


def cmd_report(args: argparse.Namespace) -> int:
    _import_pyld_without_its_http_loaders()
    from .. import __version__
    from ..clock import SystemClock
    from ..report_html import render_html
    from ..verification.pipeline import verify

    p = Path(args.file)
    if not p.is_file():
        raise _Usage(f"no such file: {args.file}")
    now = _instant(args.now, "--now") or SystemClock().now()
    options = _verdict_options(args)
    data = p.read_bytes()
    report = verify(data, now=now, **options)
    _quality(report, args, options)
    page = render_html(
        report,
        source_name=p.name,
        source_bytes=data,
        generated_at=now,
        version=__version__,
        lang=args.lang,
    )
    Path(args.output).write_text(page, "utf-8")
    print(f"{report.outcome}: report written to {args.output}")
    return EXIT[report.outcome]


def cmd_elements(args: argparse.Namespace) -> int:
    from ..display import render_report, safe
    from ..model.reader import from_credential

    doc = _read_json(args.credential)
    if not isinstance(doc, dict):
        raise _Usage("the credential must be a JSON object")
    el = from_credential(doc)
    if args.json:
        print(json.dumps(el.to_dict(), indent=2, ensure_ascii=False))
        return 0
    from ..verification.report import VerificationReport

    text = render_report(VerificationReport(elements=el.to_dict()))
    print("\n".join(text.splitlines()[2:]))
    if args.rules:
        from ..rules import check_profile

        for v in check_profile(el, args.rules):
            print(f"  rule {v.profile}/{v.rule}: {safe(v.message)}")
    return 0


def _bundled(name: str) -> Path:
    packaged = resources.files("mcvc") / "_examples" / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "examples" / name


def cmd_demo(args: argparse.Namespace) -> int:
    _import_pyld_without_its_http_loaders()
    from ..display import render_report
    from ..keys import generate_key, load_key
    from ..model.render import build_credential
    from ..signing import sign
    from ..verification.pipeline import verify
    from ..verification.trust import demo_trust_list

    example = _bundled("microcredential.json")
    elements = parse_json(example.read_bytes())
    key_file = Path(__file__).resolve().parents[3] / "keys" / "demo-ed25519.json"
    key = load_key(key_file) if key_file.is_file() else generate_key("ed25519")
    print(f"1. Build: {example.name} -> European Digital Credential (ELM v3, VCDM 1.1)")
    credential = build_credential(elements, issuer=key.did_key)
    print(f"   credential {credential['id']}")
    print(f"2. Sign: eddsa-rdfc-2022 with the demo key {key.did_key[:32]}... ({DEMO_NOTE})")
    signed = sign(credential, key)
    out = Path(args.output) if args.output else None
    if out:
        out.write_text(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"   written to {out}")
    print(f"3. Verify, trusting {demo_trust_list().name}:")
    report = verify(signed, trust=demo_trust_list())
    print(render_report(report, color=sys.stdout.isatty(), lang=None))
    return EXIT[report.outcome]


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("verify", help="verify credentials or presentations")
    p.add_argument("files", nargs="+")
    p.add_argument("--json", action="store_true")
    _add_verdict_options(p)
    p.add_argument("--challenge")
    p.add_argument("--domain")
    p.add_argument(
        "--require-holder-binding",
        action="store_true",
        help="fail a presentation whose holder is not the subject of its credentials",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("report", help="write a printable HTML verification report")
    p.add_argument("file")
    p.add_argument("-o", "--output", required=True)
    _add_verdict_options(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("elements", help="show the EU standard elements of a credential")
    p.add_argument("credential")
    p.add_argument("--json", action="store_true")
    p.add_argument("--rules")
    p.set_defaults(func=cmd_elements)

    p = sub.add_parser("demo", help="build, sign and verify the bundled example")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_demo)
