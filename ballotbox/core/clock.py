"""The clock, injected wherever time matters (opening, closing, demo, tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: for tests and the demo."""

    def __init__(self, at: datetime) -> None:
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        """Jump to ``at``."""
        self._at = at if at.tzinfo else at.replace(tzinfo=UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by ``delta``."""
        self._at += delta
