"""The treating team's workspace (/team/): staff accounts, enrolment, the queue, patients' records.

`init_app` adds the `when` filter. What the patient's own pages show of the team's work (in
touch, who has seen their record) is read by tracker.patients.from_team and passed in by their
views.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from tracker.config import DEFAULT_TIMEZONE
from tracker.formatting import time_of_day


def when(value: datetime | None, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A moment as people read it: "9 November 2026 at 2:05pm" (default: the UK's time)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%B %Y} at {time_of_day(value, timezone)}"


def init_app(app: Flask) -> None:
    app.add_template_filter(when, "when")
