"""Issue/verify throughput of mcvc beside the reference JavaScript stack, in one invocation.

    .venv/bin/python benchmarks/run.py [--quick] [--out benchmarks/results.json]

Per document and suite: credentials issued per second (``mcvc.sign``) and verified per
second (``mcvc.verify``, the full pipeline) in one process; the reference stack
(``../shared/bench/peer-bench.js``, eddsa-rdfc-2022) runs on the same documents when node is
present, from a temporary copy (nothing is installed into ../shared), and the ratio is printed.
Also the wall time of ``mcvc verify FILE`` beside ``node dbvc.js verify FILE``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT / "src"))

import mcvc  # noqa: E402
from mcvc.keys import generate_key  # noqa: E402

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def documents() -> dict[str, dict[str, Any]]:
    example = json.loads((ROOT / "examples" / "microcredential.json").read_text())
    return {
        "w3c-vector": json.loads(
            (SHARED / "vectors/vc-di-eddsa/TestVectors/unsigned.json").read_text()
        ),
        "example-edc": mcvc.build_credential(example, profile="edc"),
        "example-vc2": mcvc.build_credential(example, profile="vc2"),
        "europass-annex1": json.loads(
            (SHARED / "vectors/edc/samples/elm-v3-mc-annex1-unsigned.jsonld").read_text()
        ),
    }


def _with_issuer(doc: dict[str, Any], did: str) -> dict[str, Any]:
    out = dict(doc)
    out.pop("proof", None)
    out["issuer"] = {**doc["issuer"], "id": did} if isinstance(doc.get("issuer"), dict) else did
    if (
        "https://www.w3.org/2018/credentials/v1" in out.get("@context", [])
        and "issuanceDate" not in out
    ):
        out["issuanceDate"] = "2026-01-01T00:00:00Z"  # what the reference's vc.issue() adds
    return out


def _rate(fn: Any, n: int) -> float:
    for _ in range(3):
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - start)


def bench_mcvc(docs: dict[str, dict[str, Any]], n: int) -> list[dict[str, Any]]:
    rows = []
    for suite, kind in (
        ("eddsa-rdfc-2022", "ed25519"),
        ("ecdsa-rdfc-2019", "p256"),
        ("eddsa-jcs-2022", "ed25519"),
        ("ecdsa-jcs-2019", "p256"),
    ):
        key = generate_key(kind)  # type: ignore[arg-type]
        for name, doc in docs.items():
            cred = _with_issuer(doc, key.did_key)
            signed = mcvc.sign(cred, key, suite=suite)
            report = mcvc.verify(signed, now=NOW)
            assert report.check("proof").code == "OK", (name, suite, report.to_json())  # type: ignore[union-attr]
            rows.append(
                {
                    "document": name,
                    "suite": suite,
                    "issue_per_s": round(
                        _rate(
                            lambda cred=cred, key=key, suite=suite: mcvc.sign(
                                cred, key, suite=suite
                            ),
                            n,
                        ),
                        1,
                    ),
                    "verify_per_s": round(
                        _rate(lambda signed=signed: mcvc.verify(signed, now=NOW), n), 1
                    ),
                }
            )
    return rows


def _reference_tree() -> Path | None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        return None
    tmp = Path(tempfile.mkdtemp(prefix="mcvc-bench-"))
    shutil.copytree(SHARED / "bench", tmp / "bench")
    shutil.copytree(SHARED / "interop" / "dbvc", tmp / "interop" / "dbvc")
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=tmp / "interop" / "dbvc",
        check=True,
        capture_output=True,
    )
    return tmp


def bench_reference(
    tree: Path, docs: dict[str, dict[str, Any]], n: int
) -> dict[str, dict[str, float]]:
    env = {**os.environ, "DBVC_CONTEXTS_DIR": str(SHARED / "vectors" / "contexts")}
    out = {}
    for name, doc in docs.items():
        path = tree / f"{name}.json"
        path.write_text(json.dumps(_with_issuer(doc, "did:example:placeholder")))
        result = subprocess.run(
            ["node", str(tree / "bench" / "peer-bench.js"), str(path), str(n)],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            print(f"reference failed on {name}: {result.stderr.strip()[:300]}", file=sys.stderr)
            continue
        data = json.loads(result.stdout.strip().splitlines()[-1])
        out[name] = {"issue_per_s": data["issue_per_s"], "verify_per_s": data["verify_per_s"]}
    return out


def cli_wall_time(tree: Path | None, runs: int) -> dict[str, float]:
    key = generate_key()
    doc = mcvc.sign(_with_issuer(documents()["example-edc"], key.did_key), key)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "credential.json"
        path.write_text(json.dumps(doc))
        mcvc_cmd = [str(ROOT / ".venv" / "bin" / "mcvc"), "verify", str(path)]
        if not Path(mcvc_cmd[0]).exists():
            mcvc_cmd = [sys.executable, "-m", "mcvc.cli", "verify", str(path)]
        out = {"mcvc_verify_s": _median_wall(mcvc_cmd, runs)}
        if tree is not None:
            env = {**os.environ, "DBVC_CONTEXTS_DIR": str(SHARED / "vectors" / "contexts")}
            out["node_dbvc_verify_s"] = _median_wall(
                ["node", str(tree / "interop" / "dbvc" / "dbvc.js"), "verify", str(path)], runs, env
            )
    return out


def _median_wall(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, env=env)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def bench_batch(rows: int) -> dict[str, Any]:
    """``mcvc issue-batch`` of ``rows`` learners on all cores: credentials/s and peak memory."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.jsonl"
        with path.open("w") as fh:
            for i in range(rows):
                fh.write(
                    json.dumps(
                        {
                            "row_key": f"B{i:07d}",
                            "given_name": f"L{i}",
                            "family_name": "Bench",
                            "grade": "A",
                        }
                    )
                    + "\n"
                )
        cmd = [
            sys.executable,
            "-m",
            "mcvc.cli",
            "issue-batch",
            str(path),
            "--template",
            str(ROOT / "examples" / "course-template.json"),
            "--key",
            str(ROOT / "keys" / "demo-ed25519.json"),
            "--out",
            str(Path(tmp) / "out"),
            "--ledger",
            f"sqlite:///{Path(tmp) / 'ledger.db'}",
            "--status-base",
            "https://status.example/lists/",
            "--quiet",
        ]
        # a fresh wrapper process, so the peak covers the batch and its workers only
        wrapper = (
            "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        peak_kib = int(done.stdout.strip().splitlines()[-1])
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "per_s": round(rows / seconds, 1),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "cores": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument(
        "--batch", type=int, default=0, help="also time issue-batch of this many rows (e.g. 10000)"
    )
    args = parser.parse_args()
    n = 30 if args.quick else 200
    docs = documents()
    tree = _reference_tree()
    try:
        rows = bench_mcvc(docs, n)
        reference = bench_reference(tree, docs, n) if tree else {}
        wall = cli_wall_time(tree, 5 if args.quick else 15)
    finally:
        if tree:
            shutil.rmtree(tree, ignore_errors=True)
    for row in rows:
        ref = reference.get(row["document"])
        if ref and row["suite"] == "eddsa-rdfc-2022":
            row["reference_issue_per_s"] = ref["issue_per_s"]
            row["reference_verify_per_s"] = ref["verify_per_s"]
            row["issue_ratio"] = round(row["issue_per_s"] / ref["issue_per_s"], 2)
            row["verify_ratio"] = round(row["verify_per_s"] / ref["verify_per_s"], 2)
    result: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "n": n,
        "python": sys.version.split()[0],
        "rows": rows,
        "cli": wall,
    }
    if args.batch:
        result["batch"] = bench_batch(args.batch)
        print("issue-batch:", result["batch"])
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(
        f"{'document':<17} {'suite':<16} {'issue/s':>8} {'verify/s':>9} {'ref issue':>9} {'ref verify':>10} {'ratio i/v':>10}"
    )
    for r in rows:
        ratio = f"{r['issue_ratio']}/{r['verify_ratio']}" if "issue_ratio" in r else ""
        print(
            f"{r['document']:<17} {r['suite']:<16} {r['issue_per_s']:>8} {r['verify_per_s']:>9} {r.get('reference_issue_per_s', ''):>9} {r.get('reference_verify_per_s', ''):>10} {ratio:>10}"
        )
    print("CLI wall time (median):", ", ".join(f"{k} {v} s" for k, v in wall.items()))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
