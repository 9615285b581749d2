"""What the patient may see of what their treating team did: "your team has been in touch" on
their diary, and who has looked at their record on their settings page.

The patient's pages pass these to their templates. They read the team's record
(tracker.team.models) and nothing else of the team's workspace; pyproject's contracts allow
this module that one step and no further.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.models import Alert
from tracker.team.models import (
    CONDITIONS_CHANGED,
    END_UNDONE,
    ENDED,
    ENROLLED,
    INVITATION_MADE,
    MOVED,
    NO_ACTION,
    OUTCOME_RECORDED,
    PAUSED,
    QUIET_OUTCOME_RECORDED,
    RESUMED,
    SUMMARY_PDF,
    VIEWED_ALERT,
    VIEWED_QUIET,
    VIEWED_RECORD,
    VIEWED_SUMMARY,
    AlertOutcome,
    StaffAccess,
)

# How long the patient's diary says "your team has been in touch" after an outcome.
IN_TOUCH_DAYS = 14

# What a patient reads on their settings page for each thing staff did with their record.
FOR_PATIENT = {
    VIEWED_RECORD: "Looked at your diary and record",
    VIEWED_ALERT: "Looked at an alert from your diary",
    VIEWED_QUIET: "Looked at when they last heard from you",
    ENROLLED: "Added you to the diary",
    INVITATION_MADE: "Made a link for you to set up your account",
    PAUSED: "Paused monitoring",
    RESUMED: "Restarted monitoring",
    MOVED: "Moved you to another team",
    ENDED: "Ended monitoring",
    END_UNDONE: "Undid ending your monitoring, which was recorded by mistake",
    OUTCOME_RECORDED: "Noted what they did about an alert",
    CONDITIONS_CHANGED: "Changed the symptoms noted as expected for you",
    QUIET_OUTCOME_RECORDED: "Noted what they did when they had not heard from you for a while",
    VIEWED_SUMMARY: "Looked at the summary of your diary",
    SUMMARY_PDF: "Downloaded the summary of your diary as a PDF",
}


@dataclass(frozen=True)
class InTouch:
    """One recent outcome as the patient's diary mentions it (never the team's note)."""

    symptom_code: str
    at: datetime
    reviewed_only: bool  # "no action needed": the team looked, but did not necessarily call


def in_touch(
    s: Session, patient_id: int, now: datetime | None = None, days: int = IN_TOUCH_DAYS
) -> list[InTouch]:
    """Outcomes recorded for the patient in the last `days` days, newest first, one per symptom."""
    since = (now or clock.now()) - timedelta(days=days)
    rows = s.execute(
        select(AlertOutcome.outcome, AlertOutcome.at, Alert.symptom_code)
        .join(Alert, Alert.id == AlertOutcome.alert_id)
        .where(AlertOutcome.patient_id == patient_id, AlertOutcome.at >= since)
        .order_by(AlertOutcome.at.desc(), AlertOutcome.id.desc())
    ).all()
    seen: set[str] = set()
    found: list[InTouch] = []
    for outcome, at, code in rows:
        if code in seen:
            continue
        seen.add(code)
        found.append(InTouch(code, at, reviewed_only=outcome == NO_ACTION))
    return found


@dataclass(frozen=True)
class SeenBy:
    """One line of "who has looked at your record", as the patient reads it."""

    at: datetime
    who: str
    team: str
    what: str


def seen_by(s: Session, patient_id: int, limit: int = 30) -> list[SeenBy]:
    """The latest staff access to a patient's record, newest first, in the patient's words."""
    rows = s.scalars(
        select(StaffAccess)
        .where(StaffAccess.patient_id == patient_id)
        .order_by(StaffAccess.at.desc(), StaffAccess.id.desc())
        .limit(limit)
    )
    return [
        SeenBy(
            at=row.at,
            who=row.staff.name,
            team=row.team.name if row.team is not None else "",
            what=FOR_PATIENT.get(row.action, "Looked at your record"),
        )
        for row in rows
    ]
