"""Human-readable output for recognition officers: safe against hostile strings."""

from __future__ import annotations

import unicodedata
from typing import Any

from .verification.report import VerificationReport

__all__ = [
    "HEADLINES",
    "demo_note",
    "facet_rows",
    "headline",
    "mixed_script",
    "render_report",
    "safe",
]

_BIDI = {
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
}


def safe(text: Any) -> str:
    """Escape control, bidi and other invisible characters so they cannot rewrite the screen."""
    out = []
    for ch in str(text):
        cat = unicodedata.category(ch)
        if ch in _BIDI or cat in ("Cc", "Cf", "Zl", "Zp") or (cat == "Cs"):
            out.append(f"\\u{ord(ch):04x}" if ord(ch) > 0xFF else f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out)


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def mixed_script(text: str) -> bool:
    """True when letters of more than one script appear (e.g. Latin with a Cyrillic 'е')."""
    scripts = {_script(ch) for ch in text if ch.isalpha()}
    return len(scripts) > 1


_MARK = {"pass": "ok  ", "fail": "FAIL", "error": "??  ", "skipped": "--  "}
HEADLINES = {
    "verified": "VERIFIED: intact, issuer confirmed by a trust source, currently valid",
    "unconfirmed": (
        "NOT CONFIRMED: the signature is authentic, but no trust source confirms who the issuer is"
    ),
    "failed": "FAILED: do not rely on this credential",
    "inconclusive": "INCONCLUSIVE: could not be fully checked",
}
COLOURS = {"verified": "32", "unconfirmed": "33", "failed": "31", "inconclusive": "33"}
_FACET_TEXT = {
    "intact": {
        "pass": "yes: the signature or seal covers exactly this content",
        "fail": "NO: the content is not what was signed, or the signature is not valid",
        "unknown": "not established",
    },
    "issuer": {
        "pass": "confirmed",
        "fail": "NO: the trust source does not vouch for this issuer",
        "unknown": "NOT confirmed",
    },
    "valid": {
        "pass": "yes (dates and status)",
        "fail": "NO",
        "unknown": "not established",
    },
}
_FACET_CHECKS = {"issuer": ("trust",), "valid": ("dates", "status")}


def headline(report: VerificationReport) -> str:
    parse = report.check("parse")
    if parse is not None and parse.code == "NOT_A_CREDENTIAL":
        return "NOT A DIGITAL CREDENTIAL: " + parse.message.split(": ", 1)[-1]
    return HEADLINES[report.outcome] + demo_note(report)


def demo_note(report: VerificationReport) -> str:
    """A marker for the headline when the public demo key or the demo trust list is involved."""
    reports = [report, *report.credentials]
    if any(r.check("demo-key") is not None for r in reports):
        return " [DEMO KEY: proves nothing about any institution]"
    return ""


def facet_rows(report: VerificationReport) -> list[tuple[str, str]]:
    """The three facets of a verdict, each with the check that decided it."""
    rows = []
    for name, label in (("intact", "Intact"), ("issuer", "Issuer"), ("valid", "Currently valid")):
        value = report.facet(name)  # type: ignore[arg-type]
        text = _FACET_TEXT[name][value]
        deciding = [
            c
            for c in report.checks
            if c.name in _FACET_CHECKS.get(name, ()) and (value == "pass" or c.outcome != "pass")
        ]
        if deciding and name != "intact":
            text += f" ({deciding[0].message})"
        rows.append((label, text))
    return rows


def first_text(text: Any) -> str:
    if isinstance(text, dict) and text:
        return str(text.get("en") or next(iter(text.values())))
    return str(text or "")


# The element texts shown both on the terminal and in the HTML report.
def learner_text(el: dict[str, Any]) -> str:
    learner = el["learner"]
    return (
        " ".join(x for x in (learner.get("name", ""), learner.get("id", "")) if x)
        if learner
        else ""
    )


def bodies_text(el: dict[str, Any]) -> str:
    return "; ".join(
        f"{first_text(b['legal_name'])} ({b['country']})" for b in el["awarding_bodies"]
    )


def workload_text(el: dict[str, Any]) -> str:
    return " / ".join(x for x in (f"{el['ects']} ECTS" if el["ects"] else "", el["hours"]) if x)


def level_text(el: dict[str, Any]) -> str:
    if not el["eqf_level"]:
        return str(el["nqf_level"])
    cycle = f" (QF-EHEA {el['qf_ehea_cycle']} cycle)" if el["qf_ehea_cycle"] else ""
    return f"EQF {el['eqf_level']}{cycle}"


def render_report(report: VerificationReport, *, color: bool = False, name: str = "") -> str:
    lines = []
    head = headline(report)
    if color:
        head = f"\x1b[1;{COLOURS[report.outcome]}m{head}\x1b[0m"
    lines.append(f"{safe(name) + ': ' if name else ''}{head}")
    for label, text in facet_rows(report):
        lines.append(f"  {label + ':':<17}{safe(text)}")
    lines.append("")
    for check in report.checks:
        mark = "info" if check.informative else _MARK[check.outcome]
        lines.append(f"  [{mark}] {check.name:<15} {check.code:<24} {safe(check.message)}")
    issuer = report.issuer
    if issuer.get("id"):
        legal = first_text(issuer.get("legal_name"))
        warn = "  (WARNING: mixed scripts in name)" if mixed_script(legal) else ""
        lines.append("")
        lines.append(
            f"  Issuer: {safe(legal) or '(no name)'} [{safe(issuer.get('country', ''))}] {safe(issuer['id'])}{warn}"
        )
        for ident in issuer.get("identifiers", []):
            lines.append(
                f"          {safe(ident['scheme'])}: {safe(ident['value'])} {safe(ident.get('country', ''))}"
            )
    el = report.elements
    if el:
        lines.append("")
        lines.append(
            "  Standard elements"
            if report.outcome == "verified"
            else "  Standard elements, as written in the file (NOT confirmed by the checks above)"
        )
        rows = [
            ("Title", first_text(el["title"])),
            ("Learner", learner_text(el)),
            ("Awarding body", bodies_text(el)),
            ("Date of issuing", el["date_of_issuing"]),
            ("Place of issue", el["place_of_issue"]),
            ("Workload", workload_text(el)),
            ("Level", level_text(el)),
            ("Learning outcomes", f"{len(el['learning_outcomes'])}"),
            ("Assessment", el["assessment_type"]),
            ("Participation", ", ".join(el["participation"])),
            ("Quality assurance", _qa(el["quality_assurance"])),
            ("Grade", first_text(el["grade"])),
            ("Supervision", el["supervision"]),
            ("Stackability", _stack(el["stackability"])),
            ("Missing", ", ".join(el["missing"]) or "none"),
        ]
        for label, value in rows:
            if value:
                lines.append(f"    {label:<18} {safe(value)}")
    for i, inner in enumerate(report.credentials, start=1):
        lines.append("")
        lines.append(render_report(inner, color=color, name=f"credential {i}"))
    return "\n".join(lines)


def _qa(qa: dict[str, Any]) -> str:
    if not qa:
        return ""
    parts = []
    if qa.get("type"):
        parts.append(str(qa["type"]))
    if qa.get("accrediting_agent"):
        parts.append("by " + first_text(qa["accrediting_agent"]))
    if qa.get("report"):
        parts.append(str(qa["report"]))
    if qa.get("description"):
        parts.append(first_text(qa["description"]))
    return "; ".join(parts)


def _stack(stack: dict[str, Any]) -> str:
    if not stack:
        return ""
    if stack.get("description"):
        return first_text(stack["description"])
    towards = stack.get("stackable_towards") or []
    return "towards " + ", ".join(first_text(t) for t in towards) if towards else ""
