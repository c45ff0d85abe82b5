"""The checks read JSON keys; the signature covers the RDF graph. This module makes the two
agree, so that no spelling (full IRI, compact IRI, alias, ``@value`` object, ``@nest``,
``@included``, a second node object with the same ``id``) can carry meaning that the
signature covers and the checks do not see.

For the credential (or presentation) node of the signed graph, every property a check reads
is taken from the graph and compared with what the JSON keys say: the issuer, the validity
dates, the status entries (with their own properties), the subjects, the types, the holder
and the credentials of a presentation. Any difference is ``SIGNED_DATA_MISMATCH``, naming the
property: the verifier refuses spellings it does not read instead of reading them wrongly.
"""

from __future__ import annotations

from typing import Any

from ..canon.nquads import Quad, Term
from .report import Check

__all__ = ["compare_signed_reading"]

CRED = "https://www.w3.org/2018/credentials#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DATES = ("validFrom", "validUntil", "issuanceDate", "expirationDate", "issued")
_STATUS_KEYS = frozenset(
    {
        "id",
        "type",
        "statusPurpose",
        "statusListIndex",
        "statusListCredential",
        "statusSize",
        "statusMessage",
        "statusReference",
    }
)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _id_of(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _mismatch(prop: str, message: str) -> Check:
    return Check(
        "signed-data",
        "SIGNED_DATA_MISMATCH",
        "fail",
        f"{prop}: {message}; the signed data and its JSON spelling disagree, so the checks "
        "could not read what was signed",
        {"property": prop},
    )


def _values(quads: list[Quad], subject: Term, predicate: str) -> list[Term]:
    return [o for s, p, o, g in quads if g is None and s == subject and p == ("I", predicate)]


def _count_json_values(entry: dict[str, Any]) -> int:
    count = 0
    for key, value in entry.items():
        if key == "id":
            continue
        items = _list(value)
        count += len(set(items)) if key == "type" else len(items)
    return count


def compare_signed_reading(
    doc: dict[str, Any], quads: list[Quad], *, presentation: bool
) -> Check | None:
    """``None`` when the JSON the checks read says what the graph says, else the failure."""
    # An RDF dataset is a set: a value the JSON repeats (a type listed twice) is one quad,
    # however many times the expansion produced it.
    quads = list(dict.fromkeys(quads))
    wanted = CRED + ("VerifiablePresentation" if presentation else "VerifiableCredential")
    nodes = {s for s, p, o, g in quads if g is None and p == ("I", RDF_TYPE) and o == ("I", wanted)}
    if len(nodes) != 1:
        return _mismatch("type", f"the signed graph has {len(nodes)} nodes of type {wanted}")
    node = nodes.pop()
    own = [q for q in quads if q[3] is None and q[0] == node]
    json_id = doc.get("id")
    if isinstance(json_id, str) and not json_id.startswith("_:") and node != ("I", json_id):
        return _mismatch("id", "the signed node is not the one the JSON names")
    types = {t for t in _list(doc.get("type")) if isinstance(t, str)}
    graph_types = [o for _, p, o, _ in own if p == ("I", RDF_TYPE)]
    if len(graph_types) != len(types):
        return _mismatch("type", f"{len(graph_types)} signed types, {len(types)} in the JSON")
    if presentation:
        holder = _id_of(doc.get("holder"))
        signed_holder = _values(own, node, CRED + "holder")
        if signed_holder != ([("I", holder)] if isinstance(holder, str) else []):
            return _mismatch("holder", "the signed holder is not the one the JSON names")
        count = len(_list(doc.get("verifiableCredential")))
        if len(_values(own, node, CRED + "verifiableCredential")) != count:
            return _mismatch("verifiableCredential", "the number of credentials differs")
        return None
    issuer = _id_of(doc.get("issuer"))
    if _values(own, node, CRED + "issuer") != [("I", str(issuer))]:
        return _mismatch("issuer", "the signed issuer is not the one the JSON names")
    for name in _DATES:
        signed = [o[1] for o in _values(own, node, CRED + name)]
        expected = [doc[name]] if name in doc else []
        if signed != expected:
            return _mismatch(name, f"signed {signed!r}, JSON {expected!r}")
    subjects = _list(doc.get("credentialSubject"))
    signed_subjects = _values(own, node, CRED + "credentialSubject")
    if len(signed_subjects) != len(subjects):
        return _mismatch("credentialSubject", "the number of subjects differs")
    # holder binding and the report name the learner by these ids
    for subject in subjects:
        subject_id = _id_of(subject)
        if (
            isinstance(subject_id, str)
            and not subject_id.startswith("_:")
            and ("I", subject_id) not in signed_subjects
        ):
            return _mismatch("credentialSubject", f"{subject_id!r} is not a signed subject")
    return _status(doc, quads, own, node)


def _status(doc: dict[str, Any], quads: list[Quad], own: list[Quad], node: Term) -> Check | None:
    entries = _list(doc.get("credentialStatus"))
    signed = _values(own, node, CRED + "credentialStatus")
    if len(signed) != len(entries):
        return _mismatch(
            "credentialStatus", f"{len(signed)} signed status entries, {len(entries)} in the JSON"
        )
    expected: list[int] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue  # the status check refuses it
        unread = sorted(k for k in entry if k not in _STATUS_KEYS)
        if unread:
            return _mismatch(
                f"credentialStatus[{i}].{unread[0]}", "not a status entry property mcvc reads"
            )
        if not all(
            isinstance(v, str)
            for k, v in entry.items()
            if k not in ("type", "statusSize", "statusMessage")
        ):
            return _mismatch(f"credentialStatus[{i}]", "status entry values must be strings")
        expected.append(_count_json_values(entry))
    found = sorted(sum(1 for q in quads if q[3] is None and q[0] == term) for term in signed)
    if len(expected) == len(signed) and sorted(expected) != found:
        return _mismatch("credentialStatus", "the signed entries carry other properties")
    return None
