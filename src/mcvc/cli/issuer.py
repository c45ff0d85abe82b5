"""The issuing office's commands: build, keygen, seal, sign, issue-batch, revoke, suspend,
unsuspend and status publish."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .common import _import_pyld_without_its_http_loaders, _instant, _read_json, _Usage, _write


def cmd_build(args: argparse.Namespace) -> int:
    from ..model.reader import from_credential
    from ..model.render import build_credential

    data = _read_json(args.elements)
    credential = build_credential(data, profile=args.profile, issuer=args.issuer)
    if args.rules:
        from ..rules import check_profile

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
    from ..keys import generate_key, save_key

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

    from ..clock import SystemClock
    from ..jades.seal import make_test_seal_certificate

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

    from ..clock import SystemClock
    from ..jades.seal import load_seal_key, prepare_for_seal, seal

    doc = _read_json(args.credential)
    key = load_seal_key(args.key, args.cert, args.password.encode() if args.password else None)
    when = _instant(args.sig_time, "--sig-time") or SystemClock().now()
    if args.europass:
        doc = prepare_for_seal(doc, key, sig_time=when)
    envelope = seal(doc, key, sig_time=when, alg=args.alg)
    _write(_json.dumps(envelope, indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def cmd_issue_batch(args: argparse.Namespace) -> int:
    from ..issuing.batch import issue_batch, main_summary
    from ..issuing.ledger import Ledger

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
    from ..clock import SystemClock
    from ..issuing.ledger import Ledger
    from ..issuing.publish import list_signer, publish
    from ..keys import load_key

    key = load_key(args.key)
    if args.did:
        from ..issuing.batch import batch_key

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
    from ..clock import SystemClock
    from ..issuing.ledger import Ledger
    from ..issuing.publish import list_signer, publish
    from ..keys import load_key

    key = load_key(args.key)
    if args.did:
        from ..issuing.batch import batch_key

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
    from ..keys import load_key
    from ..signing import sign

    doc = _read_json(args.credential)
    key = load_key(args.key)
    if args.did:
        from ..issuing.batch import batch_key

        key = batch_key(args.key, args.did)
    if args.format != "di":
        from ..jose import enveloped, sign_jwt

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


def _ledger_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--issued", help="the issue-batch --out folder whose ledger to use")
    p.add_argument("--ledger", help="the ledger's SQLAlchemy URL")
    p.add_argument("--did", help="the did:web the batch issued as")


def add_parsers(sub: Any) -> None:
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
