"""The app's one clock: everything that depends on the time asks it, and nothing else asks the
wall clock (a test walks `tracker/` and `jobs/` to hold this).

The service runs on the system clock. Tests set the time they mean; `jobs detect --today` and
`jobs dispatch --now` set it for the whole of their pass, so a pass run "as of" a day decides
everything (re-prompts, quiet hours, the run's own record) as of that day.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

EXTENSION = "tracker.clock"


class Clock:
    """The current time in UTC: the system's, unless it has been set."""

    def __init__(self, at: datetime | None = None) -> None:
        self._fixed: datetime | None = None
        if at is not None:
            self.set(at)

    def now(self) -> datetime:
        """An aware UTC datetime."""
        if self._fixed is not None:
            return self._fixed
        return datetime.now(UTC)

    def today(self, zone: ZoneInfo | str) -> date:
        """Today's date in a time zone (a patient's, or the service's)."""
        return local_date(self.now(), zone)

    def set(self, at: datetime) -> None:
        """Stop the clock at `at` (aware; any time zone)."""
        if at.tzinfo is None:
            raise ValueError("the clock is set with an aware datetime")
        self._fixed = at.astimezone(UTC)

    def advance(self, by: timedelta) -> None:
        """Move a set clock on (or back, with a negative `by`)."""
        self.set(self.now() + by)

    @contextmanager
    def set_for(self, at: datetime | None) -> Iterator[Clock]:
        """Hold the clock at `at` for a block (unchanged when `at` is None), then put it back."""
        before = self._fixed
        if at is not None:
            self.set(at)
        try:
            yield self
        finally:
            self._fixed = before


def local_date(at: datetime, zone: ZoneInfo | str) -> date:
    """The date a moment falls on in a time zone."""
    return at.astimezone(_zone(zone)).date()


def _zone(zone: ZoneInfo | str) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def init_app(app: Flask, clock: Clock | None = None) -> None:
    app.extensions[EXTENSION] = clock or Clock()


def of(app: Flask) -> Clock:
    """The clock an app holds."""
    return app.extensions[EXTENSION]


# Outside any app (a script, or a test arranging rows with a session of its own), rows still get
# their timestamps from a clock of this module: the system's.
SYSTEM = Clock()


def current() -> Clock:
    """The current app's clock, or the system's outside an app."""
    return of(current_app) if has_app_context() else SYSTEM


def now() -> datetime:
    """The current time in UTC, by the current app's clock (the column default of every
    timestamp)."""
    return current().now()


def today(zone: ZoneInfo | str) -> date:
    """Today's date in a time zone, by the current app's clock."""
    return current().today(zone)


def monotonic() -> float:
    """Seconds on a clock that never goes back, for timing (not for dates): request latency."""
    return time.monotonic()
