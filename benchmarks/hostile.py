"""Time per hostile shape of issue 13, at the largest size each class allows and beyond.

    .venv/bin/python benchmarks/hostile.py [--out benchmarks/hostile.json]

Each row: the shape, its size, the code mcvc answers with (or the verdict), and the median
wall time of that stage over a few runs. Canonicalization shapes are timed at the RDFC-1.0
stage (as N-Quads); document shapes through the whole ``mcvc.verify``. docs/security.md
quotes the results; nothing here is asserted by the tests (they count work instead).
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import mcvc  # noqa: E402
from mcvc.canon import rdfc  # noqa: E402
from mcvc.canon.nquads import parse_nquads  # noqa: E402
from mcvc.errors import McvcError  # noqa: E402
from mcvc.verification.trust import demo_trust_list  # noqa: E402

NOW = datetime.now(UTC) + timedelta(minutes=1)  # the credentials are signed now
SAMPLES = ROOT.parent / "shared" / "vectors" / "edc" / "samples"
E = "https://ex.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _timed(run: Callable[[], str], repeat: int = 3) -> tuple[str, float]:
    times, answer = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        answer = run()
        times.append(time.perf_counter() - start)
    return answer, statistics.median(times) * 1000


def _canon(text: str) -> Callable[[], str]:
    quads = parse_nquads(text)

    def run() -> str:
        try:
            rdfc.canonicalize(quads)
        except McvcError as exc:
            return exc.code
        return "canonicalized"

    return run


def _verify(doc: Any) -> Callable[[], str]:
    # the shapes are built from credentials signed with the public demo key: the demo trust
    # list confirms it, so the answer is about the hostile shape, not about trust
    trust = demo_trust_list()

    def run() -> str:
        report = mcvc.verify(doc, now=NOW, trust=trust)
        bad = [
            c.code for c in report.checks if not c.informative and c.outcome in ("fail", "error")
        ]
        return bad[0] if bad else report.outcome

    return run


def _graph_name(values: int) -> str:
    return "".join(f'_:{n} <http://ex.org/p> "{i}" _:g .\n' for n in "xy" for i in range(values))


def _clique(n: int) -> str:
    return "".join(
        f"_:n{i} <http://ex.org/p> _:n{j} _:g .\n" for i in range(n) for j in range(n) if i != j
    )


def _ring(n: int) -> str:
    return "".join(f"_:r{i} <http://ex.org/p> _:r{(i + 1) % n} .\n" for i in range(n))


def _equal_list(n: int) -> str:
    text = "<http://ex.org/s> <http://ex.org/p> _:l0 .\n"
    for i in range(n):
        rest = f"_:l{i + 1}" if i < n - 1 else f"<{RDF}nil>"
        text += f'_:l{i} <{RDF}first> "x" .\n_:l{i} <{RDF}rest> {rest} .\n'
    return text


def _signed() -> dict[str, Any]:
    key = mcvc.load_key(ROOT / "keys" / "demo-ed25519.json")
    elements = mcvc.elements_from_dict(
        json.loads((ROOT / "examples" / "microcredential.json").read_text())
    )
    return mcvc.sign(mcvc.build_credential(elements, issuer=key.controller_id), key)


def _subject(doc: dict[str, Any]) -> dict[str, Any]:
    s = doc["credentialSubject"]
    return s[0] if isinstance(s, list) else s


def _with(doc: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    change(out)
    return out


def _with_lists(doc: dict[str, Any], lists: int) -> dict[str, Any]:
    """``doc`` with ``lists`` one-item lists on its subject (the reference JSON-LD path)."""
    return _with(
        doc, lambda d: _subject(d).update({E + "v": [{"@list": [f"x{i}"]} for i in range(lists)]})
    )


def _padded_seal(copies: int) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from mcvc.jades.envelope import parse_envelope
    from mcvc.multibase import b64url_encode

    doc = json.loads((SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes())
    leaf = parse_envelope(doc).signatures[0].certificate
    key = ec.generate_private_key(ec.SECP256R1())
    start = datetime(2020, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(leaf.issuer)
        .issuer_name(leaf.issuer)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(leaf.issuer)
        .last_update(start)
        .next_update(start + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    r = base64.b64encode(crl.public_bytes(serialization.Encoding.DER)).decode()
    extra = [{"xVals": [{"x509Cert": c}] * copies}, {"rVals": {"crlVals": [r] * copies}}]
    header = doc["signatures"][0]["header"]
    header["etsiU"] = [b64url_encode(json.dumps(e).encode()) for e in extra] + header["etsiU"]
    return dict(doc)


def rows() -> list[dict[str, Any]]:
    signed = _signed()
    key = mcvc.load_key(ROOT / "keys" / "demo-ed25519.json")
    cases: list[tuple[str, str, Callable[[], str]]] = [
        ("1 graph name repeated per quad", "2 x 11 values", _canon(_graph_name(11))),
        ("1 graph name repeated per quad", "2 x 40 values", _canon(_graph_name(40))),
        ("1 clique in a named graph", "10 nodes", _canon(_clique(10))),
        ("5 ring of blank nodes", "1,000 nodes", _canon(_ring(1000))),
        ("5 @list of equal strings", "1,000 items", _canon(_equal_list(1000))),
        (
            "4 blank-node property",
            "1 key",
            _verify(_with(signed, lambda d: _subject(d).update({"_:grade": "A+"}))),
        ),
        ("6 seal padded with CAs and CRLs", "17 each", _verify(_padded_seal(17))),
        ("6 seal padded with CAs and CRLs", "4,000 each", _verify(_padded_seal(4000))),
        (
            "8 repeated context URL",
            "8 MiB",
            _verify(
                _with(
                    signed,
                    lambda d: d.update(
                        {"@context": [d["@context"][0]] * 200_000 + d["@context"][1:]}
                    ),
                )
            ),
        ),
        (
            "9 number out of range",
            "1e400",
            _verify(json.dumps(signed).replace('"type"', '"n": 1e400, "type"', 1)),
        ),
        (
            "values on the reference JSON-LD path",
            "about 9,100 values",
            _verify(_with_lists(signed, 3000)),
        ),
        (
            "values beyond the cap",
            "2 MB, 120,000 values",
            _verify(_with_lists(signed, 40_000)),
        ),
    ]
    big = _with(
        signed, lambda d: _subject(d).update({E + "v": [f"value {i} " * 4 for i in range(2000)]})
    )
    proofs = mcvc.sign({k: v for k, v in big.items() if k != "proof"}, key)
    proof = proofs["proof"]
    for n in (16, 17):
        cases.append(
            (
                "7 proof set on a large document",
                f"{n} proofs",
                _verify({**proofs, "proof": [proof] * n}),
            )
        )
    out = []
    for name, size, run in cases:
        answer, ms = _timed(run)
        out.append({"class": name, "size": size, "answer": answer, "ms": round(ms, 1)})
        print(f"{name:40} {size:22} {answer:28} {ms:8.1f} ms", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "hostile.json"))
    args = parser.parse_args()
    result = {"measured": datetime.now(UTC).isoformat(timespec="seconds"), "rows": rows()}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
