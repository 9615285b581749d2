"""Making a patient, one way, whether they sign up themselves or their team enrols them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.patients import conditions
from tracker.patients.models import Patient
from tracker.patients.preferences import start_consents


def create_patient(
    s: Session,
    *,
    team_id: int,
    name: str,
    email: str,
    mobile: str | None,
    now: datetime,
    password_hash: str | None = None,
    email_reminders: bool = False,
    sms_reminders: bool = False,
    known_conditions: Iterable[str] = (),
    conditions_set_by: int | None = None,
    nhs_number: str | None = None,
    date_of_birth: date | None = None,
) -> Patient:
    """Add a patient (flushed, so it has an id); the caller commits.

    Without a password hash the account waits for the patient to complete it from an
    invitation, with no consents yet. With one, prompts go by every channel and reminders by
    the channels chosen (`preferences.start_consents`), each recorded. `known_conditions` are
    recorded, with their history, as set by the member of staff `conditions_set_by` (None: the
    patient).
    """
    settings = config.current()
    patient = Patient(
        team_id=team_id,
        name=name,
        email=email,
        mobile=mobile,
        nhs_number=nhs_number,
        date_of_birth=date_of_birth,
        timezone=settings.timezone.key,
        enrolled_on=clock.local_date(now, settings.timezone),
        password_hash=password_hash,
        password_changed_at=now if password_hash is not None else None,
        created_at=now,
    )
    s.add(patient)
    s.flush()
    if password_hash is not None:
        start_consents(s, patient, email_reminders, sms_reminders, now)
    conditions.add_at_enrolment(s, patient, known_conditions, conditions_set_by, now)
    return patient


def nhs_number_taken(s: Session, nhs_number: str) -> bool:
    """True if any patient of the service already has this NHS number."""
    return s.scalar(select(Patient.id).where(Patient.nhs_number == nhs_number)) is not None


def email_taken(s: Session, email: str, other_than: int | None = None) -> bool:
    """True if a patient (other than `other_than`) already has this email address."""
    query = select(Patient.id).where(Patient.email == email)
    if other_than is not None:
        query = query.where(Patient.id != other_than)
    return s.scalar(query) is not None
