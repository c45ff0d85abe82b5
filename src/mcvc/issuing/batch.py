"""Batch issuance: one credential per row, exactly once, on all cores, resumable after a crash.

For each row (CSV, XLSX, JSON Lines or a caller's mappings, see :mod:`.rows`): validate the learner's elements against the course template;
reserve a credential id and a random status index in the ledger (committed); sign in a worker
process; store the exact signed text in the ledger (committed); write the output file
atomically. A re-run skips rows already issued (rewriting a missing output file from the
ledger) and completes reserved rows with the same id and index.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ..clock import Clock, SystemClock
from ..errors import ElementsError, McvcError
from ..model.elements import MicroCredential, elements_from_dict
from .ledger import Ledger, LedgerError, Reservation, pack
from .rows import RowSource, read_rows

__all__ = ["BatchSummary", "TemplateError", "issue_batch", "read_rows", "row_elements"]

LEARNER_FIELDS = (
    "given_name",
    "family_name",
    "full_name",
    "date_of_birth",
    "subject_id",
    "email",
    "national_id",
    "national_id_country",
    "institutional_id",
    "institution_scheme",
)


@dataclass
class BatchSummary:
    issued: int = 0
    skipped: int = 0
    failed: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "issued": self.issued,
            "skipped": self.skipped,
            "failed": self.failed,
            "failures": self.failures,
        }


def row_elements(template: dict[str, Any], row: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """The elements of one learner's credential: the course template plus the row. The
    template is not changed; the parts a row changes are copied, the rest is shared (it is
    only read: validation builds new objects)."""
    elements: dict[str, Any] = dict(template)
    if isinstance(elements.get("assessment"), dict):
        elements["assessment"] = dict(elements["assessment"])
    learner = dict(elements.get("learner") or {})
    for name in LEARNER_FIELDS:
        value = row.get(name)
        if value not in (None, ""):
            learner[name] = value
    elements["learner"] = learner
    if row.get("grade"):
        lang = (elements.get("languages") or list(elements.get("title", {"en": ""})))[0]
        elements.setdefault("assessment", {})["grade"] = {lang: str(row["grade"])}
    for name in ("issued", "valid_from", "valid_until"):
        if row.get(name):
            elements[name] = row[name]
    if row.get("assessment_date"):
        elements.setdefault("assessment", {})["date"] = row["assessment_date"]
    elements.setdefault("issued", now.isoformat())
    return elements


def _file_name(row_key: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", row_key)[:80]
    return f"{slug}-{hashlib.sha256(row_key.encode()).hexdigest()[:10]}.json"


def remove_stale_temporaries(folder: Path) -> int:
    """Delete ``.NAME.PID.tmp`` files left by a process that no longer runs (killed mid-write)."""
    removed = 0
    for tmp in folder.glob(".*.tmp"):
        try:
            pid = int(tmp.name.rsplit(".", 2)[-2])
        except ValueError:
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
            removed += 1
        except PermissionError:
            continue
    return removed


def write_atomically(path: Path, text: str, *, sync: bool = True) -> None:
    """Write via a temporary file, fsync, rename, fsync the folder. ``sync=False`` leaves both
    fsyncs to the caller (:func:`sync_folder` once for a group of files)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)
    if sync:
        _fsync_path(path.parent)


def _syncfs() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _syncfs()


def sync_folder(folder: Path, names: list[str], *, syncfs: Any = _SYNCFS) -> None:
    """Make the files ``names`` in ``folder`` (written with ``sync=False``) and their renames
    durable. On Linux one syncfs(2) of the folder's file system does it for the whole group:
    one journal commit instead of one per file (0.3 ms of CPU per credential in a batch)."""
    if syncfs is not None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for name in names:
        _fsync_path(folder / name)
    _fsync_path(folder)


def _fsync_path(path: Path) -> None:
    """fsync a file or a folder (a folder's fsync makes the renames in it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- worker process ------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(key_path: str, suspension: bool, did: str | None = None) -> None:
    import signal

    from ..canon.api import Canonicalizer
    from ..canon.fast_rdf import SubtreeCache

    # Ctrl-C is the parent's to handle (it stops cleanly); workers finish their task
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["key"] = batch_key(key_path, did)
    # the credentials of a batch share the template's sub-trees (course, bodies, outcomes)
    _WORKER["canon"] = Canonicalizer(subtrees=SubtreeCache())
    _WORKER["suspension"] = suspension


_Signed = tuple[str, str, str, bytes]


def batch_key(key_path: str | Path, did: str | None) -> Any:
    """The issuer key of a batch, as its did:key or as the verification method of ``did``
    (did:web: the key must be in the DID document the institution publishes)."""
    from ..keys import load_key

    key = load_key(key_path)
    if did is None or did == key.controller_id:
        return key
    if not did.startswith("did:web:"):
        raise ValueError(f"--did must be a did:web (a did:key is the key's own), not {did!r}")
    return key.with_id(f"{did}#key-1", did)


class TemplateError(McvcError):
    """The course template itself does not validate: every row would fail the same way."""

    code = "ELEMENTS_INVALID"


# what a row may set (the rest of a credential comes from the template)
_ROW_PATHS = (
    "learner",
    "issued",
    "valid_from",
    "valid_until",
    "assessment.grade",
    "assessment.date",
)


def _is_row_issue(path: str) -> bool:
    return any(path == p or path.startswith((p + ".", p + "[")) for p in _ROW_PATHS)


MARKER = ".mcvc-batch"  # JSON; no .json suffix, so that *.json globs find only credentials


def _bind_folder(out: Path, ledger: Ledger, status_base: str, issuer: str) -> None:
    """An output folder belongs to one ledger: a second ledger would issue its rows again
    with new ids and reuse status indexes the first one handed out."""
    marker = out / MARKER
    mine = {
        "ledger_id": ledger.ledger_id,
        "ledger": ledger.display_url,
        "issuer": issuer,
        "status_base": status_base,
    }
    if marker.exists():
        try:
            theirs = json.loads(marker.read_text("utf-8"))
        except ValueError:
            theirs = {}
        if theirs.get("ledger_id") != mine["ledger_id"]:
            raise LedgerError(
                f"{out} holds credentials issued with the ledger {theirs.get('ledger', '?')}; this "
                f"run uses {mine['ledger']}. Use --ledger {theirs.get('ledger', '?')} (a second "
                "ledger would issue every row again and reuse its status indexes)",
                code="LEDGER_CONFLICT",
            )
        if theirs.get("status_base") not in (None, status_base):
            raise LedgerError(
                f"{out} was issued with --status-base {theirs['status_base']}, not {status_base}",
                code="LEDGER_CONFLICT",
            )
    write_atomically(marker, json.dumps(mine, indent=2) + "\n")


def _sign_rows(
    items: list[tuple[MicroCredential, Reservation]], issued_now: str
) -> list[_Signed | str]:
    """Several rows per task, so that the pool's per-task costs (pickling, pipes, futures,
    wake-ups) are paid once per group; a row that cannot be signed gives its reason."""
    out: list[_Signed | str] = []
    for elements, reservation in items:
        try:
            out.append(_sign_row(elements, reservation, issued_now))
        except McvcError as exc:
            out.append(str(exc))
    return out


def _sign_row(elements: MicroCredential, reservation: Reservation, issued_now: str) -> _Signed:
    from ..model.render import build_credential
    from ..proofs.engine import create_proof
    from ..signing import _with_di_context
    from .entries import with_status

    key = _WORKER["key"]
    # validated in the parent already; only the reserved id is new
    credential = build_credential(
        elements.model_copy(update={"id": reservation.credential_id}), issuer=key.controller_id
    )
    credential = with_status(credential, reservation, suspension=_WORKER["suspension"])
    # the credential was built here and is ours: add the proof in place instead of letting
    # sign() copy it (sign never mutates a caller's document)
    signed = _with_di_context(credential)
    signed["proof"] = create_proof(
        signed, key, created=datetime.fromisoformat(issued_now), canon=_WORKER["canon"]
    )
    # compact JSON: the C encoder (indent=2 falls back to the pure-Python one, ~1.5 ms per credential)
    text = json.dumps(signed, ensure_ascii=False, separators=(",", ":")) + "\n"
    return (text, *pack(reservation.row_key, text))


# --- the batch -----------------------------------------------------------------------------


class _Progress:
    def __init__(self, stream: TextIO | None, total: int | None) -> None:
        self.stream = stream
        self.total = total
        self.start = time.monotonic()
        self.last = 0.0
        self.done = 0

    def tick(self, summary: BatchSummary, force: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not force and now - self.last < 0.5:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        rate = summary.issued / elapsed
        done = summary.issued + summary.skipped + summary.failed
        eta = ""
        if self.total and rate > 0:
            eta = f"  ETA {max(self.total - done, 0) / rate:,.0f} s"
        total = f"/{self.total}" if self.total else ""
        end = "\n" if force else ""
        self.stream.write(
            f"\rissued {summary.issued} skipped {summary.skipped} failed {summary.failed}  {done}{total} rows  {rate:,.1f}/s{eta}   {end}"
        )
        self.stream.flush()


def issue_batch(
    rows: RowSource,
    template: dict[str, Any],
    *,
    key_path: str | Path,
    ledger: Ledger,
    out_dir: str | Path,
    status_base: str,
    workers: int | None = None,
    suspension: bool = False,
    clock: Clock | None = None,
    progress: TextIO | None = None,
    encoding: str | None = None,
    did: str | None = None,
) -> BatchSummary:
    """Issue one credential per row, exactly once (see the module's docstring).

    ``rows`` is a CSV, JSON Lines or XLSX file, or any iterable of mappings (one per learner,
    with a ``row_key``). A bad or repeated row is reported with its line and the others go
    on; a template that does not validate stops the batch once (:class:`TemplateError`). The
    ledger and ``out_dir`` are bound to the issuer and ``status_base`` at first use."""
    clock = clock or SystemClock()
    issuer = batch_key(key_path, did).controller_id
    ledger.bind(status_base, issuer, now=clock.now())
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _bind_folder(out, ledger, status_base, issuer)
    remove_stale_temporaries(out)
    summary = BatchSummary()
    total = None
    if (
        progress is not None
        and isinstance(rows, (str, Path))
        and Path(rows).suffix.lower() in (".csv", ".txt", ".jsonl", ".ndjson")
    ):
        with Path(rows).open("rb") as fh:
            total = max(
                sum(1 for line in fh if line.strip())
                - (0 if Path(rows).suffix.lower() in (".jsonl", ".ndjson") else 1),
                0,
            )
    seen: dict[str, int] = {}
    template_checked = False
    bar = _Progress(progress, total)
    workers = workers or os.cpu_count() or 1
    pending: dict[Future[list[_Signed | str]], list[int]] = {}
    # enough queued work to keep the workers busy while the parent commits and syncs a group
    per_task = 8
    limit = workers * 8
    group = 64
    ready: list[_Signed] = []

    writer = ThreadPoolExecutor(max_workers=1)
    writes: list[Future[None]] = []

    def write_group(group_items: list[_Signed]) -> None:
        names = [_file_name(row_key) for _text, row_key, _sha, _blob in group_items]
        for (text, *_rest), name in zip(group_items, names, strict=True):
            write_atomically(out / name, text, sync=False)
        sync_folder(out, names)

    def flush() -> None:
        # One ledger transaction for the group, then the files, written by a thread so that
        # signing goes on while they are fsync'd. A crash between commit and files leaves issued
        # rows whose files the next run rewrites from the ledger's exact bytes.
        if not ready:
            return
        ledger.complete_packed(
            [(key, sha, blob) for _text, key, sha, blob in ready], now=clock.now()
        )
        writes.append(writer.submit(write_group, list(ready)))
        summary.issued += len(ready)
        ready.clear()
        bar.tick(summary)

    def collect(block: bool) -> None:
        if not pending:
            return
        done, _ = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for fut in done:
            linenos = pending.pop(fut)
            for lineno, result in zip(linenos, fut.result(), strict=True):
                if isinstance(result, str):
                    summary.failed += 1
                    summary.failures.append({"line": lineno, "reason": result})
                else:
                    ready.append(result)
        if len(ready) >= group:
            flush()

    def submit(
        chunk: list[tuple[int, str, MicroCredential, str]], pool: ProcessPoolExecutor
    ) -> None:
        if not chunk:
            return
        now = clock.now()
        reservations = ledger.reserve_many(
            [(key, ref) for _, key, _, ref in chunk], status_base=status_base, now=now
        )
        for start in range(0, len(chunk), per_task):
            part = chunk[start : start + per_task]
            while len(pending) >= limit:
                collect(block=True)
            fut = pool.submit(
                _sign_rows,
                [(elements, reservations[row_key]) for _, row_key, elements, _ref in part],
                now.isoformat(),
            )
            pending[fut] = [lineno for lineno, *_rest in part]
        chunk.clear()

    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(str(key_path), suspension, did)
    ) as pool:
        chunk: list[tuple[int, str, MicroCredential, str]] = []
        batch_rows: list[tuple[int, dict[str, Any] | str]] = []

        def process_rows() -> None:
            nonlocal template_checked
            keys = [
                str(r.get("row_key") or "").strip() for _, r in batch_rows if isinstance(r, dict)
            ]
            known = ledger.get_many([k for k in keys if k])
            for lineno, row in batch_rows:
                if isinstance(row, str):
                    summary.failed += 1
                    summary.failures.append({"line": lineno, "reason": row})
                    continue
                row_key = str(row.get("row_key") or "").strip()
                if not row_key:
                    summary.failed += 1
                    summary.failures.append({"line": lineno, "reason": "row_key is missing"})
                    continue
                if row_key in seen:
                    summary.failed += 1
                    summary.failures.append(
                        {
                            "line": lineno,
                            "row_key": row_key,
                            "reason": f"row_key {row_key!r} repeats line {seen[row_key]}; this "
                            "row was not issued",
                        }
                    )
                    continue
                seen[row_key] = lineno
                existing = known.get(row_key)
                if existing is not None and existing.state == "issued":
                    target = out / _file_name(row_key)
                    if existing.signed is not None and (
                        not target.exists()
                        or target.read_bytes() != existing.signed.encode("utf-8")
                    ):
                        write_atomically(target, existing.signed)
                    summary.skipped += 1
                    continue
                try:
                    elements = row_elements(template, row, now=clock.now())
                    mc = elements_from_dict(elements)
                except ElementsError as exc:
                    if not template_checked and not any(
                        _is_row_issue(i["path"]) for i in exc.issues
                    ):
                        raise TemplateError(
                            "the course template does not validate (no row was issued): "
                            + "; ".join(f"{i['path']}: {i['message']}" for i in exc.issues),
                            issues=exc.issues,
                        ) from None
                    summary.failed += 1
                    summary.failures.append(
                        {
                            "line": lineno,
                            "row_key": row_key,
                            "reason": "; ".join(f"{i['path']}: {i['message']}" for i in exc.issues),
                        }
                    )
                    continue
                template_checked = True
                learner = (
                    mc.learner.subject_id
                    or mc.learner.institutional_id
                    or f"{mc.learner.given_name} {mc.learner.family_name}"
                )
                chunk.append((lineno, row_key, mc, learner))
            batch_rows.clear()
            submit(chunk, pool)
            collect(block=False)
            bar.tick(summary)

        for lineno, row in read_rows(rows, encoding=encoding):
            batch_rows.append((lineno, row))
            if len(batch_rows) >= group:
                process_rows()
        process_rows()
        while pending:
            collect(block=True)
        flush()
    writer.shutdown(wait=True)
    for write in writes:
        write.result()  # a failed write is an error of the batch, not a silent loss
    bar.tick(summary, force=True)
    return summary


def main_summary(summary: BatchSummary, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(
        f"issued {summary.issued}, skipped as already issued {summary.skipped}, failed {summary.failed}\n"
    )
    for failure in summary.failures:
        where = f"line {failure['line']}"
        if failure.get("row_key"):
            where += f" ({failure['row_key']})"
        stream.write(f"  {where}: {failure['reason']}\n")
