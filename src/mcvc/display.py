"""Human-readable output for recognition officers: safe against hostile strings."""

from __future__ import annotations

import unicodedata
from typing import Any

from .i18n import N_, Translate, translator
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
    "verified": N_("VERIFIED: intact, issuer confirmed by a trust source, currently valid"),
    "unconfirmed": N_(
        "NOT CONFIRMED: the signature is authentic, but no trust source confirms who the issuer is"
    ),
    "failed": N_("FAILED: do not rely on this credential"),
    "inconclusive": N_("INCONCLUSIVE: could not be fully checked"),
}
COLOURS = {"verified": "32", "unconfirmed": "33", "failed": "31", "inconclusive": "33"}
_FACET_TEXT = {
    "intact": {
        "pass": N_("yes: the signature or seal covers exactly this content"),
        "fail": N_("NO: the content is not what was signed, or the signature is not valid"),
        "unknown": N_("not established"),
    },
    "issuer": {
        "pass": N_("confirmed"),
        "fail": N_("NO"),
        "unknown": N_("NOT confirmed"),
    },
    "valid": {
        "pass": N_("yes (dates and status)"),
        "fail": N_("NO"),
        "unknown": N_("not established"),
    },
}
_FACET_LABELS = (
    ("intact", N_("Intact")),
    ("issuer", N_("Issuer")),
    ("valid", N_("Currently valid")),
)
# in the order their message is preferred: a failing check first, then this order
_FACET_CHECKS = {"issuer": ("trust", "issuer"), "valid": ("dates", "status")}


def _same(text: str) -> str:
    return text


def headline(report: VerificationReport, tr: Translate = _same) -> str:
    parse = report.check("parse")
    if parse is not None and parse.code == "NOT_A_CREDENTIAL":
        return tr("NOT A DIGITAL CREDENTIAL") + ": " + parse.message.split(": ", 1)[-1]
    return tr(HEADLINES[report.outcome]) + demo_note(report, tr)


def demo_note(report: VerificationReport, tr: Translate = _same) -> str:
    """A marker for the headline when the public demo key or the demo trust list is involved."""
    reports = [report, *report.credentials]
    if any(r.check("demo-key") is not None for r in reports):
        return " [" + tr("DEMO KEY: proves nothing about any institution") + "]"
    return ""


def facet_rows(report: VerificationReport, tr: Translate = _same) -> list[tuple[str, str]]:
    """The three facets of a verdict, each with the check that decided it."""
    rows = []
    for name, label in _FACET_LABELS:
        value = report.facet(name)  # type: ignore[arg-type]
        text = tr(_FACET_TEXT[name][value])
        names = _FACET_CHECKS.get(name, ())
        deciding = sorted(
            (
                c
                for c in report.checks
                if c.name in names and (value == "pass" or c.outcome != "pass")
            ),
            key=lambda c: (c.outcome != "fail", names.index(c.name)),
        )
        if deciding and name != "intact":
            text += f" ({deciding[0].message})"
        rows.append((tr(label), text))
    return rows


def first_text(text: Any, lang: str = "en") -> str:
    """A language map's text in ``lang``, else in English, else its first language."""
    if isinstance(text, dict) and text:
        return str(text.get(lang) or text.get("en") or next(iter(text.values())))
    return str(text or "")


# The element texts shown both on the terminal and in the HTML report.
def learner_text(el: dict[str, Any]) -> str:
    learner = el["learner"]
    return (
        " ".join(x for x in (learner.get("name", ""), learner.get("id", "")) if x)
        if learner
        else ""
    )


def bodies_text(el: dict[str, Any], lang: str = "en") -> str:
    return "; ".join(
        f"{first_text(b['legal_name'], lang)} ({b['country']})" for b in el["awarding_bodies"]
    )


def workload_text(el: dict[str, Any]) -> str:
    return " / ".join(x for x in (f"{el['ects']} ECTS" if el["ects"] else "", el["hours"]) if x)


def level_text(el: dict[str, Any]) -> str:
    if not el["eqf_level"]:
        return str(el["nqf_level"])
    cycle = f" (QF-EHEA {el['qf_ehea_cycle']} cycle)" if el["qf_ehea_cycle"] else ""
    return f"EQF {el['eqf_level']}{cycle}"


def render_report(
    report: VerificationReport, *, color: bool = False, name: str = "", lang: str | None = "en"
) -> str:
    """The terminal report; ``lang`` one of :data:`mcvc.i18n.LANGUAGES`, ``None`` for the
    environment's language."""
    tr = translator(lang)
    pick = lang or "en"  # the credential's own texts: the officer's language when it has one
    lines = []
    head = headline(report, tr)
    if color:
        head = f"\x1b[1;{COLOURS[report.outcome]}m{head}\x1b[0m"
    lines.append(f"{safe(name) + ': ' if name else ''}{head}")
    for label, text in facet_rows(report, tr):
        lines.append(f"  {label + ':':<17}{safe(text)}")
    lines.append("")
    for check in report.checks:
        mark = "info" if check.informative else _MARK[check.outcome]
        lines.append(f"  [{mark}] {check.name:<15} {check.code:<24} {safe(check.message)}")
    issuer = report.issuer
    if issuer.get("id"):
        legal = first_text(issuer.get("legal_name"), pick)
        warn = "  (WARNING: mixed scripts in name)" if mixed_script(legal) else ""
        lines.append("")
        lines.append(
            f"  {tr('Issuer')}: {safe(legal) or '(no name)'} [{safe(issuer.get('country', ''))}] {safe(issuer['id'])}{warn}"
        )
        for ident in issuer.get("identifiers", []):
            lines.append(
                f"          {safe(ident['scheme'])}: {safe(ident['value'])} {safe(ident.get('country', ''))}"
            )
    el = report.elements
    if el:
        lines.append("")
        lines.append(
            "  " + tr("Standard elements")
            if report.outcome == "verified"
            else "  "
            + tr("Standard elements, as written in the file (NOT confirmed by the checks above)")
        )
        rows = [
            (tr("Title"), first_text(el["title"], pick)),
            (tr("Learner"), learner_text(el)),
            (tr("Awarding body"), bodies_text(el, pick)),
            (tr("Date of issuing"), el["date_of_issuing"]),
            (tr("Place of issue"), el["place_of_issue"]),
            (tr("Workload"), workload_text(el)),
            (tr("Level"), level_text(el)),
            (tr("Learning outcomes"), f"{len(el['learning_outcomes'])}"),
            (tr("Type of assessment"), el["assessment_type"]),
            (tr("Form of participation"), ", ".join(el["participation"])),
            (tr("Quality assurance"), _qa(el["quality_assurance"], pick)),
            (tr("Grade"), first_text(el["grade"], pick)),
            (tr("Supervision and identity verification"), el["supervision"]),
            (tr("Integration / stackability"), _stack(el["stackability"], pick)),
            (tr("Missing mandatory elements"), ", ".join(el["missing"]) or tr("none")),
        ]
        for label, value in rows:
            if value:
                lines.append(f"    {label:<18} {safe(value)}")
    for i, inner in enumerate(report.credentials, start=1):
        lines.append("")
        lines.append(render_report(inner, color=color, name=f"{tr('credential')} {i}", lang=lang))
    return "\n".join(lines)


def _qa(qa: dict[str, Any], lang: str = "en") -> str:
    if not qa:
        return ""
    parts = []
    if qa.get("type"):
        parts.append(str(qa["type"]))
    if qa.get("accrediting_agent"):
        parts.append("by " + first_text(qa["accrediting_agent"], lang))
    if qa.get("report"):
        parts.append(str(qa["report"]))
    if qa.get("description"):
        parts.append(first_text(qa["description"], lang))
    return "; ".join(parts)


def _stack(stack: dict[str, Any], lang: str = "en") -> str:
    if not stack:
        return ""
    if stack.get("description"):
        return first_text(stack["description"], lang)
    towards = stack.get("stackable_towards") or []
    return "towards " + ", ".join(first_text(t, lang) for t in towards) if towards else ""
