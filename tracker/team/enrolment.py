"""A clinician enrols a patient: the record, the known conditions, and an invitation link; and
later, for a patient who cannot get into their account, a new sign-in link.

The patient is created without a password (tracker.patients.services.create_patient, as at
sign-up). The invitation completes that same record when the patient opens it
(tracker.auth.accounts.complete_enrolled): a password, their channels and their consent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from tracker import clock, config
from tracker.auth import invitations, recovery
from tracker.auth.models import Invitation
from tracker.auth.recovery import TeamLink
from tracker.diary.forms import date_parts, parse_date
from tracker.forms import Errors, FieldError, parse_id
from tracker.notify.queueing import queue_invitation
from tracker.patients import conditions
from tracker.patients.contact import ContactError, normalise_email, normalise_mobile
from tracker.patients.identity import check_date_of_birth, normalise_nhs_number
from tracker.patients.models import Patient
from tracker.patients.services import create_patient
from tracker.rules.catalogue import Catalogue
from tracker.team import audit
from tracker.team.models import ENROLLED, INVITATION_MADE, SIGN_IN_LINK_MADE, Staff, Team

NAME_MAX = 200  # the width of Patient.name
DOB = "dob"  # the date input's name prefix; its first box is the field errors point to


def _no_date() -> dict[str, str]:
    return {"day": "", "month": "", "year": ""}


@dataclass
class EnrolValues:
    """What was typed on the enrolment form, kept to show again."""

    team: str = ""
    name: str = ""
    nhs_number: str = ""
    dob: dict[str, str] = field(default_factory=_no_date)
    email: str = ""
    mobile: str = ""
    conditions: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NewPatient:
    team_id: int
    name: str
    email: str
    mobile: str | None
    conditions: tuple[str, ...]
    nhs_number: str
    date_of_birth: date


def read_enrolment(form: MultiDict) -> EnrolValues:
    return EnrolValues(
        team=(form.get("team") or "").strip(),
        name=(form.get("name") or "").strip(),
        nhs_number=(form.get("nhs_number") or "").strip(),
        dob=date_parts(form, DOB),
        email=(form.get("email") or "").strip(),
        mobile=(form.get("mobile") or "").strip(),
        conditions=[c for c in form.getlist("conditions") if c],
    )


def check_enrolment(
    values: EnrolValues,
    errors: Errors,
    team_ids: set[int],
    rules: Catalogue,
    email_taken: Callable[[str], bool],
    nhs_number_taken: Callable[[str], bool],
    today: date,
) -> NewPatient | None:
    """Check every field, adding errors in page order; the new patient if all is well.

    An NHS number already enrolled is refused whichever team holds it: the message says so
    without saying whose it is.
    """
    team_id = parse_id(values.team)
    if team_id not in team_ids:
        errors.add("team", "Select the patient's treating team")
    errors.check_text("name", values.name, "The patient's name")
    errors.check_text("email", values.email, "The patient's email address")
    errors.check_text("mobile", values.mobile, "The patient's mobile number")
    if not values.name:
        errors.add("name", "Enter the patient's name")
    elif len(values.name) > NAME_MAX:
        errors.add("name", f"The name must be {NAME_MAX} characters or fewer")
    nhs_number = None
    if errors.check_text("nhs_number", values.nhs_number, "The NHS number"):
        try:
            nhs_number = normalise_nhs_number(values.nhs_number)
        except FieldError as exc:
            errors.add("nhs_number", str(exc))
    if nhs_number is not None and nhs_number_taken(nhs_number):
        errors.add(
            "nhs_number",
            "A patient with this NHS number is already in the diary service. Check the number, "
            "or ask the patient's team to move them to yours",
        )
        nhs_number = None
    born = None
    try:
        born = check_date_of_birth(parse_date(values.dob, "The date of birth"), today)
    except FieldError as exc:
        errors.add(f"{DOB}-day", str(exc))
    email = None
    try:
        email = normalise_email(values.email)
    except ContactError:
        errors.add(
            "email",
            "Enter the patient's email address in the correct format, like name@example.com"
            if values.email
            else "Enter the patient's email address",
        )
    if email is not None and email_taken(email):
        errors.add(
            "email",
            "This email address is already used by a diary account. Check it with the patient",
        )
    mobile = None
    try:
        mobile = normalise_mobile(values.mobile)
    except ContactError as exc:
        errors.add("mobile", str(exc))
    allowed = set(conditions.condition_codes(rules))
    if any(code not in allowed for code in values.conditions):
        errors.add("conditions", "Select known conditions from the list")
    if errors or team_id is None or email is None or nhs_number is None or born is None:
        return None
    codes = tuple(sorted(set(values.conditions)))
    return NewPatient(team_id, values.name, email, mobile, codes, nhs_number, born)


@dataclass(frozen=True)
class Enrolled:
    patient: Patient
    invitation: Invitation
    link: str
    sent: bool  # False until the outbox exists: the clinician passes the link on


def enrol(s: Session, staff: Staff, new: NewPatient, now: datetime | None = None) -> Enrolled:
    """Create the patient and their invitation (the caller commits)."""
    now = now or clock.now()
    if new.team_id not in staff.team_ids:
        raise ValueError("not a team of this member")  # the form's check should have caught it
    patient = create_patient(
        s,
        team_id=new.team_id,
        name=new.name,
        email=new.email,
        mobile=new.mobile,
        now=now,
        known_conditions=new.conditions,
        conditions_set_by=staff.id,
        nhs_number=new.nhs_number,
        date_of_birth=new.date_of_birth,
    )
    audit.record(s, staff.id, ENROLLED, patient, now=now)
    invitation, link, sent = _invite(s, staff, patient, now)
    return Enrolled(patient, invitation, link, sent)


def new_invitation(
    s: Session, staff: Staff, patient: Patient, now: datetime | None = None
) -> Enrolled:
    """A fresh link for a patient who has not set up their account; older links stop working."""
    now = now or clock.now()
    if patient.password_hash is not None:
        raise ValueError("the patient's account is already set up")
    s.execute(
        update(Invitation)
        .where(Invitation.patient_id == patient.id, Invitation.used_at.is_(None))
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    invitation, link, sent = _invite(s, staff, patient, now)
    return Enrolled(patient, invitation, link, sent)


def _invite(
    s: Session, staff: Staff, patient: Patient, now: datetime
) -> tuple[Invitation, str, bool]:
    team = s.get(Team, patient.team_id)
    invitation, token = invitations.create_invitation(s, team)
    invitation.patient_id = patient.id
    link = f"{config.current().web.public_url}/join/{token}"
    audit.record(
        s, staff.id, INVITATION_MADE, patient, detail=f"invitation {invitation.id}", now=now
    )
    return invitation, link, queue_invitation_message(s, patient, link, invitation.id)


def new_sign_in_link(
    s: Session, staff: Staff, patient: Patient, now: datetime | None = None
) -> TeamLink:
    """A new link for a patient who cannot get into their account, audited (the caller
    commits). Their password stays until they choose a new one with it."""
    now = now or clock.now()
    made = recovery.team_link(s, patient, now)
    audit.record(s, staff.id, SIGN_IN_LINK_MADE, patient, detail=f"link {made.link.id}", now=now)
    return made


def queue_invitation_message(s: Session, patient: Patient, link: str, invitation_id: int) -> bool:
    """Queue the invitation for the patient by email (and text); True if it was queued."""
    return queue_invitation(s, patient, link, key=invitation_id)
