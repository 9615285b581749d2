"""What the team reads: alert reasons, urgencies, outcomes and statuses in plain words.

Pure, like tracker.alerts.wording (whose phrasing it shares): the patient reads "you told us it
worries you", the team reads "the patient said it worries them". Numbers come from the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from tracker.alerts.wording import phrase, phrases_once
from tracker.config import DEFAULT_TIMEZONE
from tracker.patients.models import ACTIVE, DIED, DISCHARGED, ENDED, PAUSED
from tracker.rules.catalogue import Catalogue
from tracker.rules.urgency import Urgency
from tracker.team.models import APPOINTMENT, CONTACTED, LEFT_MESSAGE, NO_ACTION, NO_ANSWER, TESTS

URGENCY_LABELS = {
    Urgency.EMERGENCY: "Emergency",
    Urgency.SAME_DAY: "Same day",
    Urgency.SOON: "Within a few days",
}
# The design system's tag colour for each urgency in the queue.
URGENCY_TAGS = {Urgency.EMERGENCY: "red", Urgency.SAME_DAY: "orange", Urgency.SOON: "blue"}

OUTCOME_LABELS = {
    CONTACTED: "Contacted the patient",
    APPOINTMENT: "Appointment booked",
    TESTS: "Referred for tests",
    NO_ACTION: "No action needed",
}
ATTEMPT_LABELS = {
    NO_ANSWER: "Tried to call, no answer",
    LEFT_MESSAGE: "Left a message",
}

STATUS_LABELS = {
    ACTIVE: "Active",
    PAUSED: "Paused",
    ENDED: "Ended",
}
ENDED_LABELS = {DISCHARGED: "discharged", DIED: "died"}

UNKNOWN_REASON = "a reason from a newer rules file"


def urgency_label(urgency: str) -> str:
    return URGENCY_LABELS.get(urgency, urgency)


def urgency_tag(urgency: str) -> str:
    return URGENCY_TAGS.get(urgency, "grey")


# Each reason as the team reads it (see tracker.alerts.wording.PHRASES for the placeholders).
PHRASES = {
    ("red_flag", Urgency.EMERGENCY): "a red flag symptom that needs help straight away",
    "red_flag": "a red flag symptom to report on the same day",
    "report_promptly": "a symptom to report within a few days",
    "worrying": "the patient said it worries them",
    "severe": "rated {severe_at} or more out of 10 at the last entry",
    "new": "new for this patient and lasting {new_for} or more",
    "persistent": "lasting {lasting} or more",
    "worsening": "getting worse",
}


def reason(code: str, urgency: str, rules: Catalogue, *, symptom: str) -> str:
    """One reason an alert on `symptom` was raised, as the team reads it."""
    return phrase(PHRASES, UNKNOWN_REASON, code, urgency, rules, symptom=symptom)


def reasons(codes: Iterable[str], urgency: str, rules: Catalogue, *, symptom: str) -> list[str]:
    """Each reason once, in the order given, with `symptom`'s own days."""
    return phrases_once(codes, lambda code: reason(code, urgency, rules, symptom=symptom))


def status_label(status: str, ended_reason: str | None) -> str:
    label = STATUS_LABELS.get(status, status)
    if status == ENDED and ended_reason:
        return f"{label} ({ENDED_LABELS.get(ended_reason, ended_reason)})"
    return label


def attempt_words(attempt: str, at: datetime, by: str, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The latest contact attempt, as the queue and the alert's page show it: "Tried to call,
    no answer — Tuesday 1 December, 10:14, by Jo Nurse" (the UK's time)."""
    local = at.astimezone(ZoneInfo(timezone))
    label = ATTEMPT_LABELS.get(attempt, attempt)
    return f"{label} — {local:%A} {local.day} {local:%B}, {local:%H:%M}, by {by}"
