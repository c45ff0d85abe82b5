"""The ``mcvc`` command: build, keygen, sign, verify, elements, demo.

Exit codes of ``mcvc verify``: 0 verified, 1 failed, 3 inconclusive, 2 usage error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from .dates import parse_datetime
from .errors import ElementsError, McvcError
from .i18n import LANGUAGES
from .jsontext import parse_json

EXIT = {"verified": 0, "failed": 1, "inconclusive": 3, "unconfirmed": 3}
DEMO_NOTE = "DEMO KEY - for tests and demonstrations only, never for production credentials"


class _Usage(Exception):
    pass


def _read_json(path: str) -> Any:
    p = Path(path)
    if not p.is_file():
        raise _Usage(f"no such file: {path}")
    try:
        if p.suffix in (".toml",):
            import tomllib

            return tomllib.loads(p.read_text("utf-8"))
        return parse_json(p.read_bytes())
    except McvcError as exc:
        raise _Usage(f"{path}: {exc}") from None


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)


def _instant(text: str | None, flag: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_datetime(text, flag)
    except McvcError as exc:
        raise _Usage(str(exc)) from None


def _import_pyld_without_its_http_loaders() -> None:
    """pyld sets up a default document loader when imported: a requests session when requests
    is installed (about 60 ms of imports), else aiohttp. mcvc never uses it (its own loader is
    always passed and never fetches), so the command line, a process of its own, hides both
    while pyld loads; pyld then falls back to its dummy loader, and both can be imported later."""
    if "pyld" in sys.modules:
        return
    hidden = [name for name in ("requests", "aiohttp") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        import pyld  # noqa: F401
    finally:
        for name in hidden:
            del sys.modules[name]


def cmd_build(args: argparse.Namespace) -> int:
    from .model.reader import from_credential
    from .model.render import build_credential

    data = _read_json(args.elements)
    credential = build_credential(data, profile=args.profile, issuer=args.issuer)
    if args.rules:
        from .rules import check_profile

        violations = check_profile(from_credential(credential), args.rules)
        for v in violations:
            print(f"rule {v.profile}/{v.rule}: {v.message}", file=sys.stderr)
        if violations:
            return 1
    _write(json.dumps(credential, indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    if args.self_signed_cert:
        return _keygen_seal(args)
    from .keys import generate_key, save_key

    key = generate_key(args.type)
    if args.output:
        save_key(key, args.output)
    print(f"did: {key.did_key}")
    print(f"verification method: {key.verification_method}")
    if not args.output:
        print(json.dumps(key.to_multikey(include_private=True), indent=2))
    return 0


def _keygen_seal(args: argparse.Namespace) -> int:
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from .clock import SystemClock
    from .jades.seal import make_test_seal_certificate

    if not args.output:
        raise _Usage("--self-signed-cert needs -o KEYFILE (the PEM gets key and certificate)")
    if not (args.org and args.org_id and args.country):
        raise _Usage("--self-signed-cert needs --org, --org-id (e.g. VATCZ-00216208) and --country")
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if args.type in ("rsa", "ed25519"):
        key = rsa.generate_private_key(65537, 3072)
    else:
        key = ec.generate_private_key(ec.SECP256R1() if args.type == "p256" else ec.SECP384R1())
    cert = make_test_seal_certificate(
        key,
        organization=args.org,
        organization_identifier=args.org_id,
        country=args.country.upper(),
        not_before=SystemClock().now(),
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem + cert.public_bytes(serialization.Encoding.PEM))
    print(
        f"TEST seal key and self-signed certificate written to {args.output} (not for production)"
    )
    print(f"subject: {cert.subject.rfc4514_string()}")
    return 0


def cmd_seal(args: argparse.Namespace) -> int:
    import json as _json

    from .clock import SystemClock
    from .jades.seal import load_seal_key, prepare_for_seal, seal

    doc = _read_json(args.credential)
    key = load_seal_key(args.key, args.cert, args.password.encode() if args.password else None)
    when = _instant(args.sig_time, "--sig-time") or SystemClock().now()
    if args.europass:
        doc = prepare_for_seal(doc, key, sig_time=when)
    envelope = seal(doc, key, sig_time=when, alg=args.alg)
    _write(_json.dumps(envelope, indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def cmd_issue_batch(args: argparse.Namespace) -> int:
    from .issuing.batch import issue_batch, main_summary
    from .issuing.ledger import Ledger

    template = _read_json(args.template)
    if not isinstance(template, dict):
        raise _Usage("--template must be a JSON object of standard elements")
    if not Path(args.rows).is_file():
        raise _Usage(f"no such file: {args.rows}")
    if not Path(args.key).is_file():
        raise _Usage(f"no such key file: {args.key}")
    Path(args.out).mkdir(parents=True, exist_ok=True)
    ledger = Ledger(args.ledger or folder_ledger(args.out))
    try:
        summary = issue_batch(
            args.rows,
            template,
            key_path=args.key,
            ledger=ledger,
            out_dir=args.out,
            status_base=args.status_base,
            workers=args.workers,
            suspension=args.suspension,
            progress=None if args.quiet else sys.stderr,
            encoding=args.encoding,
            did=args.did,
        )
    except KeyboardInterrupt:
        print(
            "\nmcvc issue-batch: interrupted. What was issued is kept in the ledger; re-run "
            "the same command to resume (no row is issued twice).",
            file=sys.stderr,
        )
        return 130
    finally:
        ledger.close()
    main_summary(summary)
    return 1 if summary.failed else 0


def folder_ledger(out: str | Path) -> str:
    """The ledger of a batch output folder: inside it, so every run that writes there, from
    any working folder, uses the same one."""
    return f"sqlite:///{(Path(out).resolve() / 'mcvc-ledger.db').as_posix()}"


def _ledger_of(args: argparse.Namespace) -> str:
    if args.ledger:
        return str(args.ledger)
    if args.issued:
        folder = Path(args.issued)
        if not (folder / "mcvc-ledger.db").is_file():
            raise _Usage(f"{folder} has no mcvc-ledger.db (is it an issue-batch --out folder?)")
        return folder_ledger(folder)
    raise _Usage("name the ledger: --issued FOLDER (the issue-batch --out folder) or --ledger URL")


def _status_change(args: argparse.Namespace, purpose: str, value: int) -> int:
    from .clock import SystemClock
    from .issuing.ledger import Ledger
    from .issuing.publish import list_signer, publish
    from .keys import load_key

    key = load_key(args.key)
    if args.did:
        from .issuing.batch import batch_key

        key = batch_key(args.key, args.did)
    clock = SystemClock()
    ledger = Ledger(_ledger_of(args))
    try:
        url = ledger.set_status(
            args.id, purpose, value, sign_list=list_signer(key, clock.now), now=clock.now()
        )
        print(f"{purpose} {'set' if value else 'cleared'} for {args.id}; {url} re-signed")
        if args.out:
            for path in publish(
                ledger,
                args.out,
                signer=list_signer(key, clock.now),
                now=clock.now(),
                suspension=True,
            ):
                print(f"published {path}")
    finally:
        ledger.close()
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    return _status_change(args, "revocation", 1)


def cmd_suspend(args: argparse.Namespace) -> int:
    return _status_change(args, "suspension", 1)


def cmd_unsuspend(args: argparse.Namespace) -> int:
    return _status_change(args, "suspension", 0)


def cmd_status_publish(args: argparse.Namespace) -> int:
    from .clock import SystemClock
    from .issuing.ledger import Ledger
    from .issuing.publish import list_signer, publish
    from .keys import load_key

    key = load_key(args.key)
    if args.did:
        from .issuing.batch import batch_key

        key = batch_key(args.key, args.did)
    clock = SystemClock()
    ledger = Ledger(_ledger_of(args))
    try:
        for path in publish(
            ledger,
            args.out,
            signer=list_signer(key, clock.now),
            now=clock.now(),
            suspension=args.suspension,
        ):
            print(f"published {path}")
    finally:
        ledger.close()
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    _import_pyld_without_its_http_loaders()
    from .keys import load_key
    from .signing import sign

    doc = _read_json(args.credential)
    key = load_key(args.key)
    if args.did:
        from .issuing.batch import batch_key

        key = batch_key(args.key, args.did)
    if args.format != "di":
        from .jose import enveloped, sign_jwt

        if not isinstance(doc, dict):
            raise _Usage("the credential must be a JSON object")
        if args.previous_proof or args.proof_id or args.suite:
            raise _Usage("--suite, --proof-id and --previous-proof are Data Integrity options")
        token = sign_jwt(doc, key, typ="JWT" if args.format == "jwt" else "vc+jwt")
        out = json.dumps(enveloped(token), indent=2) if args.format == "enveloped" else token
        _write(out + "\n", args.output)
        return 0
    if args.previous_proof:
        # a signed credential gets one more proof (a proof set); a chain names the proof it
        # signs over, which must be there
        existing = doc.get("proof") if isinstance(doc, dict) else None
        ids = [
            p.get("id")
            for p in (existing if isinstance(existing, list) else [existing])
            if isinstance(p, dict)
        ]
        if args.previous_proof not in ids:
            raise _Usage(f"--previous-proof {args.previous_proof}: no proof with that id here")
    signed = sign(
        doc,
        key,
        suite=args.suite,
        created=_instant(args.created, "--created"),
        proof_id=args.proof_id,
        previous_proof=args.previous_proof,
    )
    _write(json.dumps(signed, indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 86400 seconds")
    return value


def _verdict_options(args: argparse.Namespace) -> dict[str, Any]:
    """What ``verify`` needs from the options ``mcvc verify`` and ``mcvc report`` share."""
    from .verification.trust import TrustList

    options: dict[str, Any] = {"policy": args.policy, "timeout": args.timeout}
    if args.trust_signer and not args.trust:
        raise _Usage("--trust-signer needs --trust")
    if args.trust:
        try:
            options["trust"] = TrustList.load(args.trust, signer=args.trust_signer)
        except (OSError, ValueError, McvcError) as exc:
            raise _Usage(f"--trust: {exc}") from None
    from .cli_trust import trusted_list_anchors

    anchors = trusted_list_anchors(args.trusted_lists, _Usage)
    if args.anchors:
        from .jades.certs import TrustAnchors

        try:
            given = TrustAnchors.load(args.anchors)
        except (OSError, McvcError) as exc:
            raise _Usage(f"--anchors: {exc}") from None
        anchors = given if anchors is None else anchors.merged(given)
    if anchors is not None:
        options["anchors"] = anchors
    client = None
    if args.allow_network:
        from .net import guarded_client

        client = guarded_client()
        options["http"] = client
    if args.status_list:
        from .status.local import local_status_checker

        try:
            options["status_checker"] = local_status_checker(args.status_list, http=client)
        except (OSError, McvcError) as exc:
            raise _Usage(f"--status-list: {exc}") from None
    return options


def _quality(report: Any, args: argparse.Namespace, options: dict[str, Any]) -> None:
    """With --deqar: what DEQAR records of the awarding bodies (informative)."""
    if not args.deqar:
        return
    import os

    from .clock import SystemClock
    from .deqar import DEQAR_API, Deqar, quality_check
    from .net import Fetcher

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
        "--anchors", help="trust anchors for Europass seals: PEM bundle or Trusted List XML"
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
        help="a status list credential you have as a file (repeatable); checked instead of fetching",
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
    from .display import render_report
    from .verification.pipeline import verify

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
    from .display import safe

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
    from . import __version__
    from .clock import SystemClock
    from .report_html import render_html
    from .verification.pipeline import verify

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
    from .display import render_report, safe
    from .model.reader import from_credential

    doc = _read_json(args.credential)
    if not isinstance(doc, dict):
        raise _Usage("the credential must be a JSON object")
    el = from_credential(doc)
    if args.json:
        print(json.dumps(el.to_dict(), indent=2, ensure_ascii=False))
        return 0
    from .verification.report import VerificationReport

    text = render_report(VerificationReport(elements=el.to_dict()))
    print("\n".join(text.splitlines()[2:]))
    if args.rules:
        from .rules import check_profile

        for v in check_profile(el, args.rules):
            print(f"  rule {v.profile}/{v.rule}: {safe(v.message)}")
    return 0


def _bundled(name: str) -> Path:
    packaged = resources.files("mcvc") / "_examples" / name
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "examples" / name


def cmd_demo(args: argparse.Namespace) -> int:
    _import_pyld_without_its_http_loaders()
    from .display import render_report
    from .keys import generate_key, load_key
    from .model.render import build_credential
    from .signing import sign
    from .verification.pipeline import verify
    from .verification.trust import demo_trust_list

    example = _bundled("microcredential.json")
    elements = parse_json(example.read_bytes())
    key_file = Path(__file__).resolve().parents[2] / "keys" / "demo-ed25519.json"
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


def cmd_serve(args: argparse.Namespace) -> int:
    import os
    import secrets

    try:
        import uvicorn

        from .service.app import CONFIG_ENV, create_app
        from .service.config import ServiceConfig
    except ImportError:
        raise _Usage("the service needs the serve extra: pip install 'mcvc[serve]'") from None
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mcvc", description="Micro-credentials as verifiable credentials."
    )
    parser.add_argument("--version", action="version", version="mcvc 0.1.0")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="build an unsigned credential from standard elements")
    p.add_argument("elements")
    p.add_argument("--profile", choices=["edc", "vc2", "ob3"], default="edc")
    p.add_argument(
        "--rules",
        help="issuer profile (eu-minimum, 4eu-plus, unic, german-recognition, or a .json file)",
    )
    p.add_argument("--issuer", help="issuer DID (defaults to the first awarding body's did)")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("keygen", help="generate a signing key")
    p.add_argument("--type", choices=["ed25519", "p256", "p384", "rsa"], default="ed25519")
    p.add_argument("-o", "--output", help="key file (written with mode 0600)")
    p.add_argument(
        "--self-signed-cert",
        action="store_true",
        help="a TEST seal key and certificate (RSA unless --type p256/p384)",
    )
    p.add_argument("--org", help="organisation name (O) for --self-signed-cert")
    p.add_argument("--org-id", help="organizationIdentifier, e.g. VATCZ-00216208")
    p.add_argument("--country", help="ISO 3166 alpha-2 country (C)")
    p.set_defaults(func=cmd_keygen)

    p = sub.add_parser("seal", help="seal a credential the Europass way (JAdES, b64=false)")
    p.add_argument("credential")
    p.add_argument(
        "--key", required=True, help="PEM key (with or without its certificate) or PKCS#12"
    )
    p.add_argument("--cert", help="PEM certificate chain, if not in the key file")
    p.add_argument("--password", help="password of an encrypted key or PKCS#12 file")
    p.add_argument("--alg", choices=["RS256", "PS256", "ES256", "ES384"])
    p.add_argument("--sig-time", help="signing time (ISO 8601 with timezone); default now")
    p.add_argument(
        "--europass",
        action="store_true",
        help="apply the Europass issuer's sealing changes (new id, issued, issuer from certificate, mandate)",
    )
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_seal)

    p = sub.add_parser("issue-batch", help="issue one credential per row, exactly once")
    p.add_argument(
        "rows", help="CSV, XLSX or JSON Lines, one learner per row, with a row_key column"
    )
    p.add_argument("--template", required=True, help="the course's standard elements (JSON)")
    p.add_argument("--key", required=True)
    p.add_argument("--did", help="issue as this did:web (its DID document lists the key as #key-1)")
    p.add_argument("--out", default="issued", help="output folder (default: issued)")
    p.add_argument(
        "--ledger",
        help="SQLAlchemy URL of the ledger (default: OUT/mcvc-ledger.db; PostgreSQL for "
        "several issuing nodes)",
    )
    p.add_argument(
        "--encoding",
        help="the CSV's encoding when it is not UTF-8 (for example cp1252, cp1250)",
    )
    p.add_argument(
        "--status-base",
        required=True,
        help="URL prefix of the status lists, e.g. https://uni.example/status/",
    )
    p.add_argument("--workers", type=int, help="processes (default: all cores)")
    p.add_argument(
        "--suspension", action="store_true", help="also give each credential a suspension entry"
    )
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(func=cmd_issue_batch)

    for name, func, text in (
        ("revoke", cmd_revoke, "revoke a credential and re-sign its status list"),
        ("suspend", cmd_suspend, "suspend a credential"),
        ("unsuspend", cmd_unsuspend, "lift a suspension"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("id", help="credential id or row key")
        _ledger_options(p)
        p.add_argument("--key", required=True, help="the issuer key that signs the status lists")
        p.add_argument("--out", help="also publish all status lists to this folder")
        p.set_defaults(func=func)

    p = sub.add_parser("status", help="status lists")
    status_sub = p.add_subparsers(dest="status_command", required=True)
    q = status_sub.add_parser(
        "publish", help="write the signed status list credentials for static hosting"
    )
    _ledger_options(q)
    q.add_argument("--key", required=True)
    q.add_argument("--out", required=True)
    q.add_argument("--suspension", action="store_true")
    q.set_defaults(func=cmd_status_publish)

    p = sub.add_parser("sign", help="add a Data Integrity proof")
    p.add_argument("credential")
    p.add_argument("--key", required=True)
    p.add_argument(
        "--suite",
        choices=["eddsa-rdfc-2022", "ecdsa-rdfc-2019", "eddsa-jcs-2022", "ecdsa-jcs-2019"],
    )
    p.add_argument("--created", help="proof creation time (ISO 8601 with timezone)")
    p.add_argument("--proof-id", help="an id for the new proof (so later proofs can chain to it)")
    p.add_argument(
        "--previous-proof",
        help="chain: the id of the existing proof the new proof signs over (previousProof)",
    )
    p.add_argument("--did", help="sign as this did:web, the key being its #key-1")
    p.add_argument(
        "--format",
        choices=["di", "vc+jwt", "enveloped", "jwt"],
        default="di",
        help="di: a Data Integrity proof (default); vc+jwt: a VC-JOSE compact JWS; enveloped: "
        "that JWS as an EnvelopedVerifiableCredential; jwt: the VCDM 1.1 JWT form (vc claim) "
        "EBSI wallets use",
    )
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_sign)

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

    from .cli_trust import add_trust_commands

    add_trust_commands(sub, _Usage)

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

    p = sub.add_parser("demo", help="build, sign and verify the bundled example")
    p.add_argument("-o", "--output")
    p.set_defaults(func=cmd_demo)
    return parser


def _ledger_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--issued", help="the issue-batch --out folder whose ledger to use")
    p.add_argument("--ledger", help="the ledger's SQLAlchemy URL")
    p.add_argument("--did", help="the did:web the batch issued as")


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


if __name__ == "__main__":
    sys.exit(main())
