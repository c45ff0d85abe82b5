"""``mcvc serve`` as operators run it: worker processes, replicas sharing one ledger
(PostgreSQL when MCVC_TEST_POSTGRES_URL is set, as in CI; else one SQLite file), and a bounded
load test on loopback that reports requests per second for 1 and 2 workers."""

from __future__ import annotations

import concurrent.futures
import json
import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import build_credential, elements_from_dict, load_key, sign
from mcvc.service.loadtest import run_load

from .conftest import ROOT, load
from .service_helpers import DEMO_KEY, TOKEN, base_config, free_port, serve_process

PG_URL = os.environ.get("MCVC_TEST_POSTGRES_URL", "")
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _unsigned() -> dict[str, Any]:
    elements = elements_from_dict(load(ROOT / "examples" / "microcredential.json"))
    return build_credential(elements, issuer=load_key(DEMO_KEY).controller_id)


def test_replicas_share_the_ledger(tmp_path: Path) -> None:
    ledger = PG_URL or f"sqlite:///{tmp_path / 'shared.db'}"
    public = free_port()
    config = base_config(public, ledger, limits={"verify_processes": True})
    unsigned = _unsigned()
    unsigned["id"] = f"urn:uuid:{uuid.uuid4()}"  # the PostgreSQL ledger outlives this test
    body = {"credential": unsigned, "options": {"credentialId": unsigned["id"]}}
    with (
        serve_process(config, tmp_path, "--workers", "2") as a,
        serve_process(config, tmp_path, port=free_port()) as b,
    ):
        urls = [a, b] * 4
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda u: httpx.post(
                        f"{u}/credentials/issue", json=body, headers=AUTH, timeout=60
                    ),
                    urls,
                )
            )
        assert sorted(r.status_code for r in answers) == [200] * 7 + [201], [
            r.text for r in answers
        ]
        assert len({r.content for r in answers}) == 1
        vc = answers[0].json()["verifiableCredential"]

        revoke = {
            "credentialId": unsigned["id"],
            "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
            "status": True,
        }
        assert (
            httpx.post(f"{b}/credentials/status", json=revoke, headers=AUTH, timeout=60).status_code
            == 200
        )
        # the list is served from the shared ledger by whichever replica is asked
        listed_a = httpx.get(vc["credentialStatus"][0]["statusListCredential"])
        listed_b = httpx.get(vc["credentialStatus"][0]["statusListCredential"].replace(a, b))
        assert listed_a.status_code == listed_b.status_code == 200
        assert listed_a.headers["ETag"] == listed_b.headers["ETag"]
        verdict = httpx.post(
            f"{a}/credentials/verify", json={"verifiableCredential": vc}, timeout=60
        )
        assert verdict.status_code == 400
        assert [p["title"] for p in verdict.json()["problemDetails"]] == ["REVOKED"]


@pytest.fixture(scope="module")
def load_body() -> bytes:
    # no credentialStatus: the load test measures verification, not status list fetches
    signed = sign(_unsigned(), load_key(DEMO_KEY))
    return json.dumps({"verifiableCredential": signed}).encode()


@pytest.mark.parametrize(("workers", "processes"), [(1, True), (2, True), (1, False)])
def test_bounded_verify_load(
    tmp_path: Path, workers: int, processes: bool, load_body: bytes
) -> None:
    port = free_port()
    config = base_config(
        port, f"sqlite:///{tmp_path / 'l.db'}", limits={"verify_processes": processes}
    )
    with serve_process(config, tmp_path, "--workers", str(workers)) as url:
        result = run_load(
            f"{url}/credentials/verify", load_body, requests=400, seconds=15, concurrency=4
        )
    mode = "worker processes" if processes else "threads"
    print(f"\nverify load, {workers} server process(es), {mode}: {json.dumps(result)}")
    assert result["errors"] == 0, result
    assert result["requests"] >= 20  # it ran: a count, not a speed
