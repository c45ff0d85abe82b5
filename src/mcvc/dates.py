"""XML Schema dateTimeStamp parsing: timezone required, strict grammar."""

from __future__ import annotations

import re
from datetime import datetime

from .errors import InvalidInput

__all__ = ["parse_datetime"]

_DATETIME = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)"
    r"(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))"
)


def parse_datetime(value: object, field: str) -> datetime:
    """Parse an xsd:dateTimeStamp; a missing timezone or a bad date names ``field``."""
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise InvalidInput(
            f"{field}: {value!r} is not a date-time with a timezone (YYYY-MM-DDThh:mm:ssZ)",
            code="INVALID_DATE",
            pointer="/" + field.replace(".", "/"),
        )
    text = value.replace("Z", "+00:00")
    if ":60" in text[17:20]:
        raise InvalidInput(f"{field}: leap seconds are not supported", code="INVALID_DATE")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: {value!r} is not a valid date", code="INVALID_DATE") from None
