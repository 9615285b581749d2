"""The audit trail of staff access: who looked at or changed what, and when.

Written in the same transaction as the change it records (or, for a view, committed before the
page is sent), so there is no change without its row and no page of a record without its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.patients.models import Patient
from tracker.team.models import StaffAccess

VIEWED_RECORD = "viewed_record"
VIEWED_ALERT = "viewed_alert"
ENROLLED = "enrolled"
INVITATION_MADE = "invitation_made"
PAUSED = "paused"
RESUMED = "resumed"
MOVED = "moved"
ENDED = "ended"
OUTCOME_RECORDED = "outcome_recorded"
TEAM_DETAILS_CHANGED = "team_details_changed"
TEAM_NOTIFICATIONS_CHANGED = "team_notifications_changed"
MEMBER_ADDED = "member_added"
MEMBER_ROLE_CHANGED = "member_role_changed"
MEMBER_REMOVED = "member_removed"

# What a patient reads on their settings page for each thing staff did with their record.
FOR_PATIENT = {
    VIEWED_RECORD: "Looked at your diary and record",
    VIEWED_ALERT: "Looked at an alert from your diary",
    ENROLLED: "Added you to the diary",
    INVITATION_MADE: "Made a link for you to set up your account",
    PAUSED: "Paused monitoring",
    RESUMED: "Restarted monitoring",
    MOVED: "Moved you to another team",
    ENDED: "Ended monitoring",
    OUTCOME_RECORDED: "Noted what they did about an alert",
}


def record(
    s: Session,
    staff_id: int,
    action: str,
    patient: Patient | None = None,
    team_id: int | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> StaffAccess:
    """Add one audit row (the caller commits). `detail` must never hold names or health text."""
    row = StaffAccess(
        staff_id=staff_id,
        patient_id=patient.id if patient is not None else None,
        team_id=team_id if team_id is not None else (patient.team_id if patient else None),
        action=action,
        detail=detail,
        at=now or clock.now(),
    )
    s.add(row)
    return row


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
