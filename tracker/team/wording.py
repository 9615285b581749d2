"""What the team reads: alert reasons, urgencies, outcomes and statuses in plain words.

Pure, like tracker.alerts.wording (whose `how_long` it shares): the patient reads "you told us
it worries you", the team reads "the patient said it worries them". Numbers come from the rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.alerts.wording import EMERGENCY, SAME_DAY, how_long
from tracker.patients.models import ACTIVE, DIED, DISCHARGED, ENDED, PAUSED
from tracker.rules.catalogue import Catalogue
from tracker.team.models import APPOINTMENT, CONTACTED, NO_ACTION, TESTS

URGENCY_LABELS = {EMERGENCY: "Emergency", SAME_DAY: "Same day", "soon": "Within a few days"}
# The design system's tag colour for each urgency in the queue.
URGENCY_TAGS = {EMERGENCY: "red", SAME_DAY: "orange", "soon": "blue"}

OUTCOME_LABELS = {
    CONTACTED: "Contacted the patient",
    APPOINTMENT: "Appointment booked",
    TESTS: "Referred for tests",
    NO_ACTION: "No action needed",
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


def reason(code: str, urgency: str, rules: Catalogue) -> str:
    """One reason an alert was raised, as the team reads it."""
    t = rules.thresholds
    if code == "red_flag":
        if urgency == EMERGENCY:
            return "a red flag symptom that needs help straight away"
        return "a red flag symptom to report on the same day"
    if code == "report_promptly":
        return "a symptom to report within a few days"
    if code == "worrying":
        return "the patient said it worries them"
    if code == "severe":
        return f"rated {t['severe_at']} or more out of 10 at the last entry"
    if code == "new":
        return f"new for this patient and lasting {how_long(t['new_days'])} or more"
    if code == "persistent":
        return f"lasting {how_long(t['persistent_days'])} or more"
    if code == "worsening":
        return "getting worse"
    return UNKNOWN_REASON


def reasons(codes: Iterable[str], urgency: str, rules: Catalogue) -> list[str]:
    said: list[str] = []
    for code in codes:
        phrase = reason(code, urgency, rules)
        if phrase not in said:
            said.append(phrase)
    return said


def status_label(status: str, ended_reason: str | None) -> str:
    label = STATUS_LABELS.get(status, status)
    if status == ENDED and ended_reason:
        return f"{label} ({ENDED_LABELS.get(ended_reason, ended_reason)})"
    return label
