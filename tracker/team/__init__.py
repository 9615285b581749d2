"""The treating team's workspace (/team/): staff accounts, enrolment, the queue, patients' records.

`init_app` adds the `when`, `nhs_number`, `birth_date` and `cell` filters. What the patient's own
pages show of the team's work (in touch, who has seen their record) is read by
tracker.patients.from_team and passed in by their views.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from markupsafe import Markup, escape

from tracker.config import DEFAULT_TIMEZONE
from tracker.formatting import time_of_day
from tracker.patients.identity import show_date_of_birth, show_nhs_number


def when(value: datetime | None, timezone: str = DEFAULT_TIMEZONE) -> str:
    """A moment as people read it: "9 November 2026 at 2:05pm" (default: the UK's time)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return f"{local.day} {local:%B %Y} at {time_of_day(value, timezone)}"


def table_cell(content: str, heading: str, numeric: bool = False) -> Markup:
    """One cell of the design system's responsive table (templates/team/_tables.html), with the
    heading a phone shows beside its value; the value in one span, so that a phone lays it out
    as one block. `content` is the filter block's output: markup if the template escaped it as
    it rendered, and escaped here if not."""
    numeric_class = " nhsuk-table__cell--numeric" if numeric else ""
    # Both parts pass through escape(), which leaves markup as it is: so Markup is safe here.
    return Markup(  # noqa: S704
        f'<td class="nhsuk-table__cell{numeric_class}" role="cell">'
        f'<span class="nhsuk-table__heading" aria-hidden="true">{escape(heading)} </span>'
        f"<span>{escape(content)}</span></td>"
    )


def init_app(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(show_nhs_number, "nhs_number")
    app.add_template_filter(show_date_of_birth, "birth_date")
    app.add_template_filter(table_cell, "cell")
