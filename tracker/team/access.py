"""Who on the staff may see what. Every lookup by id goes through here, scoped to the teams.

A member of staff sees the patients of the teams they belong to, whatever their role there.
A team administrator (or a service administrator) also keeps that team's details and members.
Being a service administrator gives no sight of patients' records: for that, be in the team.
Anything outside a member's reach is reported as missing, never as forbidden, so that ids of
other teams' patients cannot be probed.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tracker.alerts.models import Alert
from tracker.contact_requests.models import ContactRequest
from tracker.patients.models import Patient
from tracker.team.models import TEAM_ADMIN, Staff, Team


class NotFound(LookupError):
    """Not there, or not this member's to see: the same answer for both."""


def visible_team_ids(staff: Staff) -> list[int]:
    return sorted(staff.team_ids)


# The member's teams in a statement built once (see tracker.db): give it `visible_team_ids` as
# "team_ids".
TEAM_IDS = bindparam("team_ids", expanding=True)


def patient_for(s: Session, staff: Staff, patient_id: int) -> Patient:
    """The patient, if they are in one of the member's teams."""
    patient = s.scalar(
        select(Patient).where(
            Patient.id == patient_id, Patient.team_id.in_(visible_team_ids(staff))
        )
    )
    if patient is None:
        raise NotFound(patient_id)
    return patient


def alert_for(s: Session, staff: Staff, alert_id: int) -> tuple[Alert, Patient]:
    """The alert and its patient, if the patient is in one of the member's teams."""
    row = s.execute(
        select(Alert, Patient)
        .join(Patient, Patient.id == Alert.patient_id)
        .where(Alert.id == alert_id, Patient.team_id.in_(visible_team_ids(staff)))
    ).first()
    if row is None:
        raise NotFound(alert_id)
    return row[0], row[1]


def contact_request_for(
    s: Session, staff: Staff, request_id: int
) -> tuple[ContactRequest, Patient]:
    """A request to be contacted and its patient, if the patient is in one of the member's
    teams."""
    row = s.execute(
        select(ContactRequest, Patient)
        .join(Patient, Patient.id == ContactRequest.patient_id)
        .where(ContactRequest.id == request_id, Patient.team_id.in_(visible_team_ids(staff)))
    ).first()
    if row is None:
        raise NotFound(request_id)
    return row[0], row[1]


def can_admin(staff: Staff, team_id: int) -> bool:
    return staff.is_service_admin or staff.role_in(team_id) == TEAM_ADMIN


def administered_teams(s: Session, staff: Staff) -> list[Team]:
    """The teams whose details and members this member keeps: all of them for a service admin."""
    query = select(Team).order_by(Team.name, Team.id)
    if not staff.is_service_admin:
        ids = [m.team_id for m in staff.memberships if m.role == TEAM_ADMIN]
        query = query.where(Team.id.in_(ids))
    return list(s.scalars(query))


def team_to_admin(s: Session, staff: Staff, team_id: int) -> Team:
    """The team, if this member may change its details and members."""
    team = s.get(Team, team_id)
    if team is None or not can_admin(staff, team_id):
        raise NotFound(team_id)
    return team


def teams_to_move_to(s: Session, staff: Staff, patient: Patient) -> list[Team]:
    """Where this member may move a patient: their other teams (any team, for a service admin)."""
    query = select(Team).where(Team.id != patient.team_id).order_by(Team.name, Team.id)
    if not staff.is_service_admin:
        query = query.where(Team.id.in_(visible_team_ids(staff)))
    return list(s.scalars(query))


def member_teams(s: Session, staff: Staff) -> list[Team]:
    """The teams this member belongs to, by name."""
    ids = visible_team_ids(staff)
    return list(s.scalars(select(Team).where(Team.id.in_(ids)).order_by(Team.name, Team.id)))
