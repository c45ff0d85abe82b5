"""Open Badges 3.0 rendering. OB 3.0 has no field for several EU elements; those go into an
``mcvc`` extension object (kept as JSON so nothing is lost) and into ``achievement.tag``."""

from __future__ import annotations

import json
import uuid
from typing import Any

from ..contexts import CREDENTIALS_V2
from . import vocab
from .elements import MicroCredential, isoformat

__all__ = ["OB3_CONTEXT", "build_ob3"]

OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _first(text: dict[str, str]) -> str:
    return text.get("en") or next(iter(text.values()))


def build_ob3(mc: MicroCredential, *, issuer: str | None = None) -> dict[str, Any]:
    cred_id = mc.id or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, mc.model_dump_json())}"
    ns = uuid.uuid5(uuid.NAMESPACE_URL, cred_id)
    body = mc.awarding_bodies[0]
    issuer_id = issuer or mc.issuer_did or body.did or f"urn:uuid:{uuid.uuid5(ns, 'issuer')}"
    achievement: dict[str, Any] = {
        "id": f"urn:uuid:{uuid.uuid5(ns, 'achievement')}",
        "type": ["Achievement"],
        "name": _first(mc.title),
        "description": _first(mc.description) if mc.description else _first(mc.title),
        "criteria": {"narrative": "\n".join(f"- {_first(lo.text)}" for lo in mc.learning_outcomes)},
        "achievementType": "MicroCredential",
    }
    if mc.workload.ects is not None:
        achievement["creditsAvailable"] = float(mc.workload.ects)
    alignments = [
        {
            "type": ["Alignment"],
            "targetName": uri.rsplit("/", 1)[-1],
            "targetUrl": uri,
            "targetFramework": "ESCO",
            "targetType": "ceasn:Competency",
        }
        for lo in mc.learning_outcomes
        for uri in lo.esco_skills
    ]
    if mc.level and mc.level.eqf_level:
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": f"EQF level {mc.level.eqf_level}",
                "targetUrl": f"http://data.europa.eu/snb/eqf/{mc.level.eqf_level}",
                "targetFramework": "European Qualifications Framework",
                "targetType": "ext:EQFLevel",
            }
        )
    if alignments:
        achievement["alignment"] = alignments
    tags = [
        f"participation:{mc.participation}",
        f"assessment:{mc.assessment.type}",
        f"quality-assurance:{mc.quality_assurance.type}",
    ]
    achievement["tag"] = tags
    extension = {
        "title": mc.title,
        "learningOutcomes": [lo.text for lo in mc.learning_outcomes],
        "workload": {
            "ects": str(mc.workload.ects) if mc.workload.ects is not None else None,
            "hours": mc.workload.hours,
        },
        "level": mc.level.model_dump(mode="json") if mc.level else None,
        "assessment": mc.assessment.model_dump(mode="json", exclude_none=True),
        "participation": mc.participation,
        "qualityAssurance": mc.quality_assurance.model_dump(mode="json", exclude_none=True),
        "prerequisites": mc.prerequisites,
        "stackability": mc.stackability.model_dump(mode="json") if mc.stackability else None,
        "awardingBodies": [
            b.model_dump(mode="json", exclude_none=True) for b in mc.awarding_bodies
        ],
        "placeOfIssue": mc.place_of_issue.model_dump(mode="json", exclude_none=True),
    }
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "achievement": achievement,
    }
    if mc.learner.subject_id:
        subject["id"] = mc.learner.subject_id
    if mc.workload.ects is not None:
        subject["creditsEarned"] = float(mc.workload.ects)
    if mc.assessment.grade:
        subject["result"] = [{"type": ["Result"], "value": _first(mc.assessment.grade)}]
    out: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, OB3_CONTEXT],
        "id": cred_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _first(mc.title),
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": _first(body.legal_name),
            "address": {"type": ["Address"], "addressCountryCode": body.country},
        },
        "validFrom": isoformat(mc.valid_from or mc.issued),
        "credentialSubject": subject,
    }
    if mc.valid_until:
        out["validUntil"] = isoformat(mc.valid_until)
    # OB 3.0 has no home for these EU elements; keep them verbatim, signed, as an extension.
    out["credentialSubject"]["achievement"]["otherIdentifier"] = [
        {
            "type": ["IdentifierEntry"],
            "identifier": "urn:mcvc:eu-standard-elements:"
            + json.dumps(extension, sort_keys=True, ensure_ascii=False),
            "identifierType": "ext:EUStandardElements",
        }
    ]
    if vocab.normalize_country(body.country) is None:  # pragma: no cover - validated earlier
        raise ValueError("unknown country")
    return out
