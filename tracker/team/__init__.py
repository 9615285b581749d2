"""The treating team's workspace (/team/): staff accounts, enrolment, the queue, patients' records.

`init_app` adds the `when`, `nhs_number` and `birth_date` filters. What the patient's own pages
show of the team's work (in touch, who has seen their record) is read by
tracker.patients.from_team and passed in by their views.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from tracker.config import DEFAULT_TIMEZONE
from tracker.formatting import time_of_day
from tracker.patients.identity import show_date_of_birth, show_nhs_number


def when(value: datetime | None, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A moment as people read it: "9 November 2026 at 2:05pm" (default: the UK's time)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%B %Y} at {time_of_day(value, timezone)}"


def init_app(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(show_nhs_number, "nhs_number")
    app.add_template_filter(show_date_of_birth, "birth_date")
