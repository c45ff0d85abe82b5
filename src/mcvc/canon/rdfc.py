"""RDF Dataset Canonicalization (RDFC-1.0), with a bound on the work itself.

Written from the W3C Recommendation (https://www.w3.org/TR/rdf-canon/). The algorithm is
exponential on adversarial graphs (§Dataset Poisoning), so three things bound it:

- the reference implementation's limit on Hash N-Degree Quads calls: ``non_unique ** factor``
  for the whole run (work factor 1 by default; 0 allows none), so mcvc accepts what
  rdf-canonize accepts;
- a step budget for the work those calls do not count: every permutation tried, every issuer
  copied and every quad hashed costs steps in proportion to its size (``Limits.canon_steps``);
- an optional :class:`~mcvc.limits.Deadline`, checked as steps are spent.

Permutations of a related-node list are walked in the order rdf-canonize and pyld walk them
(Johnson-Trotter from the sorted list, one direction per distinct value). With repeated
entries (a list holds a node once per quad that relates it) that walk leaves out some
orderings, so on such graphs its result differs from a walk over every ordering; mcvc keeps
the reference's walk, whose results are what signers produce (docs/canonicalization.md), and
with it the reference's pruning (a path is dropped as soon as it compares greater than the
chosen one, whatever its length), so it makes exactly the reference's Hash N-Degree Quads
calls. Hash N-Degree Quads recurses as deep as a chain of equal blank nodes is long; it runs on
an explicit stack here, so depth is bounded by the call budget, not by Python's recursion limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any

from ..errors import CanonicalizationError, CanonicalizationLimitExceeded
from ..limits import DEFAULT_LIMITS, Deadline, Limits
from .nquads import Quad, Term, serialize_quad

__all__ = ["DEFAULT_WORK_FACTOR", "CanonicalResult", "canonicalize"]

DEFAULT_WORK_FACTOR = 1
_CHECK_EVERY = 2048

_HASHES: dict[str, Callable[[bytes], Any]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
}

# What Hash N-Degree Quads yields to ask for a recursive call, and what it finally returns.
_Request = tuple[str, "_Issuer"]
_Result = tuple[str, "_Issuer"]
_NDegree = Generator[_Request, _Result, _Result]


class _Issuer:
    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        found = self.issued.get(existing)
        if found is not None:
            return found
        new = f"{self.prefix}{self.counter}"
        self.counter += 1
        self.issued[existing] = new
        return new

    def copy(self) -> _Issuer:
        other = _Issuer(self.prefix)
        other.counter = self.counter
        other.issued = dict(self.issued)
        return other


class CanonicalResult:
    """Canonical N-Quads plus the issued identifier map (input label -> canonical label)."""

    __slots__ = ("issued", "lines")

    def __init__(self, lines: list[str], issued: dict[str, str]) -> None:
        self.lines = lines
        self.issued = issued

    @property
    def nquads(self) -> str:
        return "".join(self.lines)


def _replace(term: Term, target: str) -> Term:
    if term[0] == "B":
        return ("B", "a" if term[1] == target else "z")
    return term


def _permutations(items: list[str]) -> Iterator[list[str]]:
    """The orderings of ``items`` in the order rdf-canonize and pyld try them: Johnson-Trotter
    moves from the sorted list, one direction per distinct value.

    With equal entries this walk skips some orderings (for ``[a, b, c, c]`` it yields 6 of
    the 12), so the chosen path can differ from the one a walk over every ordering finds.
    Signers produce what these implementations compute, so this walk is kept as it is; the
    order also fixes which permutations are pruned, hence the Hash N-Degree Quads call count
    that the work bound compares with the reference's.
    """
    current = sorted(items)
    n = len(current)
    leftward = dict.fromkeys(current, True)
    while True:
        yield current[:]
        mobile: str | None = None
        pos = 0
        for i, value in enumerate(current):
            if mobile is not None and value <= mobile:
                continue
            if leftward[value]:
                if i > 0 and value > current[i - 1]:
                    mobile, pos = value, i
            elif i < n - 1 and value > current[i + 1]:
                mobile, pos = value, i
        if mobile is None:
            return
        other = pos - 1 if leftward[mobile] else pos + 1
        current[pos], current[other] = current[other], mobile
        # once per entry, as the reference does: equal entries above the moved one flip their
        # shared direction once each, so an even count of them leaves it unchanged
        for value in current:
            if value > mobile:
                leftward[value] = not leftward[value]


class _State:
    def __init__(
        self,
        quads: list[Quad],
        hash_name: str,
        work_factor: int,
        limits: Limits,
        deadline: Deadline | None,
        max_deep_iterations: int | None = None,
    ) -> None:
        try:
            self.hash = _HASHES[hash_name.lower().replace("-", "")]
        except KeyError:
            raise CanonicalizationError(f"unsupported hash algorithm {hash_name!r}") from None
        self.bnode_quads: dict[str, list[Quad]] = {}
        for quad in quads:
            for term in (quad[0], quad[2], quad[3]):
                if term is not None and term[0] == "B":
                    bucket = self.bnode_quads.setdefault(term[1], [])
                    if not bucket or bucket[-1] is not quad:
                        bucket.append(quad)
        if len(self.bnode_quads) > limits.max_blank_nodes:
            raise CanonicalizationLimitExceeded(
                f"{len(self.bnode_quads)} blank nodes exceed the limit of {limits.max_blank_nodes}"
            )
        self.canonical = _Issuer("c14n")
        self.work_factor = work_factor
        self.explicit_deep = max_deep_iterations
        self.max_deep = 0
        self.remaining = 0
        self.steps = 0
        # first-degree hashing is linear in the input and not counted; the allowance grows
        # with the input so that large, ordinary credentials are never refused
        self.step_limit = limits.canon_steps + len(quads) if work_factor >= 0 else 2**62
        self.deadline = deadline
        self._next_check = _CHECK_EVERY
        self._first_degree: dict[str, str] = {}

    def spend(self, steps: int) -> None:
        self.steps += steps
        if self.steps > self.step_limit:
            raise CanonicalizationLimitExceeded(
                f"canonicalization work limit reached ({self.step_limit} steps: permutations, "
                "issuer copies and hashed quads); the graph looks like a poison graph",
                steps=self.steps,
            )
        if self.steps >= self._next_check:
            self._next_check = self.steps + _CHECK_EVERY
            if self.deadline is not None:
                self.deadline.check("canonicalization")

    def digest(self, text: str) -> str:
        return str(self.hash(text.encode("utf-8")).hexdigest())

    def first_degree(self, node: str) -> str:
        cached = self._first_degree.get(node)
        if cached is not None:
            return cached
        quads = self.bnode_quads[node]
        lines = [
            serialize_quad(
                (
                    _replace(s, node),
                    p,
                    _replace(o, node),
                    _replace(g, node) if g is not None else None,
                )
            )
            for s, p, o, g in quads
        ]
        lines.sort()
        value = self.digest("".join(lines))
        self._first_degree[node] = value
        return value

    def related_hash(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        if related in self.canonical.issued:
            ident = "_:" + self.canonical.issued[related]
        elif related in issuer.issued:
            ident = "_:" + issuer.issued[related]
        else:
            ident = self.first_degree(related)
        text = position
        if position != "g":
            text += "<" + quad[1][1] + ">"
        return self.digest(text + ident)

    def copy(self, issuer: _Issuer) -> _Issuer:
        self.spend(1 + len(issuer.issued) // 16)
        return issuer.copy()

    def n_degree(self, node: str, issuer: _Issuer) -> _Result:
        """Hash N-Degree Quads, driven on an explicit stack of suspended calls."""
        stack: list[_NDegree] = [self._n_degree(node, issuer)]
        reply: Any = None
        while True:
            try:
                request = stack[-1].send(reply)
            except StopIteration as done:
                stack.pop()
                if not stack:
                    result: _Result = done.value
                    return result
                reply = done.value
                continue
            stack.append(self._n_degree(*request))
            reply = None

    def _n_degree(self, node: str, issuer: _Issuer) -> _NDegree:
        if self.remaining <= 0:
            raise CanonicalizationLimitExceeded(
                f"blank node work limit reached ({self.max_deep} deep iterations, "
                f"work factor {self.work_factor}); the graph looks like a poison graph"
            )
        self.remaining -= 1
        quads = self.bnode_quads[node]
        self.spend(2 * len(quads))  # a related hash per blank node in each quad

        groups: dict[str, list[str]] = {}
        for quad in quads:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term is not None and term[0] == "B" and term[1] != node:
                    key = self.related_hash(term[1], quad, issuer, position)
                    groups.setdefault(key, []).append(term[1])

        data = []
        for related_hash in sorted(groups):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for perm in _permutations(groups[related_hash]):
                self.spend(len(perm))
                issuer_copy = self.copy(issuer)
                path = ""
                recursion: list[str] = []
                skip = False
                for related in perm:
                    if related in self.canonical.issued:
                        path += "_:" + self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += "_:" + issuer_copy.issue(related)
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = yield (related, issuer_copy)
                    path += "_:" + issuer_copy.issue(related)
                    path += "<" + result_hash + ">"
                    issuer_copy = result_issuer
                    if chosen_path and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.append(chosen_path)
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return self.digest("".join(data)), issuer

    def run(self) -> None:
        by_hash: dict[str, list[str]] = {}
        for node in self.bnode_quads:
            by_hash.setdefault(self.first_degree(node), []).append(node)
        shared: list[tuple[str, list[str]]] = []
        for key in sorted(by_hash):
            nodes = by_hash[key]
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
            else:
                shared.append((key, nodes))
        non_unique = sum(len(nodes) for _, nodes in shared)
        if self.explicit_deep is not None:
            self.max_deep = self.explicit_deep
        elif self.work_factor < 0:
            self.max_deep = 2**62
        elif self.work_factor == 0:
            # as rdf-canonize: no Hash N-Degree Quads call at all (not n ** 0 = 1)
            self.max_deep = 0
        else:
            self.max_deep = non_unique**self.work_factor
        self.remaining = self.max_deep
        for _key, nodes in shared:
            paths: list[tuple[str, _Issuer]] = []
            for node in nodes:
                if node in self.canonical.issued:
                    continue
                temp = _Issuer("b")
                temp.issue(node)
                paths.append(self.n_degree(node, temp))
            paths.sort(key=lambda item: item[0])
            for _hash, issuer in paths:
                for existing in issuer.issued:
                    self.canonical.issue(existing)


def _relabel(term: Term | None, mapping: dict[str, str]) -> Term | None:
    if term is not None and term[0] == "B":
        return ("B", mapping[term[1]])
    return term


def _relabel_term(term: Term, mapping: dict[str, str]) -> Term:
    return ("B", mapping[term[1]]) if term[0] == "B" else term


def canonicalize(
    quads: Iterable[Quad],
    *,
    hash_algorithm: str = "sha256",
    work_factor: int = DEFAULT_WORK_FACTOR,
    limits: Limits = DEFAULT_LIMITS,
    deadline: Deadline | None = None,
    max_deep_iterations: int | None = None,
) -> CanonicalResult:
    """Canonicalize a dataset; duplicate quads are removed (a dataset is a set).

    ``work_factor`` bounds the Hash N-Degree Quads calls to ``non_unique ** work_factor``,
    ``limits.canon_steps`` the work inside them (multiplied by ``work_factor`` when it is
    above 1); a negative ``work_factor`` lifts both bounds (only for trusted input).
    ``max_deep_iterations`` sets the call bound itself instead, as rdf-canonize's
    ``maxDeepIterations`` does; the step budget still applies unless ``work_factor`` is negative.
    """
    if max_deep_iterations is not None and max_deep_iterations < 0:
        raise ValueError("max_deep_iterations must be 0 or more")
    if work_factor > 1:
        limits = Limits(**{**limits.__dict__, "canon_steps": limits.canon_steps * work_factor**2})
    unique = list(dict.fromkeys(quads))
    state = _State(unique, hash_algorithm, work_factor, limits, deadline, max_deep_iterations)
    state.run()
    mapping = state.canonical.issued
    lines = sorted(
        {
            serialize_quad(
                (
                    _relabel_term(s, mapping),
                    p,
                    _relabel_term(o, mapping),
                    _relabel(g, mapping),
                )
            )
            for s, p, o, g in unique
        }
    )
    return CanonicalResult(lines, dict(mapping))
