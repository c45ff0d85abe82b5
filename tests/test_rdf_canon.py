"""The W3C RDFC-1.0 test suite, run against mcvc's canonicalizer."""

from __future__ import annotations

import json
import time

import pytest

from mcvc.canon.nquads import XSD_STRING, parse_nquads, serialize_term, split_lines
from mcvc.canon.rdfc import canonicalize
from mcvc.errors import CanonicalizationLimitExceeded

from .conftest import VECTORS

SUITE = VECTORS / "rdf-canon" / "tests"
ENTRIES = json.loads((SUITE / "manifest.jsonld").read_text())["entries"]
# As the reference implementation's own runner does: more work allowed for the vectors the
# suite itself labels as of higher computational complexity.
FACTOR = {"low": 1, "medium": 2, "high": 3}


def _params(kind: str) -> list[object]:
    return [pytest.param(e, id=e["id"].lstrip("#")) for e in ENTRIES if e["type"] == kind]


def _run(entry: dict[str, str]):  # type: ignore[no-untyped-def]
    quads = parse_nquads((SUITE / entry["action"]).read_text("utf-8"))
    return canonicalize(
        quads,
        hash_algorithm=entry.get("hashAlgorithm", "sha256"),
        work_factor=FACTOR[entry["computationalComplexity"]],
    )


def test_suite_counts() -> None:
    kinds = [e["type"] for e in ENTRIES]
    assert kinds.count("rdfc:RDFC10EvalTest") == 64
    assert kinds.count("rdfc:RDFC10MapTest") == 21
    assert kinds.count("rdfc:RDFC10NegativeEvalTest") == 1


@pytest.mark.parametrize("entry", _params("rdfc:RDFC10EvalTest"))
def test_eval(entry: dict[str, str]) -> None:
    expected = (SUITE / entry["result"]).read_text("utf-8")
    assert _run(entry).nquads == expected


@pytest.mark.parametrize("entry", _params("rdfc:RDFC10MapTest"))
def test_map(entry: dict[str, str]) -> None:
    expected = json.loads((SUITE / entry["result"]).read_text("utf-8"))
    assert _run(entry).issued == expected


def test_poison_graph_refused_fast_by_default() -> None:
    (entry,) = [e for e in ENTRIES if e["type"] == "rdfc:RDFC10NegativeEvalTest"]
    quads = parse_nquads((SUITE / entry["action"]).read_text("utf-8"))
    start = time.perf_counter()
    with pytest.raises(CanonicalizationLimitExceeded) as info:
        canonicalize(quads)
    assert time.perf_counter() - start < 1.0
    assert info.value.code == "CANONICALIZATION_LIMIT"
    with pytest.raises(CanonicalizationLimitExceeded):
        canonicalize(quads, work_factor=3)


def test_default_limit_refuses_what_the_reference_refuses() -> None:
    # a circle of three blank nodes needs more than the default budget in rdf-canonize too
    circle = next(e for e in ENTRIES if e["id"] == "#test023c")
    quads = parse_nquads((SUITE / circle["action"]).read_text("utf-8"))
    with pytest.raises(CanonicalizationLimitExceeded):
        canonicalize(quads)


def test_control_characters_escaped() -> None:
    quads = [
        (
            ("I", "urn:x"),
            ("I", "http://schema.org/name"),
            ("L", "a\bb\fc\u0001d\u007fe", "http://www.w3.org/2001/XMLSchema#string", ""),
            None,
        )
    ]
    assert (
        canonicalize(quads).nquads
        == '<urn:x> <http://schema.org/name> "a\\bb\\fc\\u0001d\\u007Fe" .\n'
    )


@pytest.mark.parametrize("length", [10, 300, 50_000])
@pytest.mark.parametrize("special", ['"', "\\", "\n", "\u0000", "\u007f", "\u001f"])
@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_long_and_short_literals_escaped(length: int, special: str, where: str) -> None:
    # long ASCII literals take a different path from short or non-ASCII ones
    filler = "A" * length
    text = {
        "start": special + filler,
        "middle": filler[: length // 2] + special + filler[length // 2 :],
        "end": filler + special,
    }[where]
    escaped = serialize_term(("L", text, XSD_STRING, ""))
    assert parse_nquads(f"<urn:x> <urn:p> {escaped} .")[0][2][1] == text
    assert escaped.count("\\") >= 1
    assert not any(c < " " or c == "\u007f" for c in escaped)
    for plain in (filler, filler + "\u00e9", "\u00e9" * length):
        assert serialize_term(("L", plain, XSD_STRING, "")) == f'"{plain}"'


def test_split_lines_only_on_newline() -> None:
    text = '<urn:a> <urn:p> "x\u2028y\u0085z" .\n<urn:a> <urn:p> "w" .\n'
    assert len(split_lines(text)) == 2
    assert len(text.splitlines()) > 2
