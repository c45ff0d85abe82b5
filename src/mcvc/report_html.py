"""A self-contained, printable HTML page of a verification report, for a case file.

No scripts, no external resources: the page renders the same offline, in ten years, in any
browser. Every string from the credential is HTML-escaped and has control/bidi characters
made visible, so a credential cannot inject markup or reorder text.
"""

from __future__ import annotations

import hashlib
import html
from datetime import datetime
from typing import Any

from .display import (
    bodies_text,
    facet_rows,
    first_text,
    headline,
    learner_text,
    level_text,
    mixed_script,
    safe,
    workload_text,
)
from .i18n import N_, translator
from .verification.report import VerificationReport

__all__ = ["render_html"]

_COLOURS = {
    "verified": "#1b7a33",
    "unconfirmed": "#8a6100",
    "failed": "#b3261e",
    "inconclusive": "#8a6100",
}
_OUTCOME_LABEL = {
    "pass": N_("pass"),
    "fail": N_("FAIL"),
    "error": N_("could not check"),
    "skipped": N_("not applicable"),
}

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em; color: #1a1a1a; }
h1 { font-size: 1.3em; margin: 0 0 .3em 0; }
.verdict { color: #fff; padding: .8em 1em; border-radius: 4px; font-size: 1.2em; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: .6em 0 1.4em 0; }
th, td { border: 1px solid #bbb; padding: .35em .5em; text-align: left; vertical-align: top; font-size: .92em; }
th { background: #eee; }
td.code { font-family: "DejaVu Sans Mono", monospace; }
tr.fail td { background: #fbe9e7; } tr.error td { background: #fff6db; }
.meta { color: #555; font-size: .85em; }
.warn { color: #b3261e; font-weight: bold; }
@media print { body { margin: 1cm; } .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def _e(value: Any) -> str:
    return html.escape(safe(value), quote=True)


def _rows(rows: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v)


def render_html(
    report: VerificationReport,
    *,
    source_name: str = "",
    source_bytes: bytes | None = None,
    generated_at: datetime,
    version: str = "",
    lang: str | None = "en",
) -> str:
    """The page; ``lang`` one of :data:`mcvc.i18n.LANGUAGES` (``None``: the environment's)."""
    tr = translator(lang)
    outcome = report.outcome
    page_lang = lang or "en"
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(page_lang)}"><head><meta charset="utf-8">',
        f"<title>{_e(tr('Micro-credential verification report'))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(tr('Micro-credential verification report'))}</h1>",
        f'<p class="meta">{_e(tr("File"))}: {_e(source_name or "(input)")}'
        + (
            f" &middot; SHA-256 {hashlib.sha256(source_bytes).hexdigest()}"
            if source_bytes is not None
            else ""
        )
        + f" &middot; {_e(tr('checked'))} {_e(generated_at.isoformat())} &middot; mcvc {_e(version)}</p>",
        f'<div id="verdict" class="verdict" style="background:{_COLOURS[outcome]}">{_e(headline(report, tr))}</div>',
        '<table id="facets">' + _rows(facet_rows(report, tr)) + "</table>",
        f"<h2>{_e(tr('Checks'))}</h2>",
        "<table><tr>"
        + "".join(
            f"<th>{_e(tr(h))}</th>"
            for h in (N_("Check"), N_("Result"), N_("Code"), N_("Explanation"))
        )
        + "</tr>",
    ]
    note = tr("note (not part of the verdict)")
    for check in report.checks:
        parts.append(
            f'<tr class="{"note" if check.informative else check.outcome}"><td>{_e(check.name)}</td>'
            f"<td>{_e(note if check.informative else tr(_OUTCOME_LABEL[check.outcome]))}</td>"
            f'<td class="code">{_e(check.code)}</td><td>{_e(check.message)}</td></tr>'
        )
    parts.append("</table>")
    issuer = report.issuer
    if issuer.get("id"):
        legal = first_text(issuer.get("legal_name"), page_lang)
        warn = (
            f' <span class="warn">{_e(tr("mixed scripts in this name: compare identifiers, not names"))}</span>'
            if mixed_script(legal)
            else ""
        )
        parts.append(f"<h2>{_e(tr('Issuer'))}</h2><table>")
        parts.append(f"<tr><th>{_e(tr('Legal name'))}</th><td>{_e(legal)}{warn}</td></tr>")
        parts.append(
            _rows(
                [
                    (tr("Identifier") + " (DID)", str(issuer["id"])),
                    (tr("Country"), str(issuer.get("country", ""))),
                ]
            )
        )
        parts.append(
            _rows(
                [
                    (
                        f"{tr('Identifier')} ({i['scheme']})",
                        f"{i['value']} {i.get('country', '')}".strip(),
                    )
                    for i in issuer.get("identifiers", [])
                ]
            )
        )
        trust = report.check("trust")
        parts.append(_rows([(tr("Trust"), trust.message if trust else tr("not checked"))]))
        parts.append("</table>")
    el = report.elements
    if el:
        parts.extend(_elements(el, outcome, tr, page_lang))
    for i, inner in enumerate(report.credentials, start=1):
        parts.append(
            f"<h2>{_e(tr('Credential in the presentation'))} {i}: {_e(headline(inner, tr))}</h2>"
        )
        parts.append(
            "<table>"
            + "".join(
                f"<tr><td>{_e(c.name)}</td><td class='code'>{_e(c.code)}</td><td>{_e(c.message)}</td></tr>"
                for c in inner.checks
            )
            + "</table>"
        )
    parts.append(
        f'<p class="meta">{_e(tr("This report states what mcvc checked and found. The recognition decision remains with the receiving institution."))}</p>'
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _elements(el: dict[str, Any], outcome: str, tr: Any, lang: str = "en") -> list[str]:
    qa = el.get("quality_assurance") or {}
    stack = el.get("stackability") or {}
    parts = [
        f"<h2>{_e(tr('Standard elements (EU Council Recommendation 2022)'))}</h2>"
        if outcome == "verified"
        else f"<h2>{_e(tr('Standard elements, as written in the file'))}</h2>"
        f'<p class="warn">{_e(tr("Not confirmed: the checks above did not establish this credential, so nothing below can be relied on."))}</p>',
        "<table>",
    ]
    rows = [
        (N_("Title"), first_text(el["title"], lang)),
        (N_("Learner"), learner_text(el)),
        (N_("Date of birth"), el["learner"].get("date_of_birth", "") if el["learner"] else ""),
        (N_("Awarding body"), bodies_text(el, lang)),
        (N_("Date of issuing"), el["date_of_issuing"]),
        (N_("Place of issue"), el["place_of_issue"]),
        (
            N_("Valid from / until"),
            " / ".join(x for x in (el["valid_from"], el["valid_until"]) if x),
        ),
        (N_("Workload"), workload_text(el)),
        (N_("Level"), level_text(el)),
        (N_("Type of assessment"), el["assessment_type"]),
        (N_("Form of participation"), ", ".join(el["participation"])),
        (
            N_("Quality assurance"),
            "; ".join(
                str(x)
                for x in (
                    qa.get("type"),
                    first_text(qa.get("accrediting_agent"), lang),
                    qa.get("report"),
                    first_text(qa.get("description"), lang),
                )
                if x
            ),
        ),
        (N_("Grade"), first_text(el["grade"], lang)),
        (N_("Supervision and identity verification"), el["supervision"]),
        (N_("Prerequisites"), first_text(el["prerequisites"], lang)),
        (
            N_("Integration / stackability"),
            first_text(stack.get("description"), lang)
            or ", ".join(first_text(t, lang) for t in stack.get("stackable_towards", [])),
        ),
        (N_("Missing mandatory elements"), ", ".join(el["missing"]) or tr("none")),
    ]
    parts.append(_rows([(tr(label), value) for label, value in rows]))
    parts.append("</table>")
    if el["learning_outcomes"]:
        parts.append(f"<h2>{_e(tr('Learning outcomes'))}</h2><ol>")
        parts.extend(f"<li>{_e(first_text(lo, lang))}</li>" for lo in el["learning_outcomes"])
        parts.append("</ol>")
    return parts
