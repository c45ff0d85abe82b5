"""RDF Dataset Canonicalization (RDFC-1.0), with a work limit.

Written from the W3C Recommendation (https://www.w3.org/TR/rdf-canon/). The algorithm is
exponential on adversarial graphs (the "poison" cliques of §Dataset Poisoning), so every call
of Hash N-Degree Quads is counted and the run stops with
:class:`CanonicalizationLimitExceeded` once the allowance is spent. The allowance follows the
reference implementation (rdf-canonize): ``non_unique_nodes ** work_factor`` deep iterations,
work factor 1 by default, so legitimate graphs with shared structure
still canonicalize while a 10-node clique is refused within milliseconds. The count is one
budget for the whole run, as in rdf-canonize 5, so mcvc and the reference stack accept and
refuse the same graphs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from itertools import permutations

from ..errors import CanonicalizationError, CanonicalizationLimitExceeded
from .nquads import Quad, Term, serialize_quad

__all__ = ["DEFAULT_WORK_FACTOR", "CanonicalResult", "canonicalize"]

DEFAULT_WORK_FACTOR = 1
_MAX_BLANK_NODES = 100_000

_HASHES: dict[str, Callable[[bytes], hashlib._Hash]] = {
    "sha256": hashlib.sha256,
    "sha384": hashlib.sha384,
}


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


class _State:
    def __init__(self, quads: list[Quad], hash_name: str, work_factor: int) -> None:
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
        if len(self.bnode_quads) > _MAX_BLANK_NODES:
            raise CanonicalizationLimitExceeded(
                f"{len(self.bnode_quads)} blank nodes exceed the limit of {_MAX_BLANK_NODES}"
            )
        self.canonical = _Issuer("c14n")
        self.work_factor = work_factor
        self.max_deep = 0
        self.remaining = 0
        self._first_degree: dict[str, str] = {}

    def digest(self, text: str) -> str:
        return self.hash(text.encode("utf-8")).hexdigest()

    def first_degree(self, node: str) -> str:
        cached = self._first_degree.get(node)
        if cached is not None:
            return cached
        lines = []
        for s, p, o, g in self.bnode_quads[node]:
            lines.append(
                serialize_quad(
                    (
                        _replace(s, node),
                        p,
                        _replace(o, node),
                        _replace(g, node) if g is not None else None,
                    )
                )
            )
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

    def n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        if self.remaining <= 0:
            raise CanonicalizationLimitExceeded(
                f"blank node work limit reached ({self.max_deep} deep iterations, "
                f"work factor {self.work_factor}); the graph looks like a poison graph"
            )
        self.remaining -= 1

        groups: dict[str, list[str]] = {}
        for quad in self.bnode_quads[node]:
            for term, position in ((quad[0], "s"), (quad[2], "o"), (quad[3], "g")):
                if term is not None and term[0] == "B" and term[1] != node:
                    key = self.related_hash(term[1], quad, issuer, position)
                    groups.setdefault(key, []).append(term[1])

        data = []
        for related_hash in sorted(groups):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for perm in permutations(groups[related_hash]):
                issuer_copy = issuer.copy()
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
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.n_degree(related, issuer_copy)
                    path += "_:" + issuer_copy.issue(related)
                    path += "<" + result_hash + ">"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
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
        self.max_deep = non_unique**self.work_factor if self.work_factor >= 0 else 2**62
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
) -> CanonicalResult:
    """Canonicalize a dataset; duplicate quads are removed (a dataset is a set).

    ``work_factor`` bounds the blank-node work: ``non_unique_blank_nodes ** work_factor`` calls
    of Hash N-Degree Quads. A negative value lifts the bound (only for trusted input).
    """
    unique = list(dict.fromkeys(quads))
    state = _State(unique, hash_algorithm, work_factor)
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
