"""Which day's detection run is due. When it runs is a setting (`Settings.jobs`, read and
checked with the others in `tracker.config`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask

from tracker import config
from tracker.config import JobSettings


def settings_for(app: Flask) -> JobSettings:
    """The app's job settings."""
    return config.of(app).jobs


def due_day(now: datetime, settings: JobSettings) -> date | None:
    """The local date of the latest daily run due at `now`, if still within the grace time."""
    local_now = now.astimezone(settings.timezone)
    scheduled = datetime.combine(local_now.date(), settings.detect_at, tzinfo=settings.timezone)
    # Compare in UTC: aware datetimes sharing one tzinfo compare by wall clock alone.
    if scheduled.astimezone(UTC) > now.astimezone(UTC):
        scheduled = datetime.combine(
            local_now.date() - timedelta(days=1), settings.detect_at, tzinfo=settings.timezone
        )
    if now.astimezone(UTC) - scheduled.astimezone(UTC) > settings.misfire_grace:
        return None
    return scheduled.date()


def run_time(day: date, settings: JobSettings) -> datetime:
    """When the daily run of `day` is due, in UTC."""
    return datetime.combine(day, settings.detect_at, tzinfo=settings.timezone).astimezone(UTC)
