"""RDF terms as small tuples, canonical N-Quads serialization and an N-Quads reader.

Terms are tuples so that hashing and sorting stay cheap:
``("I", iri)``, ``("B", label)`` and ``("L", lexical, datatype_iri, language)``.
A quad is ``(subject, predicate, object, graph)`` with ``graph`` ``None`` for the default graph.
"""

from __future__ import annotations

import re

from ..errors import InvalidInput

__all__ = ["Quad", "Term", "parse_nquads", "serialize_quad", "serialize_term", "split_lines"]

Term = tuple[str, ...]
Quad = tuple[Term, Term, Term, Term | None]

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

# RDFC-1.0 / RDF 1.2 canonical N-Quads: ECHAR for \b \t \n \f \r " \\, UCHAR (upper-case
# hex) for the other C0 controls and DEL, everything else as itself.
_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
for _code in [*range(0x20), 0x7F]:
    _ESCAPES.setdefault(chr(_code), f"\\u{_code:04X}")
_NEEDS_ESCAPE = re.compile('[\\x00-\\x1f\\x7f"\\\\]')


_ESCAPED_BYTES = bytes([*range(0x20), 0x7F, ord('"'), ord("\\")])


def _escape_literal(value: str) -> str:
    # Credentials carry long base64 images; for ASCII text, deleting the escapable bytes in C
    # and comparing lengths is about three times faster than scanning with the regex.
    if len(value) > 256 and value.isascii():
        raw = value.encode("ascii")
        if len(raw.translate(None, _ESCAPED_BYTES)) == len(raw):
            return value
    elif _NEEDS_ESCAPE.search(value) is None:
        return value
    return _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], value)


def serialize_term(term: Term) -> str:
    kind = term[0]
    if kind == "I":
        return "<" + term[1] + ">"
    if kind == "B":
        return "_:" + term[1]
    text = '"' + _escape_literal(term[1]) + '"'
    if term[3]:
        return text + "@" + term[3]
    if term[2] and term[2] != XSD_STRING:
        return text + "^^<" + term[2] + ">"
    return text


def serialize_quad(quad: Quad) -> str:
    s, p, o, g = quad
    if g is None:
        return f"{serialize_term(s)} {serialize_term(p)} {serialize_term(o)} .\n"
    return f"{serialize_term(s)} {serialize_term(p)} {serialize_term(o)} {serialize_term(g)} .\n"


def split_lines(nquads: str) -> list[str]:
    """Split canonical N-Quads into lines on U+000A only (``splitlines`` also splits on
    U+0085 and U+2028, which may stand inside literals)."""
    return [line + "\n" for line in nquads.split("\n") if line]


_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_ECHAR_MAP = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_STRING_ESC = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([tbnrf\"'\\]))")

_IRI = r"<((?:[^\x00-\x20<>\"{}|^`\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*)>"
_BNODE = r"_:([A-Za-z0-9_\u00b7-\U000effff](?:[A-Za-z0-9_.\-\u00b7-\U000effff]*[A-Za-z0-9_\-\u00b7-\U000effff])?)"
_LITERAL = r'"((?:[^"\\\n\r]|\\.)*)"(?:\^\^' + _IRI + r"|@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*))?"
_TERM = re.compile(r"[ \t]*(?:" + _IRI + "|" + _BNODE + "|" + _LITERAL + ")")
_END = re.compile(r"[ \t]*\.[ \t]*(?:#.*)?$")


def _unescape_iri(text: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _unescape_string(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        if m.group(3):
            return _ECHAR_MAP[m.group(3)]
        return chr(int(m.group(1) or m.group(2), 16))

    return _STRING_ESC.sub(repl, text)


def _read_term(line: str, pos: int, lineno: int) -> tuple[Term, int]:
    m = _TERM.match(line, pos)
    if not m:
        raise InvalidInput(f"N-Quads line {lineno}: cannot read a term at column {pos + 1}")
    iri, bnode, lexical, datatype, lang = m.groups()
    if iri is not None:
        return ("I", _unescape_iri(iri)), m.end()
    if bnode is not None:
        return ("B", bnode), m.end()
    value = _unescape_string(lexical)
    if lang:
        return ("L", value, RDF_LANGSTRING, lang.lower()), m.end()
    return ("L", value, _unescape_iri(datatype) if datatype else XSD_STRING, ""), m.end()


def parse_nquads(text: str) -> list[Quad]:
    """Read N-Quads (as used by the rdf-canon suite); duplicate quads are kept once."""
    quads: list[Quad] = []
    seen: set[Quad] = set()
    for lineno, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        s, pos = _read_term(line, 0, lineno)
        p, pos = _read_term(line, pos, lineno)
        o, pos = _read_term(line, pos, lineno)
        g: Term | None = None
        if not _END.match(line, pos):
            g, pos = _read_term(line, pos, lineno)
            if not _END.match(line, pos):
                raise InvalidInput(f"N-Quads line {lineno}: expected '.'")
        if s[0] == "L" or p[0] != "I" or (g is not None and g[0] == "L"):
            raise InvalidInput(f"N-Quads line {lineno}: term in a position it may not take")
        quad: Quad = (s, p, o, g)
        if quad not in seen:
            seen.add(quad)
            quads.append(quad)
    return quads
