"""A patient's account: signing in, opening one (open sign-up or an invitation), completing one
the team enrolled, and changing the password.

Each use case takes the database session and plain values, does its work in one transaction and
returns what the view needs: the patient and the key of the session it opened with them, which
the view puts in the cookie (tracker.auth.remember).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.auth import invitations, signing_in, throttle
from tracker.auth.forms import NewAccount
from tracker.auth.models import Invitation
from tracker.auth.passwords import hash_password
from tracker.auth.sessions import end_sessions, start_session
from tracker.auth.signing_in import Refused
from tracker.notify.queueing import queue_account_notice
from tracker.patients.models import DIED, Patient
from tracker.patients.preferences import start_consents
from tracker.patients.services import create_patient, email_taken
from tracker.team.models import Team


class Taken(Enum):
    """Why an account could not be made: the email address, or the link, was taken meanwhile."""

    EMAIL = "email"
    LINK = "link"


@dataclass(frozen=True)
class Opened:
    """A patient now signed in on the server: the key goes in their cookie."""

    patient: Patient
    session_key: str


def authenticate(s: Session, email: str, password: str, address: str | None) -> Patient | Refused:
    """The patient if `password` is theirs; Refused.LOCKED if the throttle refuses.

    On success the cleared failures and any rehash wait for the caller's commit.
    """
    subject = throttle.subject_for(email, address)
    return signing_in.check_password(s, Patient, email, password, subject, config.current().sign_in)


def sign_up_teams(s: Session) -> list[Team]:
    """The teams open sign-up offers, in the order the form lists them."""
    return list(s.scalars(select(Team).order_by(Team.name, Team.hospital, Team.id)))


def enrolled_patient(s: Session, invitation: Invitation) -> Patient | None:
    """The patient a team enrolled with this link, if their account is still to complete."""
    patient = s.get(Patient, invitation.patient_id)
    if patient is None or patient.password_hash is not None or patient.ended_reason == DIED:
        return None
    return patient


def open_account(
    s: Session,
    account: NewAccount,
    invitation_id: int | None,
    now: datetime | None = None,
    sign_in: bool = True,
) -> Opened | Taken:
    """Claim the link (if any), create the patient and (if `sign_in`) open their session: one
    commit. Without `sign_in` the Opened's session key is empty."""
    now = now or clock.now()
    # Hash before the transaction's first write, so the slow part holds no lock.
    password_hash = hash_password(account.password)
    try:
        # Claim first: a second tab submitting the same link then waits on this row and finds
        # it used, rather than racing to create a second account.
        if invitation_id is not None and not invitations.claim(s, invitation_id, now):
            s.rollback()
            return Taken.LINK
        patient = create_patient(
            s,
            team_id=account.team_id,
            name=account.name,
            email=account.email,
            mobile=account.mobile,
            now=now,
            password_hash=password_hash,
            email_reminders=account.email_reminders,
            sms_reminders=account.sms_reminders,
        )
        if invitation_id is not None:
            invitations.record_user(s, invitation_id, patient.id)
        key = start_session(s, patient) if sign_in else ""
        s.commit()
    except IntegrityError:
        s.rollback()
        if not email_taken(s, account.email):
            raise
        # Someone else took this email address between the check and the insert.
        return Taken.EMAIL
    return Opened(patient, key)


def sign_up_openly(s: Session, account: NewAccount, now: datetime | None = None) -> None:
    """Open sign-up, which answers the same whatever the address (the caller says so).

    A new address gets its account, not yet signed in. An address that already has an account
    gets nothing new: its owner is emailed that someone tried. Either way a password is hashed,
    so that the two take about as long.
    """
    now = now or clock.now()
    owner = _owner(s, account.email)
    if owner is None:
        outcome = open_account(s, account, None, now, sign_in=False)
        if outcome is not Taken.EMAIL:
            return
        # Someone else took the address between the check and the insert.
        owner = _owner(s, account.email)
    else:
        hash_password(account.password)  # the time a new account's hash takes
    if owner is not None:
        queue_account_notice(s, owner, now)
        s.commit()


def _owner(s: Session, email: str) -> Patient | None:
    return s.scalar(select(Patient).where(Patient.email == email))


def complete_enrolled(
    s: Session,
    account: NewAccount,
    invitation_id: int,
    patient: Patient,
    now: datetime | None = None,
) -> Opened | Taken:
    """Claim the link, complete the enrolled patient's account and open their session: one
    commit."""
    now = now or clock.now()
    password_hash = hash_password(account.password)  # before the first write: no lock held
    patient_id = patient.id
    try:
        if not invitations.claim(s, invitation_id, now):
            s.rollback()
            return Taken.LINK
        patient.name = account.name
        patient.email = account.email
        patient.mobile = account.mobile
        patient.password_hash = password_hash
        patient.password_changed_at = now
        start_consents(s, patient, account.email_reminders, account.sms_reminders, now)
        invitations.record_user(s, invitation_id, patient_id)
        key = start_session(s, patient)
        s.commit()
    except IntegrityError:
        s.rollback()
        if not email_taken(s, account.email, other_than=patient_id):
            raise
        return Taken.EMAIL
    return Opened(patient, key)


def replace_password(s: Session, patient: Patient, new_password: str) -> str:
    """New hash, every session ended, and a fresh one for this browser (its key): one commit."""
    key = put_new_password(s, patient, hash_password(new_password), clock.now())
    s.commit()
    return key


def put_new_password(s: Session, patient: Patient, password_hash: str, now: datetime) -> str:
    """Store the new hash, end every session of the account and open one for this browser;
    its key. The caller commits (a reset claims its link in the same transaction)."""
    patient.password_hash = password_hash
    patient.password_changed_at = now
    end_sessions(s, "password_changed", patient_id=patient.id, now=now)
    return start_session(s, patient)
