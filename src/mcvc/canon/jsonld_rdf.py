"""JSON-LD to RDF, strictly: no dropped terms, no relative IRIs, no base, pinned contexts.

pyld 3.3.0 does the JSON-LD expansion. Its defaults are unsafe for signatures (it substitutes
``http://example.org/base/`` when no base is given and drops undefined terms silently), so the
expansion here runs with a sentinel base that is then refused wherever it appears, and with a
drop handler that raises. The node-map and RDF steps use pyld's internal functions, pinned to
pyld 3.3.0, so the document is expanded only once.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from ..contexts import StaticLoader
from ..errors import JsonLdProcessingError, McvcError
from ..limits import Deadline
from .nquads import XSD_STRING, Quad, Term

__all__ = ["expand_strict", "to_dataset"]

# Not resolvable and never emitted: any IRI starting with it came from a relative reference.
_SENTINEL_BASE = "relative-iri:/"
# An absolute IRI as N-Quads can hold it (IRIREF) and as pyld's toRdf takes it: pyld skips a
# subject, predicate or object whose IRI has white space (any Unicode space) without a word,
# which would leave that statement out of the signed data.
_WELL_FORMED = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\x00-\x20<>\"{}|^`\\]*$")
_SPACE = re.compile(r"\s")


def well_formed_iri(value: str) -> bool:
    return _WELL_FORMED.match(value) is not None and _SPACE.search(value) is None


def _malformed(value: str) -> JsonLdProcessingError:
    return JsonLdProcessingError(
        f'{value!r} is not a well-formed IRI (white space or one of <>"{{}}|^`\\): JSON-LD '
        "processors leave such statements out of the signed data",
        code="DATA_LOSS_DETECTION_ERROR",
        value=value,
    )


class _BoundedCache(dict[str, Any]):
    """The shared cache pyld's ContextResolver needs (get / item assignment), bounded."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self.maxsize = maxsize

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self and len(self) >= self.maxsize:
            del self[next(iter(self))]
        super().__setitem__(key, value)


def _resolver(loader: StaticLoader) -> ContextResolver:
    # Processed contexts are cached per loader, never across loaders: two loaders may pin
    # different bytes for the same URL.
    cache = getattr(loader, "_pyld_cache", None)
    if cache is None:
        cache = _BoundedCache(maxsize=256)
        loader._pyld_cache = cache  # type: ignore[attr-defined]
    return ContextResolver(cache, loader)


def _unwrap(exc: BaseException) -> McvcError | None:
    seen = 0
    cur: BaseException | None = exc
    while cur is not None and seen < 20:
        if isinstance(cur, McvcError):
            return cur
        details = getattr(cur, "details", None)
        if isinstance(details, dict) and isinstance(details.get("cause"), BaseException):
            nested = _unwrap(details["cause"])
            if nested is not None:
                return nested
        cur = cur.__cause__ or cur.__context__
        seen += 1
    return None


def _options(loader: StaticLoader) -> dict[str, Any]:
    return {
        "documentLoader": loader,
        "base": _SENTINEL_BASE,
        "contextResolver": _resolver(loader),
        "processingMode": "json-ld-1.1",
        "extractAllScripts": False,
    }


def _dropped(term: str) -> None:
    raise JsonLdProcessingError(
        f"term {term!r} is not defined by any context and would be dropped from the signed data",
        code="DATA_LOSS_DETECTION_ERROR",
        term=term,
    )


class _SafeProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld with the data-loss rules of jsonld.js safe mode (``_notSafeEventCodes``): pyld
    drops free-floating scalars, ``{"@value": null}``, objects with only ``@language`` and
    empty or ``@id``-only top-level objects without a word; here any non-null element whose
    expansion is dropped is an error, because it would be shown but not signed.

    It also looks at the deadline every 256 elements, so a large document's expansion stops
    when the verification's time is up instead of running on in an abandoned thread."""

    def __init__(self, deadline: Deadline | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._deadline = deadline
        self._elements = 0

    def _expand(
        self,
        active_ctx: Any,
        active_property: Any,
        element: Any,
        options: Any,
        inside_list: bool = False,
        inside_index: bool = False,
        type_scoped_ctx: Any = None,
    ) -> Any:
        self._elements += 1
        if self._deadline is not None and not self._elements & 255:
            self._deadline.check("JSON-LD expansion")
        result = super()._expand(
            active_ctx,
            active_property,
            element,
            options,
            inside_list=inside_list,
            inside_index=inside_index,
            type_scoped_ctx=type_scoped_ctx,
        )
        if result is None and element is not None and not isinstance(element, list):
            shown = json.dumps(element, ensure_ascii=False)[:80]
            raise JsonLdProcessingError(
                f"{shown} under {active_property or 'the top level'!r} expands to nothing and "
                "would be dropped from the signed data",
                code="DATA_LOSS_DETECTION_ERROR",
                property=str(active_property or ""),
            )
        return result


def _value_key(value: Any) -> tuple[str, str]:
    # JSON text tells 1, 1.0 and true apart, as RDF does (pyld's == does not)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, dict) and "@value" in value:
        fields = {k: value.get(k) for k in ("@value", "@type", "@language", "@direction", "@index")}
        return ("v", json.dumps(fields, sort_keys=True, ensure_ascii=False))
    if isinstance(value, dict) and "@id" in value and len(value) == 1:
        return ("n", str(value["@id"]))
    # lists: pyld adds them with duplicates allowed, so their key only has to exist when a
    # value comes after one under the same property
    return ("o", "")


class _NodeMapper(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's node map generation with a hashed duplicate check.

    pyld adds each value to a node with ``add_value(..., allowDuplicate=False)``, which compares
    it with every value already there: one property with k values costs k^2 comparisons, so
    1.7 MB with 8,000 values on one property took 11 s. Here each (graph, node, property)
    keeps a set of the values it holds. The map is otherwise built exactly as pyld builds it
    (same order, same blank-node labels)."""

    def __init__(self, deadline: Deadline | None = None) -> None:
        super().__init__()
        self._deadline = deadline
        self._held: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
        self._calls = 0

    def _add(
        self, graph: str, node: dict[str, Any], prop: str, value: Any, duplicates: bool
    ) -> None:
        values = node.setdefault(prop, [])
        if duplicates:
            values.append(value)
            return
        held = self._held.setdefault((graph, str(node.get("@id")), prop), set())
        if not held and values:  # values placed by another route (kept for exactness)
            held.update(_value_key(v) for v in values)
        key = _value_key(value)
        if key not in held:
            held.add(key)
            values.append(value)

    def _create_node_map(
        self,
        input_: Any,
        graph_map: dict[str, Any],
        active_graph: str,
        issuer: IdentifierIssuer,
        active_subject: Any = None,
        active_property: str | None = None,
        list_: dict[str, Any] | None = None,
    ) -> None:
        self._calls += 1
        if self._deadline is not None and not self._calls & 255:
            self._deadline.check("JSON-LD node map")
        if isinstance(input_, list):
            for item in input_:
                self._create_node_map(
                    item, graph_map, active_graph, issuer, active_subject, active_property, list_
                )
            return
        graph = graph_map.setdefault(active_graph, {})
        subject_node = graph.get(active_subject) if isinstance(active_subject, str) else None
        for type_ in input_.get("@type", []) if isinstance(input_.get("@type"), list) else []:
            if type_.startswith("_:"):
                issuer.get_id(type_)
        if "@value" in input_:
            type_ = input_.get("@type")
            if isinstance(type_, str) and type_.startswith("_:"):
                input_["@type"] = issuer.get_id(type_)
            if list_ is not None:
                list_["@list"].append(input_)
            elif subject_node is not None and active_property is not None:
                self._add(active_graph, subject_node, active_property, input_, False)
            return
        if "@list" in input_:
            found: dict[str, Any] = {"@list": []}
            self._create_node_map(
                input_["@list"],
                graph_map,
                active_graph,
                issuer,
                active_subject,
                active_property,
                found,
            )
            if list_ is not None:
                list_["@list"].append(found)
            elif subject_node is not None and active_property is not None:
                self._add(active_graph, subject_node, active_property, found, True)
            return
        id_ = input_.get("@id")
        if id_ is None or (isinstance(id_, str) and id_.startswith("_:")):
            id_ = issuer.get_id(id_)
        node = graph.setdefault(id_, {"@id": id_})
        if isinstance(active_subject, dict):
            assert active_property is not None
            self._add(active_graph, node, active_property, active_subject, False)
        elif active_property:
            reference = {"@id": id_}
            if list_ is not None:
                list_["@list"].append(reference)
            elif subject_node is not None:
                self._add(active_graph, subject_node, active_property, reference, False)
        for prop, objects in sorted(input_.items()):
            if prop == "@id":
                continue
            if prop == "@reverse":
                referenced = {"@id": id_}
                for reverse_property, items in objects.items():
                    for item in items:
                        self._create_node_map(
                            item,
                            graph_map,
                            active_graph,
                            issuer,
                            active_subject=referenced,
                            active_property=reverse_property,
                        )
                continue
            if prop == "@graph":
                # (pyld's merged node map, for flattening, is never asked for here)
                graph_map.setdefault(id_, {})
                self._create_node_map(objects, graph_map, id_, issuer)
                continue
            if prop == "@included":
                self._create_node_map(objects, graph_map, active_graph, issuer)
                continue
            if prop != "@type" and prop.startswith("@"):
                if prop == "@index" and "@index" in node and node["@index"] != objects:
                    raise JsonLdProcessingError(
                        "conflicting @index values for one node", code="JSONLD_ERROR"
                    )
                node[prop] = objects
                continue
            if prop.startswith("_:"):
                prop = issuer.get_id(prop)
            if not objects:
                node.setdefault(prop, [])
                continue
            for obj in objects:
                if prop == "@type":
                    label = issuer.get_id(obj) if obj.startswith("_:") else obj
                    self._add(active_graph, node, prop, label, False)
                else:
                    self._create_node_map(
                        obj,
                        graph_map,
                        active_graph,
                        issuer,
                        active_subject=id_,
                        active_property=prop,
                    )


def expand_strict(
    document: dict[str, Any], loader: StaticLoader, deadline: Deadline | None = None
) -> list[Any]:
    """Expand ``document``; raise :class:`JsonLdProcessingError` on any lossy step."""
    if not isinstance(document, dict):
        raise JsonLdProcessingError("a JSON-LD document must be an object", code="PARSING_ERROR")
    try:
        expanded = _SafeProcessor(deadline, on_property_dropped=_dropped).expand(
            document, _options(loader)
        )
    except jsonld.JsonLdError as exc:
        inner = _unwrap(exc)
        if inner is not None:
            raise inner from None
        # every error pyld's expansion raises carries its code (the ones without are for a URL
        # given as the input, and mcvc passes a document)
        code = str(exc.code or "")
        message = str(exc.args[0]) if exc.args else "JSON-LD error"
        raise JsonLdProcessingError(
            f"JSON-LD processing failed: {message}" + (f" ({code})" if code else ""),
            code="PROTECTED_TERM_REDEFINITION" if "protected term" in code else "JSONLD_ERROR",
            jsonld_code=code,
        ) from None
    except McvcError:
        raise
    except RecursionError:
        raise JsonLdProcessingError("document too deeply nested", code="TOO_DEEP") from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        # pyld assumes well-formed JSON-LD in places; malformed input must not escape as a crash
        raise JsonLdProcessingError(
            f"malformed JSON-LD: {type(exc).__name__}: {exc}", code="JSONLD_ERROR"
        ) from None
    if not expanded:
        raise JsonLdProcessingError("document expands to nothing", code="DATA_LOSS_DETECTION_ERROR")
    return list(expanded)


def _term(node: dict[str, Any]) -> Term:
    kind = node["type"]
    value = node["value"]
    if kind == "IRI":
        if value.startswith(_SENTINEL_BASE) or ":" not in value:
            shown = value.removeprefix(_SENTINEL_BASE)
            raise JsonLdProcessingError(
                f"relative IRI reference {shown!r}: Data Integrity requires a null base",
                code="RELATIVE_IRI",
                value=shown,
            )
        if not well_formed_iri(value):
            raise _malformed(value)
        return ("I", value)
    if kind == "blank node":
        return ("B", value[2:])
    language = node.get("language") or ""
    datatype = node.get("datatype") or XSD_STRING
    if datatype.startswith(_SENTINEL_BASE):
        raise JsonLdProcessingError(
            f"relative datatype IRI {datatype.removeprefix(_SENTINEL_BASE)!r}",
            code="RELATIVE_IRI",
        )
    return ("L", value, datatype, language.lower() if language else "")


def _check_iris(node_map: dict[str, Any]) -> None:
    """Refuse every IRI pyld's toRdf would skip (white space) where it can stand: subjects and
    types. Node references and named graphs are subjects too (node map generation makes a node
    of every ``@id`` it meets); a predicate with white space never gets here (expansion drops
    it, refused as a dropped term); and every IRI toRdf does emit goes through :func:`_term`."""

    def check(value: Any) -> None:
        if isinstance(value, str) and not value.startswith("_:") and not well_formed_iri(value):
            _term({"type": "IRI", "value": value})  # refuses it: RELATIVE_IRI, or the data loss
            raise _malformed(value)  # not reached

    for graph in node_map.values():
        for subject, node in graph.items():
            check(subject)
            for label in node.get("@type", ()):
                check(label)


def to_dataset(
    document: dict[str, Any], loader: StaticLoader, deadline: Deadline | None = None
) -> list[Quad]:
    """The RDF dataset of a JSON-LD document, refusing every lossy or relative construct."""
    expanded = expand_strict(document, loader, deadline)
    proc = _NodeMapper(deadline)
    options = _options(loader)
    options["produceGeneralizedRdf"] = False
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    try:
        proc._create_node_map(expanded, node_map, "@default", issuer)
        _check_iris(node_map)
        for graph in node_map.values():
            for node in graph.values():
                for key in node:
                    if key.startswith("_:"):
                        raise JsonLdProcessingError(
                            f"property {key!r} is a blank node, which RDF does not allow as a "
                            "predicate: it would be dropped from the signed data",
                            code="DATA_LOSS_DETECTION_ERROR",
                            term=key,
                        )
        if deadline is not None:
            deadline.check("JSON-LD to RDF")
        quads: list[Quad] = []
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default":
                g: Term | None = None
            elif graph_name.startswith("_:"):
                g = ("B", graph_name[2:])
            else:
                g = _term({"type": "IRI", "value": graph_name})
            for triple in proc._graph_to_rdf(graph, issuer, options):
                quads.append(
                    (
                        _term(triple["subject"]),
                        _term(triple["predicate"]),
                        _term(triple["object"]),
                        g,
                    )
                )
    except jsonld.JsonLdError as exc:
        raise JsonLdProcessingError(f"JSON-LD to RDF failed: {exc.args[0]}") from None
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise JsonLdProcessingError(
            f"malformed JSON-LD: {type(exc).__name__}: {exc}", code="JSONLD_ERROR"
        ) from None
    # a dataset is a set: 1 and 1.0 are one literal, kept apart by the node map's JSON keys
    return list(dict.fromkeys(quads))
