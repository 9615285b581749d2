"""What the patient reads about their request: when it was made, when to expect contact, and
what the team recorded (never the team's note). Pure."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tracker.formatting import long_date, time_of_day
from tracker.team.models import APPOINTMENT, CONTACTED, NO_ACTION, TESTS

# What the team recorded, as the patient's diary and email say it.
OUTCOME_WORDS = {
    CONTACTED: "Your team has recorded that they have spoken to you about your request.",
    APPOINTMENT: "Your team has recorded that they have arranged an appointment for you.",
    TESTS: "Your team has recorded that they have arranged tests for you.",
    NO_ACTION: (
        "Your team has looked at your request and decided that nothing more needs to be done "
        "for now."
    ),
}


def made_words(at: datetime, timezone: str) -> str:
    """When a request was made: "Tuesday 1 December at 10:14am" (the patient's time)."""
    local = at.astimezone(ZoneInfo(timezone))
    return f"{local:%A} {local.day} {local:%B} at {time_of_day(at, timezone)}"


def message_words(row) -> dict[str, str]:
    """When a request was made and is due, as the patient's messages say them."""
    return {
        "made": made_words(row.created_at, row.patient.timezone),
        "due_on": long_date(row.due_on),
    }


def outcome_words(outcome: str | None) -> str:
    return OUTCOME_WORDS.get(outcome or "", "Your team has recorded what they did.")
