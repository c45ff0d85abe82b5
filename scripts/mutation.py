"""Mutation testing of mcvc's security-critical modules with mutmut (docs/mutation.md).

    python scripts/mutation.py --changed      # CI: modules changed since the last full run
    python scripts/mutation.py --all          # the long run (hours on 2 cores)
    python scripts/mutation.py src/mcvc/status/bitstring.py ...

Each run works in a copy of the repository under .mutation/ (never in the checkout), mutates
the named modules only, and runs the tests that exercise each mutated function (mutmut's own
selection, from a traced run of the tests listed for the module below). A surviving mutant
fails the run unless mutation/accepted.json lists it, with the reason it changes nothing
observable. ``--record`` stores the modules' hashes as the new baseline after a clean run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("MCVC_MUTATION_DIR") or ROOT / ".mutation")
BASELINE = ROOT / "mutation" / "baseline.json"
ACCEPTED = ROOT / "mutation" / "accepted.json"
RESULTS = ROOT / "mutation" / "results.json"
SURVIVORS = ROOT / "mutation" / "survivors"

# module -> the test files that exercise it (the traced run that maps tests to functions
# uses only these, which keeps a run to minutes)
MODULES: dict[str, list[str]] = {
    "src/mcvc/oid4vci/keyproof.py": ["tests/test_key_proof.py", "tests/test_oid4vci.py"],
    "src/mcvc/oid4vci/dpop.py": ["tests/test_dpop.py"],
    "src/mcvc/oid4vci/proofjwt.py": [
        "tests/test_key_proof.py",
        "tests/test_dpop.py",
        "tests/test_key_attestation.py",
    ],
    "src/mcvc/oid4vci/keyattest.py": ["tests/test_key_attestation.py"],
    "src/mcvc/oid4vci/book.py": [
        "tests/test_offer_book.py",
        "tests/test_oid4vci.py",
        "tests/test_wallet_issuer.py",
    ],
    "src/mcvc/oid4vci/issuer.py": [
        "tests/test_wallet_issuer.py",
        "tests/test_dpop.py",
        "tests/test_key_attestation.py",
        "tests/test_oid4vci.py",
    ],
    "src/mcvc/oid4vp/dcql.py": ["tests/test_dcql.py", "tests/test_oid4vp.py"],
    "src/mcvc/oid4vp/verifier.py": [
        "tests/test_oid4vp_requests.py",
        "tests/test_oid4vp_client_id.py",
        "tests/test_oid4vp_encryption.py",
        "tests/test_oid4vp.py",
    ],
    "src/mcvc/oid4vp/encryption.py": ["tests/test_oid4vp_encryption.py"],
    "src/mcvc/oid4vp/client_id.py": ["tests/test_oid4vp_client_id.py"],
    "src/mcvc/status/bitstring.py": ["tests/test_status.py", "tests/test_mutation_kills.py"],
    "src/mcvc/status/checker.py": [
        "tests/test_status.py",
        "tests/test_status_2021.py",
        "tests/test_status_local.py",
        "tests/test_status_jwt.py",
        "tests/test_failure_codes.py",
        "tests/test_mutation_kills.py",
    ],
    "src/mcvc/status/token.py": ["tests/test_token_status.py", "tests/test_status_local.py"],
    "src/mcvc/status/local.py": [
        "tests/test_status_local.py",
        "tests/test_status_jwt.py",
        "tests/test_status_2021.py",
        "tests/test_mutation_kills.py",
    ],
    "src/mcvc/proofs/engine.py": [
        "tests/test_vectors.py",
        "tests/test_hostile.py",
        "tests/test_failure_codes.py",
        "tests/test_work_bounds.py",
        "tests/test_mutation_kills.py",
        "tests/test_proof_results.py",
    ],
    "src/mcvc/proofs/purposes.py": ["tests/test_failure_codes.py", "tests/test_verify.py"],
    "src/mcvc/proofs/suites.py": [
        "tests/test_failure_codes.py",
        "tests/test_hostile.py",
        "tests/test_vectors.py",
    ],
    "src/mcvc/verification/pipeline.py": [
        "tests/test_failure_codes.py",
        "tests/test_status_jwt.py",
        "tests/test_pipeline_checks.py",
        "tests/test_pipeline_edges.py",
        "tests/test_joint.py",
        "tests/test_jose.py",
        "tests/test_verify.py",
        "tests/test_wording.py",
        "tests/test_work_bounds.py",
        "tests/test_mutation_kills.py",
        "tests/test_presentation_rules.py",
        "tests/test_trust_list_signed.py",
        "tests/test_trusted_lists.py",
        "tests/test_ebsi.py",
        "tests/test_status.py",
        "tests/test_status_2021.py",
        "tests/test_jades.py",
        "tests/test_data_model.py",
    ],
    "src/mcvc/verification/signers.py": [
        "tests/test_signers.py",
        "tests/test_joint.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/verification/jws.py": [
        "tests/test_jose_check_rules.py",
        "tests/test_jose.py",
        "tests/test_status_jwt.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/verification/jose_checks.py": [
        "tests/test_token_status.py",
        "tests/test_key_binding_rules.py",
        "tests/test_jose_check_rules.py",
        "tests/test_jose.py",
        "tests/test_jose_rules.py",
        "tests/test_sd_jwt.py",
        "tests/test_sd_jwt_rules.py",
        "tests/test_pipeline_checks.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/verification/signed.py": [
        "tests/test_signed_reading.py",
        "tests/test_work_bounds.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/verification/trust.py": [
        "tests/test_trust_list_rules.py",
        "tests/test_trust_list_signed.py",
        "tests/test_failure_codes.py",
        "tests/test_verify.py",
    ],
    "src/mcvc/jades/verify.py": [
        "tests/test_seal_rules.py",
        "tests/test_jades.py",
        "tests/test_seal_bounds.py",
        "tests/test_trusted_lists.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/jades/envelope.py": [
        "tests/test_seal_rules.py",
        "tests/test_jades.py",
        "tests/test_seal_bounds.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/jades/certs.py": [
        "tests/test_cert_paths.py",
        "tests/test_seal_rules.py",
        "tests/test_jades.py",
        "tests/test_trusted_lists.py",
        "tests/test_failure_codes.py",
    ],
    # EU Trusted Lists: signature verification, reading, status at the signing time
    "src/mcvc/tsl/store.py": [
        "tests/test_tsl_store_rules.py",
        "tests/test_trusted_lists.py",
        "tests/test_jades.py",
    ],
    "src/mcvc/tsl/parse.py": [
        "tests/test_tsl_parse_rules.py",
        "tests/test_trusted_lists.py",
    ],
    # the batch tests (processes, kill -9) exercise the ledger too, but take seconds a mutant
    "src/mcvc/issuing/ledger.py": [
        "tests/test_ledger_unit.py",
        "tests/test_ledger_records.py",
        "tests/test_ledger_races.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/jose.py": [
        "tests/test_token_status.py",
        "tests/test_jose_rules.py",
        "tests/test_jose.py",
        "tests/test_sd_jwt.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/sdjwt.py": ["tests/test_sd_jwt_rules.py", "tests/test_sd_jwt.py"],
    "src/mcvc/vcdm.py": [
        "tests/test_vcdm_rules.py",
        "tests/test_data_model.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/jsontext.py": ["tests/test_hostile.py", "tests/test_work_bounds.py"],
    "src/mcvc/net.py": ["tests/test_net_guard.py", "tests/test_hostile.py"],
    "src/mcvc/did.py": [
        "tests/test_did_rules.py",
        "tests/test_hostile.py",
        "tests/test_failure_codes.py",
    ],
    "src/mcvc/canon/rdfc.py": [
        "tests/test_rdf_canon.py",
        "tests/test_rdfc_limits.py",
        "tests/test_work_bounds.py",
    ],
    "src/mcvc/canon/nquads.py": ["tests/test_nquads_rules.py", "tests/test_rdf_canon.py"],
    "src/mcvc/canon/jcs.py": [
        "tests/test_jcs.py",
        "tests/test_vectors.py",
        "tests/test_hostile.py",
    ],
    "src/mcvc/canon/fast_rdf.py": ["tests/test_fast_rdf_branches.py", "tests/test_fast_rdf.py"],
    "src/mcvc/canon/jsonld_rdf.py": [
        "tests/test_jsonld_rdf_rules.py",
        "tests/test_fast_rdf_branches.py",
        "tests/test_fast_rdf.py",
        "tests/test_hostile.py",
        "tests/test_work_bounds.py",
        "tests/test_vectors.py",
        "tests/test_mutation_kills.py",
    ],
}


def _sha(path: str) -> str:
    return hashlib.sha256((ROOT / path).read_bytes()).hexdigest()


def changed_modules() -> list[str]:
    """Modules that were clean at their last recorded run and have changed since. A module
    that has never had a clean run is in the long run's list (docs/mutation.md), not here."""
    recorded = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    return [m for m in MODULES if m in recorded and recorded[m] != _sha(m)]


def _copy_tree() -> Path:
    """A copy of the tracked files (and the working tree's changes) to mutate in."""
    if WORK.exists():
        shutil.rmtree(WORK)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in files:
        source = ROOT / name
        if source.is_file():
            target = WORK / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return WORK


def _config(modules: list[str]) -> str:
    tests = sorted({t for m in modules for t in MODULES[m]} | {"tests/test_mutation_kills.py"})
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["src/mcvc"]',
        f"only_mutate = {json.dumps(modules)}",
        'also_copy = ["contexts", "keys", "examples", "docs", "benchmarks", "src/mcvc/locale", "src/mcvc/rules"]',
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x", "-m", "not slow"]',
        # the message of a refusal is worded for people; what callers and these tests rely on
        # is its code, so log lines are not mutated
        'do_not_mutate_patterns = ["log\\\\.(debug|info|warning|exception)\\\\("]',
    ]
    return "\n".join(lines) + "\n"


def _survivors(work: Path) -> list[dict[str, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "mutmut", "results"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    found = []
    for line in out.splitlines():
        name, _, state = line.strip().rpartition(": ")
        # a timeout is a mutant the tests caught by never finishing (a loop that no longer ends)
        if state not in ("survived", "no tests", "suspicious"):
            continue
        shown = subprocess.run(
            [sys.executable, "-m", "mutmut", "show", name],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        removed = [
            x[1:].strip()
            for x in shown.splitlines()
            if x.startswith("-") and not x.startswith("---")
        ]
        added = [
            x[1:].strip()
            for x in shown.splitlines()
            if x.startswith("+") and not x.startswith("+++")
        ]
        module, function = _where(name)
        found.append(
            {
                "module": module,
                "function": function,
                "from": " / ".join(removed),
                "to": " / ".join(added),
                "state": state,
                "name": name,
            }
        )
    return found


def _where(name: str) -> tuple[str, str]:
    # mcvc.status.bitstring.xǁBitstringǁwith_value__mutmut_3 -> (module, Bitstring.with_value)
    base = re.sub(r"__mutmut_\d+$", "", name)
    parts = base.split(".")
    function = parts[-1].replace("xǁ", "").replace("ǁ", ".").strip(".")
    function = function[2:] if function.startswith("x_") else function
    return "src/" + "/".join(parts[:-1]) + ".py", function


_LITERAL = re.compile(r"""[rbfuRBFU]{0,2}("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


def _without_prose(line: str) -> str:
    """The line with every literal that reads as words (has a space) and every None removed,
    and no commas or spaces: what is left is what a caller can observe besides wording."""
    text = _LITERAL.sub(lambda m: "" if " " in m.group(0) else m.group(0), line)
    return re.sub(r"[\s,]|\bNone\b", "", text)


def is_wording(survivor: dict[str, str]) -> bool:
    """A mutant that only rewords, empties or drops a human-readable message. Codes (no
    spaces) never count as wording: a mutated code must be killed."""
    before, after = survivor["from"], survivor["to"]
    return _without_prose(before) == _without_prose(after) and any(
        " " in m.group(0) for m in _LITERAL.finditer(before)
    )


def _key(s: dict[str, str]) -> tuple[str, str, str, str]:
    return (s["module"], s["function"], s["from"], s["to"])


def _record_results(
    modules: list[str], listing: str, survivors: list[dict[str, str]], accepted: dict[Any, str]
) -> None:
    """Per module: mutants, survivors that only reword, accepted ones, unexplained ones, and
    the source hash they were measured on (mutation/results.json, read by docs/mutation.md)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    names = [line.strip().rpartition(": ")[0] for line in listing.splitlines() if ": " in line]
    for module in modules:
        dotted = module.removeprefix("src/").removesuffix(".py").replace("/", ".") + "."
        mine = [s for s in survivors if s["module"] == module]
        SURVIVORS.mkdir(parents=True, exist_ok=True)
        kept = [{k: v for k, v in s.items() if k != "name"} for s in mine]
        (SURVIVORS / f"{dotted[:-1]}.json").write_text(
            json.dumps(kept, indent=1, ensure_ascii=False) + "\n"
        )
        wording = sum(1 for s in mine if is_wording(s))
        kept = sum(1 for s in mine if not is_wording(s) and _key(s) in accepted)
        results[module] = {
            "mutants": sum(1 for n in names if n.startswith(dotted)),
            "survived": len(mine),
            "wording": wording,
            "accepted": kept,
            "unexplained": len(mine) - wording - kept,
            "sha256": _sha(module),
            "date": time.strftime("%Y-%m-%d"),
        }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


def _rescore() -> int:
    """Recount each recorded module's survivors after mutation/accepted.json changed; a
    module whose source changed since it was measured keeps its counts (run it again)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    accepted = {_key(a): a["reason"] for a in json.loads(ACCEPTED.read_text() or "[]")}
    for module, entry in results.items():
        dotted = module.removeprefix("src/").removesuffix(".py").replace("/", ".")
        path = SURVIVORS / f"{dotted}.json"
        if not path.exists() or entry["sha256"] != _sha(module):
            continue
        mine = json.loads(path.read_text())
        wording = sum(1 for s in mine if is_wording(s))
        kept = sum(1 for s in mine if not is_wording(s) and _key(s) in accepted)
        entry.update(
            survived=len(mine),
            wording=wording,
            accepted=kept,
            unexplained=len(mine) - wording - kept,
        )
    RESULTS.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    for module, entry in sorted(results.items()):
        print(f"{module}: {entry['unexplained']} unexplained of {entry['mutants']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*")
    parser.add_argument("--changed", action="store_true")
    parser.add_argument("--all", action="store_true")
    parser.add_argument(
        "--record", action="store_true", help="store the baseline after a clean run"
    )
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--report", type=Path, help="write the survivors as JSON here")
    parser.add_argument(
        "--record-clean",
        action="store_true",
        help="record in the baseline every module whose last result has nothing unexplained "
        "and whose source has not changed since",
    )
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="recount the recorded survivors against mutation/accepted.json (no run)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds the mutmut run may take (CI); past it the run stops and says what was "
        "not finished, without failing",
    )
    args = parser.parse_args(argv)
    if args.rescore:
        return _rescore()
    if args.record_clean:
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        recorded = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
        clean = [
            m
            for m, r in results.items()
            if m in MODULES and r["unexplained"] == 0 and r["sha256"] == _sha(m)
        ]
        recorded.update({m: _sha(m) for m in clean})
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
        print(
            f"mutation: baseline recorded for {len(clean)} clean module(s): {', '.join(sorted(clean))}"
        )
        return 0
    modules = list(MODULES) if args.all else changed_modules() if args.changed else args.modules
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"not a module under mutation testing: {unknown} (see MODULES)")
    if not modules:
        print("mutation: no security module changed since the last full run")
        return 0
    print(f"mutation: {len(modules)} module(s): {', '.join(modules)}", flush=True)
    started = time.monotonic()
    work = _copy_tree()
    with (work / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write(_config(modules))
    vectors = (ROOT.parent / "shared" / "vectors").resolve()
    env = {**os.environ, "MCVC_VECTORS": str(vectors), "MCVC_FUZZ_EXAMPLES": "50"}
    try:
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(args.max_children)],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=args.budget,
        )
    except subprocess.TimeoutExpired:
        print(
            f"mutation: the budget of {args.budget:.0f} s ran out before {', '.join(modules)} "
            "was done; run it without --budget (docs/mutation.md)"
        )
        return 0
    if run.returncode != 0:
        # the progress spinner rewrites one line; the error is at the end
        print(run.stdout.replace("\r", "\n")[-6000:], file=sys.stderr)
        return 2
    survivors = _survivors(work)
    accepted = (
        {_key(a): a["reason"] for a in json.loads(ACCEPTED.read_text() or "[]")}
        if ACCEPTED.exists()
        else {}
    )
    wording = [s for s in survivors if is_wording(s)]
    new = [s for s in survivors if _key(s) not in accepted and not is_wording(s)]
    listing = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    total = listing.count("\n")
    _record_results(modules, listing, survivors, accepted)
    if args.report:
        args.report.write_text(json.dumps(survivors, indent=1, ensure_ascii=False))
    minutes = (time.monotonic() - started) / 60
    print(
        f"mutation: {total} mutants, {len(survivors)} survived: {len(wording)} only reword a "
        f"message, {len(survivors) - len(new) - len(wording)} accepted as equivalent, "
        f"{len(new)} not explained; {minutes:.1f} min"
    )
    for s in new:
        print(
            f"  SURVIVED {s['module']} {s['function']}: {s['from']!r} -> {s['to']!r} ({s['state']})"
        )
    if new:
        return 1
    if args.record:
        recorded = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
        recorded.update({m: _sha(m) for m in modules})
        BASELINE.parent.mkdir(exist_ok=True)
        BASELINE.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
