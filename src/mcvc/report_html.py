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
    demo_note,
    facet_rows,
    first_text,
    learner_text,
    level_text,
    mixed_script,
    safe,
    workload_text,
)
from .verification.report import VerificationReport

__all__ = ["render_html"]

_COLOURS = {
    "verified": "#1b7a33",
    "unconfirmed": "#8a6100",
    "failed": "#b3261e",
    "inconclusive": "#8a6100",
}
_HEADLINES = {
    "verified": "Verified: intact, issuer confirmed by a trust source, currently valid",
    "unconfirmed": (
        "Not confirmed: the signature is authentic, but no trust source confirms who the issuer is"
    ),
    "failed": "Failed: do not rely on this credential",
    "inconclusive": "Inconclusive: could not be fully checked",
}
_OUTCOME_LABEL = {
    "pass": "pass",
    "fail": "FAIL",
    "error": "could not check",
    "skipped": "not applicable",
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


def _page_headline(report: VerificationReport) -> str:
    parse = report.check("parse")
    if parse is not None and parse.code == "NOT_A_CREDENTIAL":
        return "Not a digital credential: " + parse.message.split(": ", 1)[-1]
    return _HEADLINES[report.outcome] + demo_note(report)


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
) -> str:
    outcome = report.outcome
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>Credential verification report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Micro-credential verification report</h1>",
        f'<p class="meta">File: {_e(source_name or "(input)")}'
        + (
            f" &middot; SHA-256 {hashlib.sha256(source_bytes).hexdigest()}"
            if source_bytes is not None
            else ""
        )
        + f" &middot; checked {_e(generated_at.isoformat())} &middot; mcvc {_e(version)}</p>",
        f'<div id="verdict" class="verdict" style="background:{_COLOURS[outcome]}">{_e(_page_headline(report))}</div>',
        '<table id="facets">' + _rows(facet_rows(report)) + "</table>",
        "<h2>Checks</h2>",
        "<table><tr><th>Check</th><th>Result</th><th>Code</th><th>Explanation</th></tr>",
    ]
    for check in report.checks:
        parts.append(
            f'<tr class="{"note" if check.informative else check.outcome}"><td>{_e(check.name)}</td>'
            f"<td>{_e('note (not part of the verdict)' if check.informative else _OUTCOME_LABEL[check.outcome])}</td>"
            f'<td class="code">{_e(check.code)}</td><td>{_e(check.message)}</td></tr>'
        )
    parts.append("</table>")
    issuer = report.issuer
    if issuer.get("id"):
        legal = first_text(issuer.get("legal_name"))
        warn = (
            ' <span class="warn">mixed scripts in this name: compare identifiers, not names</span>'
            if mixed_script(legal)
            else ""
        )
        parts.append("<h2>Issuer</h2><table>")
        parts.append(f"<tr><th>Legal name</th><td>{_e(legal)}{warn}</td></tr>")
        parts.append(
            _rows(
                [
                    ("Identifier (DID)", str(issuer["id"])),
                    ("Country", str(issuer.get("country", ""))),
                ]
            )
        )
        parts.append(
            _rows(
                [
                    (f"Identifier ({i['scheme']})", f"{i['value']} {i.get('country', '')}".strip())
                    for i in issuer.get("identifiers", [])
                ]
            )
        )
        trust = report.check("trust")
        parts.append(_rows([("Trust", trust.message if trust else "not checked")]))
        parts.append("</table>")
    el = report.elements
    if el:
        qa = el.get("quality_assurance") or {}
        stack = el.get("stackability") or {}
        parts.append(
            "<h2>Standard elements (EU Council Recommendation 2022)</h2>"
            if outcome == "verified"
            else "<h2>Standard elements, as written in the file</h2>"
            '<p class="warn">Not confirmed: the checks above did not establish this '
            "credential, so nothing below can be relied on.</p>"
        )
        parts.append("<table>")
        parts.append(
            _rows(
                [
                    ("Title", first_text(el["title"])),
                    ("Learner", learner_text(el)),
                    (
                        "Date of birth",
                        el["learner"].get("date_of_birth", "") if el["learner"] else "",
                    ),
                    ("Awarding body", bodies_text(el)),
                    ("Date of issuing", el["date_of_issuing"]),
                    ("Place of issue", el["place_of_issue"]),
                    (
                        "Valid from / until",
                        " / ".join(x for x in (el["valid_from"], el["valid_until"]) if x),
                    ),
                    ("Workload", workload_text(el)),
                    ("Level", level_text(el)),
                    ("Type of assessment", el["assessment_type"]),
                    ("Form of participation", ", ".join(el["participation"])),
                    (
                        "Quality assurance",
                        "; ".join(
                            str(x)
                            for x in (
                                qa.get("type"),
                                first_text(qa.get("accrediting_agent")),
                                qa.get("report"),
                                first_text(qa.get("description")),
                            )
                            if x
                        ),
                    ),
                    ("Grade", first_text(el["grade"])),
                    ("Supervision and identity verification", el["supervision"]),
                    ("Prerequisites", first_text(el["prerequisites"])),
                    (
                        "Integration / stackability",
                        first_text(stack.get("description"))
                        or ", ".join(first_text(t) for t in stack.get("stackable_towards", [])),
                    ),
                    ("Missing mandatory elements", ", ".join(el["missing"]) or "none"),
                ]
            )
        )
        parts.append("</table>")
        if el["learning_outcomes"]:
            parts.append("<h2>Learning outcomes</h2><ol>")
            parts.extend(f"<li>{_e(first_text(lo))}</li>" for lo in el["learning_outcomes"])
            parts.append("</ol>")
    for i, inner in enumerate(report.credentials, start=1):
        parts.append(f"<h2>Credential {i} in the presentation: {_e(inner.outcome)}</h2>")
        parts.append(
            "<table>"
            + "".join(
                f"<tr><td>{_e(c.name)}</td><td class='code'>{_e(c.code)}</td><td>{_e(c.message)}</td></tr>"
                for c in inner.checks
            )
            + "</table>"
        )
    parts.append(
        '<p class="meta">This report states what mcvc checked and found. The recognition decision remains with the receiving institution.</p>'
    )
    parts.append("</body></html>")
    return "\n".join(parts)
