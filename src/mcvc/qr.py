"""QR codes for offer and request links (ISO/IEC 18004, through segno)."""

from __future__ import annotations

import io

__all__ = ["qr_png", "qr_text"]


def _code(text: str) -> object:
    import segno

    # level M: a phone camera still reads a slightly smudged or screen-glared code
    return segno.make(text, error="m", micro=False)


def qr_png(text: str, *, scale: int = 6) -> bytes:
    out = io.BytesIO()
    _code(text).save(out, kind="png", scale=scale, border=4)  # type: ignore[attr-defined]
    return out.getvalue()


def qr_text(text: str) -> str:
    """The code drawn with block characters, two modules per line, for a terminal."""
    out = io.StringIO()
    _code(text).terminal(out=out, compact=True, border=2)  # type: ignore[attr-defined]
    return out.getvalue()
