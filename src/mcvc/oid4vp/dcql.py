"""DCQL (OpenID4VP 1.0 section 6): the query an admissions office sends, checked for shape when
it is made, and the answer checked against it when it comes back (section 8.6, step 3).

Matching is done on the credential as verified (the disclosed claims of an SD-JWT VC, the
credential inside a Data Integrity presentation), never on what the wallet says it sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["DcqlError", "Presented", "default_query", "missing", "validate_query"]

FORMATS = ("dc+sd-jwt", "ldp_vc")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
VC_TYPE_IRIS = {
    "VerifiableCredential": "https://www.w3.org/2018/credentials#VerifiableCredential",
}


class DcqlError(ValueError):
    """A query that is not valid DCQL (or uses what mcvc cannot check)."""


@dataclass(frozen=True)
class Presented:
    """One verified presentation: its query id, format, and the credential's claims."""

    query_id: str
    format: str
    claims: dict[str, Any]
    types: set[str]  # the credential's types: vct for SD-JWT VC, expanded IRIs for ldp_vc


def default_query(vct: str) -> dict[str, Any]:
    """A micro-credential, as an SD-JWT VC or as a Data Integrity EDC, with the title, the
    awarding body and the learning achievement; the date of birth is not asked for."""
    return {
        "credentials": [
            {
                "id": "micro_credential_sd_jwt",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [vct]},
                "claims": [
                    {"path": ["credentialSubject", "hasClaim"]},
                    {"path": ["issuer"]},
                ],
            },
            {
                "id": "micro_credential_ldp",
                "format": "ldp_vc",
                "meta": {"type_values": [[VC_TYPE_IRIS["VerifiableCredential"]]]},
                "claims": [
                    {"path": ["credentialSubject", "hasClaim"]},
                    {"path": ["issuer"]},
                ],
            },
        ],
        "credential_sets": [
            {"options": [["micro_credential_sd_jwt"], ["micro_credential_ldp"]], "required": True}
        ],
    }


def validate_query(query: Any) -> dict[str, Any]:
    if not isinstance(query, dict):
        raise DcqlError("the DCQL query must be a JSON object")
    credentials = query.get("credentials")
    if not isinstance(credentials, list) or not credentials:
        raise DcqlError("credentials must be a non-empty array")
    ids: set[str] = set()
    for i, item in enumerate(credentials):
        where = f"credentials[{i}]"
        if not isinstance(item, dict):
            raise DcqlError(f"{where} must be an object")
        cid = item.get("id")
        if not isinstance(cid, str) or not _ID.match(cid):
            raise DcqlError(f"{where}.id must be letters, digits, '_' or '-'")
        if cid in ids:
            raise DcqlError(f"{where}.id {cid!r} is repeated")
        ids.add(cid)
        if item.get("format") not in FORMATS:
            raise DcqlError(f"{where}.format must be one of {', '.join(FORMATS)}")
        meta = item.get("meta")
        if not isinstance(meta, dict):
            raise DcqlError(f"{where}.meta is required (an object)")
        key = "vct_values" if item["format"] == "dc+sd-jwt" else "type_values"
        values = meta.get(key)
        if not isinstance(values, list) or not values:
            raise DcqlError(f"{where}.meta.{key} must be a non-empty array")
        claims = item.get("claims", [])
        if not isinstance(claims, list):
            raise DcqlError(f"{where}.claims must be an array")
        for j, claim in enumerate(claims):
            path = claim.get("path") if isinstance(claim, dict) else None
            if (
                not isinstance(path, list)
                or not path
                or not all(isinstance(p, str | int) or p is None for p in path)
            ):
                raise DcqlError(f"{where}.claims[{j}].path must be a non-empty claims path")
    for k, group in enumerate(query.get("credential_sets") or []):
        options = group.get("options") if isinstance(group, dict) else None
        if not isinstance(options, list) or not options:
            raise DcqlError(f"credential_sets[{k}].options must be a non-empty array")
        for option in options:
            if not isinstance(option, list) or not option or not set(option) <= ids:
                raise DcqlError(f"credential_sets[{k}] names a credential query that is not there")
    return query


def _select(node: Any, path: list[Any]) -> list[Any]:
    """Claims path pointer (section 7): strings select keys, integers array items, null all
    items."""
    current = [node]
    for step in path:
        nxt: list[Any] = []
        for value in current:
            if isinstance(step, str) and isinstance(value, dict) and step in value:
                nxt.append(value[step])
            elif step is None and isinstance(value, list):
                nxt.extend(value)
            elif isinstance(step, int) and isinstance(value, list) and 0 <= step < len(value):
                nxt.append(value[step])
        current = nxt
    return current


def _satisfies(item: dict[str, Any], presented: Presented) -> str | None:
    """Why ``presented`` does not answer credential query ``item``, or None."""
    if presented.format != item["format"]:
        return f"it is {presented.format}, the query asked for {item['format']}"
    meta = item["meta"]
    if item["format"] == "dc+sd-jwt":
        if not presented.types & set(meta["vct_values"]):
            return f"its vct is not one of {meta['vct_values']}"
    elif not any(set(option) <= presented.types for option in meta["type_values"]):
        return "its types match none of the requested type_values"
    for claim in item.get("claims", []):
        found = _select(presented.claims, claim["path"])
        if not found:
            return f"claim {'.'.join(str(p) for p in claim['path'])} is not disclosed"
        wanted = claim.get("values")
        if wanted is not None and not any(v in wanted for v in found if not isinstance(v, dict)):
            return f"claim {'.'.join(str(p) for p in claim['path'])} has none of the values asked"
    return None


def missing(query: dict[str, Any], answers: list[Presented]) -> list[str]:
    """What the answer lacks for the query to be satisfied (empty: satisfied)."""
    by_id = {item["id"]: item for item in query["credentials"]}
    problems: list[str] = []
    answered: set[str] = set()
    for p in answers:
        item = by_id.get(p.query_id)
        if item is None:
            problems.append(f"{p.query_id}: not a credential query of this request")
            continue
        reason = _satisfies(item, p)
        if reason:
            problems.append(f"{p.query_id}: {reason}")
        else:
            answered.add(p.query_id)
    sets = query.get("credential_sets")
    if sets:
        for k, group in enumerate(sets):
            if group.get("required", True) and not any(
                set(o) <= answered for o in group["options"]
            ):
                problems.append(f"credential_sets[{k}]: no option is fully answered")
    else:
        for cid in by_id:
            if cid not in answered:
                problems.append(f"{cid}: no valid presentation for this credential query")
    return problems
