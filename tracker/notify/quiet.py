"""Quiet hours (rules §4): nothing but `emergency` between quiet_start and quiet_end, local time.

Pure: times and rule values in, times out.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tracker.config import DEFAULT_TIMEZONE
from tracker.notify.models import REPLY, TEAM_NOTICE
from tracker.rules.urgency import Urgency

# Kinds quiet hours never hold: an answer to a text the patient has just sent, and email to a
# treating team (whose own working hours are theirs to set).
NEVER_HELD = (REPLY, TEAM_NOTICE)


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def zone(name: str | None, default: str = DEFAULT_TIMEZONE) -> ZoneInfo:
    """The patient's time zone, or the default if theirs is missing or unknown."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def in_quiet_hours(now: datetime, tz: ZoneInfo, start: time, end: time) -> bool:
    """True if `now` is in the quiet window in `tz` (a window may run past midnight)."""
    local = now.astimezone(tz).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def quiet_end_after(now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """When the quiet window that contains `now` ends, in UTC."""
    local = now.astimezone(tz)
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)  # evening: the window ends tomorrow morning
    ends = datetime.combine(day, end, tzinfo=tz)
    return ends.astimezone(UTC)


def held_until(
    now: datetime,
    tz: ZoneInfo,
    start: time,
    end: time,
    urgency: str | None,
    kind: str,
) -> datetime | None:
    """When a message due now may go, if quiet hours hold it; None if it may go now."""
    if urgency == Urgency.EMERGENCY or kind in NEVER_HELD:
        return None
    if not in_quiet_hours(now, tz, start, end):
        return None
    return quiet_end_after(now, tz, start, end)
