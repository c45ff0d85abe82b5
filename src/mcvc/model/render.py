"""Render standard elements as ELM v3 JSON-LD: the Europass ``edc`` shape (VCDM 1.1) and the
``vc2`` shape (VCDM 2.0 with the ELM context attached through property-scoped contexts)."""

from __future__ import annotations

import hashlib
import uuid
from functools import lru_cache
from typing import Any, Literal

from ..contexts import CREDENTIALS_V1, CREDENTIALS_V2, EDC_AP, default_loader
from . import vocab
from .elements import (
    Accreditation,
    AwardingBody,
    MicroCredential,
    elements_from_dict,
    isoformat,
)

__all__ = ["Profile", "build_credential", "vc2_bridge_context"]

Profile = Literal["edc", "vc2", "ob3"]
EDC_SCHEMA = "http://data.europa.eu/snb/model/ap/edc-generic-full"


# Nodes that describe the course (its specification, outcomes, bodies, places, notes) rather
# than the learner or this award. Any other kind is scoped to the credential.
_COURSE_KINDS = (
    "organisation",
    "legalIdentifier:org",
    "location:org",
    "address:org",
    "note:address:org",
    "location:agent",
    "address:agent",
    "location:award",
    "address:award",
    "note:address:award",
    "identifier:deqar",
    "homepage:",
    "accreditation",
    "report",
    "learningOutcome",
    "qualification",
    "creditPoint",
    "note:entryRequirement",
    "note:qualityAssurance",
    "note:stackability",
    "note:furtherInformation",
    "stackTarget",
    "assessmentSpecification",
    "gradingScheme",
)
# what differs between the learners of one course; everything else makes up the course
_PER_AWARD: dict[str, Any] = {
    "id": True,
    "learner": True,
    "issued": True,
    "valid_from": True,
    "valid_until": True,
    "assessment": {"grade": True, "date": True},
}


@lru_cache(maxsize=8192)
def _urn(namespace: uuid.UUID, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(namespace, name)}"


class _Ids:
    """Stable node ids: every node gets one, so no blank-node lists reach canonicalization
    (the reference stack refuses @list of blank nodes as a poison graph).

    Nodes about the learner or the award are named within the credential; nodes about the
    course are named from the course's own elements, so one course's specification, outcomes
    and bodies have the same IRIs in every learner's credential (the same resource, and equal
    sub-graphs that a batch canonicalizes once) and a changed course gets new ones."""

    def __init__(self, credential_id: str, course: MicroCredential) -> None:
        self.ns = uuid.uuid5(uuid.NAMESPACE_URL, credential_id)
        fingerprint = hashlib.sha256(
            course.model_dump_json(exclude=_PER_AWARD).encode("utf-8")
        ).hexdigest()
        self.course_ns = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:mcvc:course:{fingerprint}")

    def __call__(self, kind: str, n: int = 1) -> str:
        ns = self.course_ns if kind.startswith(_COURSE_KINDS) else self.ns
        return _urn(ns, f"{kind}:{n}")


def _note(ids: _Ids, kind: str, text: dict[str, str], n: int = 1) -> dict[str, Any]:
    return {"id": ids(f"note:{kind}", n), "type": "Note", "noteLiteral": dict(text)}


def _legal_identifier(ids: _Ids, scheme: str, value: str, country: str, n: int) -> dict[str, Any]:
    return {
        "id": ids(f"legalIdentifier:{scheme}", n),
        "type": "LegalIdentifier",
        "notation": value,
        "spatial": vocab.country_concept(country),
    }


def _location(
    ids: _Ids, kind: str, country: str, region: str | None, locality: str | None, n: int
) -> dict[str, Any]:
    address: dict[str, Any] = {
        "id": ids(f"address:{kind}", n),
        "type": "Address",
        "countryCode": vocab.country_concept(country),
    }
    if locality:
        address["fullAddress"] = _note(ids, f"address:{kind}", {"en": locality}, n)
    loc: dict[str, Any] = {"id": ids(f"location:{kind}", n), "type": "Location", "address": address}
    if region:
        alpha3 = vocab.COUNTRY_ALPHA3[country][0]
        code = region if region.startswith(alpha3) else f"{alpha3}_{region}"
        loc["spatialCode"] = vocab.concept(
            f"{vocab.AUTHORITY}atu/{code}", f"{vocab.AUTHORITY}atu", region, notation="atu"
        )
    return loc


def _organisation(
    ids: _Ids, body: AwardingBody, n: int, node_id: str | None = None
) -> dict[str, Any]:
    org: dict[str, Any] = {
        "id": node_id or body.did or ids("organisation", n),
        "type": "Organisation",
        "legalName": dict(body.legal_name),
        "location": _location(ids, f"org{n}", body.country, body.region, None, n),
    }
    identifiers = []
    for i, ident in enumerate(body.legal_identifiers, start=1):
        node = _legal_identifier(ids, f"org{n}", ident.value, ident.country, i)
        key = {"eidas": "eIDASIdentifier", "vat": "vatIdentifier", "registration": "registration"}[
            ident.scheme
        ]
        identifiers.append((key, node))
    for key, node in identifiers:
        org.setdefault(key, node)
    if body.deqar_id:
        org["identifier"] = {
            "id": ids(f"identifier:deqar:{n}"),
            "type": "Identifier",
            "notation": body.deqar_id,
            "schemeName": "DEQAR",
        }
    if body.homepage:
        org["homepage"] = {
            "id": ids(f"homepage:org{n}"),
            "type": "WebResource",
            "contentURL": body.homepage,
        }
    return org


def _accreditation(ids: _Ids, acc: Accreditation) -> dict[str, Any]:
    agent = acc.accrediting_agent
    node: dict[str, Any] = {
        "id": acc.report or ids("accreditation"),
        "type": "Accreditation",
        "dcType": vocab.vocab_concept("accreditation", vocab.ACCREDITATION, acc.type),
        "accreditingAgent": {
            "id": ids("organisation:accreditingAgent"),
            "type": "Organisation",
            "legalName": dict(agent.legal_name),
            "location": _location(ids, "agent", agent.country, None, None, 1),
        },
    }
    if acc.decision:
        node["decision"] = vocab.free_concept(acc.decision, "accreditation-decision")
    if acc.issued:
        node["dateIssued"] = isoformat(acc.issued)
    if acc.expires:
        node["expiryDate"] = isoformat(acc.expires)
    if acc.report:
        node["report"] = {"id": ids("report"), "type": "WebResource", "contentURL": acc.report}
    return node


def _concept_for(
    table: dict[str, tuple[str, str]], list_name: str, value: str, free_ns: str
) -> dict[str, Any]:
    key = value.strip().lower().replace(" ", "-")
    if key in table:
        return vocab.vocab_concept(list_name, table, key)
    for k, (_code, label) in table.items():
        if label.lower() == value.strip().lower():
            return vocab.vocab_concept(list_name, table, k)
    return vocab.free_concept(value, free_ns)


def _claim(mc: MicroCredential, ids: _Ids, issuer_id: str) -> dict[str, Any]:
    bodies = [
        _organisation(ids, b, i, issuer_id if i == 1 and not b.did else None)
        for i, b in enumerate(mc.awarding_bodies, start=1)
    ]
    place = mc.place_of_issue
    awarding: dict[str, Any] = {
        "id": ids("awardingProcess"),
        "type": "AwardingProcess",
        "awardingBody": bodies if len(bodies) > 1 else bodies[0],
        "awardingDate": isoformat(mc.issued),
        "location": _location(ids, "award", place.country, place.region, place.locality, 1),
    }

    outcomes = []
    for i, lo in enumerate(mc.learning_outcomes, start=1):
        node: dict[str, Any] = {
            "id": ids("learningOutcome", i),
            "type": "LearningOutcome",
            "title": dict(lo.text),
        }
        if lo.esco_skills:
            node["relatedESCOSkill"] = [
                {
                    "id": uri,
                    "type": "Concept",
                    "inScheme": {
                        "id": "http://data.europa.eu/esco/concept-scheme/skills",
                        "type": "ConceptScheme",
                    },
                }
                for uri in lo.esco_skills
            ]
        outcomes.append(node)

    spec: dict[str, Any] = {
        "id": ids("qualification"),
        "type": "Qualification",
        "title": dict(mc.title),
        "learningOutcome": outcomes,
        "mode": _concept_for(
            vocab.PARTICIPATION, "learning-assessment", mc.participation, "participation"
        ),
    }
    if mc.description:
        spec["description"] = dict(mc.description)
    if mc.workload.ects is not None:
        spec["creditPoint"] = {
            "id": ids("creditPoint"),
            "type": "CreditPoint",
            "framework": vocab.ECTS,
            "point": format(mc.workload.ects.normalize(), "f"),
        }
    if mc.workload.hours:
        spec["volumeOfLearning"] = mc.workload.hours
    if mc.level:
        if mc.level.eqf_level:
            spec["eqfLevel"] = vocab.eqf_concept(mc.level.eqf_level)
        if mc.level.nqf:
            spec["nqfLevel"] = {"id": mc.level.nqf, "type": "Concept"}
    if mc.learning_setting:
        spec["learningSetting"] = vocab.vocab_concept(
            "learning-setting", vocab.LEARNING_SETTING, mc.learning_setting
        )
    if mc.prerequisites:
        spec["entryRequirement"] = _note(ids, "entryRequirement", mc.prerequisites)
    notes = []
    qa = mc.quality_assurance
    if qa.accreditation:
        spec["accreditation"] = _accreditation(ids, qa.accreditation)
    qa_text = (
        dict(qa.description)
        if qa.description
        else {"en": f"{qa.type.capitalize()} quality assurance"}
    )
    responsible = [b for b in mc.awarding_bodies if b.quality_assurance_responsible]
    if responsible:
        name = next(iter(responsible[0].legal_name.values()))
        qa_text = {k: f"{v} Responsible for quality assurance: {name}." for k, v in qa_text.items()}
    notes.append(
        _note(ids, "qualityAssurance", {k: f"Quality assurance: {v}" for k, v in qa_text.items()})
    )
    stack = mc.stackability
    if stack:
        spec["isPartialQualification"] = stack.partial_qualification
        if stack.stackable_towards:
            spec["isPartOf"] = [
                {
                    "id": t.id or ids("stackTarget", i),
                    "type": "LearningAchievementSpecification",
                    "title": dict(t.title),
                }
                for i, t in enumerate(stack.stackable_towards, start=1)
            ]
        text = (
            dict(stack.description)
            if stack.description
            else {
                "en": ("Standalone; " if stack.standalone else "Not standalone; ")
                + (
                    "stackable towards "
                    + ", ".join(next(iter(t.title.values())) for t in stack.stackable_towards)
                    if stack.stackable_towards
                    else "not stackable towards a named credential"
                )
                + "."
            }
        )
        notes.append(
            _note(
                ids, "stackability", {k: f"Integration/stackability: {v}" for k, v in text.items()}
            )
        )
    if mc.further_information:
        notes.append(_note(ids, "furtherInformation", mc.further_information))
    spec["additionalNote"] = notes
    if mc.homepage:
        spec["homepage"] = {
            "id": ids("homepage:spec"),
            "type": "WebResource",
            "contentURL": mc.homepage,
        }

    a = mc.assessment
    assessment_spec: dict[str, Any] = {
        "id": ids("assessmentSpecification"),
        "type": "LearningAssessmentSpecification",
        "title": dict(a.title or {"en": f"Assessment: {a.type}"}),
        "dcType": _concept_for(vocab.ASSESSMENT, "assessment", a.type, "assessment"),
    }
    if a.grading_scheme:
        assessment_spec["gradingScheme"] = {
            "id": ids("gradingScheme"),
            "type": "GradingScheme",
            "title": dict(a.grading_scheme),
        }
    assessment: dict[str, Any] = {
        "id": ids("assessment"),
        "type": "LearningAssessment",
        "title": dict(a.title or {"en": f"Assessment: {a.type}"}),
        # ELM requires a grade on every assessment; an awarded credential without one was passed
        "grade": _note(ids, "grade", a.grade or {"en": "Passed"}),
        "awardedBy": awarding,
        "specifiedBy": assessment_spec,
    }
    if a.supervision:
        assessment["idVerification"] = vocab.vocab_concept(
            "supervision-verification", vocab.SUPERVISION, a.supervision
        )
    if a.date:
        assessment["dateIssued"] = isoformat(a.date)

    return {
        "id": ids("learningAchievement"),
        "type": "LearningAchievement",
        "title": dict(mc.title),
        "awardedBy": awarding,
        "provenBy": assessment,
        "specifiedBy": spec,
    }


def _subject(mc: MicroCredential, ids: _Ids, issuer_id: str) -> dict[str, Any]:
    lr = mc.learner
    lang = mc.primary_language
    person: dict[str, Any] = {
        "id": lr.subject_id or ids("person"),
        "type": "Person",
        "givenName": {lang: lr.given_name},
        "familyName": {lang: lr.family_name},
        "fullName": {lang: lr.full_name or f"{lr.given_name} {lr.family_name}"},
    }
    if lr.date_of_birth:
        person["dateOfBirth"] = lr.date_of_birth.isoformat() + "T00:00:00Z"
    if lr.national_id and lr.national_id_country:
        person["nationalID"] = _legal_identifier(
            ids, "national", lr.national_id, lr.national_id_country, 1
        )
    if lr.institutional_id:
        person["identifier"] = {
            "id": ids("identifier:learner"),
            "type": "Identifier",
            "notation": lr.institutional_id,
            "schemeName": lr.institution_scheme or "Student number",
        }
    if lr.email:
        person["contactPoint"] = {
            "id": ids("contactPoint"),
            "type": "ContactPoint",
            "emailAddress": {"id": f"mailto:{lr.email}", "type": "Mailbox"},
        }
    person["hasClaim"] = _claim(mc, ids, issuer_id)
    return person


def _issuer(mc: MicroCredential, ids: _Ids, issuer_id: str) -> dict[str, Any]:
    return _organisation(ids, mc.awarding_bodies[0], 1, issuer_id)


def _display(mc: MicroCredential, ids: _Ids) -> dict[str, Any]:
    langs = mc.languages or list(mc.title)
    out: dict[str, Any] = {
        "id": ids("displayParameter"),
        "type": "DisplayParameter",
        "title": dict(mc.title),
        "primaryLanguage": vocab.language_concept(langs[0]),
        "language": [vocab.language_concept(lang) for lang in langs],
    }
    if mc.description:
        out["description"] = dict(mc.description)
    return out


def vc2_bridge_context() -> dict[str, Any]:
    """Inline context for VCDM 2.0: the ELM terms used at subject and issuer level, with the
    ELM context attached to them as a property-scoped context. JSON-LD 1.1 lets a
    property-scoped context override protected terms, which is what ELM's ``description``
    needs under the protected VC 2.0 context; no mcvc-owned context URL is involved, so any
    verifier holding the two official contexts can process it."""
    edc = default_loader().load(EDC_AP)["@context"]
    prefixes = {k: v for k, v in edc.items() if isinstance(v, str) and v.endswith(("/", "#"))}

    def absolute(term: str) -> str:
        prefix, _, rest = term.partition(":")
        return prefixes[prefix] + rest if prefix in prefixes else term

    out: dict[str, Any] = {}
    for term in (
        "Person",
        "Organisation",
        "givenName",
        "familyName",
        "fullName",
        "dateOfBirth",
        "nationalID",
        "identifier",
        "contactPoint",
        "hasClaim",
        "legalName",
        "location",
        "eIDASIdentifier",
        "vatIdentifier",
        "registration",
        "homepage",
    ):
        definition = edc[term]
        if isinstance(definition, str):
            out[term] = absolute(definition)
            continue
        new = {
            k: (absolute(v) if k in ("@id", "@type") and v != "@id" else v)
            for k, v in definition.items()
        }
        if definition.get("@type") == "@id":
            new["@context"] = EDC_AP
        out[term] = new
    return out


def build_credential(
    elements: MicroCredential | dict[str, Any],
    *,
    profile: Profile = "edc",
    issuer: str | None = None,
) -> dict[str, Any]:
    """An unsigned credential for the elements; ``issuer`` (a DID) becomes the issuer id."""
    mc = elements_from_dict(elements)
    if profile == "ob3":
        from .ob3 import build_ob3

        return build_ob3(mc, issuer=issuer)
    cred_id = mc.id or f"urn:credential:{uuid.uuid5(uuid.NAMESPACE_URL, mc.model_dump_json())}"
    ids = _Ids(cred_id, mc)
    issuer_id = issuer or mc.issuer_did or mc.awarding_bodies[0].did or ids("issuer")
    valid_from = isoformat(mc.valid_from or mc.issued)
    subject = _subject(mc, ids, issuer_id)
    issuer_node = _issuer(mc, ids, issuer_id)
    if profile == "edc":
        out: dict[str, Any] = {
            "@context": [CREDENTIALS_V1, EDC_AP],
            "id": cred_id,
            "type": ["VerifiableCredential", "EuropeanDigitalCredential"],
            "credentialProfiles": [vocab.PROFILE_GENERIC]
            + ([vocab.PROFILE_ACCREDITED] if mc.quality_assurance.accreditation else []),
            "credentialSchema": [{"id": EDC_SCHEMA, "type": "ShaclValidator2017"}],
            "displayParameter": _display(mc, ids),
            "issuer": issuer_node,
            "issuanceDate": isoformat(mc.issued),
            "issued": isoformat(mc.issued),
            "validFrom": valid_from,
        }
        if mc.valid_until:
            out["validUntil"] = isoformat(mc.valid_until)
            out["expirationDate"] = isoformat(mc.valid_until)
        out["credentialSubject"] = subject
        if mc.quality_assurance.accreditation:
            out["evidence"] = [
                {
                    "id": ids("evidence:accreditation"),
                    "type": "Evidence",
                    "dcType": vocab.EVIDENCE_ACCREDITATION,
                    "accreditation": _accreditation(ids, mc.quality_assurance.accreditation),
                }
            ]
        return out
    if profile == "vc2":
        out = {
            "@context": [CREDENTIALS_V2, vc2_bridge_context()],
            "id": cred_id,
            "type": ["VerifiableCredential"],
            "name": next(iter(mc.title.values())),
            "issuer": issuer_node,
            "validFrom": valid_from,
        }
        if mc.valid_until:
            out["validUntil"] = isoformat(mc.valid_until)
        out["credentialSubject"] = subject
        return out
    raise ValueError(f"unknown profile {profile!r}: use edc, vc2 or ob3")
