"""Time as an injected dependency: the only place mcvc reads the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "FixedClock", "SystemClock", "ensure_aware"]


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self._at = ensure_aware(at, "at")

    def now(self) -> datetime:
        return self._at


def ensure_aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value
