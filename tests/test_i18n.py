"""The officer's report in English, German, French, Polish and Czech (issue 14)."""

from __future__ import annotations

import ast
import gettext
import io
import json
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from mcvc import verify
from mcvc.cli import main
from mcvc.display import render_report
from mcvc.i18n import LANGUAGES, LOCALE_DIR, translator

from .conftest import NOW, ROOT, SAMPLES

SOURCES = [ROOT / "src" / "mcvc" / "display.py", ROOT / "src" / "mcvc" / "report_html.py"]


def _marked() -> set[str]:
    """Every string the code passes to tr() or N_(), f-strings included (read from the AST)."""
    found: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("tr", "N_")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def _catalog(lang: str) -> dict[str, str]:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "mcvc.mo").open("rb") as f:
        return {k: v for k, v in gettext.GNUTranslations(f)._catalog.items() if k}  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_marked_text_is_translated(lang: str) -> None:
    marked = _marked()
    assert len(marked) > 50
    catalog = _catalog(lang)
    missing = sorted(m for m in marked if not catalog.get(m))
    assert missing == [], f"{lang}: untranslated {missing}"
    unused = sorted(set(catalog) - marked)
    assert unused == [], f"{lang}: translations of texts the code no longer uses: {unused}"


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_compiled_catalogs_match_their_sources(lang: str) -> None:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    with (folder / "mcvc.po").open("rb") as f:
        catalog = read_po(f)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    fresh = {k: v for k, v in gettext.GNUTranslations(compiled)._catalog.items() if k}  # type: ignore[attr-defined]
    assert fresh == _catalog(lang), "run: pybabel compile -d src/mcvc/locale -D mcvc"


@pytest.mark.parametrize(
    ("lang", "headline"),
    [
        ("de", "NICHT BESTÄTIGT"),
        ("fr", "NON CONFIRMÉ"),
        ("pl", "NIEPOTWIERDZONE"),
        ("cs", "NEPOTVRZENO"),
        ("en", "NOT CONFIRMED"),
    ],
)
def test_report_in_each_language(lang: str, headline: str) -> None:
    report = verify((SAMPLES / "elm-v3-mc-annex1-signed.jsonld").read_bytes(), now=NOW)
    text = render_report(report, lang=lang)
    assert text.startswith(headline)
    assert ("CERTIFICATE_NOT_TRUSTED" in text) and ("Ana Andromeda" in text)  # codes, names kept


def test_cli_language_option_and_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = str(SAMPLES / "elm-v3-mc-annex1-signed.jsonld")
    main(["verify", sample, "--lang", "cs", "--now", "2026-11-01T12:00:00Z"])
    assert capsys.readouterr().out.startswith("NEPOTVRZENO")
    monkeypatch.setenv("LANGUAGE", "de")
    translator.cache_clear()
    main(["verify", sample, "--now", "2026-11-01T12:00:00Z"])
    assert capsys.readouterr().out.startswith("NICHT BESTÄTIGT")
    page = tmp_path / "r.html"
    main(["report", sample, "-o", str(page), "--lang", "fr", "--now", "2026-11-01T12:00:00Z"])
    html = page.read_text()
    assert '<html lang="fr">' in html and "Rapport de vérification" in html
    translator.cache_clear()
    assert main(["verify", sample, "--lang", "xx"]) == 2
    with pytest.raises(ValueError):
        translator("xx")
    assert json.loads(json.dumps(LANGUAGES)) == ["en", "de", "fr", "pl", "cs"]


def test_the_credentials_own_texts_follow_the_report_language() -> None:
    from mcvc import build_credential, generate_key, sign
    from mcvc.report_html import render_html

    from .conftest import ROOT, load

    key = generate_key()
    credential = sign(
        build_credential(load(ROOT / "examples" / "microcredential.json"), issuer=key.did_key),
        key,
        created=NOW,
    )
    report = verify(credential, now=NOW)
    german = render_report(report, lang="de")
    assert "Datenschutztechnik für digitale Nachweise" in german
    # a language the credential does not have falls back to English, then to the first one
    czech = render_report(report, lang="cs")
    assert "Data Protection Engineering for Digital Credentials" in czech
    assert "Univerzita Karlova (CZ)" in czech and "Charles University (CZ)" in german
    page = render_html(report, generated_at=NOW, lang="de")
    assert "Datenschutztechnik für digitale Nachweise" in page
    assert "Die für Lernnachweise geltenden DSGVO-Grundsätze erläutern." in page
    english = render_html(report, generated_at=NOW, lang=None)
    assert "Data Protection Engineering for Digital Credentials" in english
