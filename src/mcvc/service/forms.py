"""Form posts (application/x-www-form-urlencoded) as OAuth 2.0 and OpenID4VP send them: the
token request of a wallet, the authorization response to a verifier."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs

from starlette.requests import Request

__all__ = ["FormNotText", "read_form"]


class FormNotText(ValueError):
    """The form's bytes are not UTF-8; each endpoint answers this in its protocol's words."""


async def read_form(
    request: Request, limit: int, what: str, refusal: Callable[..., Exception]
) -> dict[str, list[str]]:
    """The form's parameters, each with every value it was given (callers decide on repeats).
    The media type is checked first and the body is capped while it arrives."""
    ctype = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise refusal(415, "UNSUPPORTED_MEDIA_TYPE", "send application/x-www-form-urlencoded")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > limit:
            raise refusal(413, "INPUT_TOO_LARGE", f"{what} is too large")
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise FormNotText(what) from None
