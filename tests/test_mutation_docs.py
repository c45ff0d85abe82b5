"""docs/mutation.md shows the recorded mutation results and every accepted survivor with its
reason (generated from mutation/results.json and mutation/accepted.json; MCVC_WRITE_DOCS=1
rewrites them)."""

from __future__ import annotations

import json
import os
import re

from .conftest import ROOT

DOC = ROOT / "docs" / "mutation.md"


def _results() -> str:
    path = ROOT / "mutation" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    lines = [
        "| module | mutants | survived | only wording | accepted | unexplained | measured |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for module, r in sorted(results.items()):
        lines.append(
            f"| `{module.removeprefix('src/mcvc/')}` | {r['mutants']} | {r['survived']} | "
            f"{r['wording']} | {r['accepted']} | {r['unexplained']} | {r['date']} |"
        )
    return "\n".join(lines)


def _accepted() -> str:
    entries = json.loads((ROOT / "mutation" / "accepted.json").read_text())
    lines = []
    for e in sorted(entries, key=lambda e: (e["module"], e["function"], e["to"])):
        lines.append(
            f"- `{e['module'].removeprefix('src/mcvc/')}` {e['function']}: "
            f"`{e['from']}` → `{e['to']}`: {e['reason']}"
        )
    return "\n".join(lines)


def _generated(text: str) -> str:
    for name, body in (("results", _results()), ("accepted", _accepted())):
        text = re.sub(
            rf"(<!-- {name}: [^>]*-->\n).*?(<!-- end {name} -->)",
            lambda m, body=body: m.group(1) + body + "\n" + m.group(2),
            text,
            flags=re.S,
        )
    return text


def test_mutation_page_is_current() -> None:
    text = DOC.read_text("utf-8")
    if os.environ.get("MCVC_WRITE_DOCS") == "1":
        DOC.write_text(_generated(text), "utf-8")
        text = DOC.read_text("utf-8")
    assert text == _generated(text), "run with MCVC_WRITE_DOCS=1 to update docs/mutation.md"


def test_accepted_survivors_have_reasons() -> None:
    for entry in json.loads((ROOT / "mutation" / "accepted.json").read_text()):
        assert set(entry) == {"module", "function", "from", "to", "reason"}
        assert len(entry["reason"]) > 20 and entry["from"] != entry["to"]
        assert (ROOT / entry["module"]).is_file()
