"""The N-Quads reader and canonical writer (mcvc.canon.nquads) rule by rule. The W3C
rdf-canon suite drives both end to end (test_rdf_canon.py); these pin each rule on its own."""

from __future__ import annotations

import pytest

from mcvc.canon.nquads import (
    RDF_LANGSTRING,
    XSD_STRING,
    parse_nquads,
    serialize_quad,
    serialize_term,
    split_lines,
)
from mcvc.errors import InvalidInput

S, P = ("I", "urn:s"), ("I", "urn:p")


def test_terms_are_read_as_tuples() -> None:
    text = (
        "# a comment line\n"
        "\n"
        '<urn:s> <urn:p> "plain" .\n'
        '<urn:s> <urn:p> "Hallo"@DE-at <urn:g> .\n'
        '_:b0 <urn:p> "5"^^<urn:t\\u0041> .   # after the dot\n'
        "<urn:\\U0001F600> <urn:p> _:b1.x_y .\n"
    )
    assert parse_nquads(text) == [
        (S, P, ("L", "plain", XSD_STRING, ""), None),
        (S, P, ("L", "Hallo", RDF_LANGSTRING, "de-at"), ("I", "urn:g")),
        (("B", "b0"), P, ("L", "5", "urn:tA", ""), None),
        (("I", "urn:\U0001f600"), P, ("B", "b1.x_y"), None),
    ]


def test_string_escapes_are_read() -> None:
    text = '<urn:s> <urn:p> "a\\tb\\bc\\nd\\re\\ff\\"g\\\'h\\\\i\\u00e9\\U0001F600" .'
    assert parse_nquads(text)[0][2][1] == "a\tb\bc\nd\re\ff\"g'h\\i\u00e9\U0001f600"


def test_duplicates_are_kept_once_in_order() -> None:
    a = '<urn:s> <urn:p> "a" .'
    b = '<urn:s> <urn:p> "b" .'
    assert [q[2][1] for q in parse_nquads("\n".join([a, b, a, b, a]))] == ["a", "b"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('"lit" <urn:p> <urn:o> .', "N-Quads line 1: term in a position it may not take"),
        ("<urn:s> _:p <urn:o> .", "N-Quads line 1: term in a position it may not take"),
        ('<urn:s> <urn:p> <urn:o> "g" .', "N-Quads line 1: term in a position it may not take"),
        ("<urn:s> <urn:p> <urn:o>", "N-Quads line 1: cannot read a term at column 24"),
        ("<urn:s> <urn:p> <urn:o> <urn:g>", "N-Quads line 1: expected '.'"),
        ("<urn:s> <urn:p> <urn:o> <urn:g> <urn:h> .", "N-Quads line 1: expected '.'"),
        ("<urn:s> <ur n:p> <urn:o> .", "N-Quads line 1: cannot read a term at column 8"),
        ("<urn:s> <urn:p> _:b. .", "N-Quads line 1: cannot read a term at column 20"),
        ("oops <urn:p> <urn:o> .", "N-Quads line 1: cannot read a term at column 1"),
        ("<urn:s> <urn:p> oops .", "N-Quads line 1: cannot read a term at column 16"),
    ],
)
def test_what_is_not_n_quads(line: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_nquads('<urn:a> <urn:b> "ok" .\n\n' + line)
    assert str(caught.value) == message.replace("line 1", "line 3")


def test_canonical_terms_and_quads() -> None:
    assert serialize_term(("I", "urn:x")) == "<urn:x>"
    assert serialize_term(("B", "c14n0")) == "_:c14n0"
    assert serialize_term(("L", "a", XSD_STRING, "")) == '"a"'
    assert serialize_term(("L", "a", "", "")) == '"a"'
    assert serialize_term(("L", "a", RDF_LANGSTRING, "en")) == '"a"@en'
    assert serialize_term(("L", "5", "urn:t", "")) == '"5"^^<urn:t>'
    quad = (S, P, ("L", "x", XSD_STRING, ""), None)
    assert serialize_quad(quad) == '<urn:s> <urn:p> "x" .\n'
    assert serialize_quad((*quad[:3], ("B", "g"))) == '<urn:s> <urn:p> "x" _:g .\n'


def test_literal_escapes_are_canonical() -> None:
    every = "".join(chr(c) for c in range(0x20)) + '\x7f"\\é\u2028'
    assert serialize_term(("L", every, XSD_STRING, "")) == (
        '"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r'
        "\\u000E\\u000F\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
        '\\u0019\\u001A\\u001B\\u001C\\u001D\\u001E\\u001F\\u007F\\"\\\\é\u2028"'
    )
    # the fast path for long ASCII text and the regex agree, on both sides of 256 characters
    for length in (255, 256, 257, 300):
        for tail in ("", "\n", '"', "\x7f"):
            text = "a" * length + tail
            expected = (
                '"'
                + "a" * length
                + {"": "", "\n": "\\n", '"': '\\"', "\x7f": "\\u007F"}[tail]
                + '"'
            )
            assert serialize_term(("L", text, XSD_STRING, "")) == expected
    assert serialize_term(("L", "é" * 300, XSD_STRING, "")) == '"' + "é" * 300 + '"'
    assert serialize_term(("L", "é" * 300 + "\n", XSD_STRING, "")) == '"' + "é" * 300 + '\\n"'


def test_lines_split_on_newline_only() -> None:
    assert split_lines("a\u2028b\nc\u0085d\n\ne\n") == ["a\u2028b\n", "c\u0085d\n", "e\n"]
    assert split_lines("") == []
