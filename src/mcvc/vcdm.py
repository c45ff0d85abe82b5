"""The data model rules an issuer must not break and a verifier refuses (VCDM 1.1 and 2.0):
one module, so that mcvc never signs what its own verifier rejects.

Each rule names the field at fault (a JSON pointer-like path) and the rule, so that an API
caller gets a 400 it can act on and the verifier a specific ``structure`` failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Violation", "violations"]

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
# XML Schema dateTimeStamp: a dateTime with a time zone
_DATE_TIME_STAMP = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$"
)
_TYPED = ("credentialStatus", "termsOfUse", "evidence", "refreshService", "credentialSchema")


@dataclass(frozen=True)
class Violation:
    field: str
    rule: str
    message: str


# an absolute URI (RFC 3986): a scheme, a colon, and no whitespace or characters URIs forbid
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and _URL.match(value) is not None


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_type(item: Any) -> bool:
    kind = item.get("type") if isinstance(item, dict) else None
    if isinstance(kind, str):
        return bool(kind)
    return isinstance(kind, list) and bool(kind) and all(isinstance(k, str) and k for k in kind)


def violations(doc: dict[str, Any]) -> list[Violation]:
    """Every data model rule ``doc`` (a credential; its proof is not read) breaks, in order."""
    out: list[Violation] = []
    ctx = doc.get("@context")
    version = 2 if (ctx[0] if isinstance(ctx, list) and ctx else ctx) == CREDENTIALS_V2 else 1
    if "id" in doc and not _is_url(doc["id"]):
        out.append(Violation("id", "ID_NOT_URL", "id, when present, must be a single URL"))
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not _is_url(issuer_id):
        out.append(
            Violation(
                "issuer",
                "ISSUER_INVALID",
                "issuer must be a URL or an object whose id is a URL",
            )
        )
    subjects = doc.get("credentialSubject")
    if not subjects or not all(isinstance(s, dict) and s for s in _items(subjects)):
        out.append(
            Violation(
                "credentialSubject",
                "SUBJECT_INVALID",
                "credentialSubject must be one or more objects, each with claims",
            )
        )
    for i, subject in enumerate(_items(subjects) if subjects else []):
        if isinstance(subject, dict) and "id" in subject and not _is_url(subject["id"]):
            where = (
                f"credentialSubject[{i}].id"
                if isinstance(subjects, list)
                else "credentialSubject.id"
            )
            out.append(
                Violation(where, "ID_NOT_URL", "a subject's id, when present, must be a single URL")
            )
    dates = ("validFrom", "validUntil") if version == 2 else ("issuanceDate", "expirationDate")
    for name in dates:
        if name in doc and not (isinstance(doc[name], str) and _DATE_TIME_STAMP.match(doc[name])):
            out.append(
                Violation(
                    name,
                    "DATE_NOT_DATETIMESTAMP",
                    f"{name} must be an XML Schema dateTimeStamp (date, time and time zone)",
                )
            )
    for name in _TYPED:
        if name not in doc:
            continue
        for i, item in enumerate(_items(doc[name])):
            where = f"{name}[{i}]" if isinstance(doc[name], list) else name
            if not isinstance(item, dict):
                out.append(Violation(where, "NOT_AN_OBJECT", f"{name} values must be objects"))
            elif not _has_type(item):
                out.append(
                    Violation(f"{where}.type", "TYPE_REQUIRED", f"{name} objects must have a type")
                )
            elif name == "credentialSchema" and not _is_url(item.get("id")):
                out.append(
                    Violation(
                        f"{where}.id", "ID_NOT_URL", "credentialSchema objects need an id URL"
                    )
                )
            elif "id" in item and not _is_url(item["id"]):
                out.append(
                    Violation(f"{where}.id", "ID_NOT_URL", f"{name} ids, when present, are URLs")
                )
    if version == 2 and "relatedResource" in doc:
        seen: set[str] = set()
        for i, item in enumerate(_items(doc["relatedResource"])):
            where = f"relatedResource[{i}]"
            if not isinstance(item, dict):
                out.append(
                    Violation(where, "NOT_AN_OBJECT", "relatedResource values must be objects")
                )
                continue
            rid = item.get("id")
            if not _is_url(rid):
                out.append(
                    Violation(f"{where}.id", "ID_NOT_URL", "a related resource needs an id URL")
                )
            elif rid in seen:
                out.append(
                    Violation(
                        f"{where}.id", "ID_DUPLICATE", f"related resource {rid} is listed twice"
                    )
                )
            else:
                seen.add(str(rid))
            if "digestSRI" not in item and "digestMultibase" not in item:
                out.append(
                    Violation(
                        where,
                        "DIGEST_REQUIRED",
                        "a related resource needs digestSRI or digestMultibase",
                    )
                )
    return out
