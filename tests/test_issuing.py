"""Issuance ledger and batches on SQLite and PostgreSQL: exactly once under kill -9, random
never-reused status indexes, and a revocation round trip through a real local HTTP server.

PostgreSQL runs when MCVC_TEST_POSTGRES_URL names a server (.ci/run starts one and sets
MCVC_REQUIRE_POSTGRES=1, which turns its absence into a failure)."""

from __future__ import annotations

import csv
import functools
import http.server
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from mcvc import FetchPolicy, FixedClock, load_key, verify
from mcvc.issuing.batch import issue_batch, row_elements, write_atomically
from mcvc.issuing.ledger import Ledger, LedgerError
from mcvc.issuing.publish import list_signer, publish

ROOT = Path(__file__).resolve().parents[1]
KEY = ROOT / "keys" / "demo-ed25519.json"
TEMPLATE = json.loads((ROOT / "examples" / "course-template.json").read_text())
PG_URL = os.environ.get("MCVC_TEST_POSTGRES_URL", "")
if not PG_URL and os.environ.get("MCVC_REQUIRE_POSTGRES") == "1":
    raise RuntimeError("MCVC_REQUIRE_POSTGRES=1 but MCVC_TEST_POSTGRES_URL is not set")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql", marks=pytest.mark.skipif(not PG_URL, reason="no PostgreSQL (see .ci/run)")
    ),
]
NOW = datetime(2026, 7, 14, 20, 0, tzinfo=UTC)
BASE = "https://status.uni.example/lists/"


@pytest.fixture(params=BACKENDS)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    name = f"mcvc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _rows(path: Path, n: int, *, bad: dict[int, dict[str, str]] | None = None) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(
            fh, fieldnames=["row_key", "given_name", "family_name", "date_of_birth", "grade"]
        )
        writer.writeheader()
        for i in range(n):
            row = {
                "row_key": f"R{i:05d}",
                "given_name": f"Learner{i}",
                "family_name": "Test",
                "date_of_birth": "2000-01-01",
                "grade": "B",
            }
            row.update((bad or {}).get(i, {}))
            writer.writerow(row)
    return path


def test_batch_is_idempotent_and_reports_bad_rows(ledger_url: str, tmp_path: Path) -> None:
    rows = _rows(
        tmp_path / "rows.csv", 6, bad={2: {"date_of_birth": "17.04.2001"}, 4: {"row_key": ""}}
    )
    ledger = Ledger(ledger_url)
    out = tmp_path / "out"
    first = issue_batch(
        rows, TEMPLATE, key_path=KEY, ledger=ledger, out_dir=out, status_base=BASE, workers=2
    )
    assert (first.issued, first.skipped, first.failed) == (4, 0, 2)
    lines = sorted(f["line"] for f in first.failures)
    assert lines == [4, 6]  # header is line 1
    assert any("learner.date_of_birth" in f["reason"] for f in first.failures)
    files = sorted(out.glob("*.json"))
    assert len(files) == 4
    originals = {f.name: f.read_bytes() for f in files}
    files[0].unlink()
    # what a crash before the group's sync can leave: an empty file and a torn, non-UTF-8 one
    files[1].write_bytes(b"")
    files[2].write_bytes(originals[files[2].name][:100] + b"\xff\xfe")
    second = issue_batch(
        rows, TEMPLATE, key_path=KEY, ledger=ledger, out_dir=out, status_base=BASE, workers=2
    )
    assert (second.issued, second.skipped) == (0, 4)
    assert {f.name: f.read_bytes() for f in out.glob("*.json")} == originals, (
        "missing, empty and torn output files are rewritten from the ledger"
    )
    record = ledger.get("R00000")
    assert record is not None and record.signed is not None
    assert json.loads(record.signed)["credentialStatus"]["statusListIndex"] == str(
        record.status_index
    )
    report = verify(record.signed, now=datetime(2026, 11, 1, tzinfo=UTC))
    assert report.check("proof").code == "OK"  # type: ignore[union-attr]
    ledger.close()


def test_row_elements_leave_the_template_alone() -> None:
    template = json.loads(json.dumps(TEMPLATE))
    before = json.dumps(template, sort_keys=True)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    first = row_elements(
        template,
        {"given_name": "A", "family_name": "B", "grade": "1.3", "assessment_date": "2026-10-01"},
        now=now,
    )
    second = row_elements(template, {"given_name": "C", "family_name": "D"}, now=now)
    assert json.dumps(template, sort_keys=True) == before
    assert first["learner"]["given_name"] == "A" and second["learner"]["given_name"] == "C"
    assert "grade" in first["assessment"] and first["assessment"]["date"] == "2026-10-01"
    assert second["assessment"] == template.get("assessment")


@pytest.mark.parametrize("syncfs", ["system", "failing", "absent"])
def test_sync_folder(tmp_path: Path, syncfs: str) -> None:
    from mcvc.issuing.batch import _SYNCFS, sync_folder

    calls: list[int] = []

    def failing(fd: int) -> int:
        calls.append(fd)
        return -1

    chosen = {"system": _SYNCFS, "failing": failing, "absent": None}[syncfs]
    names = []
    for i in range(3):
        write_atomically(tmp_path / f"f{i}.json", f"{i}\n", sync=False)
        names.append(f"f{i}.json")
    sync_folder(tmp_path, names, syncfs=chosen)  # falls back to fsync per file when needed
    assert [(tmp_path / n).read_text() for n in names] == ["0\n", "1\n", "2\n"]
    assert len(calls) == (1 if syncfs == "failing" else 0)
    with pytest.raises(FileNotFoundError):
        sync_folder(tmp_path, ["missing.json"], syncfs=None)


def test_indexes_random_and_unique(ledger_url: str) -> None:
    ledger = Ledger(ledger_url)
    indexes = [ledger.reserve(f"k{i}", status_base=BASE, now=NOW).status_index for i in range(300)]
    assert len(set(indexes)) == 300
    ascending = sum(1 for a, b in itertools.pairwise(indexes) if b == a + 1)
    assert ascending < 5, "indexes are not sequential"
    again = ledger.reserve("k7", status_base=BASE, now=NOW)
    assert again.status_index == indexes[7], "a reservation is found again, never re-allocated"
    ledger.complete("k7", "{}", now=NOW)
    with pytest.raises(LedgerError):
        ledger.complete("k7", "{}", now=NOW)
    ledger.close()


def _run_batch(
    rows: Path, out: Path, ledger_url: str, log: Path, workers: int = 2
) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "mcvc.cli",
        "issue-batch",
        str(rows),
        "--template",
        str(ROOT / "examples" / "course-template.json"),
        "--key",
        str(KEY),
        "--out",
        str(out),
        "--ledger",
        ledger_url,
        "--status-base",
        BASE,
        "--workers",
        str(workers),
        "--quiet",
    ]
    with log.open("ab") as sink:
        return subprocess.Popen(cmd, stdout=sink, stderr=sink, start_new_session=True)


@pytest.mark.slow
def test_crash_injection_exactly_once(ledger_url: str, tmp_path: Path) -> None:
    n = 1000
    rows = _rows(tmp_path / "rows.csv", n)
    out = tmp_path / "out"
    rng = random.Random(20261123)
    watcher = Ledger(ledger_url)
    caught_between = 0
    # Each run is killed when the ledger shows rows reserved and not yet issued, after a
    # different number of issued rows: the kill lands between reservation and issuance by
    # construction, not by a lucky sleep.
    for issued_before in (0, 150, 400, 700):
        # one worker for the runs that get killed, so each run is slow enough to be interrupted
        proc = _run_batch(rows, out, ledger_url, tmp_path / "batch.log", workers=1)
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                counts = watcher.counts()
            except Exception:  # the batch may still be creating the tables
                counts = {}
            if counts.get("reserved", 0) > 0 and counts.get("issued", 0) >= issued_before:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
        proc.wait()
        after = watcher.counts()
        if after.get("reserved", 0) > 0:
            caught_between += 1
    assert caught_between >= 3, "the batch must have been killed between reserving and issuing"
    final = _run_batch(rows, out, ledger_url, tmp_path / "batch.log")
    final.wait(timeout=600)
    assert final.returncode == 0, (tmp_path / "batch.log").read_text()[-2000:]
    watcher.close()
    ledger = Ledger(ledger_url)
    assert ledger.counts() == {"issued": n}
    records = list(ledger.issued())
    assert len({r.row_key for r in records}) == n
    assert len({(r.status_list, r.status_index) for r in records}) == n
    assert len({r.credential_id for r in records}) == n
    files = sorted(out.glob("*.json"))
    assert len(files) == n
    assert not list(out.glob(".*.tmp")), "no partial files are left behind"
    by_id = {r.credential_id: r for r in records}
    for path in files:
        doc = json.loads(path.read_text())
        record = by_id[doc["id"]]
        assert path.read_text() == record.signed
        assert doc["credentialStatus"]["statusListIndex"] == str(record.status_index)
    for path in rng.sample(files, 5):
        assert (
            verify(path.read_bytes(), now=datetime(2026, 11, 1, tzinfo=UTC)).check("proof").code
            == "OK"
        )  # type: ignore[union-attr]
    ledger.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_revocation_round_trip_over_http(ledger_url: str, tmp_path: Path) -> None:
    status_dir = tmp_path / "status"
    status_dir.mkdir()
    handler = functools.partial(_Quiet, directory=str(status_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}/lists/"
    (status_dir / "lists").mkdir()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    key = load_key(KEY)
    signer = list_signer(key, lambda: NOW)
    policy = FetchPolicy(allow_private=True, allow_http=True)
    checked_at = datetime(2026, 8, 1, tzinfo=UTC)
    try:
        ledger = Ledger(ledger_url)
        rows = _rows(tmp_path / "rows.csv", 3)
        issue_batch(
            rows,
            TEMPLATE,
            key_path=KEY,
            ledger=ledger,
            out_dir=tmp_path / "out",
            status_base=base,
            workers=1,
            clock=FixedClock(NOW),
        )
        publish(ledger, status_dir / "lists", signer=signer, now=NOW)
        record = ledger.get("R00001")
        assert record is not None and record.signed is not None
        import httpx

        with httpx.Client() as client:
            report = verify(
                record.signed, now=checked_at, http=client, fetch_policy=policy, policy="vc-api"
            )
            assert report.outcome == "verified", report.to_json()
            ledger.set_status(record.credential_id, "revocation", 1, sign_list=signer, now=NOW)
            publish(ledger, status_dir / "lists", signer=signer, now=NOW)
            report = verify(
                record.signed, now=checked_at, http=client, fetch_policy=policy, policy="vc-api"
            )
            assert report.outcome == "failed" and report.check("status").code == "REVOKED"  # type: ignore[union-attr]
            other = ledger.get("R00002")
            assert other is not None and other.signed is not None
            assert (
                verify(
                    other.signed, now=checked_at, http=client, fetch_policy=policy, policy="vc-api"
                ).outcome
                == "verified"
            )
            server.shutdown()
            server.server_close()
            report = verify(
                other.signed, now=checked_at, http=client, fetch_policy=policy, policy="vc-api"
            )
            assert report.outcome == "inconclusive"
            assert report.check("status").code == "STATUS_RETRIEVAL_ERROR"  # type: ignore[union-attr]
        ledger.close()
    finally:
        server.server_close()


def test_suspension_and_unsuspension(ledger_url: str, tmp_path: Path) -> None:
    ledger = Ledger(ledger_url)
    rows = _rows(tmp_path / "rows.csv", 1)
    issue_batch(
        rows,
        TEMPLATE,
        key_path=KEY,
        ledger=ledger,
        out_dir=tmp_path / "out",
        status_base=BASE,
        workers=1,
        suspension=True,
    )
    record = ledger.get("R00000")
    assert record is not None
    signer = list_signer(load_key(KEY), lambda: NOW)
    url = ledger.set_status("R00000", "suspension", 1, sign_list=signer, now=NOW)
    assert url.endswith("-suspension")
    assert ledger.bits(record.status_list, "suspension").value(record.status_index) == 1
    ledger.set_status("R00000", "suspension", 0, sign_list=signer, now=NOW)
    assert ledger.bits(record.status_list, "suspension").value(record.status_index) == 0
    with pytest.raises(LedgerError):
        ledger.set_status("nope", "revocation", 1, sign_list=signer, now=NOW)
    ledger.close()
