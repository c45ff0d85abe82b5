"""``mcvc trust update`` and ``mcvc trust show``: the EU Trusted Lists on this machine.

The only commands that fetch trust sources: ``mcvc verify`` reads what they stored, offline.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

EU_LOTL = "https://ec.europa.eu/tools/lotl/eu-lotl.xml"

__all__ = ["EU_LOTL", "add_trust_commands", "default_trust_dir", "trusted_list_anchors"]


def default_trust_dir() -> Path:
    """``$MCVC_TRUST_DIR``, else ``$XDG_CACHE_HOME/mcvc/trusted-lists`` (``~/.cache``)."""
    explicit = os.environ.get("MCVC_TRUST_DIR")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mcvc" / "trusted-lists"


def trusted_list_anchors(folder: str | None, usage: type[Exception]) -> Any:
    """The anchors of the Trusted Lists in ``folder`` (or the default folder when it holds
    any); None when there are none to use."""
    path = Path(folder) if folder else default_trust_dir()
    if not (path / "index.json").is_file() and (not folder or (path / "ebsi.json").is_file()):
        # nothing fetched yet, or a folder holding EBSI records only (the XML stack, 30 ms of
        # imports, is loaded only when there are lists to read)
        return None
    from ..tsl import TrustedListError, TrustedLists

    try:
        store = TrustedLists.load(path)
    except TrustedListError as exc:
        raise usage(f"--trusted-lists: {exc}") from None
    for territory, problem in sorted(store.problems.items()):
        print(f"warning: trusted list {territory} not used: {problem}", file=sys.stderr)
    return store.anchors()


def ebsi_store(folder: str | None, usage: type[Exception]) -> Any:
    """The EBSI records kept in the trust folder (``mcvc trust update --ebsi``), or None."""
    from ..ebsi import FILE, EbsiError, EbsiStore

    path = Path(folder) if folder else default_trust_dir()
    if not (path / FILE).is_file():
        return None
    try:
        return EbsiStore.load(path)
    except EbsiError as exc:
        raise usage(f"{path / FILE}: {exc}") from None


def _ebsi_update(args: argparse.Namespace, folder: Path, usage: type[Exception]) -> int:
    from ..clock import SystemClock
    from ..ebsi import EbsiError, EbsiRegistry, EbsiStore
    from ..net import Fetcher, FetchPolicy, guarded_client

    policy = FetchPolicy(allow_http=args.allow_http, allow_private=args.allow_private, timeout=30.0)
    try:
        store = EbsiStore.load(folder)
    except EbsiError as exc:
        raise usage(str(exc)) from None
    failed = 0
    with guarded_client(policy) as client:
        registry = EbsiRegistry(Fetcher(client, policy), args.ebsi_api)
        for did in args.ebsi:
            try:
                record = store.update(registry, did, SystemClock().now())
            except EbsiError as exc:
                print(f"error [{exc.code}]: {did}: {exc}", file=sys.stderr)
                failed += 1
                continue
            if not record.registered:
                print(f"{did}: not in the EBSI Trusted Issuers Registry")
            else:
                kinds = (
                    ", ".join(a.issuer_type for a in record.accreditations) or "no accreditation"
                )
                print(f"{did}: registered ({kinds}); DID document kept")
    path = store.save(folder)
    print(f"EBSI records stored in {path}, fetched from {args.ebsi_api}")
    return 1 if failed else 0


def _pins(paths: list[str], usage: type[Exception]) -> list[Any]:
    from cryptography import x509

    certs: list[Any] = []
    for path in paths:
        try:
            certs.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise usage(f"--pin {path}: {exc}") from None
    return certs


def cmd_trust_update(args: argparse.Namespace, usage: type[Exception]) -> int:
    from ..clock import SystemClock
    from ..net import Fetcher, FetchPolicy, guarded_client
    from ..tsl import TrustedListError, TrustedLists

    folder = Path(args.dir) if args.dir else default_trust_dir()
    if args.ebsi:
        return _ebsi_update(args, folder, usage)
    pins = _pins(args.pin, usage)
    if not pins and (folder / "lotl-pins.pem").is_file():
        pins = _pins([str(folder / "lotl-pins.pem")], usage)
    if not pins:
        raise usage(
            "give the LOTL-signing certificates with --pin FILE (PEM): the ones the European "
            "Commission announced in the Official Journal (docs/trust.md says where); they are "
            "kept in the folder for later updates"
        )
    policy = FetchPolicy(
        allow_http=args.allow_http,
        allow_private=args.allow_private,
        max_bytes=16 * 1024 * 1024,
        timeout=30.0,
    )
    with guarded_client(policy) as client:
        try:
            store = TrustedLists.update(
                folder,
                Fetcher(client, policy),
                args.lotl,
                pins,
                SystemClock().now(),
                territories=args.territory or None,
            )
        except TrustedListError as exc:
            print(f"error [{exc.code}]: {exc}", file=sys.stderr)
            return 1
    print(f"List of Trusted Lists: sequence {store.lotl.sequence}, verified, stored in {folder}")
    for territory, doc in sorted(store.lists.items()):
        print(
            f"  {territory}: sequence {doc.sequence}, issued {doc.issued}, next update "
            f"{doc.next_update}, {len(doc.services)} services"
        )
    for territory, problem in sorted(store.problems.items()):
        print(f"  {territory}: NOT updated: {problem}")
    return 0 if not store.problems else 3


def cmd_trust_show(args: argparse.Namespace, usage: type[Exception]) -> int:
    from ..tsl import TrustedListError, TrustedLists

    folder = Path(args.dir) if args.dir else default_trust_dir()
    if not (folder / "index.json").is_file() and (folder / "ebsi.json").is_file():
        # only EBSI records here
        ebsi = ebsi_store(str(folder), usage)
        for did, record in sorted(ebsi.issuers.items()):
            kinds = ", ".join(a.issuer_type for a in record.accreditations) or "not accredited"
            state = kinds if record.registered else "not registered"
            print(f"  EBSI {did}: {state}, fetched {record.fetched} from {record.api}")
        return 0
    try:
        store = TrustedLists.load(folder)
    except TrustedListError as exc:
        raise usage(str(exc)) from None
    print(f"{folder}: LOTL sequence {store.lotl.sequence}, fetched {store.fetched.get('LOTL')}")
    for territory, doc in sorted(store.lists.items()):
        qualified = sum(1 for s in doc.services if s.type.endswith("/CA/QC"))
        print(
            f"  {territory}: issued {doc.issued}, next update {doc.next_update}, fetched "
            f"{store.fetched.get(territory)}, {qualified} qualified CAs"
        )
    for territory, problem in sorted(store.problems.items()):
        print(f"  {territory}: NOT usable: {problem}")
    ebsi = ebsi_store(str(folder), usage)
    for did, record in sorted((ebsi.issuers if ebsi else {}).items()):
        kinds = ", ".join(a.issuer_type for a in record.accreditations) or "not accredited"
        state = kinds if record.registered else "not registered"
        print(f"  EBSI {did}: {state}, fetched {record.fetched} from {record.api}")
    return 0


def cmd_trust_sign(args: argparse.Namespace, usage: type[Exception]) -> int:
    """Sign a trust list (eddsa-jcs-2022 or ecdsa-jcs-2019: JSON canonicalization, so the
    list needs no JSON-LD vocabulary) for publication."""
    import json

    from ..errors import McvcError
    from ..jsontext import parse_json
    from ..keys import load_key
    from ..signing import sign
    from ..verification.trust import TrustList

    try:
        data = parse_json(Path(args.list).read_bytes())
        TrustList.from_dict(data)
        key = load_key(args.key)
        data = {k: v for k, v in data.items() if k != "proof"}
        suite = "eddsa-jcs-2022" if key.kind == "ed25519" else "ecdsa-jcs-2019"
        signed = sign(data, key, suite=suite)
    except (OSError, McvcError) as exc:
        raise usage(str(exc)) from None
    text = json.dumps(signed, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, "utf-8")
        print(f"signed by {key.controller_id}: {args.output}")
    else:
        sys.stdout.write(text)
    return 0


EBSI_API = "https://api-pilot.ebsi.eu"


def add_trust_commands(sub: Any, usage: type[Exception]) -> None:
    p = sub.add_parser("trust", help="the EU Trusted Lists this machine verifies seals against")
    trust_sub = p.add_subparsers(dest="trust_command", required=True)
    u = trust_sub.add_parser("update", help="fetch and verify the LOTL and the national lists")
    u.add_argument("--dir", help="where the lists are kept (default: $MCVC_TRUST_DIR or the cache)")
    u.add_argument("--lotl", default=EU_LOTL, help=f"LOTL location (default {EU_LOTL})")
    u.add_argument(
        "--pin", action="append", default=[], metavar="PEM", help="LOTL-signing certificates"
    )
    u.add_argument("--territory", action="append", help="only these national lists (repeatable)")
    u.add_argument(
        "--ebsi",
        action="append",
        metavar="DID",
        help="instead: fetch this did:ebsi issuer's EBSI TIR record and DID document (repeatable)",
    )
    u.add_argument("--ebsi-api", default=EBSI_API, help=f"EBSI API base (default {EBSI_API})")
    u.add_argument("--allow-http", action="store_true", help="closed networks and tests only")
    u.add_argument("--allow-private", action="store_true", help="closed networks and tests only")
    u.set_defaults(func=lambda a: cmd_trust_update(a, usage))
    g = trust_sub.add_parser("sign", help="sign a trust list of your own for publication")
    g.add_argument("list")
    g.add_argument("--key", required=True)
    g.add_argument("-o", "--output")
    g.set_defaults(func=lambda a: cmd_trust_sign(a, usage))
    s = trust_sub.add_parser("show", help="what is stored, from when")
    s.add_argument("--dir")
    s.set_defaults(func=lambda a: cmd_trust_show(a, usage))
