"""The service under hostile load (issue 13, case 2): a verification past its deadline is
stopped, not abandoned; one client cannot take every verification slot."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from mcvc import build_credential, elements_from_dict, load_key, sign
from mcvc.service.slots import Slots

from .conftest import ROOT, load
from .service_helpers import DEMO_KEY, base_config, free_port, running, serve_process

E = "https://ex.org/"


def _signed() -> dict[str, Any]:
    key = load_key(DEMO_KEY)
    elements = elements_from_dict(load(ROOT / "examples" / "microcredential.json"))
    return sign(build_credential(elements, issuer=key.controller_id), key)


def _heavy(lists: int) -> dict[str, Any]:
    """A signed credential with ``lists`` one-item lists added to its subject: the lists take
    the reference JSON-LD path (about 50 µs each), and the signature fails only after it."""
    doc = _signed()
    subject = doc["credentialSubject"]
    subject = subject[0] if isinstance(subject, list) else subject
    subject[E + "v"] = [{"@list": [f"x{i}"]} for i in range(lists)]
    return doc


# --- slots ------------------------------------------------------------------------------------


def test_slots_cap_each_client_and_all() -> None:
    async def scenario() -> None:
        slots = Slots(total=3, per_client=2)
        await slots.acquire("a", 1)
        await slots.acquire("a", 1)
        with pytest.raises(TimeoutError):
            await slots.acquire("a", 0.05)  # a's own two are taken
        await slots.acquire("b", 1)  # b is not held up by a
        with pytest.raises(TimeoutError):
            await slots.acquire("c", 0.05)  # all three are taken
        assert slots.busy("a") == 2 and slots.busy("c") == 0
        slots.release("a")
        await slots.acquire("c", 1)
        for client in ("a", "b", "c"):
            slots.release(client)
        assert slots.busy("a") == slots.busy("b") == slots.busy("c") == 0
        await asyncio.gather(*(slots.acquire(x, 1) for x in ("a", "b", "c")))

    asyncio.run(scenario())


def test_a_waiting_client_gets_the_freed_slot() -> None:
    async def scenario() -> None:
        slots = Slots(total=1, per_client=1)
        await slots.acquire("a", 1)
        waiter = asyncio.create_task(slots.acquire("b", 1))
        await asyncio.sleep(0.01)
        assert not waiter.done()
        slots.release("a")
        await waiter
        assert slots.busy("b") == 1 and slots.busy("a") == 0

    asyncio.run(scenario())


# --- deadline in the service ------------------------------------------------------------------


def test_verification_past_its_deadline_answers_timeout(tmp_path: Path) -> None:
    port = free_port()
    config = base_config(
        port,
        f"sqlite:///{tmp_path / 'ledger.db'}",
        limits={"request_timeout": 0.1, "verify_processes": True},
        verify={"max_values": 1_000_000},
    )
    with running(config) as url:
        answer = httpx.post(
            f"{url}/credentials/verify", json={"verifiableCredential": _heavy(40_000)}, timeout=60
        )
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert [w["title"] for w in body["warnings"]] == ["TIMEOUT"]
    assert body["outcome"] == "inconclusive"


def test_value_limit_is_the_services_setting(tmp_path: Path) -> None:
    port = free_port()
    config = base_config(port, f"sqlite:///{tmp_path / 'ledger.db'}")
    with running(config) as url:
        answer = httpx.post(
            f"{url}/credentials/verify", json={"verifiableCredential": _heavy(4_000)}, timeout=60
        )
    assert answer.status_code == 400
    assert [p["title"] for p in answer.json()["problemDetails"]] == ["VALUE_LIMIT"]


def _cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and every process below it, from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    family = {pid}
    grew = True
    while grew:
        below = {p for p, parent in parents.items() if parent in family} - family
        family |= below
        grew = bool(below)
    return sum(times.get(p, 0.0) for p in family)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_hostile_stream_stops_with_its_answers(tmp_path: Path) -> None:
    """Eight requests that would take seconds each are stopped at their deadline; the server
    is idle after answering them; another client's valid verifications keep being answered
    meanwhile (from 127.0.0.2, so the hostile client's slot cap applies to it alone)."""
    port = free_port()
    config = base_config(
        port,
        f"sqlite:///{tmp_path / 'ledger.db'}",
        limits={
            "request_timeout": 0.5,
            "verify_concurrency": 4,
            "verify_per_client": 2,
            "verify_processes": True,
        },
        verify={"max_values": 1_000_000},
    )
    heavy = json.dumps({"verifiableCredential": _heavy(60_000)}).encode()
    valid = {"verifiableCredential": _signed()}
    with serve_process(config, tmp_path) as url:
        other = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
        endpoint = f"{url}/credentials/verify"

        def timed_valid() -> tuple[float, int]:
            start = time.perf_counter()
            answer = other.post(endpoint, json=valid, timeout=60)
            return time.perf_counter() - start, answer.status_code

        for _ in range(16):  # every worker process has processed the contexts once
            timed_valid()
        baseline = [timed_valid() for _ in range(8)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            hostile = [
                pool.submit(
                    httpx.post,
                    endpoint,
                    content=heavy,
                    headers={"Content-Type": "application/json"},
                    timeout=60,
                )
                for _ in range(8)
            ]
            during = [timed_valid() for _ in range(8)]
            answers = [f.result() for f in hostile]
        time.sleep(0.3)  # let the answers' own bookkeeping settle
        before = _cpu_seconds(url.pid)
        time.sleep(1.0)
        busy = _cpu_seconds(url.pid) - before
        other.close()
    assert [code for _, code in baseline + during] == [200] * 16, (baseline, during)
    for answer in answers:
        # stopped at the deadline (422 TIMEOUT), no slot in time (503 BUSY), or the body
        # itself was slower than the deadline (408)
        assert answer.status_code in (408, 422, 503), answer.text
        titles = [w["title"] for w in answer.json().get("warnings", [])]
        assert titles == ["TIMEOUT"] or answer.json().get("code") in ("BUSY", "REQUEST_TIMEOUT"), (
            answer.text
        )
    # a thread computing on after its answer would show as close to a full second here
    assert busy < 0.25, f"the server used {busy:.2f} s of CPU in the second after answering"
    print(
        "valid verification latency, median: "
        f"{statistics.median(t for t, _ in baseline) * 1000:.1f} ms alone, "
        f"{statistics.median(t for t, _ in during) * 1000:.1f} ms under the hostile stream; "
        f"server CPU after the answers: {busy:.3f} s/s"
    )


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_worker_processes_end_with_a_killed_server(tmp_path: Path) -> None:
    import signal

    port = free_port()
    config = base_config(
        port,
        f"sqlite:///{tmp_path / 'ledger.db'}",
        limits={"verify_processes": True, "verify_concurrency": 2},
    )
    with serve_process(config, tmp_path) as url:
        workers = _children(url.pid)
        assert len(workers) >= 2  # the pool (and multiprocessing's resource tracker)
        os.kill(url.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        alive = workers
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = {p for p in workers if _running(p)}
    assert not alive, f"worker processes {sorted(alive)} outlived the server"
