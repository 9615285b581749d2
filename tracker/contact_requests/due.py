"""When a request to be contacted is due: the team's response target in working days.

Pure: the moment the request was made, the target and the time zone in; the due day and the
moment it passes out. Working days are Monday to Friday that are not bank holidays in England
and Wales (the `holidays` package, whose data is maintained upstream; pinned in pyproject).

The count starts the day after the request: a request on Tuesday with a target of 2 working
days is due by the end of Thursday; one on Friday, Saturday or Sunday with a target of 3 is due
by the end of Wednesday. A request is past due from midnight at the end of its due day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_RESPONSE_DAYS = 3
RESPONSE_DAYS_MAX = 10


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    # England's subdivision: its bank holidays are the same as Wales'.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday, and not a bank holiday in England and Wales."""
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_after(day: date, count: int) -> date:
    """The `count`th working day after `day` (`day` itself never counts)."""
    if count < 1:
        raise ValueError(count)
    found = 0
    while found < count:
        day += timedelta(days=1)
        if is_working_day(day):
            found += 1
    return day


@dataclass(frozen=True)
class Due:
    """The day the team aims to have contacted the patient by, and when that day is over."""

    on: date
    at: datetime  # midnight at the end of `on`, in the zone given; aware


def due_for(made_at: datetime, response_days: int, zone: str) -> Due:
    """When a request made at `made_at` is due, for a team whose target is `response_days`."""
    tz = ZoneInfo(zone)
    on = working_days_after(made_at.astimezone(tz).date(), response_days)
    return Due(on=on, at=datetime.combine(on + timedelta(days=1), time.min, tzinfo=tz))
