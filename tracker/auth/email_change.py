"""Changing the email address a patient signs in with: it changes only when a link sent to the
new address is followed, and the old address is told that a change was asked for.

The answer is the same whether or not the new address already has an account: if it has, no
link that works is made and that address is emailed that someone tried to use it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.auth import invitations, throttle
from tracker.auth.invitations import Status
from tracker.auth.models import EMAIL_CHANGE, RESET_BY_EMAIL, AccountLink
from tracker.auth.recovery import expire_links, may_reset, new_link, path
from tracker.notify import messages
from tracker.notify.models import EMAIL
from tracker.notify.queueing import queue_account_message
from tracker.patients.models import Patient
from tracker.team import when

LIFETIME = timedelta(days=1)


def ask(s: Session, patient: Patient, new_email: str, now: datetime | None = None) -> bool:
    """Send the link to `new_email` (or, if another account has it, the "someone tried" email),
    and tell the old address; commits. False if the account has asked too often just now."""
    now = now or clock.now()
    limits = config.current().sign_in
    key = throttle.keyed(throttle.EMAIL_CHANGE, str(patient.id))
    if not throttle.take_allowance(
        s, [(throttle.EMAIL_CHANGE, key, limits.resets_per_account)], limits
    ):
        return False
    owner = s.scalar(select(Patient).where(Patient.email == new_email, Patient.id != patient.id))
    # With no patient the link never works: the address is another account's.
    link, token = new_link(
        s,
        EMAIL_CHANGE,
        LIFETIME,
        now,
        patient=patient if owner is None else None,
        new_email=new_email,
    )
    if owner is None:
        context = {
            "confirm_link": path("email", token),
            "lifetime": messages.lifetime_words(LIFETIME),
        }
        queue_account_message(s, patient, "email_confirm", EMAIL, new_email, context, link.id, now)
    else:
        queue_account_message(s, owner, "email_in_use", EMAIL, new_email, {}, link.id, now)
    context = {"asked_at": when(now, patient.timezone)}
    queue_account_message(
        s, patient, "email_change_asked", EMAIL, patient.email, context, link.id, now
    )
    s.commit()
    return True


def _open(s: Session, token: str, now: datetime) -> tuple[AccountLink | None, Status]:
    link, status = invitations.look_up(s, token, now, model=AccountLink)
    if link is None or link.purpose != EMAIL_CHANGE or link.patient_id is None:
        return None, Status.UNKNOWN
    if status is Status.VALID and not may_reset(s.get(Patient, link.patient_id)):
        return link, Status.USED  # the account was closed since
    return link, status


def pending(s: Session, token: str, now: datetime | None = None) -> tuple[str | None, Status]:
    """The new address a link would confirm, and whether it still can."""
    link, status = _open(s, token, now or clock.now())
    return (link.new_email if link is not None else None), status


def confirm(s: Session, token: str, now: datetime | None = None) -> Patient | Status:
    """Follow the link: the new address becomes the sign-in address; commits. The patient, or
    why the link does not work (the address taken meanwhile counts as used)."""
    now = now or clock.now()
    link, status = _open(s, token, now)
    if link is None or status is not Status.VALID:
        return status
    patient = s.get(Patient, link.patient_id)
    patient_id, new_email = patient.id, link.new_email
    try:
        if not invitations.claim(s, link.id, now, model=AccountLink):
            s.rollback()
            return Status.USED
        patient.email = new_email
        # Links sent to the old address, and other new addresses asked for, stop working.
        expire_links(s, now, (EMAIL_CHANGE, RESET_BY_EMAIL), patient_id=patient_id)
        s.commit()
    except IntegrityError:  # another account took the address after the link was sent
        s.rollback()
        return Status.USED
    return s.get(Patient, patient_id)
