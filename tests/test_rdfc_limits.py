"""RDFC-1.0 beyond the W3C suite: outputs of the reference implementation for blank-node
graphs, and the work bounds (blank nodes, Hash N-Degree Quads calls, steps, deadline) at
their exact edges."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from mcvc.canon import rdfc
from mcvc.canon.api import Canonicalizer
from mcvc.canon.nquads import parse_nquads
from mcvc.canon.rdfc import canonicalize
from mcvc.contexts import StaticLoader
from mcvc.errors import CanonicalizationError, CanonicalizationLimitExceeded, DeadlineExceeded
from mcvc.limits import Deadline, Limits

from .conftest import VECTORS

REFERENCE = Path(__file__).parent / "data" / "rdfc-reference" / "blank-node-graphs.json"
SUITE = VECTORS / "rdf-canon" / "tests"


def _quads(test_id: str) -> list[Any]:
    entries = json.loads((SUITE / "manifest.jsonld").read_text())["entries"]
    entry = next(e for e in entries if e["id"] == test_id)
    return parse_nquads((SUITE / entry["action"]).read_text("utf-8"))


@pytest.mark.parametrize("case", json.loads(REFERENCE.read_text()), ids=lambda c: str(len(str(c))))
def test_blank_node_graphs_as_the_reference_canonicalizes_them(case: dict[str, Any]) -> None:
    # a loader of its own: the shared default loader keeps small canonical forms cached
    fresh = Canonicalizer(StaticLoader())
    assert fresh.rdfc(case["document"]) == case["nquads"]


def test_the_reference_cases_need_n_degree_hashing() -> None:
    cases = json.loads(REFERENCE.read_text())
    assert len(cases) == 40
    # most have several graphs named by blank nodes, the point of these cases
    assert sum(case["nquads"].count(" _:c14n") > 4 for case in cases) >= 30


# --- the step budget, at its edge: a circle of three blank nodes (rdf-canon test023c) -------
# 75 steps in all: canon_steps * work_factor**2 + the number of quads (3) must reach them.


@pytest.mark.parametrize(("work_factor", "least"), [(2, 18), (3, 8)])
def test_the_step_budget_at_its_edge(work_factor: int, least: int) -> None:
    quads = _quads("#test023c")
    canonicalize(quads, work_factor=work_factor, limits=Limits(canon_steps=least))
    with pytest.raises(CanonicalizationLimitExceeded) as caught:
        canonicalize(quads, work_factor=work_factor, limits=Limits(canon_steps=least - 1))
    limit = (least - 1) * work_factor**2 + 3
    assert str(caught.value).startswith(
        f"canonicalization work limit reached ({limit} steps: permutations, issuer copies and "
        "hashed quads)"
    )
    assert caught.value.code == "CANONICALIZATION_LIMIT"
    # the count when the bound was crossed: every step is counted from zero
    assert caught.value.details["steps"] == {2: 72, 3: 67}[work_factor]
    with pytest.raises(CanonicalizationLimitExceeded) as caught:
        canonicalize(quads, work_factor=work_factor, limits=Limits(canon_steps=0))
    assert caught.value.details["steps"] == 4


def test_the_n_degree_call_bound_and_unbounded_work() -> None:
    quads = _quads("#test023c")
    # work factor 1: 3 non-unique blank nodes allow 3**1 Hash N-Degree Quads calls, too few
    with pytest.raises(CanonicalizationLimitExceeded) as caught:
        canonicalize(quads, work_factor=1, limits=Limits(canon_steps=10**9))
    assert str(caught.value) == (
        "blank node work limit reached (3 deep iterations, work factor 1); the graph looks like "
        "a poison graph"
    )
    # a negative work factor lifts both bounds (trusted input only): also for test044, which
    # takes 430 calls and thousands of steps
    unbounded = canonicalize(quads, work_factor=-1, limits=Limits(canon_steps=0))
    assert unbounded.nquads == canonicalize(quads, work_factor=3).nquads
    evil = _quads("#test044c")
    assert canonicalize(evil, work_factor=-1, limits=Limits(canon_steps=0)).nquads == (
        canonicalize(evil, max_deep_iterations=430, limits=Limits(canon_steps=10**7)).nquads
    )
    # work factor 0 allows no call at all, as rdf-canonize's maxWorkFactor 0: enough for a
    # graph with no ties, too few for two blank nodes that need one call each (test019)
    simple = _quads("#test020c")
    assert canonicalize(simple, work_factor=0, limits=Limits(canon_steps=0)).nquads
    with pytest.raises(
        CanonicalizationLimitExceeded, match=r"\(0 deep iterations, work factor 0\)"
    ):
        canonicalize(_quads("#test019c"), work_factor=0)
    assert canonicalize(_quads("#test019c"), work_factor=1).nquads


# --- the call bound and the permutation walk, as rdf-canonize computes them ----------------

WALKS = json.loads((REFERENCE.parent / "repeated-entries.json").read_text())


@pytest.mark.parametrize(("name", "least"), sorted(WALKS["suite"].items()))
def test_the_call_bound_is_the_references_on_the_w3c_suite(name: str, least: int) -> None:
    # ``least``: the smallest maxDeepIterations with which rdf-canonize 5.0.0 canonicalizes it
    quads = parse_nquads((SUITE / "rdfc10" / name).read_text("utf-8"))
    canonicalize(quads, max_deep_iterations=least, limits=Limits(canon_steps=10**7))
    if least:
        with pytest.raises(CanonicalizationLimitExceeded, match=f"\\({least - 1} deep"):
            canonicalize(quads, max_deep_iterations=least - 1, limits=Limits(canon_steps=10**7))


def test_the_suite_table_covers_the_graphs_that_need_n_degree_hashing() -> None:
    assert len(WALKS["suite"]) == 64  # every rdfc10 input but the poison graph (test074)
    assert sum(1 for least in WALKS["suite"].values() if least) >= 30
    assert max(WALKS["suite"].values()) == 430


@pytest.mark.parametrize("case", WALKS["cases"], ids=lambda c: f"seed{c['seed']}")
def test_repeated_entries_as_the_reference_canonicalizes_them(case: dict[str, Any]) -> None:
    quads = parse_nquads(case["nquads"])
    least = case["leastMaxDeepIterations"]
    limits = Limits(canon_steps=10**7)
    assert canonicalize(quads, max_deep_iterations=least, limits=limits).nquads == case["canonical"]
    with pytest.raises(CanonicalizationLimitExceeded):
        canonicalize(quads, max_deep_iterations=least - 1, limits=limits)


def test_the_walk_visits_the_references_orderings() -> None:
    for items, walk in WALKS["walks"].items():
        # one more than the reference yields: a walk that does not end fails, not hangs
        got = islice(rdfc._permutations(list(items)), len(walk) + 1)
        assert ["".join(p) for p in got] == walk, items


def test_an_explicit_call_bound_is_not_negative() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        canonicalize(_quads("#test020c"), max_deep_iterations=-1)


def test_the_blank_node_count_at_its_edge() -> None:
    quads = _quads("#test023c")
    canonicalize(quads, work_factor=3, limits=Limits(max_blank_nodes=3))
    with pytest.raises(CanonicalizationLimitExceeded) as caught:
        canonicalize(quads, work_factor=3, limits=Limits(max_blank_nodes=2))
    assert str(caught.value) == "3 blank nodes exceed the limit of 2"


def test_the_deadline_stops_long_work() -> None:
    quads = _quads("#test044c")
    moments = iter([0.0, *([100.0] * 10_000)])
    deadline = Deadline(1.0, clock=lambda: next(moments))
    with pytest.raises(DeadlineExceeded) as caught:
        canonicalize(quads, work_factor=3, deadline=deadline)
    assert str(caught.value).startswith("verification stopped during canonicalization")


@pytest.mark.parametrize("name", ["sha256", "SHA256", "sha-256", "SHA-256"])
def test_hash_names_are_read_loosely(name: str) -> None:
    quads = _quads("#test023c")
    assert (
        canonicalize(quads, hash_algorithm=name, work_factor=3).nquads
        == canonicalize(quads, work_factor=3).nquads
    )


def test_other_hashes_and_unknown_ones() -> None:
    quads = _quads("#test023c")
    assert canonicalize(quads, hash_algorithm="SHA-384", work_factor=3).nquads
    with pytest.raises(CanonicalizationError) as caught:
        canonicalize(quads, hash_algorithm="md5", work_factor=3)
    assert str(caught.value) == "unsupported hash algorithm 'md5'"
