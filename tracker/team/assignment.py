"""Giving a waiting alert to one clinician of the patient's team, or to nobody (issue 19, item 16).

Audited like every team action: who gave which alert to whom (by id, never a name).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.team import access, audit
from tracker.team.models import (
    ALERT_ASSIGNED,
    ALERT_UNASSIGNED,
    AlertAssignment,
    Membership,
    Staff,
)


class NotAMember(ValueError):
    """The member chosen is not in the patient's team."""


class NotWaiting(ValueError):
    """The alert no longer waits for the team: there is nothing to give anyone."""


# Built once (see tracker.db).
_MEMBERS_OF = (
    select(Staff)
    .join(Membership, Membership.staff_id == Staff.id)
    .where(Membership.team_id.in_(access.TEAM_IDS))
    .distinct()
    .order_by(Staff.name, Staff.id)
)


def members_of(s: Session, team_ids: list[int]) -> list[Staff]:
    """The members of these teams, by name: who an alert may be given to."""
    return list(s.scalars(_MEMBERS_OF, {"team_ids": team_ids}))


def assigned_to(s: Session, alert_id: int) -> AlertAssignment | None:
    """Who has the alert, if anyone."""
    return s.get(AlertAssignment, alert_id)


def assign(
    s: Session, staff: Staff, alert_id: int, to: int | None, now: datetime | None = None
) -> None:
    """Give the alert to member `to` of its patient's team, or to nobody (None); the caller
    commits. Raises access.NotFound outside the member's teams, NotWaiting, NotAMember."""
    now = now or clock.now()
    alert, patient = access.alert_for(s, staff, alert_id)
    if not alert.waits_for_team:
        raise NotWaiting(alert_id)
    held = s.get(AlertAssignment, alert.id)
    if to is None:
        if held is not None:
            s.delete(held)
            audit.record(
                s, staff.id, ALERT_UNASSIGNED, patient, detail=f"alert {alert.id}", now=now
            )
        return
    if to not in {m.id for m in members_of(s, [patient.team_id])}:
        raise NotAMember(to)
    if held is not None and held.staff_id == to:
        return  # nothing changes, so nothing to audit
    if held is None:
        s.add(AlertAssignment(alert_id=alert.id, staff_id=to, assigned_by=staff.id, at=now))
    else:
        held.staff_id, held.assigned_by, held.at = to, staff.id, now
    detail = f"alert {alert.id} to staff {to}"
    audit.record(s, staff.id, ALERT_ASSIGNED, patient, detail=detail, now=now)
