"""The EU standard elements of a micro-credential (Council Recommendation 2022/C 243/02,
Annex I), typed and validated. Errors name the field path and the rule broken."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..errors import ElementsError
from . import vocab

__all__ = [
    "Accreditation",
    "AwardingBody",
    "LanguageMap",
    "Learner",
    "LegalIdentifier",
    "MicroCredential",
    "elements_from_dict",
]

_LANG_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_DURATION = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def _language_map(value: dict[str, str]) -> dict[str, str]:
    if not value:
        raise ValueError("at least one language is required")
    for tag, text in value.items():
        if not _LANG_TAG.match(tag):
            raise ValueError(f"{tag!r} is not a language tag (use e.g. 'en', 'de')")
        if not text.strip():
            raise ValueError(f"text for language {tag!r} is empty")
    return value


LanguageMap = Annotated[dict[str, str], AfterValidator(_language_map)]


def _country(value: str) -> str:
    code = vocab.normalize_country(value)
    if code is None:
        raise ValueError(f"{value!r} is not a known ISO 3166 country code")
    return code


Country = Annotated[str, AfterValidator(_country)]


def _workload_duration(value: str) -> str:
    m = _DURATION.match(value)
    if not m:
        raise ValueError(f"{value!r} is not an xsd:duration (e.g. PT60H)")
    years, months = m.group(1), m.group(2)
    if years or months:
        raise ValueError(
            f"{value!r} counts years or months ({'P' + (months or '') + 'M' if months else ''} "
            "means months, not minutes); give the workload in hours, e.g. PT60H or PT60M"
        )
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class LegalIdentifier(_Model):
    scheme: Literal["eidas", "vat", "registration"]
    value: str = Field(min_length=1)
    country: Country


class Learner(_Model):
    given_name: str = Field(min_length=1)
    family_name: str = Field(min_length=1)
    full_name: str | None = None
    date_of_birth: date | None = None
    subject_id: str | None = Field(default=None, description="a DID or other IRI of the learner")
    national_id: str | None = None
    national_id_country: Country | None = None
    institutional_id: str | None = None
    institution_scheme: str | None = None
    email: str | None = None

    @field_validator("subject_id")
    @classmethod
    def _iri(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", v):
            raise ValueError(f"{v!r} is not an absolute IRI (a DID such as did:key:... or a URN)")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", v):
            raise ValueError(f"{v!r} is not an e-mail address")
        return v

    @model_validator(mode="after")
    def _national(self) -> Learner:
        if self.national_id and not self.national_id_country:
            raise ValueError("national_id needs national_id_country (the issuing country)")
        return self


class AwardingBody(_Model):
    legal_name: LanguageMap
    country: Country
    region: str | None = Field(default=None, description="ATU code, e.g. IRL_CTH_DUB")
    legal_identifiers: list[LegalIdentifier] = Field(default_factory=list)
    homepage: str | None = None
    did: str | None = None
    deqar_id: str | None = Field(
        default=None, description="DEQAR institution id, e.g. DEQARINST0245"
    )
    quality_assurance_responsible: bool = False

    @field_validator("homepage")
    @classmethod
    def _https(cls, v: str | None) -> str | None:
        if v is not None and not v.startswith(("https://", "http://")):
            raise ValueError("homepage must be an http(s) URL")
        return v


class Place(_Model):
    country: Country
    locality: str | None = None
    region: str | None = None


class LearningOutcome(_Model):
    text: LanguageMap
    esco_skills: list[str] = Field(default_factory=list)

    @field_validator("esco_skills")
    @classmethod
    def _esco(cls, v: list[str]) -> list[str]:
        for uri in v:
            if not uri.startswith("http://data.europa.eu/esco/skill/"):
                raise ValueError(f"{uri!r} is not an ESCO skill URI")
        return v


class Workload(_Model):
    ects: Decimal | None = Field(default=None, gt=0, le=240)
    hours: Annotated[str, AfterValidator(_workload_duration)] | None = None

    @model_validator(mode="after")
    def _some(self) -> Workload:
        if self.ects is None and self.hours is None:
            raise ValueError("give ects, hours (xsd:duration) or both")
        return self


class Level(_Model):
    eqf: int | None = Field(default=None, ge=1, le=8)
    qf_ehea: Literal["short", "first", "second", "third"] | None = None
    nqf: str | None = Field(default=None, description="NQF level concept URI")

    @model_validator(mode="after")
    def _consistent(self) -> Level:
        if self.qf_ehea and self.eqf and vocab.QF_EHEA_TO_EQF[self.qf_ehea] != self.eqf:
            raise ValueError(
                f"QF-EHEA {self.qf_ehea} cycle corresponds to EQF {vocab.QF_EHEA_TO_EQF[self.qf_ehea]}, "
                f"not {self.eqf}"
            )
        return self

    @property
    def eqf_level(self) -> int | None:
        return self.eqf or (vocab.QF_EHEA_TO_EQF[self.qf_ehea] if self.qf_ehea else None)


class Assessment(_Model):
    type: str = Field(min_length=1, description="a key of the Europass list or free text")
    title: LanguageMap | None = None
    grade: LanguageMap | None = None
    grading_scheme: LanguageMap | None = None
    supervision: (
        Literal[
            "supervised-with-id-verification",
            "supervised-without-id-verification",
            "unsupervised-with-id-verification",
            "unsupervised-without-id-verification",
        ]
        | None
    ) = None
    date: AwareDatetime | None = None


class AccreditingAgent(_Model):
    legal_name: LanguageMap
    country: Country
    homepage: str | None = None


class Accreditation(_Model):
    type: Literal["institutional", "programme"]
    accrediting_agent: AccreditingAgent
    decision: str | None = None
    issued: AwareDatetime | None = None
    expires: AwareDatetime | None = None
    report: str | None = Field(default=None, description="e.g. https://data.deqar.eu/report/48198")

    @model_validator(mode="after")
    def _dates(self) -> Accreditation:
        if self.issued and self.expires and self.expires <= self.issued:
            raise ValueError("expires must be after issued")
        return self


class QualityAssurance(_Model):
    type: Literal["internal", "external"]
    description: LanguageMap | None = None
    accreditation: Accreditation | None = None

    @model_validator(mode="after")
    def _external(self) -> QualityAssurance:
        if self.type == "external" and self.accreditation is None and self.description is None:
            raise ValueError("external quality assurance needs an accreditation or a description")
        return self


class StackTarget(_Model):
    title: LanguageMap
    id: str | None = None


class Stackability(_Model):
    standalone: bool = True
    stackable_towards: list[StackTarget] = Field(default_factory=list)
    partial_qualification: bool = False
    description: LanguageMap | None = None


class MicroCredential(_Model):
    """One micro-credential with the standard elements of Annex I."""

    id: str | None = None
    learner: Learner
    title: LanguageMap
    description: LanguageMap | None = None
    awarding_bodies: list[AwardingBody] = Field(min_length=1)
    issuer_did: str | None = None
    issued: AwareDatetime
    place_of_issue: Place
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    learning_outcomes: list[LearningOutcome] = Field(min_length=1)
    workload: Workload
    level: Level | None = None
    assessment: Assessment
    participation: str = Field(min_length=1)
    learning_setting: Literal["formal", "non-formal"] | None = None
    quality_assurance: QualityAssurance
    prerequisites: LanguageMap | None = None
    stackability: Stackability | None = None
    further_information: LanguageMap | None = None
    homepage: str | None = None
    languages: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rules(self) -> MicroCredential:
        start = self.valid_from or self.issued
        if self.valid_until is not None and self.valid_until <= start:
            raise ValueError("valid_until must be after valid_from (or issued)")
        if len(self.awarding_bodies) > 1 and not any(
            b.quality_assurance_responsible for b in self.awarding_bodies
        ):
            raise ValueError(
                "a joint offer must say which awarding body is responsible for quality assurance "
                "(quality_assurance_responsible: true)"
            )
        return self

    @property
    def primary_language(self) -> str:
        return self.languages[0] if self.languages else next(iter(self.title))

    def warnings(self) -> list[dict[str, str]]:
        out = []
        if self.workload.ects is not None and self.workload.ects < 1:
            out.append(
                {
                    "path": "workload.ects",
                    "rule": "ects_minimum_for_recognition",
                    "message": f"{self.workload.ects} ECTS is below the 1 ECTS that recognition "
                    "guidance (German and alliance rules) expects",
                }
            )
        return out


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-after", "function-", "constrained-")):
            continue
        else:
            out += ("." if out else "") + part
    return out or "(document)"


def elements_from_dict(data: Any) -> MicroCredential:
    """Validate ``data`` into a :class:`MicroCredential`; raise :class:`ElementsError` naming
    every (path, rule) that fails."""
    if isinstance(data, MicroCredential):
        return data
    try:
        return MicroCredential.model_validate(data)
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            message = str(err["msg"]).removeprefix("Value error, ")
            issues.append({"path": _path(err["loc"]), "rule": str(err["type"]), "message": message})
        summary = "; ".join(f"{i['path']}: {i['message']}" for i in issues[:5])
        raise ElementsError(f"invalid standard elements: {summary}", issues=issues) from None


def isoformat(value: datetime) -> str:
    text = value.isoformat()
    return text.replace("+00:00", "Z")
