"""JSON-LD to RDF, strictly: no dropped terms, no relative IRIs, no base, pinned contexts.

pyld 3.3.0 does the JSON-LD expansion. Its defaults are unsafe for signatures (it substitutes
``http://example.org/base/`` when no base is given and drops undefined terms silently), so the
expansion here runs with a sentinel base that is then refused wherever it appears, and with a
drop handler that raises. The node-map and RDF steps use pyld's internal functions, pinned to
pyld 3.3.0, so the document is expanded only once.
"""

from __future__ import annotations

import json
from typing import Any

from pyld import jsonld
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer

from ..contexts import StaticLoader
from ..errors import JsonLdProcessingError, McvcError
from .nquads import XSD_STRING, Quad, Term

__all__ = ["expand_strict", "to_dataset"]

# Not resolvable and never emitted: any IRI starting with it came from a relative reference.
_SENTINEL_BASE = "relative-iri:/"

_RESOLVER_CACHES: dict[int, Any] = {}


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


def _pyld_code(exc: BaseException) -> str:
    cur: BaseException | None = exc
    code = ""
    while cur is not None:
        code = getattr(cur, "code", None) or code
        cur = cur.__cause__
    return str(code or "")


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
    expansion is dropped is an error, because it would be shown but not signed."""

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


def expand_strict(document: dict[str, Any], loader: StaticLoader) -> list[Any]:
    """Expand ``document``; raise :class:`JsonLdProcessingError` on any lossy step."""
    if not isinstance(document, dict):
        raise JsonLdProcessingError("a JSON-LD document must be an object", code="PARSING_ERROR")
    try:
        expanded = _SafeProcessor(on_property_dropped=_dropped).expand(document, _options(loader))
    except jsonld.JsonLdError as exc:
        inner = _unwrap(exc)
        if inner is not None:
            raise inner from None
        code = _pyld_code(exc)
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


def to_dataset(document: dict[str, Any], loader: StaticLoader) -> list[Quad]:
    """The RDF dataset of a JSON-LD document, refusing every lossy or relative construct."""
    expanded = expand_strict(document, loader)
    proc = jsonld.JsonLdProcessor()
    options = _options(loader)
    options["produceGeneralizedRdf"] = False
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    try:
        proc._create_node_map(expanded, node_map, "@default", issuer)
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
    return quads
