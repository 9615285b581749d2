"""The audit trail of staff access: who looked at or changed what, and when.

Written in the same transaction as the change it records (or, for a view, committed before the
page is sent), so there is no change without its row and no page of a record without its row.
The actions are named in tracker.team.models, beside StaffAccess; what the patient reads of
them is in tracker.patients.from_team.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tracker import clock
from tracker.patients.models import Patient
from tracker.team.models import StaffAccess


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
