"""Issuer profiles: rule sets as data. One JSON file per profile; see docs/profiles.md."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import McvcError
from ..model.reader import MANDATORY, StandardElements

__all__ = ["RuleViolation", "available_profiles", "check_profile", "load_profile"]

_KEYS = {
    "name",
    "description",
    "extends",
    "require",
    "min_ects",
    "max_ects",
    "eqf_levels",
    "min_awarding_bodies",
}
_REQUIRABLE = {*MANDATORY, "ects", "hours"}


@dataclass(frozen=True)
class RuleViolation:
    profile: str
    rule: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"profile": self.profile, "rule": self.rule, "message": self.message}


def available_profiles() -> list[str]:
    folder = resources.files(__name__)
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def load_profile(name_or_path: str) -> dict[str, Any]:
    """A shipped profile by name, or an institution's own profile file by path."""
    path = Path(name_or_path)
    if path.suffix == ".json" and path.exists():
        text = path.read_text("utf-8")
    else:
        res = resources.files(__name__) / f"{name_or_path}.json"
        if not res.is_file():
            raise McvcError(
                f"unknown profile {name_or_path!r} (shipped: {', '.join(available_profiles())}; or give a .json path)",
                code="UNKNOWN_PROFILE",
            )
        text = res.read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    unknown = set(data) - _KEYS
    if unknown:
        raise McvcError(
            f"profile {name_or_path}: unknown keys {sorted(unknown)}", code="INVALID_PROFILE"
        )
    bad = set(data.get("require", [])) - _REQUIRABLE
    if bad:
        raise McvcError(
            f"profile {name_or_path}: cannot require {sorted(bad)}", code="INVALID_PROFILE"
        )
    if "extends" in data:
        base = load_profile(data["extends"])
        merged = {**base, **data}
        merged["require"] = sorted(set(base.get("require", [])) | set(data.get("require", [])))
        return merged
    return data


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except (InvalidOperation, TypeError):
        return None


def check_profile(elements: StandardElements, profile: str | dict[str, Any]) -> list[RuleViolation]:
    """Every rule of ``profile`` that ``elements`` break, each named."""
    rules = load_profile(profile) if isinstance(profile, str) else profile
    name = str(rules.get("name", "custom"))
    out: list[RuleViolation] = []
    ects = _decimal(elements.ects) if elements.ects else None
    for need in rules.get("require", []):
        if need == "ects":
            if ects is None:
                out.append(
                    RuleViolation(name, "require.ects", "the workload must be given in ECTS")
                )
        elif need == "hours":
            if not elements.hours:
                out.append(
                    RuleViolation(name, "require.hours", "the workload must be given in hours")
                )
        elif need in elements.missing:
            out.append(
                RuleViolation(name, f"require.{need}", f"the standard element {need} is missing")
            )
    if ects is not None and "min_ects" in rules and ects < Decimal(rules["min_ects"]):
        out.append(
            RuleViolation(
                name, "min_ects", f"{ects} ECTS is below the minimum of {rules['min_ects']}"
            )
        )
    if ects is not None and "max_ects" in rules and ects > Decimal(rules["max_ects"]):
        out.append(
            RuleViolation(
                name, "max_ects", f"{ects} ECTS is above the maximum of {rules['max_ects']}"
            )
        )
    if "eqf_levels" in rules and elements.eqf_level not in rules["eqf_levels"]:
        out.append(
            RuleViolation(
                name,
                "eqf_levels",
                f"EQF level {elements.eqf_level} is not one of {rules['eqf_levels']}",
            )
        )
    if (
        "min_awarding_bodies" in rules
        and len(elements.awarding_bodies) < rules["min_awarding_bodies"]
    ):
        out.append(
            RuleViolation(
                name,
                "min_awarding_bodies",
                f"{len(elements.awarding_bodies)} awarding bodies; the profile asks for at least {rules['min_awarding_bodies']}",
            )
        )
    return out
