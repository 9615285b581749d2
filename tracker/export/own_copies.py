"""The copies a patient takes of their own record, kept so that "who has looked at your record"
shows them beside the team's (tracker.patients.from_team.access_page)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tracker import clock
from tracker.patients.models import OwnCopy


def record(
    s: Session, patient_id: int, action: str, detail: str | None = None, now: datetime | None = None
) -> OwnCopy:
    """Add one row (the caller commits). `detail` must never hold names or health text."""
    row = OwnCopy(patient_id=patient_id, action=action, detail=detail, at=now or clock.now())
    s.add(row)
    return row
