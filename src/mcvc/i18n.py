"""The officer's report in their language: English, German, French, Polish, Czech.

Standard :mod:`gettext` catalogs (``mcvc/locale/<lang>/LC_MESSAGES/mcvc.mo``, compiled from the
``.po`` files with Babel, which the tests check are current). What is translated: the verdict,
the three facets, headings, labels and the elements' row names. Check messages, codes and the
credential's own texts stay as they are (codes are the stable interface; credential texts are
shown in the language the issuer wrote them).
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGUAGES", "N_", "translator"]

LANGUAGES = ("en", "de", "fr", "pl", "cs")
LOCALE_DIR = Path(__file__).parent / "locale"

Translate = Callable[[str], str]


def N_(text: str) -> str:  # noqa: N802 - the conventional name for "marked, translated later"
    return text


@lru_cache(maxsize=16)
def translator(lang: str | None = None) -> Translate:
    """``gettext`` for ``lang`` (``None``: from LANGUAGE, LC_ALL, LC_MESSAGES, LANG)."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    languages = [lang] if lang else None
    return gettext.translation("mcvc", LOCALE_DIR, languages=languages, fallback=True).gettext
