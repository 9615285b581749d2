"""The jobs' settings: when the daily detection runs, and in which time zone.

Read from the app's config (DETECT_AT, TIMEZONE) when set there, else from the environment
(TRACKER_DETECT_AT, TRACKER_TIMEZONE), and checked once, when the scheduler is built.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask

# 04:30 exists, and exists once, on every day of every European time zone: clocks change at
# 01:00 UTC, between 01:00 and 04:00 local time. (02:30 is skipped in spring in Paris or
# Berlin; in London, 01:00 to 02:00 is skipped in March and happens twice in October.)
DEFAULT_DETECT_AT = "04:30"
DEFAULT_TIMEZONE = "Europe/London"
# A run missed because the scheduler was down or busy is still run this long after its time
# (once: missed runs are coalesced). 12 hours: a scheduler that comes back the same day runs
# that day's detection.
MISFIRE_GRACE = timedelta(hours=12)


class JobSettingsError(ValueError):
    """DETECT_AT or TIMEZONE cannot drive a daily run that happens exactly once a day."""


@dataclass(frozen=True)
class JobSettings:
    """When the daily detection runs."""

    detect_at: time
    timezone: ZoneInfo
    misfire_grace: timedelta = MISFIRE_GRACE


def settings_for(app: Flask) -> JobSettings:
    """The app's job settings, checked."""
    raw_at = app.config.get("DETECT_AT") or os.environ.get("TRACKER_DETECT_AT") or DEFAULT_DETECT_AT
    raw_zone = app.config.get("TIMEZONE") or os.environ.get("TRACKER_TIMEZONE") or DEFAULT_TIMEZONE
    zone = parse_timezone(raw_zone)
    detect_at = parse_time(raw_at)
    check_once_a_day(detect_at, zone)
    return JobSettings(detect_at=detect_at, timezone=zone)


def parse_timezone(name: str) -> ZoneInfo:
    """An IANA time zone, such as Europe/London."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise JobSettingsError(f"TRACKER_TIMEZONE {name!r} is not a known time zone") from exc


def parse_time(value: str) -> time:
    """A time of day written HH:MM."""
    try:
        parsed = datetime.strptime(value.strip(), "%H:%M")
    except ValueError as exc:
        raise JobSettingsError(f"TRACKER_DETECT_AT {value!r} is not a time like 04:30") from exc
    return parsed.time()


def check_once_a_day(at: time, zone: ZoneInfo, year: int | None = None) -> None:
    """Refuse a time that some day skips (spring) or has twice (autumn) in `zone`."""
    first = date(year or datetime.now(UTC).year, 1, 1)
    # This year and the next: time zone rules rarely change, and the check is cheap.
    for offset in range(2 * 366):
        local = datetime.combine(first + timedelta(days=offset), at)
        # fold=0 and fold=1 disagree only in a gap or an overlap of the local clock.
        if local.replace(tzinfo=zone, fold=0).utcoffset() != (
            local.replace(tzinfo=zone, fold=1).utcoffset()
        ):
            raise JobSettingsError(
                f"TRACKER_DETECT_AT {at:%H:%M} is skipped or repeated in {zone.key} on "
                f"{local:%Y-%m-%d} when the clocks change; choose a time outside that hour"
            )


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


def local_today(settings: JobSettings, now: datetime | None = None) -> date:
    """Today's date in the jobs' time zone."""
    return (now or datetime.now(UTC)).astimezone(settings.timezone).date()
