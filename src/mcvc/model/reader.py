"""Read the EU standard elements back out of any ELM v3 credential (EDC VCDM 1.1, EBSI ELM 3.2
under VCDM 2.0, sealed envelopes, mcvc's own vc2 shape). Reading is plain JSON traversal of the
ELM graph: it never fails on missing parts, it reports them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from ..jsontext import copy_json
from . import vocab

_INSTANT = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


def birth_date(value: Any) -> str:
    """A date of birth as a date. ELM writes it as a dateTime, and issuers often store local
    midnight converted to UTC (``1999-10-01T22:00:00Z`` for 2 October in Central Europe):
    a time in the evening UTC is read as the next day's midnight east of Greenwich, and the
    text as written is shown beside it so that nobody has to trust the reading."""
    import datetime as dt

    text = str(value or "")
    found = _INSTANT.match(text)
    if not found:
        return text
    day, hour, minute, zone = (
        found.group(1),
        int(found.group(2)),
        int(found.group(3)),
        found.group(4),
    )
    if hour == 0 and minute == 0:
        return day
    if zone in ("Z", "+00:00") and hour >= 12 and minute == 0:
        following = dt.date.fromisoformat(day) + dt.timedelta(days=1)
        return f"{following.isoformat()} (written as {text}: midnight at UTC+{24 - hour})"
    return f"{day} (written as {text})"


__all__ = ["MANDATORY", "StandardElements", "from_credential"]

MANDATORY = (
    "learner",
    "title",
    "issuer_country",
    "awarding_body",
    "date_of_issuing",
    "learning_outcomes",
    "workload",
    "level",
    "assessment_type",
    "participation",
    "quality_assurance",
)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> dict[str, str]:
    """A language map as {lang: text}; EBSI's arrays joined, plain strings under 'und'."""
    if isinstance(value, str):
        return {"und": value}
    if isinstance(value, dict):
        out = {}
        for lang, text in value.items():
            if lang.startswith("@"):
                continue
            parts = [t for t in _list(text) if isinstance(t, str)]
            if parts:
                out[lang] = " ".join(parts)
        if "@value" in value and isinstance(value["@value"], str):
            out[value.get("@language", "und")] = value["@value"]
        return out
    if isinstance(value, list):
        merged: dict[str, str] = {}
        for item in value:
            merged.update(_text(item))
        return merged
    return {}


def _label(concept: Any) -> str:
    if isinstance(concept, dict):
        labels = _text(concept.get("prefLabel"))
        if labels:
            return labels.get("en") or next(iter(labels.values()))
        return str(concept.get("id", ""))
    return str(concept) if concept else ""


def _id(node: Any) -> str:
    return str(node.get("id", "")) if isinstance(node, dict) else str(node or "")


def _note_text(note: Any) -> dict[str, str]:
    return _text(note.get("noteLiteral")) if isinstance(note, dict) else _text(note)


def _identifiers(org: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for key, scheme in (
        ("eIDASIdentifier", "eidas"),
        ("vatIdentifier", "vat"),
        ("registration", "registration"),
    ):
        for ident in _list(org.get(key)):
            if isinstance(ident, dict):
                country = vocab.country_from_uri(_id(ident.get("spatial"))) or ""
                out.append(
                    {"scheme": scheme, "value": str(ident.get("notation", "")), "country": country}
                )
    for ident in _list(org.get("identifier")):
        if isinstance(ident, dict):
            out.append(
                {
                    "scheme": str(ident.get("schemeName", "identifier")),
                    "value": str(ident.get("notation", "")),
                    "country": "",
                }
            )
    return out


def _org_country(org: dict[str, Any]) -> str:
    for loc in _list(org.get("location")):
        if isinstance(loc, dict):
            for addr in _list(loc.get("address")):
                if isinstance(addr, dict):
                    code = vocab.country_from_uri(_id(addr.get("countryCode")))
                    if code:
                        return code
    for key in ("eIDASIdentifier", "registration", "vatIdentifier"):
        for ident in _list(org.get(key)):
            if isinstance(ident, dict):
                code = vocab.country_from_uri(_id(ident.get("spatial")))
                if code:
                    return code
    return ""


def _org(org: Any) -> dict[str, Any]:
    if not isinstance(org, dict):
        return {"id": _id(org), "legal_name": {}, "country": "", "identifiers": []}
    return {
        "id": _id(org),
        "legal_name": _text(org.get("legalName")) or _text(org.get("name")),
        "country": _org_country(org),
        "identifiers": _identifiers(org),
    }


@dataclass
class StandardElements:
    """The standard elements found in a credential, and which mandatory ones are missing."""

    title: dict[str, str] = field(default_factory=dict)
    learner: dict[str, Any] = field(default_factory=dict)
    issuer: dict[str, Any] = field(default_factory=dict)
    awarding_bodies: list[dict[str, Any]] = field(default_factory=list)
    date_of_issuing: str = ""
    place_of_issue: str = ""
    valid_from: str = ""
    valid_until: str = ""
    learning_outcomes: list[dict[str, str]] = field(default_factory=list)
    ects: str = ""
    hours: str = ""
    eqf_level: int | None = None
    qf_ehea_cycle: str = ""
    nqf_level: str = ""
    assessment_type: str = ""
    participation: list[str] = field(default_factory=list)
    quality_assurance: dict[str, Any] = field(default_factory=dict)
    grade: dict[str, str] = field(default_factory=dict)
    supervision: str = ""
    prerequisites: dict[str, str] = field(default_factory=dict)
    stackability: dict[str, Any] = field(default_factory=dict)
    further_information: list[dict[str, str]] = field(default_factory=list)
    claim_type: str = ""
    missing: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        # the fields hold JSON values only, and copy_json is several times faster than asdict
        return {name: copy_json(getattr(self, name)) for name in _FIELDS}


_FIELDS = tuple(f.name for f in fields(StandardElements))
_CYCLE = {5: "short", 6: "first", 7: "second", 8: "third"}


def _unwrap(doc: dict[str, Any]) -> dict[str, Any]:
    if "payload" in doc and "signatures" in doc and isinstance(doc["payload"], str):
        from ..jsontext import parse_json

        inner = parse_json(doc["payload"])
        if isinstance(inner, dict):
            return inner
    if "credential" in doc and isinstance(doc["credential"], dict) and "@context" not in doc:
        return doc["credential"]
    return doc


def from_credential(document: dict[str, Any]) -> StandardElements:
    """The standard elements of an ELM v3 credential (sealed envelopes are opened)."""
    doc = _unwrap(document)
    out = StandardElements()
    subject = next((s for s in _list(doc.get("credentialSubject")) if isinstance(s, dict)), {})
    claim = next((c for c in _list(subject.get("hasClaim")) if isinstance(c, dict)), {})
    out.claim_type = str(claim.get("type", ""))
    spec = next((s for s in _list(claim.get("specifiedBy")) if isinstance(s, dict)), {})
    assessment = next((a for a in _list(claim.get("provenBy")) if isinstance(a, dict)), {})
    if not assessment and claim.get("type") == "LearningAssessment":
        assessment = claim
    awarding = next((a for a in _list(claim.get("awardedBy")) if isinstance(a, dict)), {})

    given = _text(subject.get("givenName"))
    family = _text(subject.get("familyName"))
    full = _text(subject.get("fullName"))
    name = next(iter(full.values()), "") or " ".join(
        x for x in (next(iter(given.values()), ""), next(iter(family.values()), "")) if x
    )
    if name or subject.get("id"):
        out.learner = {
            "name": name,
            "id": _id(subject),
            "date_of_birth": birth_date(subject.get("dateOfBirth")),
            "national_id": str((subject.get("nationalID") or {}).get("notation", ""))
            if isinstance(subject.get("nationalID"), dict)
            else "",
        }
    out.title = _text(claim.get("title")) or _text(spec.get("title"))
    out.issuer = _org(doc.get("issuer"))
    out.awarding_bodies = [_org(b) for b in _list(awarding.get("awardingBody"))]
    out.date_of_issuing = str(
        doc.get("issued")
        or doc.get("issuanceDate")
        or awarding.get("awardingDate")
        or doc.get("validFrom")
        or ""
    )
    out.valid_from = str(doc.get("validFrom", ""))
    out.valid_until = str(doc.get("validUntil") or doc.get("expirationDate") or "")
    for loc in _list(awarding.get("location")):
        if isinstance(loc, dict):
            for addr in _list(loc.get("address")):
                if isinstance(addr, dict):
                    out.place_of_issue = vocab.country_from_uri(_id(addr.get("countryCode"))) or ""
                    locality = _note_text(addr.get("fullAddress"))
                    if locality:
                        out.place_of_issue += f" ({next(iter(locality.values()))})"
    out.learning_outcomes = [
        _text(lo.get("title")) for lo in _list(spec.get("learningOutcome")) if isinstance(lo, dict)
    ]
    summary = _note_text(spec.get("learningOutcomeSummary"))
    if summary and not out.learning_outcomes:
        out.learning_outcomes = [summary]
    for cp in _list(spec.get("creditPoint")):
        if isinstance(cp, dict) and "education-credit/6fcec5c5af" in _id(cp.get("framework")):
            out.ects = str(cp.get("point", ""))
    out.hours = str(spec.get("volumeOfLearning", ""))
    eqf = _id(spec.get("eqfLevel"))
    m = re.search(r"/eqf/([1-8])$", eqf)
    if m:
        out.eqf_level = int(m.group(1))
        out.qf_ehea_cycle = _CYCLE.get(out.eqf_level, "")
    out.nqf_level = ", ".join(_label(n) for n in _list(spec.get("nqfLevel")))
    a_spec = next((s for s in _list(assessment.get("specifiedBy")) if isinstance(s, dict)), {})
    out.assessment_type = ", ".join(_label(t) for t in _list(a_spec.get("dcType")))
    out.participation = [_label(m) for m in _list(spec.get("mode"))]
    out.grade = _note_text(assessment.get("grade"))
    out.supervision = _label(assessment.get("idVerification"))
    out.prerequisites = _note_text(spec.get("entryRequirement"))

    accreditations = _list(spec.get("accreditation"))
    for body in _list(awarding.get("awardingBody")):
        if isinstance(body, dict):
            accreditations += _list(body.get("accreditation"))
    notes = [_note_text(n) for n in _list(spec.get("additionalNote"))]
    qa_notes = [n for n in notes if any(v.startswith("Quality assurance:") for v in n.values())]
    if accreditations:
        acc = (
            accreditations[0] if isinstance(accreditations[0], dict) else {"id": accreditations[0]}
        )
        out.quality_assurance = {
            "kind": "accreditation",
            "type": _label(acc.get("dcType")),
            "accrediting_agent": _org(acc.get("accreditingAgent")).get("legal_name", {}),
            "report": _id(acc.get("report"))
            and str((acc.get("report") or {}).get("contentURL", ""))
            if isinstance(acc.get("report"), dict)
            else _id(acc),
            "valid_until": str(acc.get("expiryDate", "")),
        }
    if qa_notes:
        out.quality_assurance.setdefault("kind", "note")
        out.quality_assurance["description"] = qa_notes[0]
    stack: dict[str, Any] = {}
    if "isPartialQualification" in spec:
        stack["partial_qualification"] = bool(spec["isPartialQualification"])
    towards = [_text(t.get("title")) for t in _list(spec.get("isPartOf")) if isinstance(t, dict)]
    if towards:
        stack["stackable_towards"] = towards
    stack_notes = [
        n for n in notes if any(v.startswith("Integration/stackability:") for v in n.values())
    ]
    if stack_notes:
        stack["description"] = stack_notes[0]
    out.stackability = stack
    out.further_information = [n for n in notes if n not in qa_notes and n not in stack_notes]
    if claim.get("description"):
        out.further_information.append(_text(claim.get("description")))

    present = {
        "learner": bool(out.learner),
        "title": bool(out.title),
        "issuer_country": bool(
            any(b["country"] for b in out.awarding_bodies) or out.issuer.get("country")
        ),
        "awarding_body": bool(out.awarding_bodies),
        "date_of_issuing": bool(out.date_of_issuing),
        "learning_outcomes": bool(out.learning_outcomes),
        "workload": bool(out.ects or out.hours),
        "level": out.eqf_level is not None or bool(out.nqf_level),
        "assessment_type": bool(out.assessment_type),
        "participation": bool(out.participation),
        "quality_assurance": bool(out.quality_assurance),
    }
    out.missing = [name for name in MANDATORY if not present[name]]
    return out
