"""The audit trail of staff access: who looked at or changed what, and when.

Written in the same transaction as the change it records (or, for a view, committed before the
page is sent), so there is no change without its row and no page of a record without its row.
The actions are named in tracker.team.models, beside StaffAccess; what the patient reads of
them is in tracker.patients.from_team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.patients.models import Patient
from tracker.team import models as m
from tracker.team.models import StaffAccess

# What the team's record of a patient says for each thing staff did with it.
FOR_TEAM = {
    m.VIEWED_RECORD: "Looked at the diary and record",
    m.VIEWED_ALERT: "Looked at an alert",
    m.VIEWED_QUIET: "Looked at when the patient was last heard from",
    m.ENROLLED: "Added the patient",
    m.INVITATION_MADE: "Made a link to set up the account",
    m.PAUSED: "Paused monitoring",
    m.RESUMED: "Restarted monitoring",
    m.MOVED: "Moved the patient to another team",
    m.ENDED: "Ended monitoring",
    m.OUTCOME_RECORDED: "Recorded what was done about an alert",
    m.CONDITIONS_CHANGED: "Changed the known conditions",
    m.QUIET_OUTCOME_RECORDED: "Recorded what was done when the patient had gone quiet",
    m.VIEWED_SUMMARY: "Looked at the summary of the diary",
    m.SUMMARY_PDF: "Downloaded the summary of the diary as a PDF",
}
# Lines of the audit trail on one page of the record: enough for a day's work on a phone.
PAGE_SIZE = 20


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
class AccessLine:
    """One line of "Who has looked at this record" on the team's record."""

    at: datetime
    who: str
    team: str
    what: str


@dataclass(frozen=True)
class AccessPage:
    lines: list[AccessLine]  # newest first
    page: int  # from 1
    pages: int  # at least 1
    total: int


def access_page(s: Session, patient_id: int, page: int, size: int = PAGE_SIZE) -> AccessPage:
    """One page of the patient's audit trail, newest first. The caller has checked that the
    patient is one of the member's; a page out of range shows the nearest one."""
    total = s.scalar(select(func.count()).where(StaffAccess.patient_id == patient_id)) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    rows = s.scalars(
        select(StaffAccess)
        .where(StaffAccess.patient_id == patient_id)
        .order_by(StaffAccess.at.desc(), StaffAccess.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    lines = [
        AccessLine(
            at=row.at,
            who=row.staff.name,
            team=row.team.name if row.team is not None else "",
            what=FOR_TEAM.get(row.action, "Looked at the record"),
        )
        for row in rows
    ]
    return AccessPage(lines, page, pages, total)
