"""Controlled vocabularies used by ELM v3 / Europass, as SKOS concept objects.

URIs come from the official EDC samples, the EDC source and the ELM documentation
(see docs/elm-mapping.md for sources); labels marked unverified there are kept as given.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = [
    "ASSESSMENT",
    "COUNTRY_ALPHA3",
    "LANGUAGES",
    "PARTICIPATION",
    "SUPERVISION",
    "concept",
    "country_concept",
    "free_concept",
    "language_concept",
]

SNB = "http://data.europa.eu/snb/"
AUTHORITY = "http://publications.europa.eu/resource/authority/"


def concept(uri: str, scheme: str, label: str, *, notation: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": uri,
        "type": "Concept",
        "inScheme": {"id": scheme, "type": "ConceptScheme"},
    }
    if notation:
        out["notation"] = notation
    out["prefLabel"] = {"en": label}
    return out


def free_concept(label: str, namespace: str) -> dict[str, Any]:
    """A concept for a value outside the Europass lists (as the EU sample does with urn ids)."""
    ident = uuid.uuid5(uuid.NAMESPACE_URL, f"mcvc:{namespace}:{label}")
    return {"id": f"urn:uuid:{ident}", "type": "Concept", "prefLabel": {"en": label}}


def _scheme(name: str) -> str:
    return f"{SNB}{name}/25831c2"


# key -> (code, label); scheme http://data.europa.eu/snb/assessment/25831c2
ASSESSMENT: dict[str, tuple[str, str]] = {
    "written-examination": ("6e6cb2cc78", "written examination"),
    "oral-examination": ("d30284d7df", "oral examination"),
    "practical-examination": ("6a4db9f11d", "practical examination"),
    "portfolio": ("4f03b91c0e", "portfolio"),
    "peer-assessment": ("19a2e5e671", "peer assessment"),
    "quiz": ("b1b68f6735", "quiz"),
    "continuous-evaluation": ("3484bd7e51", "continuous evaluation"),
}
PARTICIPATION: dict[str, tuple[str, str]] = {
    "online": ("920fbb3cbe", "Online"),
    "blended": ("e92d221e4d", "Blended"),
    "presential": ("9191af2ed9", "Presential"),
    "work-based": ("729f3bed4b", "Workbased"),
    "project-based": ("7813801c77", "Project based"),
    "research-lab": ("ed4c557045", "Research-Lab based"),
}
SUPERVISION: dict[str, tuple[str, str]] = {
    "supervised-with-id-verification": ("70be69aaf9", "Supervised with ID verification"),
    "supervised-without-id-verification": ("44314532f9", "Supervised without ID verification"),
    "unsupervised-with-id-verification": ("df2880c5cb", "Unsupervised with ID verification"),
    "unsupervised-without-id-verification": ("c598449d64", "Unsupervised without ID Verification"),
}
ACCREDITATION: dict[str, tuple[str, str]] = {
    "institutional": ("003293d2ce", "Institutional quality assurance"),
    "programme": ("e57dddfcf3", "Programme quality assurance"),
}
LEARNING_SETTING: dict[str, tuple[str, str]] = {
    "formal": ("6fd4685715", "formal learning"),
    "non-formal": ("e207a81fc7", "non-formal learning"),
}


def vocab_concept(list_name: str, table: dict[str, tuple[str, str]], key: str) -> dict[str, Any]:
    code, label = table[key]
    return concept(f"{SNB}{list_name}/{code}", _scheme(list_name), label)


def eqf_concept(level: int) -> dict[str, Any]:
    return concept(f"{SNB}eqf/{level}", _scheme("eqf"), f"Level {level}")


ECTS = concept(
    f"{SNB}education-credit/6fcec5c5af",
    _scheme("education-credit"),
    "European Credit Transfer System",
)
PROFILE_GENERIC = concept(f"{SNB}credential/e34929035b", _scheme("credential"), "Generic")
PROFILE_ACCREDITED = concept(f"{SNB}credential/c_ae121a00", _scheme("credential"), "Accredited")
EVIDENCE_ACCREDITATION = concept(
    f"{SNB}evidence-type/c_991b06c6", _scheme("evidence-type"), "Accreditation"
)
QF_EHEA_TO_EQF = {"short": 5, "first": 6, "second": 7, "third": 8}

# ISO 3166-1 alpha-2 -> alpha-3 (EU country authority codes) for EHEA members and common others.
COUNTRY_ALPHA3: dict[str, tuple[str, str]] = {
    "AD": ("AND", "Andorra"),
    "AL": ("ALB", "Albania"),
    "AM": ("ARM", "Armenia"),
    "AT": ("AUT", "Austria"),
    "AU": ("AUS", "Australia"),
    "AZ": ("AZE", "Azerbaijan"),
    "BA": ("BIH", "Bosnia and Herzegovina"),
    "BE": ("BEL", "Belgium"),
    "BG": ("BGR", "Bulgaria"),
    "BY": ("BLR", "Belarus"),
    "CA": ("CAN", "Canada"),
    "CH": ("CHE", "Switzerland"),
    "CN": ("CHN", "China"),
    "CY": ("CYP", "Cyprus"),
    "CZ": ("CZE", "Czechia"),
    "DE": ("DEU", "Germany"),
    "DK": ("DNK", "Denmark"),
    "EE": ("EST", "Estonia"),
    "ES": ("ESP", "Spain"),
    "FI": ("FIN", "Finland"),
    "FR": ("FRA", "France"),
    "GB": ("GBR", "United Kingdom"),
    "GE": ("GEO", "Georgia"),
    "GR": ("GRC", "Greece"),
    "HR": ("HRV", "Croatia"),
    "HU": ("HUN", "Hungary"),
    "IE": ("IRL", "Ireland"),
    "IN": ("IND", "India"),
    "IS": ("ISL", "Iceland"),
    "IT": ("ITA", "Italy"),
    "JP": ("JPN", "Japan"),
    "KZ": ("KAZ", "Kazakhstan"),
    "LI": ("LIE", "Liechtenstein"),
    "LT": ("LTU", "Lithuania"),
    "LU": ("LUX", "Luxembourg"),
    "LV": ("LVA", "Latvia"),
    "MC": ("MCO", "Monaco"),
    "MD": ("MDA", "Moldova"),
    "ME": ("MNE", "Montenegro"),
    "MK": ("MKD", "North Macedonia"),
    "MT": ("MLT", "Malta"),
    "NL": ("NLD", "Netherlands"),
    "NO": ("NOR", "Norway"),
    "PL": ("POL", "Poland"),
    "PT": ("PRT", "Portugal"),
    "RO": ("ROU", "Romania"),
    "RS": ("SRB", "Serbia"),
    "RU": ("RUS", "Russia"),
    "SE": ("SWE", "Sweden"),
    "SI": ("SVN", "Slovenia"),
    "SK": ("SVK", "Slovakia"),
    "SM": ("SMR", "San Marino"),
    "TR": ("TUR", "Türkiye"),
    "UA": ("UKR", "Ukraine"),
    "US": ("USA", "United States"),
    "VA": ("VAT", "Holy See"),
    "XK": ("XKX", "Kosovo"),
}
_ALPHA3 = {a3: (a2, name) for a2, (a3, name) in COUNTRY_ALPHA3.items()}

# ISO 639-1 -> EU language authority code
LANGUAGES: dict[str, tuple[str, str]] = {
    "bg": ("BUL", "Bulgarian"),
    "cs": ("CES", "Czech"),
    "da": ("DAN", "Danish"),
    "de": ("DEU", "German"),
    "el": ("ELL", "Greek"),
    "en": ("ENG", "English"),
    "es": ("SPA", "Spanish"),
    "et": ("EST", "Estonian"),
    "fi": ("FIN", "Finnish"),
    "fr": ("FRA", "French"),
    "ga": ("GLE", "Irish"),
    "hr": ("HRV", "Croatian"),
    "hu": ("HUN", "Hungarian"),
    "is": ("ISL", "Icelandic"),
    "it": ("ITA", "Italian"),
    "lt": ("LIT", "Lithuanian"),
    "lv": ("LAV", "Latvian"),
    "mt": ("MLT", "Maltese"),
    "nl": ("NLD", "Dutch"),
    "no": ("NOR", "Norwegian"),
    "pl": ("POL", "Polish"),
    "pt": ("POR", "Portuguese"),
    "ro": ("RON", "Romanian"),
    "sk": ("SLK", "Slovak"),
    "sl": ("SLV", "Slovenian"),
    "sv": ("SWE", "Swedish"),
    "tr": ("TUR", "Turkish"),
    "uk": ("UKR", "Ukrainian"),
}


def normalize_country(code: str) -> str | None:
    """ISO 3166 alpha-2 code for an alpha-2 or alpha-3 input, or None if unknown."""
    upper = code.strip().upper()
    if upper in COUNTRY_ALPHA3:
        return upper
    if upper in _ALPHA3:
        return _ALPHA3[upper][0]
    return None


def country_concept(alpha2: str) -> dict[str, Any]:
    alpha3, name = COUNTRY_ALPHA3[alpha2]
    return concept(f"{AUTHORITY}country/{alpha3}", f"{AUTHORITY}country", name, notation="country")


def country_from_uri(uri: str) -> str | None:
    code = uri.rsplit("/", 1)[-1]
    return normalize_country(code) if uri.startswith(f"{AUTHORITY}country/") else None


def language_concept(lang: str) -> dict[str, Any]:
    code, name = LANGUAGES.get(lang, (lang.upper(), lang))
    return concept(f"{AUTHORITY}language/{code}", f"{AUTHORITY}language", name, notation="language")
