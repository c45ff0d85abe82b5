"""The fast JSON-LD-to-RDF path branch by branch: for each construct it handles, a document
where it must answer, with exactly the quads of the pyld path; for each it leaves to pyld, a
document where it must decline, for that reason. The random differential tests in
test_fast_rdf.py show the two paths agree; this table shows which one answers, so a change
that makes the fast path silently fall back (slower, and no longer compared) or answer where
it should not is seen. Also: memos reused across documents, the sub-tree cache's bookkeeping
and the deadline inside the walk."""

from __future__ import annotations

from typing import Any

import pytest

import mcvc
from mcvc.canon.fast_rdf import SubtreeCache, Unsupported, _State, to_dataset_fast
from mcvc.canon.jsonld_rdf import to_dataset
from mcvc.canon.nquads import Quad
from mcvc.canon.rdfc import canonicalize
from mcvc.contexts import StaticLoader
from mcvc.errors import DeadlineExceeded
from mcvc.limits import Deadline

V2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://ex.example/"
ANSWERS = "answers"
Outcome = str | tuple[str, str]


def cred(subject: Any, *context: Any, **top: Any) -> dict[str, Any]:
    return {
        "@context": [V2, *context],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:1",
        "credentialSubject": subject,
        **top,
    }


P = {"p": f"{EX}p"}
SCOPED = {
    "Scoped": {
        "@id": f"{EX}Scoped",
        "@context": {"inner": f"{EX}inner", "sx": "https://scoped.example/", "val": "@value"},
    },
    "child": f"{EX}child",
}
SP = {"sp": {"@id": f"{EX}sp", "@context": {"deep": f"{EX}deep"}}}
G = {"g": {"@id": f"{EX}g", "@container": "@graph"}}


def _deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"p": "x"}
    for _ in range(levels):
        node = {"p": node}
    return node


CASES: list[tuple[str, Any]] = [
    # values
    ("value object alone", cred({"p": {"@value": "x"}}, P)),
    ("value object with language", cred({"p": {"@value": "x", "@language": "EN-gb"}}, P)),
    ("value object with a datatype", cred({"p": {"@value": "x", "@type": f"{EX}T"}}, P)),
    (
        "value object with a compact datatype",
        cred({"p": {"@value": "x", "@type": "ex:T"}}, P, {"ex": EX}),
    ),
    (
        "value object with a relative datatype",
        cred({"p": {"@value": "x", "@type": "T"}}, P, {"@vocab": EX}),
    ),
    (
        "value object typed with a term",
        cred({"p": {"@value": "x", "@type": "T"}}, P, {"T": f"{EX}T"}),
    ),
    (
        "value object typed xsd integer",
        cred({"p": {"@value": "5", "@type": "http://www.w3.org/2001/XMLSchema#integer"}}, P),
    ),
    ("value object with a number", cred({"p": {"@value": 5}}, P)),
    ("value object typed @json", cred({"p": {"@value": {"a": 1}, "@type": "@json"}}, P)),
    ("value object with null", cred({"p": {"@value": None}}, P)),
    ("value object with a list", cred({"p": {"@value": [1]}}, P)),
    ("value object with a non-string type", cred({"p": {"@value": "x", "@type": 5}}, P)),
    ("value object with a non-string language", cred({"p": {"@value": "x", "@language": 5}}, P)),
    (
        "value object with a language and a type",
        cred({"p": {"@value": "x", "@language": "en", "@type": f"{EX}T"}}, P),
    ),
    ("value object with a language on a number", cred({"p": {"@value": 5, "@language": "en"}}, P)),
    ("value object with an index", cred({"p": {"@value": "x", "@index": "i"}}, P)),
    ("value object with direction", cred({"p": {"@value": "x", "@direction": "rtl"}}, P)),
    (
        "value object by an alias",
        cred({"p": {"val": "x", "lang": "de"}}, P, {"val": "@value", "lang": "@language"}),
    ),
    (
        "value object typed by an alias",
        cred({"p": {"val": "x", "dt": f"{EX}T"}}, P, {"val": "@value", "dt": "@type"}),
    ),
    ("language only object", cred({"p": {"@language": "en"}}, P)),
    ("list object", cred({"p": {"@list": ["a", "b"]}}, P)),
    ("list object by an alias", cred({"p": {"items": ["a"]}}, P, {"items": "@list"})),
    ("set object", cred({"p": {"@set": ["a"]}}, P)),
    # scalars and their modes
    ("string", cred({"p": "x"}, P)),
    ("string with a default language", cred({"p": "x"}, P, {"@language": "DE"})),
    ("string with a term language", cred({"p": "x"}, {"p": {"@id": f"{EX}p", "@language": "FR"}})),
    (
        "string with a term language null",
        cred({"p": "x"}, {"@language": "de"}, {"p": {"@id": f"{EX}p", "@language": None}}),
    ),
    ("string with a default direction", cred({"p": "x"}, {"@direction": "ltr"}, P)),
    (
        "string with a term direction",
        cred({"p": "x"}, {"p": {"@id": f"{EX}p", "@direction": "rtl"}}),
    ),
    (
        "string with a term direction null",
        cred({"p": "x"}, {"@direction": "rtl"}, {"p": {"@id": f"{EX}p", "@direction": None}}),
    ),
    ("string typed @id", cred({"p": "urn:x:1"}, {"p": {"@id": f"{EX}p", "@type": "@id"}})),
    ("string typed @id relative", cred({"p": "rel"}, {"p": {"@id": f"{EX}p", "@type": "@id"}})),
    (
        "string typed @id compact",
        cred({"p": "ex:1"}, {"ex": EX, "p": {"@id": f"{EX}p", "@type": "@id"}}),
    ),
    (
        "string typed @id term",
        cred({"p": "T"}, {"T": f"{EX}T", "p": {"@id": f"{EX}p", "@type": "@id"}}),
    ),
    ("string typed @id blank", cred({"p": "_:b1"}, {"p": {"@id": f"{EX}p", "@type": "@id"}})),
    (
        "string typed @vocab term",
        cred({"p": "T"}, {"T": f"{EX}T", "p": {"@id": f"{EX}p", "@type": "@vocab"}}),
    ),
    ("string typed @vocab blank", cred({"p": "_:b1"}, {"p": {"@id": f"{EX}p", "@type": "@vocab"}})),
    (
        "string typed @none",
        cred({"p": "x"}, {"@version": 1.1, "p": {"@id": f"{EX}p", "@type": "@none"}}),
    ),
    ("string typed", cred({"p": "x"}, {"p": {"@id": f"{EX}p", "@type": f"{EX}T"}})),
    (
        "string typed xsd double",
        cred(
            {"p": "1"}, {"p": {"@id": f"{EX}p", "@type": "http://www.w3.org/2001/XMLSchema#double"}}
        ),
    ),
    ("string typed @json", cred({"p": "x"}, {"p": {"@id": f"{EX}p", "@type": "@json"}})),
    ("string under a null term", cred({"p": "x"}, P, {"p": None})),
    ("number", cred({"p": 5}, P)),
    ("number typed @id", cred({"p": 5}, {"p": {"@id": f"{EX}p", "@type": "@id"}})),
    ("boolean", cred({"p": True}, P)),
    ("null property", cred({"p": None, "id": "did:example:2"}, P)),
    ("null in a list", cred({"p": ["a", None]}, P)),
    # ids, types, nodes
    ("blank node id", cred({"id": "_:s", "p": "x"}, P)),
    ("blank node reference", cred({"p": {"id": "_:s"}}, P)),
    ("blank node type", cred({"p": "x"}, P, type=["VerifiableCredential", "_:t"])),
    ("non-string id", cred({"id": 5}, P)),
    ("non-string type", cred({"p": "x"}, P, type=[5])),
    ("relative type", {"@context": P, "@id": "urn:x:1", "@type": "Relative"}),
    ("compact id", cred({"id": "ex:1", "p": "x"}, P, {"ex": EX})),
    ("id by an alias", cred({"ident": "urn:x:1", "p": "x"}, P, {"ident": "@id"})),
    (
        "two ids by aliases",
        cred({"ident": "urn:x:1", "@id": "urn:x:1", "p": "x"}, P, {"ident": "@id"}),
    ),
    ("same node twice", cred([{"id": "urn:x:1", "p": "x"}, {"id": "urn:x:1", "p": "x"}], P)),
    (
        "same node twice by @id",
        cred([{"@id": "urn:x:1", "p": "x"}, {"@id": "urn:x:1", "p": "x"}], P),
    ),
    (
        "same node twice, different content",
        cred([{"id": "urn:x:1", "p": "x"}, {"id": "urn:x:1", "p": "y"}], P),
    ),
    (
        "same node under two properties",
        cred(
            {"p": {"id": "urn:x:1", "q": "x"}, "r": {"id": "urn:x:1", "q": "x"}},
            P,
            {"q": f"{EX}q", "r": f"{EX}r"},
        ),
    ),
    (
        "same node with a blank child twice",
        cred(
            [{"id": "urn:x:1", "p": {"q": "x"}}, {"id": "urn:x:1", "p": {"q": "x"}}],
            P,
            {"q": f"{EX}q"},
        ),
    ),
    (
        "same node with a number twice",
        cred([{"id": "urn:x:1", "p": 1}, {"id": "urn:x:1", "p": 1}], P),
    ),
    ("same blank node twice", cred([{"id": "_:a", "p": "x"}, {"id": "_:a", "p": "x"}], P)),
    ("undefined term", {"@context": P, "@id": "urn:x:1", "undefinedTerm": "x"}),
    ("keyword-like term", cred({"@foo": "x"}, P)),
    ("blank node property", cred({"_:p": "x"}, P)),
    ("term to a blank node", cred({"bp": "x"}, {"bp": "_:p"})),
    ("reverse term", cred({"rv": {"id": "urn:x:1"}}, {"rv": {"@reverse": f"{EX}rv"}})),
    ("index map", cred({"im": {"a": "x"}}, {"im": {"@id": f"{EX}im", "@container": "@index"}})),
    ("json term", cred({"j": {"a": 1}}, {"j": {"@id": f"{EX}j", "@type": "@json"}})),
    ("predicate with white space", cred({"ws": "x"}, {"ws": "urn:x:a b"})),
    ("included", cred({"@included": [{"id": "urn:x:1", "p": "x"}]}, P)),
    ("nest by an alias", cred({"nst": {"p": "x"}}, P, {"nst": "@nest"})),
    ("embedded context", cred({"@context": {"q": f"{EX}q"}, "q": "x"})),
    (
        "embedded context wrapping @context",
        cred({"@context": {"@context": {"q": f"{EX}q"}}, "q": "x"}),
    ),
    ("embedded context that is invalid", cred({"@context": {"q": 5}, "q": "x"})),
    ("embedded context with a relative vocab", cred({"@context": {"@vocab": "v/"}, "free": "x"})),
    ("context with a relative vocab", cred({"free": "x"}, {"@vocab": "v/"})),
    # containers
    (
        "list",
        cred({"l": ["a", "b", {"@value": "c"}]}, {"l": {"@id": f"{EX}l", "@container": "@list"}}),
    ),
    ("list of one", cred({"l": "a"}, {"l": {"@id": f"{EX}l", "@container": "@list"}})),
    ("empty list", cred({"l": []}, {"l": {"@id": f"{EX}l", "@container": "@list"}})),
    ("list of lists", cred({"l": [["a"]]}, {"l": {"@id": f"{EX}l", "@container": "@list"}})),
    (
        "list of nodes in a named graph",
        cred(
            {"g": {"l": [{"id": "urn:x:1", "p": "x"}]}},
            P,
            {
                "g": {"@id": f"{EX}g", "@container": "@graph"},
                "l": {"@id": f"{EX}l", "@container": "@list"},
            },
        ),
    ),
    (
        "list of nodes of a scoped type",
        cred(
            {"type": "Scoped", "l": [{"inner": "x"}]},
            SCOPED,
            {"l": {"@id": f"{EX}l", "@container": "@list"}},
        ),
    ),
    ("nested array", cred({"p": [["a"]]}, P)),
    ("set", cred({"s": ["a", "a"]}, {"s": {"@id": f"{EX}s", "@container": "@set"}})),
    (
        "language map",
        cred(
            {"lm": {"en": "a", "DE": ["b", None, "c"], "@none": "n"}},
            {"lm": {"@id": f"{EX}lm", "@container": "@language"}},
        ),
    ),
    (
        "language map with a none alias",
        cred(
            {"lm": {"none": "n"}},
            {"none": "@none", "lm": {"@id": f"{EX}lm", "@container": "@language"}},
        ),
    ),
    (
        "language map with a number",
        cred({"lm": {"en": 5}}, {"lm": {"@id": f"{EX}lm", "@container": "@language"}}),
    ),
    (
        "graph container",
        cred({"g": {"p": "x"}}, P, {"g": {"@id": f"{EX}g", "@container": "@graph"}}),
    ),
    (
        "graph container with an id",
        cred(
            {"g": {"id": "urn:x:g", "p": "x"}}, P, {"g": {"@id": f"{EX}g", "@container": "@graph"}}
        ),
    ),
    (
        "graph container of a scoped type",
        cred(
            {"type": "Scoped", "g": {"inner": "x"}},
            SCOPED,
            {"g": {"@id": f"{EX}g", "@container": "@graph"}},
        ),
    ),
    (
        "graph container with a scalar",
        cred({"g": "x"}, {"g": {"@id": f"{EX}g", "@container": "@graph"}}),
    ),
    (
        "graph list container",
        cred({"g": [{"p": "x"}]}, P, {"g": {"@id": f"{EX}g", "@container": ["@graph", "@list"]}}),
    ),
    # scoped contexts
    ("type-scoped context", cred({"type": "Scoped", "inner": "x"}, SCOPED)),
    (
        "type-scoped context does not propagate",
        cred({"type": "Scoped", "child": {"inner": "x"}}, SCOPED),
    ),
    (
        "type-scoped context on a node reference",
        cred({"type": "Scoped", "child": {"id": "sx:1"}}, SCOPED),
    ),
    (
        "type-scoped context on a node with an id",
        cred({"type": "Scoped", "child": {"id": "sx:1", "p": "y"}}, SCOPED, P),
    ),
    ("type-scoped value alias", cred({"type": "Scoped", "child": {"val": "x"}}, SCOPED)),
    (
        "type-scoped value alias in the node",
        cred({"type": "Scoped", "inner": {"val": "x"}}, SCOPED),
    ),
    (
        "type-scoped context false",
        cred({"type": "Unscoped", "p": "x"}, P, {"Unscoped": {"@id": f"{EX}U", "@context": None}}),
    ),
    (
        "two type-scoped contexts",
        cred(
            {"type": ["Scoped", "Other"], "inner": "x", "o": "y"},
            SCOPED,
            {"Other": {"@id": f"{EX}O", "@context": {"o": f"{EX}o"}}},
        ),
    ),
    (
        "type by an alias with a scoped context",
        cred({"kind": "Scoped", "inner": "x"}, SCOPED, {"kind": "@type"}),
    ),
    (
        "property-scoped context",
        cred(
            {"sp": {"deep": "x", "more": {"deep": "y"}}},
            {"sp": {"@id": f"{EX}sp", "@context": {"deep": f"{EX}deep"}}},
        ),
    ),
    (
        "property-scoped context on a value",
        cred({"sp": "x"}, {"sp": {"@id": f"{EX}sp", "@context": {"@language": "de"}}}),
    ),
    (
        "property-scoped context, not propagated",
        cred(
            {"sp": {"more": {"deep": "y"}}},
            {
                "more": f"{EX}more",
                "sp": {"@id": f"{EX}sp", "@context": {"@propagate": False, "deep": f"{EX}deep"}},
            },
        ),
    ),
    (
        "property-scoped context overriding a protected term",
        cred(
            {"sp": {"id": "urn:x:1", "name": "x"}},
            {"sp": {"@id": f"{EX}sp", "@context": {"name": f"{EX}name"}}},
        ),
    ),
    (
        "property-scoped protected override",
        cred(
            {"sp": {"pp": "x"}},
            {
                "@protected": True,
                "pp": f"{EX}pp",
                "sp": {"@id": f"{EX}sp", "@context": {"pp": f"{EX}other"}},
            },
        ),
    ),
    # top level
    ("top-level @graph", {"@context": V2, "@graph": [{"id": "urn:x:1"}]}),
    ("top-level @included", {"@context": [V2], "@included": [], "issuer": "did:example:1"}),
    ("top-level @reverse", {"@context": [V2], "@reverse": {}, "issuer": "did:example:1"}),
    ("top-level @nest", {"@context": [V2], "@nest": {}, "issuer": "did:example:1"}),
    (
        "top-level nest alias",
        {"@context": [V2, {"nst": "@nest"}], "nst": {}, "issuer": "did:example:1"},
    ),
    (
        "top-level graph alias",
        {"@context": [V2, {"grf": "@graph"}], "grf": [], "issuer": "did:example:1"},
    ),
    ("no context", {"type": "VerifiableCredential"}),
    ("context wrapping @context", {"@context": {"@context": {}}, "id": "urn:x"}),
    ("invalid context", {"@context": {"p": 5}}),
    (
        "two ids by aliases, different",
        cred({"ident": "urn:x:1", "@id": "urn:x:2", "p": "x"}, P, {"ident": "@id"}),
    ),
    (
        "two type keys",
        cred(
            {"kind": "Other", "type": "Scoped", "inner": "x", "o": "y"},
            SCOPED,
            {"kind": "@type", "Other": {"@id": f"{EX}O", "@context": {"o": f"{EX}o"}}},
        ),
    ),
    (
        "graph container value alias under a scoped type",
        cred(
            {"type": "Scoped", "g": {"val": "x"}},
            SCOPED,
            {"g": {"@id": f"{EX}g", "@container": "@graph"}},
        ),
    ),
    (
        "impure before a repeated value",
        cred(
            [{"id": "urn:x:0", "p": 5}, {"id": "urn:x:1", "p": 1}, {"id": "urn:x:1", "p": True}], P
        ),
    ),
    (
        "impure before a repeated value object",
        cred(
            [
                {"id": "urn:x:0", "p": 5},
                {"id": "urn:x:1", "p": {"@value": 1}},
                {"id": "urn:x:1", "p": {"@value": True}},
            ],
            P,
        ),
    ),
    (
        "impure before a repeated context, propagate",
        cred(
            [
                {"id": "urn:x:0", "p": 5},
                {"id": "urn:x:1", "@context": {"@propagate": True, "q": f"{EX}q"}, "q": "x"},
                {"id": "urn:x:1", "@context": {"@propagate": 1, "q": f"{EX}q"}, "q": "x"},
            ],
            P,
        ),
    ),
    (
        "propagate 1",
        cred({"id": "urn:x:1", "@context": {"@propagate": 1, "q": f"{EX}q"}, "q": "x"}),
    ),
    # blank node labels: each keeps its own node
    (
        "two blank node ids that end alike",
        cred([{"id": "_:ab", "p": "x"}, {"id": "_:cb", "p": "y"}], P),
    ),
    (
        "two blank node references that end alike",
        cred({"p": ["_:ab", "_:cb"]}, {"p": {"@id": f"{EX}p", "@type": "@id"}}),
    ),
    (
        "two blank node types that end alike",
        cred({"p": "x"}, P, type=["VerifiableCredential", "_:ab", "_:cb"]),
    ),
    # relative references resolve against the sentinel base, whatever they look like
    (
        "value object with a relative datatype and no vocab",
        {"@context": P, "@id": "urn:x:1", "p": {"@value": "x", "@type": "rel"}},
    ),
    ("relative type, a fragment with a colon", {"@context": P, "@id": "urn:x:1", "@type": "#a:b"}),
    (
        "string typed @id, a fragment with a colon",
        cred({"p": "#a:b"}, {"p": {"@id": f"{EX}p", "@type": "@id"}}),
    ),
    ("node id, a fragment with a colon", cred({"id": "#a:b", "p": "x"}, P)),
    (
        "type expanding to null",
        cred({"p": "x"}, P, {"Nulled": None}, type=["VerifiableCredential", "Nulled"]),
    ),
    ("value object with a string typed @json", cred({"p": {"@value": "x", "@type": "@json"}}, P)),
    (
        "list of ids",
        cred(
            {"l": ["urn:x:1", "urn:x:2"]},
            {"l": {"@id": f"{EX}l", "@container": "@list", "@type": "@id"}},
        ),
    ),
    # a property-scoped context applies again inside the value, after a type-scoped one reverts
    (
        "property-scoped context under a scoped type",
        cred({"type": "Scoped", "sp": {"deep": "x"}}, SCOPED, SP),
    ),
    (
        "property-scoped context on a node with an id under a scoped type",
        cred({"type": "Scoped", "sp": {"id": "urn:x:1", "deep": "x"}}, SCOPED, SP),
    ),
    (
        "graph container with a property-scoped context under a scoped type",
        cred(
            {"type": "Scoped", "g": {"deep": "x"}},
            SCOPED,
            {"g": {"@id": f"{EX}g", "@container": "@graph", "@context": {"deep": f"{EX}deep"}}},
        ),
    ),
    (
        "property-scoped context redefining its own protected term",
        cred(
            {"sp": {"pp": "x"}},
            {
                "sp": {
                    "@id": f"{EX}sp",
                    "@context": [{"@protected": True, "pp": f"{EX}a"}, {"pp": f"{EX}b"}],
                }
            },
        ),
    ),
    # which elements under a type-scoped context are value objects (pyld looks at two keys at most)
    (
        "two keys with a value alias under a scoped type",
        cred({"type": "Scoped", "g": {"val": "x", "@language": "en"}}, SCOPED, G),
    ),
    (
        "three keys with a value alias under a scoped type",
        cred({"type": "Scoped", "g": {"val": "x", "@language": "en", "@index": "i"}}, SCOPED, G),
    ),
    (
        "a context and a value alias under a scoped type",
        cred({"type": "Scoped", "g": {"@context": {}, "val": "x"}}, SCOPED, G),
    ),
    (
        "top-level context that does not propagate",
        cred({"q": "x"}, {"@propagate": False, "q": f"{EX}q"}),
    ),
    (
        "value object with two keys for @value",
        cred({"p": {"val": "x", "@value": "y"}}, P, {"val": "@value"}),
    ),
    (
        "value object with two keys for @language",
        cred({"p": {"@value": "x", "lang": "de", "@language": "en"}}, P, {"lang": "@language"}),
    ),
    ("graph container with a value object", cred({"g": {"@value": "x"}}, G)),
    ("value object typed with a blank node id", cred({"p": {"@value": "x", "@type": "_:dt"}}, P)),
    (
        "value object typed by a term for a blank node id",
        cred({"p": {"@value": "x", "@type": "dt"}}, P, {"dt": "_:dt"}),
    ),
    (
        "list of blank nodes",
        cred({"l": [{"p": "x"}, {"p": "y"}]}, P, {"l": {"@id": f"{EX}l", "@container": "@list"}}),
    ),
    (
        "the same statement in two graphs",
        cred(
            {
                "id": "urn:x:1",
                "p": "x",
                "q": {"id": "urn:x:2"},
                "g": {"id": "urn:x:1", "p": "x", "q": {"id": "urn:x:2"}},
            },
            P,
            G,
            {"q": f"{EX}q"},
        ),
    ),
    ("not an object", [cred({"p": "x"}, P)]),
    ("nested deeper than the stack", cred(_deep(3000), P)),
]


OUTCOMES: dict[str, Outcome] = {
    "value object alone": ANSWERS,
    "value object with language": ANSWERS,
    "value object with a datatype": ANSWERS,
    "value object with a compact datatype": ANSWERS,
    "value object with a relative datatype": ANSWERS,
    "value object typed with a term": ANSWERS,
    "value object typed xsd integer": ANSWERS,
    "value object with a number": ANSWERS,
    "value object typed @json": ("declines", "non-scalar @value"),
    "value object with null": ("declines", "non-scalar @value"),
    "value object with a list": ("declines", "non-scalar @value"),
    "value object with a non-string type": ("declines", "@type of a value"),
    "value object with a non-string language": ("declines", "@language"),
    "value object with a language and a type": ("declines", "invalid value object"),
    "value object with a language on a number": ("declines", "only strings may be language-tagged"),
    "value object with an index": ("declines", "value object key @index"),
    "value object with direction": ("declines", "value object key @direction"),
    "value object by an alias": ANSWERS,
    "value object typed by an alias": ANSWERS,
    "language only object": ("declines", "key '@language' (@language)"),
    "list object": ("declines", "@list object"),
    "list object by an alias": ("declines", "@list object"),
    "set object": ("declines", "key '@set' (@set)"),
    "string": ANSWERS,
    "string with a default language": ANSWERS,
    "string with a term language": ANSWERS,
    "string with a term language null": ANSWERS,
    "string with a default direction": ANSWERS,
    "string with a term direction": ("declines", "@direction"),
    "string with a term direction null": ANSWERS,
    "string typed @id": ANSWERS,
    "string typed @id relative": ("error", "RELATIVE_IRI"),
    "string typed @id compact": ANSWERS,
    "string typed @id term": ("error", "RELATIVE_IRI"),
    "string typed @id blank": ANSWERS,
    "string typed @vocab term": ANSWERS,
    "string typed @vocab blank": ANSWERS,
    "string typed @none": ANSWERS,
    "string typed": ANSWERS,
    "string typed xsd double": ANSWERS,
    "string typed @json": ("declines", "key 'p' (https://ex.example/p)"),
    "string under a null term": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "number": ANSWERS,
    "number typed @id": ANSWERS,
    "boolean": ANSWERS,
    "null property": ANSWERS,
    "null in a list": ANSWERS,
    "blank node id": ANSWERS,
    "blank node reference": ANSWERS,
    "blank node type": ANSWERS,
    "non-string id": ("declines", "@id must be a string"),
    "non-string type": ("declines", "@type value"),
    "relative type": ("error", "RELATIVE_IRI"),
    "compact id": ANSWERS,
    "id by an alias": ANSWERS,
    "two ids by aliases": ("declines", "two keys for @id"),
    "same node twice": ANSWERS,
    "same node twice by @id": ANSWERS,
    "same node twice, different content": ANSWERS,
    "same node under two properties": ANSWERS,
    "same node with a blank child twice": ANSWERS,
    "same node with a number twice": ANSWERS,
    "same blank node twice": ANSWERS,
    "undefined term": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "keyword-like term": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "blank node property": ("declines", "key '_:p' (_:p)"),
    "term to a blank node": ("declines", "key 'bp' (_:p)"),
    "reverse term": ("declines", "key 'rv' (https://ex.example/rv)"),
    "index map": ("declines", "key 'im' (https://ex.example/im)"),
    "json term": ("declines", "key 'j' (https://ex.example/j)"),
    "predicate with white space": ("declines", "Code: invalid IRI mapping"),
    "included": ("declines", "key '@included' (@included)"),
    "nest by an alias": ("declines", "key 'nst' (@nest)"),
    "embedded context": ANSWERS,
    "embedded context wrapping @context": ("declines", "a context wrapping @context"),
    "embedded context that is invalid": ("declines", "Code: invalid term definition"),
    "embedded context with a relative vocab": ("declines", "key 'free' (relative-iri:/v/free)"),
    "context with a relative vocab": ("declines", "key 'free' (relative-iri:/v/free)"),
    "list": ANSWERS,
    "list of one": ANSWERS,
    "empty list": ANSWERS,
    "list of lists": ("declines", "nested lists"),
    "list of nodes in a named graph": ANSWERS,
    "list of nodes of a scoped type": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "nested array": ("declines", "nested arrays"),
    "set": ANSWERS,
    "language map": ANSWERS,
    "language map with a none alias": ANSWERS,
    "language map with a number": ("declines", "language map value"),
    "graph container": ANSWERS,
    "graph container with an id": ANSWERS,
    "graph container of a scoped type": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "graph container with a scalar": ("declines", "a scalar under a @graph container"),
    "graph list container": ("declines", "Code: invalid container mapping"),
    "type-scoped context": ANSWERS,
    "type-scoped context does not propagate": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "type-scoped context on a node reference": ANSWERS,
    "type-scoped context on a node with an id": ANSWERS,
    "type-scoped value alias": ANSWERS,
    "type-scoped value alias in the node": ANSWERS,
    "type-scoped context false": ANSWERS,
    "two type-scoped contexts": ANSWERS,
    "type by an alias with a scoped context": ANSWERS,
    "property-scoped context": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "property-scoped context on a value": ANSWERS,
    "property-scoped context, not propagated": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "property-scoped context overriding a protected term": ANSWERS,
    "property-scoped protected override": ANSWERS,
    "top-level @graph": ("declines", "top-level keyword"),
    "top-level @included": ("declines", "top-level keyword"),
    "top-level @reverse": ("declines", "top-level keyword"),
    "top-level @nest": ("declines", "top-level keyword"),
    "top-level nest alias": ("declines", "top-level keyword"),
    "top-level graph alias": ("declines", "top-level keyword"),
    "no context": ("declines", "no @context"),
    "context wrapping @context": ("declines", "a context wrapping @context"),
    "invalid context": ("declines", "Code: invalid term definition"),
    "two ids by aliases, different": ("declines", "two keys for @id"),
    "two type keys": ANSWERS,
    "graph container value alias under a scoped type": (
        "declines",
        "value object under a type-scoped context",
    ),
    "impure before a repeated value": ANSWERS,
    "impure before a repeated value object": ANSWERS,
    "impure before a repeated context, propagate": ("declines", "Code: invalid @propagate value"),
    "propagate 1": ("declines", "Code: invalid @propagate value"),
    "two blank node ids that end alike": ANSWERS,
    "two blank node references that end alike": ANSWERS,
    "two blank node types that end alike": ANSWERS,
    "value object with a relative datatype and no vocab": ("error", "RELATIVE_IRI"),
    "relative type, a fragment with a colon": ("error", "RELATIVE_IRI"),
    "string typed @id, a fragment with a colon": ("error", "RELATIVE_IRI"),
    "node id, a fragment with a colon": ("error", "RELATIVE_IRI"),
    "type expanding to null": ("declines", "@type expansion"),
    "value object with a string typed @json": ANSWERS,
    "list of ids": ANSWERS,
    "property-scoped context under a scoped type": ANSWERS,
    "property-scoped context on a node with an id under a scoped type": ANSWERS,
    "graph container with a property-scoped context under a scoped type": ANSWERS,
    "property-scoped context redefining its own protected term": ANSWERS,
    "two keys with a value alias under a scoped type": (
        "declines",
        "value object under a type-scoped context",
    ),
    "three keys with a value alias under a scoped type": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "a context and a value alias under a scoped type": ("error", "DATA_LOSS_DETECTION_ERROR"),
    "top-level context that does not propagate": ANSWERS,
    "value object with two keys for @value": ("declines", "two keys for @value"),
    "value object with two keys for @language": ("declines", "two keys for @language"),
    "graph container with a value object": ("declines", "key '@value' (@value)"),
    "value object typed with a blank node id": ("declines", "@type of a value that is not an IRI"),
    "value object typed by a term for a blank node id": (
        "declines",
        "@type of a value that is not an IRI",
    ),
    "list of blank nodes": ANSWERS,
    "the same statement in two graphs": ANSWERS,
    "not an object": ("declines", "not an object"),
    "nested deeper than the stack": (
        "declines",
        "RecursionError: maximum recursion depth exceeded",
    ),
}


def _fast(doc: Any, loader: StaticLoader) -> tuple[Outcome, list[Quad]]:
    try:
        quads = to_dataset_fast(doc, loader)
    except Unsupported as exc:
        reason = str(exc)
        # Python words a RecursionError differently by where the stack ran out
        if reason.startswith("RecursionError: "):
            reason = "RecursionError: maximum recursion depth exceeded"
        return ("declines", reason), []
    except mcvc.McvcError as exc:
        return ("error", exc.code), []
    return ANSWERS, quads


def _terms(quads: list[Quad]) -> set[Quad]:
    """The quads as terms, blank nodes under their canonical labels: two datasets are equal
    here only if their terms are, not merely their N-Quads text."""
    labels = canonicalize(quads).issued

    def term(t: Any) -> Any:
        return ("B", labels[t[1]]) if t is not None and t[0] == "B" else t

    return {(term(s), p, term(o), term(g)) for s, p, o, g in quads}


def _matches(outcome: Outcome, expected: Outcome) -> bool:
    if isinstance(expected, tuple) and expected[1].startswith("Code: "):
        # pyld's refusal of a context, named by its error code
        return isinstance(outcome, tuple) and outcome[0] == "declines" and expected[1] in outcome[1]
    # otherwise the reason exactly as fast_rdf.py writes it
    return outcome == expected


def test_every_case_has_an_outcome() -> None:
    assert [name for name, _ in CASES] == list(OUTCOMES)


@pytest.mark.parametrize(("name", "doc"), CASES, ids=[n for n, _ in CASES])
def test_branch(name: str, doc: Any) -> None:
    loader = StaticLoader()
    expected = OUTCOMES[name]
    outcome, quads = _fast(doc, loader)
    assert _matches(outcome, expected), outcome
    if outcome == ANSWERS:
        # the very quads of the pyld path: the same terms, not only the same N-Quads text
        slow = to_dataset(doc, loader)
        assert _terms(quads) == _terms(slow)
        assert canonicalize(quads).nquads == canonicalize(slow).nquads
    elif outcome[0] == "error":
        with pytest.raises(mcvc.McvcError) as refused:
            to_dataset(doc, loader)
        assert refused.value.code == outcome[1]
    # again with the memos the first walk left on the loader, then after every other case
    again, quads_again = _fast(doc, loader)
    assert again == outcome and quads_again == quads


def test_memos_shared_by_every_case() -> None:
    loader = StaticLoader()
    first = {name: _fast(doc, loader) for name, doc in CASES}
    memo = loader._mcvc_fast_memo  # type: ignore[attr-defined]
    assert all(memo[kind] for kind in ("ctx", "iri", "key", "special", "plan", "scalar"))
    for name, doc in CASES:
        assert _fast(doc, loader) == first[name], name
    assert loader._mcvc_fast_memo is memo  # type: ignore[attr-defined]


def _subjects(count: int) -> dict[str, Any]:
    # the credential is one node, each subject another: ``count`` + 1 nodes
    return cred([{"id": f"urn:x:{i}", "p": "x"} for i in range(count)], P)


def test_the_walk_checks_its_deadline_every_256_nodes() -> None:
    now = [0.0]
    deadline = Deadline(1.0, clock=lambda: now[0])
    now[0] = 5.0  # expired before the walk starts
    assert to_dataset_fast(_subjects(254), StaticLoader(), deadline=deadline)
    with pytest.raises(DeadlineExceeded, match="during JSON-LD to RDF"):
        to_dataset_fast(_subjects(255), StaticLoader(), deadline=deadline)
    # the same walk with time to spare
    assert to_dataset_fast(_subjects(255), StaticLoader(), deadline=Deadline(60.0))


def test_subtree_cache_bookkeeping() -> None:
    assert (SubtreeCache().max_entries, SubtreeCache().max_variants) == (4096, 4)
    cache = SubtreeCache(max_entries=2, max_variants=2)
    element: dict[str, Any] = {"id": "urn:x:1", "p": "x"}
    subject, quads = (
        ("I", "urn:x:1"),
        [(("I", "urn:x:1"), ("I", f"{EX}p"), ("L", "x", "", ""), None)],
    )
    # a key met once is only counted
    cache.offer(("a",), element, subject, quads)
    assert (cache.entries, cache.sightings, cache.size) == ({}, {("a",)}, 0)
    assert cache.find(("a",), element) is None
    # the second time it is kept, as a private copy
    cache.offer(("a",), element, subject, quads)
    assert cache.size == 1 and cache.entries[("a",)][0][0] is not element
    element["p"] = "changed"
    assert cache.find(("a",), element) is None
    element["p"] = "x"
    assert cache.find(("a",), element) == (subject, tuple(quads)) and cache.hits == 1
    assert cache.find(("a",), element) is not None and cache.hits == 2
    # at most max_variants per key
    for value in ("y", "z"):
        cache.offer(("a",), {**element, "p": value}, subject, quads)
    assert [seen["p"] for seen, _, _ in cache.entries[("a",)]] == ["x", "y"]
    assert cache.size == 2
    # the next key over max_entries empties the cache first
    cache.offer(("b",), element, subject, quads)
    assert ("b",) not in cache.entries
    cache.offer(("b",), element, subject, quads)
    assert list(cache.entries) == [("b",)] and cache.size == 1
    # sightings are bounded by four times max_entries
    sighted = SubtreeCache(max_entries=2)
    for i in range(8):
        sighted.offer((i,), element, subject, quads)
    assert len(sighted.sightings) == 8
    sighted.offer((8,), element, subject, quads)
    assert sighted.sightings == {(8,)}


def test_subtree_cache_serves_nodes_named_by_either_id_key() -> None:
    loader = StaticLoader()
    for key in ("id", "@id"):
        cache = SubtreeCache()
        node = {key: "urn:x:1", "p": "x"}
        # the node twice: the second time from what the first left, cached or walked
        doc = cred([node, dict(node)], P)
        walks = [to_dataset_fast(doc, loader, cache) for _ in range(3)]
        assert cache.hits == 1, key  # seen once, kept the second time, served the third
        assert walks[0] == walks[1] == walks[2]


def test_a_term_no_context_defines_is_named() -> None:
    doc = {"@context": P, "@id": "urn:x:1", "undefinedTerm": "x"}
    with pytest.raises(mcvc.McvcError) as refused:
        to_dataset_fast(doc, StaticLoader())
    assert refused.value.code == "DATA_LOSS_DETECTION_ERROR"
    assert refused.value.details == {"term": "undefinedTerm"}
    assert "'undefinedTerm' is not defined by any context" in refused.value.message


def test_a_subtree_that_reused_a_node_is_not_shared() -> None:
    # B holds A, which C (walked twice before B) holds under the same property: B's own walk
    # reuses A and lacks A's quads, so B must never be served to another document from the
    # shared cache, however many reuses came before it
    a = {"id": "urn:x:a", "p": "a"}
    b = {"id": "urn:x:b", "p": "b", "q": a}
    c = {"id": "urn:x:c", "q": a}
    context = {"q": f"{EX}q"}
    loader, cache = StaticLoader(), SubtreeCache()
    for _ in range(2):
        to_dataset_fast(cred([c, c, b], P, context), loader, cache)
    only_b = cred([b], P, context)
    assert _terms(to_dataset_fast(only_b, loader, cache)) == _terms(to_dataset(only_b, loader))


MODES = [
    ({"p": f"{EX}p"}, ("plain", "")),
    ({"p": {"@id": f"{EX}p", "@type": "@id"}}, ("id", "")),
    ({"p": {"@id": f"{EX}p", "@type": "@vocab"}}, ("vocab", "")),
    ({"@version": 1.1, "p": {"@id": f"{EX}p", "@type": "@none"}}, ("plain", "")),
    ({"p": {"@id": f"{EX}p", "@type": f"{EX}T"}}, ("typed", f"{EX}T")),
    ({"p": {"@id": f"{EX}p", "@type": "http://www.w3.org/2001/XMLSchema#integer"}}, ("pyld", "")),
    ({"p": {"@id": f"{EX}p", "@type": "@json"}}, ("pyld", "")),
    ({"@language": "DE", "p": f"{EX}p"}, ("language", "de")),
    ({"p": {"@id": f"{EX}p", "@language": "FR"}}, ("language", "fr")),
    ({"@language": "de", "p": {"@id": f"{EX}p", "@language": None}}, ("plain", "")),
    ({"@direction": "rtl", "p": f"{EX}p"}, ("pyld", "")),
    ({"p": {"@id": f"{EX}p", "@direction": "ltr"}}, ("pyld", "")),
    ({"@direction": "rtl", "p": {"@id": f"{EX}p", "@direction": None}}, ("plain", "")),
    ({"p": None}, ("pyld", "")),
    ({"p": "@id"}, ("pyld", "")),
    ({"@vocab": EX}, ("plain", "")),
]


@pytest.mark.parametrize(("context", "mode"), MODES)
def test_how_a_string_under_a_term_is_written(context: dict[str, Any], mode: Any) -> None:
    # the modes _string_object writes out itself; ("pyld", "") leaves the string to pyld
    st = _State(StaticLoader())
    active = st.process(st.proc._get_initial_context(st.options), context)
    assert st.scalar_mode(active, "p") == mode
    assert st.scalar_mode(active, "p") == mode  # and from the memo
