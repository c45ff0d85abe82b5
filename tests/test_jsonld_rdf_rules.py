"""The pyld path (canon/jsonld_rdf.py) rule by rule: what each refusal says and names, the
exceptions it finds inside pyld's, values it must keep apart, and its bounded context cache.
The fast path is compared with it in test_fast_rdf.py and test_fast_rdf_branches.py."""

from __future__ import annotations

from typing import Any

import pytest

import mcvc
from mcvc.canon.jsonld_rdf import _BoundedCache, expand_strict, to_dataset
from mcvc.contexts import StaticLoader
from mcvc.limits import Deadline

V2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://ex.example/"


def _credential(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [V2],
        "type": "VerifiableCredential",
        "issuer": "did:example:1",
        "credentialSubject": {"id": "did:example:2"},
    }
    doc.update(changes)
    return doc


def _refusal(doc: Any) -> mcvc.McvcError:
    with pytest.raises(mcvc.McvcError) as refused:
        to_dataset(doc, StaticLoader())
    return refused.value


@pytest.mark.parametrize(
    ("doc", "error", "code", "details", "ending"),
    [
        (
            _credential(**{"@context": [V2, {"id": f"{EX}id"}]}),
            "JsonLdProcessingError",
            "PROTECTED_TERM_REDEFINITION",
            {"jsonld_code": "protected term redefinition"},
            "(protected term redefinition)",
        ),
        (
            _credential(**{"@context": [V2, {"p": 5}]}),
            "JsonLdProcessingError",
            "JSONLD_ERROR",
            {"jsonld_code": "invalid term definition"},
            "(invalid term definition)",
        ),
        (
            # the loader's own refusal, found inside pyld's error and raised as it was
            _credential(**{"@context": [V2, "https://attacker.example/ctx"]}),
            "ContextNotAllowed",
            "CONTEXT_NOT_ALLOWED",
            {"url": "https://attacker.example/ctx"},
            "it was not fetched",
        ),
        (
            _credential(id="rel ative"),
            "JsonLdProcessingError",
            "RELATIVE_IRI",
            {"value": "rel ative"},
            "Data Integrity requires a null base",
        ),
        (
            _credential(id="did:example:a b"),
            "JsonLdProcessingError",
            "DATA_LOSS_DETECTION_ERROR",
            {"value": "did:example:a b"},
            "JSON-LD processors leave such statements out of the signed data",
        ),
        (
            _credential(type=["VerifiableCredential", "did:example:a b"]),
            "JsonLdProcessingError",
            "DATA_LOSS_DETECTION_ERROR",
            {"value": "did:example:a b"},
            "JSON-LD processors leave such statements out of the signed data",
        ),
        (
            {"@context": {"p": f"{EX}p"}, "@id": "urn:x:1", "undefinedTerm": "x", "p": "y"},
            "JsonLdProcessingError",
            "DATA_LOSS_DETECTION_ERROR",
            {"term": "undefinedTerm"},
            "would be dropped from the signed data",
        ),
        (
            [],
            "JsonLdProcessingError",
            "PARSING_ERROR",
            {},
            "a JSON-LD document must be an object",
        ),
    ],
    ids=[
        "protected",
        "invalid-term",
        "unknown-context",
        "relative",
        "white-space-id",
        "white-space-type",
        "dropped-term",
        "not-an-object",
    ],
)
def test_a_refusal_says_what_and_names_it(
    doc: Any, error: str, code: str, details: dict[str, Any], ending: str
) -> None:
    refused = _refusal(doc)
    assert (type(refused).__name__, refused.code, refused.details) == (error, code, details)
    assert str(refused).endswith(ending), str(refused)


def test_an_error_found_deep_in_pyld_causes_is_raised_as_it_was() -> None:
    from mcvc.canon.jsonld_rdf import _unwrap

    inner = mcvc.McvcError("the loader refused", code="CONTEXT_NOT_ALLOWED")

    class Wrapped(Exception):
        def __init__(self, cause: BaseException) -> None:
            super().__init__("wrapped")
            self.details = {"cause": cause}

    # pyld keeps a cause in details["cause"], Python in __cause__ or __context__
    assert _unwrap(Wrapped(Wrapped(inner))) is inner
    try:
        try:
            raise inner
        except mcvc.McvcError:
            raise ValueError("context") from None
    except ValueError as exc:
        assert exc.__context__ is inner and _unwrap(exc) is inner
    try:
        raise KeyError("x") from Wrapped(inner)
    except KeyError as exc:
        assert _unwrap(exc) is inner
    assert _unwrap(Wrapped(ValueError("no mcvc error"))) is None
    # a cause that is not an exception is not followed
    odd = Wrapped(inner)
    odd.details = {"cause": "text"}
    assert _unwrap(odd) is None


def test_a_long_chain_of_causes_is_followed_only_so_far() -> None:
    from mcvc.canon.jsonld_rdf import _unwrap

    inner = mcvc.McvcError("deep", code="X_DEEP")

    def chain(length: int) -> BaseException:
        exc: BaseException = inner
        for _ in range(length):
            outer = ValueError("link")
            outer.__cause__ = exc
            exc = outer
        return exc

    assert _unwrap(chain(19)) is inner
    assert _unwrap(chain(20)) is None


@pytest.mark.parametrize(
    "values",
    [
        [{"@value": "1", "@type": f"{EX}A"}, {"@value": "1", "@type": f"{EX}B"}],
        [{"@value": "x", "@language": "en"}, {"@value": "x", "@language": "de"}],
        [{"@value": "x", "@language": "en"}, "x"],
        [1, True, "1", 2.5],
    ],
    ids=["datatype", "language", "language-or-none", "number-boolean-string"],
)
def test_values_that_differ_only_in_their_kind_stay_apart(values: list[Any]) -> None:
    doc = _credential(credentialSubject={"id": "did:example:2", "p": values})
    doc["@context"] = [V2, {"p": f"{EX}p"}]
    objects = [q[2] for q in to_dataset(doc, StaticLoader()) if q[1] == ("I", f"{EX}p")]
    assert len(objects) == len(values) == len(set(objects))


def test_the_same_value_twice_is_one_statement() -> None:
    doc = _credential(credentialSubject={"id": "did:example:2", "p": ["x", "x", {"@value": "x"}]})
    doc["@context"] = [V2, {"p": f"{EX}p"}]
    assert sum(1 for q in to_dataset(doc, StaticLoader()) if q[1] == ("I", f"{EX}p")) == 1


def test_the_context_cache_is_bounded_and_keeps_the_newest() -> None:
    cache = _BoundedCache(maxsize=2)
    cache["a"], cache["b"] = 1, 2
    cache["b"] = 3  # a key it holds: nothing goes
    assert cache == {"a": 1, "b": 3}
    cache["c"] = 4  # the oldest goes
    assert cache == {"b": 3, "c": 4}
    assert cache.get("c") == 4 and len(cache) == 2


def test_expansion_of_nothing_is_refused() -> None:
    with pytest.raises(mcvc.McvcError) as refused:
        expand_strict({"@context": {"p": f"{EX}p"}}, StaticLoader())
    assert refused.value.code == "DATA_LOSS_DETECTION_ERROR"


def test_values_after_a_list_under_one_property_are_kept_once() -> None:
    # pyld adds a list with duplicates allowed; a value after it under the same property is
    # checked against what is already there, the list included
    doc = _credential(
        credentialSubject={"id": "did:example:2", "p": [{"@list": ["a"]}, "b", {"@list": []}, "b"]}
    )
    doc["@context"] = [V2, {"p": f"{EX}p"}]
    objects = [q[2] for q in to_dataset(doc, StaticLoader()) if q[1] == ("I", f"{EX}p")]
    assert sorted(o[0] for o in objects) == ["B", "I", "L"]  # a list, the empty list, "b"


class _Recording(Deadline):
    """A deadline that never expires and records where it was looked at."""

    def __init__(self) -> None:
        super().__init__(None)
        self.stages: list[str] = []

    def check(self, stage: str) -> None:
        self.stages.append(stage)


def test_every_stage_looks_at_the_deadline() -> None:
    subjects = [{"id": f"urn:x:{i}", "p": "x"} for i in range(300)]
    doc = _credential(credentialSubject=subjects)
    doc["@context"] = [V2, {"p": f"{EX}p"}]
    deadline = _Recording()
    to_dataset(doc, StaticLoader(), deadline)
    # 300 subjects of 2 values each: over 600 elements, over 600 node map calls
    assert deadline.stages.count("JSON-LD expansion") >= 2
    assert deadline.stages.count("JSON-LD node map") >= 2
    assert deadline.stages[-1] == "JSON-LD to RDF"


def test_the_same_reverse_statement_in_two_graphs_is_kept_in_each() -> None:
    reverse = {"@reverse": {f"{EX}r": {"id": "urn:x:2"}}}
    subject = {"id": "urn:x:1", **reverse, "g": {"id": "urn:x:1", **reverse}}
    doc = _credential(credentialSubject=subject)
    doc["@context"] = [V2, {"g": {"@id": f"{EX}g", "@container": "@graph"}}]
    found = [q for q in to_dataset(doc, StaticLoader()) if q[1] == ("I", f"{EX}r")]
    assert len(found) == 2 and found[0][3] != found[1][3]


IM = {"im": {"@id": f"{EX}im", "@container": "@index"}, "p": f"{EX}p", "q": f"{EX}q"}


def _statements(subject: Any, *context: Any) -> list[tuple[Any, ...]]:
    doc = _credential(credentialSubject=subject)
    doc["@context"] = [V2, *context]
    return sorted(
        (q[1][1].rsplit("/", 1)[-1], q[2][1], q[3] is not None)
        for q in to_dataset(doc, StaticLoader())
        if q[1][1].startswith(EX)
    )


def test_one_node_with_two_indexes_is_refused() -> None:
    subject = {"im": {"a": {"id": "urn:x:1", "p": "x"}, "b": {"id": "urn:x:1", "p": "y"}}}
    refused = _refusal(_credential(credentialSubject=subject, **{"@context": [V2, IM]}))
    assert refused.code == "JSONLD_ERROR" and "conflicting @index" in str(refused)


def test_one_node_with_the_same_index_twice_is_kept_whole() -> None:
    subject = {
        "im": {"a": {"id": "urn:x:1", "p": "x"}},
        "q": {"id": "urn:x:1", "@index": "a", "p": "z"},
    }
    assert _statements(subject, IM) == [
        ("im", "urn:x:1", False),
        ("p", "x", False),
        ("p", "z", False),
        ("q", "urn:x:1", False),
    ]


def test_properties_after_a_keyword_are_kept() -> None:
    # node map keys are taken in sorted order: @included and @index come before any IRI
    assert _statements({"im": {"a": {"id": "urn:x:1", "p": "x", "q": "w"}}}, IM) == [
        ("im", "urn:x:1", False),
        ("p", "x", False),
        ("q", "w", False),
    ]
    included = {"id": "urn:x:0", "@included": [{"id": "urn:x:9", "p": "x"}], "p": "after"}
    assert _statements(included, IM) == [("p", "after", False), ("p", "x", False)]


def test_blank_nodes_included_or_reverse_get_labels() -> None:
    assert _statements({"id": "urn:x:0", "@included": [{"p": "x"}]}, IM) == [("p", "x", False)]
    reverse = {"id": "urn:x:1", "@reverse": {f"{EX}r": {"p": "x"}}}
    assert _statements(reverse, IM) == [("p", "x", False), ("r", "urn:x:1", False)]
