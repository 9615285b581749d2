"""The audit trail of staff access: who looked at or changed what, and when.

Written in the same transaction as the change it records (or, for a view, committed before the
page is sent), so there is no change without its row and no page of a record without its row.
The actions are named in tracker.team.models, beside StaffAccess; what the patient reads of
them is in tracker.patients.from_team.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.patients.from_team import AccessPage
from tracker.patients.from_team import access_page as access_page_for
from tracker.patients.models import OWN_DOWNLOAD, OWN_SUMMARY, OWN_SUMMARY_PDF, Patient
from tracker.team import models as m
from tracker.team.models import StaffAccess

# What the team's record of a patient says for each thing staff did with it.
FOR_TEAM = {
    m.VIEWED_RECORD: "Looked at the diary and record",
    m.VIEWED_ALERT: "Looked at an alert",
    m.VIEWED_QUIET: "Looked at when the patient was last heard from",
    m.ENROLLED: "Added the patient",
    m.INVITATION_MADE: "Made a link to set up the account",
    m.SIGN_IN_LINK_MADE: "Sent a new link to get into the account",
    m.PAUSED: "Paused monitoring",
    m.RESUMED: "Restarted monitoring",
    m.MOVED: "Moved the patient to another team",
    m.ENDED: "Ended monitoring",
    m.END_UNDONE: "Undid ending monitoring, which was recorded by mistake",
    m.OUTCOME_RECORDED: "Recorded what was done about an alert",
    m.CONDITIONS_CHANGED: "Changed the known conditions",
    m.QUIET_OUTCOME_RECORDED: "Recorded what was done when the patient had gone quiet",
    m.CONTACT_ATTEMPTED: "Tried to contact the patient",
    m.ALERT_ASSIGNED: "Took on an alert, or gave it to a colleague",
    m.ALERT_UNASSIGNED: "Left an alert for anyone in the team",
    m.VIEWED_SUMMARY: "Looked at the summary of the diary",
    m.SUMMARY_PDF: "Downloaded the summary of the diary as a PDF",
    m.VIEWED_REQUEST: "Looked at a request to be contacted",
    m.REQUEST_OUTCOME_RECORDED: "Recorded what was done about a request to be contacted",
    m.REQUEST_ASSIGNED: "Took on a request to be contacted, or gave it to a colleague",
    m.REQUEST_UNASSIGNED: "Left a request to be contacted for anyone in the team",
    m.FHIR_RECORD: "Downloaded the record for the hospital's systems (FHIR)",
    # The patient's own copies, shown as "The patient".
    OWN_SUMMARY: "Looked at the summary of their diary",
    OWN_SUMMARY_PDF: "Downloaded the summary of their diary as a PDF",
    OWN_DOWNLOAD: "Downloaded all their data",
}

# What the team's page says for each change an administrator made to the team: {person} is the
# member the change was about, {role} the role given (both from the row's detail).
FOR_ADMIN = {
    m.TEAM_CREATED: "Created the team",
    m.TEAM_DETAILS_CHANGED: "Changed the team's details",
    m.TEAM_NOTIFICATIONS_CHANGED: "Changed the team's emails",
    m.STAFF_CREATED: "Made a staff account for {person}",
    m.MEMBER_ADDED: "Added {person} as a {role}",
    m.MEMBER_ROLE_CHANGED: "Made {person} a {role}",
    m.MEMBER_REMOVED: "Took {person} out of the team",
    m.MEMBER_RESET: "Reset {person}'s password and authenticator",
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


def access_page(s: Session, patient_id: int, page: int) -> AccessPage:
    """One page of the patient's audit trail in the team's words, grouped by person and day in
    the service's time zone. The caller has checked that the patient is one of the member's."""
    zone = config.current().timezone.key
    return access_page_for(
        s, patient_id, page, zone, FOR_TEAM, "Looked at the record", "The patient"
    )
