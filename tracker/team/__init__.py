"""The treating team's workspace (/team/): staff accounts, enrolment, the queue, patients' records.

`init_app` adds what the patient's own pages need from here: their diary's notices (monitoring
status, "your team has been in touch") and, on their settings page, who has seen their record.
Those pages belong to other modules, so they include a small template that calls these helpers
rather than each view passing the data in.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from tracker import db
from tracker.config import DEFAULT_TIMEZONE


def when(value: datetime | None, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A moment as people read it: "9 November 2026 at 2:05pm" (default: the UK's time)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y} at {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def _in_touch(patient_id: int):
    from tracker.team.outcomes import recent_for_patient

    return recent_for_patient(db.session(), patient_id)


def _seen_by(patient_id: int):
    from tracker.team.audit import seen_by

    return seen_by(db.session(), patient_id)


def init_app(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.jinja_env.globals["team_in_touch"] = _in_touch
    app.jinja_env.globals["team_seen_by"] = _seen_by
