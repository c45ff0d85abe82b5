"""A fast JSON-LD-to-RDF path for the shapes credentials use, with pyld as the fallback.

pyld's expansion is general and slow (about 7 ms for a 260-quad micro-credential). This module
walks the document once and emits quads directly, mirroring pyld 3.3.0's expansion step by
step for the features the bundled contexts and mcvc's documents use: term definitions with
``@id``/``@vocab``/datatype/``@json`` coercion, ``@set``/``@language``/``@list``/``@graph``
containers, embedded, property-scoped and type-scoped contexts (with pyld's own context
processing, memoized), value objects. Anything else raises :class:`Unsupported` and the caller
uses the pyld path. Both paths are differential-tested on every vector, sample and generated
credential (``tests/test_fast_rdf.py``).
"""

from __future__ import annotations

import json
from typing import Any

from pyld import jsonld

from ..contexts import StaticLoader
from ..errors import JsonLdProcessingError, McvcError
from ..jsontext import copy_json
from ..limits import Deadline
from .jsonld_rdf import _SENTINEL_BASE, _options, _term, well_formed_iri
from .nquads import RDF_LANGSTRING, XSD_STRING, Quad, Term

__all__ = ["SubtreeCache", "Unsupported", "to_dataset_fast"]

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_TYPE: Term = ("I", RDF + "type")
_FIRST: Term = ("I", RDF + "first")
_REST: Term = ("I", RDF + "rest")
_NIL: Term = ("I", RDF + "nil")
_SPECIAL_TYPES = {
    "http://www.w3.org/2001/XMLSchema#double",
    "http://www.w3.org/2001/XMLSchema#integer",
    "http://www.w3.org/2001/XMLSchema#boolean",
    RDF + "JSON",
}


class Unsupported(Exception):
    """The document uses JSON-LD that this path does not cover; use the general path."""


class SubtreeCache:
    """The quads of node sub-trees met in earlier documents, for signing many credentials built
    from one template (a batch): the course, the awarding body and the specification then walk
    once per worker instead of once per credential.

    Only sub-trees that :func:`_node` may reuse within a document are kept (see there), a key is
    stored after it has been walked twice, at most a few variants per key, each a private copy
    compared in full with ``==`` (exact for the string-only trees admitted). Verification does
    not use it, so verifying stays a cold walk of every document."""

    def __init__(self, max_entries: int = 4096, max_variants: int = 4) -> None:
        self.max_entries = max_entries
        self.max_variants = max_variants
        self.entries: dict[
            tuple[Any, ...], list[tuple[dict[str, Any], Term, tuple[Quad, ...]]]
        ] = {}
        self.sightings: set[tuple[Any, ...]] = set()
        self.size = 0
        self.hits = 0

    def find(
        self, key: tuple[Any, ...], element: dict[str, Any]
    ) -> tuple[Term, tuple[Quad, ...]] | None:
        for seen, subject, quads in self.entries.get(key, ()):
            if seen == element:
                self.hits += 1
                return subject, quads
        return None

    def offer(
        self, key: tuple[Any, ...], element: dict[str, Any], subject: Term, quads: list[Quad]
    ) -> None:
        # keys met once (a learner's own nodes) are counted, never copied
        if key not in self.entries and key not in self.sightings:
            if len(self.sightings) >= 4 * self.max_entries:
                self.sightings.clear()
            self.sightings.add(key)
            return
        variants = self.entries.setdefault(key, [])
        if len(variants) >= self.max_variants:
            return
        if self.size >= self.max_entries:
            self.entries.clear()
            self.size = 0
            variants = self.entries.setdefault(key, [])
        variants.append((copy_json(element), subject, tuple(quads)))
        self.size += 1


class _State:
    def __init__(
        self,
        loader: StaticLoader,
        shared: SubtreeCache | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.deadline = deadline
        self.nodes = 0
        self.options = _options(loader)
        self.proc = jsonld.JsonLdProcessor()
        memo = getattr(loader, "_mcvc_fast_memo", None)
        if memo is None:
            memo = {"ctx": {}, "iri": {}, "key": {}, "special": {}, "plan": {}, "scalar": {}}
            loader._mcvc_fast_memo = memo  # type: ignore[attr-defined]
        self.ctx_memo: dict[tuple[Any, ...], Any] = memo["ctx"]
        self.iri_memo: dict[tuple[Any, ...], Any] = memo["iri"]
        self.key_memo: dict[str, dict[str, Any]] = memo["key"]
        self.special_memo: dict[str, frozenset[str]] = memo["special"]
        self.plan_memo: dict[str, dict[str, _Plan]] = memo["plan"]
        self.scalar_memo: dict[tuple[str, str], tuple[str, str]] = memo["scalar"]
        self.quads: list[Quad] = []
        self.counter = 0
        # Counts what makes a walk depend on more than the JSON equality of its input: values
        # that are not strings (1 == 1.0 == True in Python, but not in RDF) and embedded contexts.
        self.impure = 0
        self.reused = 0
        self.shared = shared
        self.seen: dict[tuple[Any, ...], list[tuple[dict[str, Any], Term]]] = {}

    def bnode(self) -> Term:
        self.counter += 1
        return ("B", f"g{self.counter}")

    def process(
        self, active: Any, local: Any, *, override: bool = False, propagate: bool = True
    ) -> Any:
        if isinstance(local, dict) and "@context" in local:
            raise Unsupported("a context wrapping @context")
        # Scoped contexts are objects held by the processed contexts, so identity finds them
        # without serializing them; the entry keeps the object alive and is checked by identity.
        fast_key = (active["_uuid"], id(local), override, propagate)
        hit = self.ctx_memo.get(fast_key)
        if hit is not None and hit[0] is local:
            return hit[1]
        key = (active["_uuid"], json.dumps(local, sort_keys=True), override, propagate)
        found = self.ctx_memo.get(key)
        if found is None:
            try:
                found = self.proc._process_context(
                    active, local, self.options, override_protected=override, propagate=propagate
                )
            except (jsonld.JsonLdError, TypeError, ValueError, KeyError, AttributeError) as exc:
                raise Unsupported(str(exc)) from None
            if len(self.ctx_memo) > 4096:
                self.ctx_memo.clear()
            self.ctx_memo[key] = found
        if isinstance(local, dict | list):
            self.ctx_memo[fast_key] = (local, found)
        return found

    def value_or_list_keys(self, active: Any) -> frozenset[str]:
        """The keys that expand to @value or @list in ``active`` (keywords and their aliases)."""
        found = self.special_memo.get(active["_uuid"])
        if found is None:
            aliases = {
                term
                for term, definition in active["mappings"].items()
                if definition and definition.get("@id") in ("@value", "@list")
            }
            found = frozenset({"@value", "@list", *aliases})
            self.special_memo[active["_uuid"]] = found
        return found

    def term_iri(self, active: Any, key: str) -> Any:
        """``iri(active, key, vocab=True, base=False)`` for property keys, cached per context."""
        table = self.key_memo.get(active["_uuid"])
        if table is None:
            table = self.key_memo[active["_uuid"]] = {}
            if len(self.key_memo) > 4096:
                self.key_memo.clear()
                self.key_memo[active["_uuid"]] = table
        found = table.get(key, _MISSING)
        if found is _MISSING:
            found = table[key] = self.iri(active, key, vocab=True, base=False)
        return found

    def plans(self, active: Any) -> dict[str, _Plan]:
        """The table of key plans for ``active`` (filled by :meth:`plan` as keys are met)."""
        table = self.plan_memo.get(active["_uuid"])
        if table is None:
            if len(self.plan_memo) > 4096:
                self.plan_memo.clear()
            table = self.plan_memo[active["_uuid"]] = {}
        return table

    def plan(self, active: Any, table: dict[str, _Plan], key: str) -> _Plan:
        """What a key of a node object means in ``active``, worked out once per context: every
        decision of the property loop that depends only on the context and the key."""
        expanded = self.term_iri(active, key)
        plan: _Plan
        if expanded == "@id":
            plan = (_ID, expanded, None, None, (), None)
        elif expanded == "@type":
            plan = (_TYPE_KEY, expanded, None, None, (), None)
        elif expanded is None or not (
            isinstance(expanded, str) and (expanded.startswith("@") or ":" in expanded)
        ):
            plan = (_LOST, expanded, None, None, (), None)
        else:
            definition = active["mappings"].get(key)
            container = tuple(_container(definition))
            if (
                definition and (definition.get("reverse") or definition.get("@type") == "@json")
            ) or not _MAP_CONTAINERS.isdisjoint(container):
                plan = (_OTHER, expanded, None, None, (), None)
            else:
                try:
                    predicate = _iri(expanded)
                except McvcError:
                    # keywords other than @id and @type, blank node ids, IRIs pyld would skip
                    plan = (_OTHER, expanded, None, None, (), None)
                else:
                    scoped = definition.get("@context") if definition else None
                    plan = (_PROPERTY, expanded, predicate, definition, container, scoped)
        table[key] = plan
        return plan

    def scalar_mode(self, active: Any, prop: str) -> tuple[str, str]:
        """How pyld's ``_expand_value`` treats a string under ``prop`` in ``active``, for the
        modes written out in :func:`_string_object`; anything else is ``("pyld", "")``."""
        key = (active["_uuid"], prop)
        found = self.scalar_memo.get(key)
        if found is None:
            found = self._scalar_mode(active, prop)
            if len(self.scalar_memo) > 65536:
                self.scalar_memo.clear()
            self.scalar_memo[key] = found
        return found

    def _scalar_mode(self, active: Any, prop: str) -> tuple[str, str]:
        expanded = self.term_iri(active, prop)
        if not isinstance(expanded, str) or expanded.startswith("@"):
            return _GENERAL  # @id, @type, @graph and other keywords
        mappings = active["mappings"]
        if prop in mappings and mappings[prop] is None:
            return _GENERAL
        entry = mappings.get(prop) or {}
        # pyld's context processing leaves @type, @language and @direction strings or null
        type_ = entry.get("@type")
        if type_ == "@id":
            return _NODE_ID
        if type_ == "@vocab":
            return _NODE_VOCAB
        if type_ is not None and type_ != "@none":
            if type_ in _SPECIAL_TYPES or type_.startswith(("@", _SENTINEL_BASE)):
                return _GENERAL
            return ("typed", type_)
        language = entry["@language"] if "@language" in entry else active.get("@language")
        direction = entry["@direction"] if "@direction" in entry else active.get("@direction")
        if direction is not None:
            return _GENERAL
        if language is None:
            return _PLAIN
        return ("language", language.lower())

    def iri(self, active: Any, value: Any, *, vocab: bool, base: bool) -> Any:
        key = (active["_uuid"], value, vocab, base)
        found = self.iri_memo.get(key, _MISSING)
        if found is _MISSING:
            found = self.proc._expand_iri(
                active, value, vocab=vocab, base=self.options["base"] if base else None
            )
            if len(self.iri_memo) > 65536:
                self.iri_memo.clear()
            self.iri_memo[key] = found
        return found


_MISSING = object()
# string modes of _State.scalar_mode; the second item is the datatype or language tag
_GENERAL = ("pyld", "")
_PLAIN = ("plain", "")
_NODE_ID = ("id", "")
_NODE_VOCAB = ("vocab", "")

# kinds of key plans: (kind, expanded IRI, predicate term, definition, container, scoped context)
_ID, _TYPE_KEY, _PROPERTY, _LOST, _OTHER = range(5)
_Plan = tuple[int, Any, Term | None, Any, tuple[str, ...], Any]
_MAP_CONTAINERS = frozenset({"@index", "@id", "@type"})


def _definition(active: Any, term: str | None) -> Any:
    if term is None:
        return None
    return active["mappings"].get(term)


def _container(definition: Any) -> list[str]:
    # pyld's context processing stores @container as a list
    return (definition or {}).get("@container") or []


def _iri(value: str) -> Term:
    """An IRI term; relative references (from the sentinel base) and IRIs pyld would skip are
    refused as in the pyld path."""
    if value.startswith(_SENTINEL_BASE) or not well_formed_iri(value):
        return _term({"type": "IRI", "value": value})  # raises RELATIVE_IRI or the data loss
    return ("I", value)


def _node_term(st: _State, active: Any, value: str) -> Term:
    if value.startswith("_:"):
        return ("B", "u" + value[2:])
    expanded = st.iri(active, value, vocab=False, base=True)
    if not isinstance(expanded, str):
        raise Unsupported("unexpandable @id")
    return _iri(expanded)


def _emit(st: _State, s: Term, p: Term, o: Term, g: Term | None) -> None:
    st.quads.append((s, p, o, g))


def _literal(st: _State, item: dict[str, Any]) -> Term:
    # A value object: always a literal with a string value, and never a list (the only thing
    # _object_to_rdf adds triples for). @direction never gets here (both callers decline it),
    # the only option this reads besides processingMode, so the expansion options serve.
    return _term(st.proc._object_to_rdf(item, None, [], st.options))


def _value_object(st: _State, active: Any, element: dict[str, Any]) -> dict[str, Any]:
    st.impure += 1
    out: dict[str, Any] = {}
    for key, value in element.items():
        expanded = st.iri(active, key, vocab=True, base=False)
        if expanded in out:
            # an alias and its keyword: pyld refuses "colliding keywords"
            raise Unsupported(f"two keys for {expanded}")
        if expanded == "@value":
            if value is None or isinstance(value, dict | list):
                raise Unsupported("non-scalar @value")
            out["@value"] = value
        elif expanded == "@type":
            if not isinstance(value, str):
                raise Unsupported("@type of a value")
            datatype = st.iri(active, value, vocab=True, base=True)
            if not isinstance(datatype, str) or not (
                datatype == "@json"
                or (jsonld._is_absolute_iri(datatype) and not datatype.startswith("_:"))
            ):
                # pyld refuses a value whose type is not an absolute IRI (or @json); its
                # _is_absolute_iri also takes a blank node id
                raise Unsupported("@type of a value that is not an IRI")
            out["@type"] = datatype
        elif expanded == "@language":
            if not isinstance(value, str):
                raise Unsupported("@language")
            out["@language"] = value  # _literal lowercases it
        else:
            raise Unsupported(f"value object key {key}")
    if "@type" in out and "@language" in out:
        raise Unsupported("invalid value object")
    if "@language" in out and not isinstance(out.get("@value"), str):
        raise Unsupported("only strings may be language-tagged")
    if "@value" not in out:
        raise Unsupported("value object without @value")
    return out


def _objects(
    st: _State,
    active: Any,
    prop: str,
    value: Any,
    graph: Term | None,
    container: tuple[str, ...],
) -> list[Term]:
    """The RDF objects for ``value`` under ``prop``: ``container`` comes from the context that
    defines ``prop``, ``active`` (its scoped context applied) expands the values, as in pyld.
    Map containers never get here: a key plan with one sends the document to pyld."""
    if "@language" in container and isinstance(value, dict):
        out: list[Term] = []
        for lang, texts in value.items():
            # the literal _literal would build for {"@value": text, "@language": lang}
            no_language = st.term_iri(active, lang) == "@none"
            tag = lang.lower()
            for text in texts if isinstance(texts, list) else [texts]:
                if text is None:
                    continue
                if not isinstance(text, str):
                    raise Unsupported("language map value")
                out.append(
                    ("L", text, XSD_STRING, "") if no_language else ("L", text, RDF_LANGSTRING, tag)
                )
        return out
    items = value if isinstance(value, list) else [value]
    if "@list" in container:
        if any(isinstance(item, list) for item in items):
            # JSON-LD 1.1 makes a list of lists of these; pyld builds them
            raise Unsupported("nested lists")
        terms = [t for item in items for t in _one(st, active, prop, item, graph, container)]
        head: Term = _NIL
        for term in reversed(terms):
            node = st.bnode()
            _emit(st, node, _FIRST, term, graph)
            _emit(st, node, _REST, head, graph)
            head = node
        return [head]
    out = []
    for item in items:
        if isinstance(item, list):
            raise Unsupported("nested arrays")
        out.extend(_one(st, active, prop, item, graph, container))
    return out


def _one(
    st: _State,
    active: Any,
    prop: str,
    item: Any,
    graph: Term | None,
    container: tuple[str, ...],
) -> list[Term]:
    if item is None:
        return []
    if "@graph" in container and not isinstance(item, dict):
        raise Unsupported("a scalar under a @graph container")
    if isinstance(item, dict):
        if "@graph" in container:  # pyld refuses @graph with @list in a context
            name = st.bnode()
            _node(st, active, prop, item, name)
            return [name]
        if not st.value_or_list_keys(active).isdisjoint(item):
            expanded_keys = [st.term_iri(active, k) for k in item]
            if "@value" in expanded_keys:
                return [_literal(st, _value_object(st, active, item))]
            raise Unsupported("@list object")
        return [_node(st, active, prop, item, graph)]
    if type(item) is str:
        mode, extra = st.scalar_mode(active, prop)
        if mode != "pyld":
            return [_string_object(st, active, mode, extra, item)]
    else:
        st.impure += 1
    try:
        expanded = st.proc._expand_value(active, prop, item, st.options)
    except jsonld.JsonLdError as exc:
        raise Unsupported(str(exc)) from None
    # strings coerced to node references are written out in _string_object, and pyld coerces
    # nothing else; so this is a value object
    if not isinstance(expanded, dict) or "@value" not in expanded:
        raise Unsupported("unexpected scalar expansion")
    if "@direction" in expanded:
        raise Unsupported("@direction")
    return [_literal(st, expanded)]


def _string_object(st: _State, active: Any, mode: str, extra: str, value: str) -> Term:
    """The RDF object of a string value in the modes :meth:`_State.scalar_mode` names: what
    ``_expand_value`` followed by ``_literal`` (or the node reference branch) gives."""
    if mode == "plain":
        return ("L", value, XSD_STRING, "")
    if mode == "language":
        return ("L", value, RDF_LANGSTRING, extra)
    if mode == "typed":
        return ("L", value, extra, "")
    raw = st.iri(active, value, vocab=mode == "vocab", base=True)
    if not isinstance(raw, str):
        raise Unsupported("@id value")
    return ("B", "u" + raw[2:]) if raw.startswith("_:") else _iri(raw)


def _node(
    st: _State,
    active: Any,
    prop: str | None,
    element: dict[str, Any],
    graph: Term | None,
) -> Term:
    """Emit the quads of a node object and return its subject.

    Credentials repeat whole sub-trees (the same awarding body under several claims). A node
    equal to one already walked in the same situation (context, property, graph) emits exactly
    the same quads again, so it is not walked twice, when its walk made no blank node (every
    unlabelled object is a new one) and met only strings as values and no embedded context:
    then ``==`` is exact JSON equality (``{"v": 1} == {"v": True}`` in Python, but those are
    different quads)."""
    node_id = element.get("id", element.get("@id"))
    if isinstance(node_id, str) and not node_id.startswith("_:"):
        key = (active["_uuid"], prop, graph, node_id)
        for seen, subject in st.seen.get(key, ()):
            if seen == element:
                st.reused += 1
                return subject
        shared = st.shared
        if shared is not None:
            hit = shared.find(key, element)
            if hit is not None:
                st.quads.extend(hit[1])
                st.seen.setdefault(key, []).append((element, hit[0]))
                return hit[0]
        counter, impure, reused, start = st.counter, st.impure, st.reused, len(st.quads)
        subject = _walk_node(st, active, prop, element, graph)
        if st.counter == counter and st.impure == impure:
            st.seen.setdefault(key, []).append((element, subject))
            # a sub-tree that reused a node walked earlier in this document lacks its quads
            if shared is not None and st.reused == reused:
                shared.offer(key, element, subject, st.quads[start:])
        return subject
    return _walk_node(st, active, prop, element, graph)


def _walk_node(
    st: _State,
    active: Any,
    prop: str | None,
    element: dict[str, Any],
    graph: Term | None,
) -> Term:
    st.nodes += 1
    if st.deadline is not None and not st.nodes & 255:
        st.deadline.check("JSON-LD to RDF")
    # --- the context steps of pyld's _expand, in its order ---
    property_scoped = (_definition(active, prop) or {}).get("@context")
    # pyld hands a type-scoped context down only through arrays and @nest, both of which this
    # walk does itself; a node's own one is its active context while that can still revert
    type_scoped = active if active.get("previousContext") else None
    must_revert = True
    if type_scoped is not None and len(element) <= 2 and "@context" not in element:
        for key in sorted(element):
            expanded = st.term_iri(type_scoped, key)
            if expanded == "@value":
                raise Unsupported("value object under a type-scoped context")
            if expanded == "@id" and len(element) == 1:
                must_revert = False
                break
    if must_revert and "previousContext" in active:
        active = active["previousContext"]
    if property_scoped is not None:
        active = st.process(active, property_scoped, override=True)
    if "@context" in element:
        st.impure += 1
        active = st.process(active, element["@context"])
    type_scoped_ctx = active
    table = st.plans(active)
    plans = {k: table.get(k) or st.plan(active, table, k) for k in element if k != "@context"}
    applied = False
    for key in sorted(k for k, plan in plans.items() if plan[0] == _TYPE_KEY):
        types = element[key] if isinstance(element[key], list) else [element[key]]
        for type_ in sorted(t for t in types if isinstance(t, str)):
            definition = type_scoped_ctx["mappings"].get(type_)
            scoped = definition.get("@context") if definition else None
            # pyld keeps a type's "@context": null as False and, like None, applies nothing
            if scoped is not None and scoped is not False:
                active = st.process(active, scoped, propagate=False)
                applied = True
    if applied:
        table = st.plans(active)
        plans = {k: table.get(k) or st.plan(active, table, k) for k in plans}

    # --- subject ---
    subject: Term | None = None
    if sum(1 for plan in plans.values() if plan[0] == _ID) > 1:
        # pyld refuses two keys for @id (an alias and the keyword), "colliding keywords"
        raise Unsupported("two keys for @id")
    for key, plan in plans.items():
        if plan[0] == _ID:
            value = element[key]
            if not isinstance(value, str):
                raise Unsupported("@id must be a string")
            subject = _node_term(st, active, value)
    if subject is None:
        subject = st.bnode()

    # --- properties (RDF is a set: the order of keys does not matter) ---
    quads = st.quads
    for key, plan in plans.items():
        kind = plan[0]
        if kind == _PROPERTY:
            value = element[key]
            if value is None:
                continue
            scoped = plan[5]
            term_ctx = active if scoped is None else st.process(active, scoped, override=True)
            predicate = plan[2]
            for obj in _objects(st, term_ctx, key, value, graph, plan[4]):
                quads.append((subject, predicate, obj, graph))  # type: ignore[arg-type]
        elif kind == _TYPE_KEY:
            value = element[key]
            for type_ in value if isinstance(value, list) else [value]:
                if not isinstance(type_, str):
                    raise Unsupported("@type value")
                iri = st.iri(type_scoped_ctx, type_, vocab=True, base=True)
                if not isinstance(iri, str):
                    raise Unsupported("@type expansion")
                obj = _iri(iri) if not iri.startswith("_:") else ("B", "u" + iri[2:])
                quads.append((subject, _TYPE, obj, graph))
        elif kind == _LOST:
            raise JsonLdProcessingError(
                f"term {key!r} is not defined by any context and would be dropped from the signed data",
                code="DATA_LOSS_DETECTION_ERROR",
                term=key,
            )
        elif kind == _OTHER:
            raise Unsupported(f"key {key!r} ({plan[1]})")
    return subject


def to_dataset_fast(
    document: dict[str, Any],
    loader: StaticLoader,
    shared: SubtreeCache | None = None,
    deadline: Deadline | None = None,
) -> list[Quad]:
    """Quads of ``document`` (possibly with repeats); raises :class:`Unsupported` when the
    general path must be used (including any doubt), or a strict :class:`JsonLdProcessingError`.
    ``shared`` carries sub-trees across documents (see :class:`SubtreeCache`)."""
    try:
        return _to_dataset_fast(document, loader, shared, deadline)
    except (Unsupported, McvcError):
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise Unsupported(f"{type(exc).__name__}: {exc}") from None


def _to_dataset_fast(
    document: dict[str, Any],
    loader: StaticLoader,
    shared: SubtreeCache | None,
    deadline: Deadline | None = None,
) -> list[Quad]:
    if not isinstance(document, dict):
        raise Unsupported("not an object")
    st = _State(loader, shared, deadline)
    initial = st.proc._get_initial_context(st.options)
    if "@context" not in document:
        raise Unsupported("no @context")
    active = st.process(initial, document["@context"])
    rest = {k: v for k, v in document.items() if k != "@context"}
    for key in rest:
        if st.iri(active, key, vocab=True, base=False) in (
            "@graph",
            "@included",
            "@reverse",
            "@nest",
        ):
            raise Unsupported("top-level keyword")
    _node(st, active, None, rest, None)
    return st.quads
