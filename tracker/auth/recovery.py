"""Getting back into an account: a new password by an email link or a text code, or from a link
the treating team made; and a new email address, which counts only once its link is followed.

Every answer is the same whether or not an address has an account: the caller shows one page.
Links are made, looked up and claimed as invitations are (tracker.auth.invitations), and kept
in AccountLink; requests are counted in the database (tracker.auth.throttle), so the limits hold
across workers. Messages go through the outbox, never from here. Tokens and codes are never
logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.auth import invitations, throttle
from tracker.auth.accounts import put_new_password
from tracker.auth.invitations import Status
from tracker.auth.models import (
    RESET_AFTER_CODE,
    RESET_BY_CODE,
    RESET_BY_EMAIL,
    RESET_BY_TEAM,
    AccountLink,
)
from tracker.auth.passwords import hash_password
from tracker.notify import messages
from tracker.notify.models import EMAIL, SMS
from tracker.notify.outbox import opted_out
from tracker.notify.queueing import queue_account_message
from tracker.patients.models import DIED, Patient
from tracker.team import when

EMAIL_LINK_LIFETIME = timedelta(hours=1)
CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5
# The set-password page after a right code: long enough to choose a password, no longer.
AFTER_CODE_LIFETIME = timedelta(minutes=30)
# The team's link may go to a patient who is on the phone, or who reads it tomorrow.
TEAM_LINK_LIFETIME = timedelta(days=2)
RESETS = (RESET_BY_EMAIL, RESET_AFTER_CODE, RESET_BY_TEAM)


def path(name: str, token: str) -> str:
    """The absolute link for a token: name "reset" or "email"."""
    return f"{config.current().web.public_url}/account/{name}/{token}"


def may_reset(patient: Patient | None) -> bool:
    """Whether an account can be given a new password: set up, and not closed by a death."""
    return (
        patient is not None and patient.password_hash is not None and patient.ended_reason != DIED
    )


def _account(s: Session, email: str) -> Patient | None:
    patient = s.scalar(select(Patient).where(Patient.email == email))
    return patient if may_reset(patient) else None


def allowed_from(s: Session, client: str | None) -> bool:
    """Whether this client address may ask for another reset now (counted, committed)."""
    limits = config.current().sign_in
    key = throttle.keyed(throttle.RESET_FROM, client or "")
    return throttle.take_allowance(
        s, [(throttle.RESET_FROM, key, limits.resets_per_address)], limits
    )


def _allowed_for(s: Session, email: str) -> bool:
    # Per account, counted under the address typed whether or not it has one (so the limit
    # says nothing either); asking by email and by text count together.
    limits = config.current().sign_in
    key = throttle.keyed(throttle.RESET, email)
    return throttle.take_allowance(s, [(throttle.RESET, key, limits.resets_per_account)], limits)


def new_link(
    s: Session,
    purpose: str,
    lifetime: timedelta,
    now: datetime,
    *,
    patient: Patient | None = None,
    staff_id: int | None = None,
    code: str | None = None,
    new_email: str | None = None,
) -> tuple[AccountLink, str]:
    """Add an account link (flushed) and return it with the raw token for the link or cookie.

    With `code`, the row keeps the code's keyed hash, bound to the token. The caller commits.
    """
    token = invitations.link_token()
    link = AccountLink(
        token_hash=invitations.hash_token(token),
        purpose=purpose,
        patient_id=patient.id if patient is not None else None,
        staff_id=staff_id,
        code_hash=_code_hash(token, code) if code is not None else None,
        new_email=new_email,
        tries=0,
        created_at=now,
        expires_at=now + lifetime,
    )
    s.add(link)
    s.flush()
    return link, token


def expire_links(
    s: Session,
    now: datetime,
    purposes: tuple[str, ...],
    *,
    patient_id: int | None = None,
    staff_id: int | None = None,
) -> None:
    """Make every unused link of one account, of these purposes, stop working now."""
    owner = (
        AccountLink.patient_id == patient_id
        if patient_id is not None
        else AccountLink.staff_id == staff_id
    )
    s.execute(
        update(AccountLink)
        .where(
            owner,
            AccountLink.purpose.in_(purposes),
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def ask_by_email(s: Session, email: str, now: datetime | None = None) -> None:
    """A reset link to `email` if it is an account's and the account's limit allows; commits.

    Nothing here differs, to the asker, between an address with an account and one without: a
    row is written and an email rendered either way; only the queueing is skipped.
    """
    now = now or clock.now()
    patient = _account(s, email) if _allowed_for(s, email) else None
    link, token = new_link(s, RESET_BY_EMAIL, EMAIL_LINK_LIFETIME, now, patient=patient)
    context = {"reset_link": path("reset", token), "lifetime": _words(EMAIL_LINK_LIFETIME)}
    if patient is None:
        messages.account_message("reset_link", EMAIL, messages.Team("", "", "", "", ""), context)
    else:
        queue_account_message(s, patient, "reset_link", EMAIL, patient.email, context, link.id, now)
    s.commit()


def ask_by_text(s: Session, email: str, mobile: str | None, now: datetime | None = None) -> str:
    """A 6-digit code by text if the email and mobile are one account's; commits.

    Returns the token the browser keeps (in its signed cookie) to enter the code against. An
    address and number that are not an account's get a token too, whose code was never sent,
    so the next page behaves the same.
    """
    now = now or clock.now()
    patient = _account(s, email) if _allowed_for(s, email) else None
    if patient is not None and (
        not mobile or patient.mobile != mobile or opted_out(s, patient.mobile)
    ):
        patient = None
    code = f"{secrets.randbelow(10**6):06d}"
    link, token = new_link(s, RESET_BY_CODE, CODE_LIFETIME, now, patient=patient, code=code)
    if patient is not None:
        context = {"code": code, "lifetime": f"{CODE_LIFETIME.seconds // 60} minutes"}
        queue_account_message(s, patient, "reset_code", SMS, patient.mobile, context, link.id, now)
    s.commit()
    return token


def _code_hash(token: str, code: str) -> str:
    # Keyed with the app's secret and bound to the browser's token: a copy of the table alone
    # does not let anyone try the million codes offline.
    secret = config.current().secret_key.encode()
    return hmac.new(secret, f"code:{token}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class CodeResult:
    """What a typed code led to: a set-password token, a wrong code (tries left), or a problem."""

    reset_token: str | None = None
    tries_left: int = 0
    problem: Status | None = None


def check_code(s: Session, token: str, code: str, now: datetime | None = None) -> CodeResult:
    """Count one try of `code` against the browser's token and, if right, open the
    set-password page (its token); commits.

    The try is counted by a conditional UPDATE before the code is compared, so however many
    workers take tries at once, no more than CODE_TRIES are ever compared.
    """
    now = now or clock.now()
    link, status = invitations.look_up(s, token, now, model=AccountLink)
    if link is None or link.purpose != RESET_BY_CODE:
        return CodeResult(problem=Status.UNKNOWN)
    if status is not Status.VALID:
        return CodeResult(problem=status)
    counted = s.execute(
        update(AccountLink)
        .where(
            AccountLink.id == link.id,
            AccountLink.tries < CODE_TRIES,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(tries=AccountLink.tries + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    s.commit()
    if counted != 1:
        return CodeResult(problem=Status.USED)
    s.refresh(link)
    right = hmac.compare_digest(link.code_hash or "", _code_hash(token, code))
    patient = s.get(Patient, link.patient_id) if link.patient_id is not None else None
    if not right or not may_reset(patient):
        left = CODE_TRIES - link.tries
        return CodeResult(tries_left=left, problem=Status.USED if left <= 0 else None)
    if not invitations.claim(s, link.id, now, model=AccountLink):
        s.rollback()
        return CodeResult(problem=Status.USED)
    _, reset_token = new_link(s, RESET_AFTER_CODE, AFTER_CODE_LIFETIME, now, patient=patient)
    s.commit()
    return CodeResult(reset_token=reset_token)


def open_reset(
    s: Session, token: str, now: datetime | None = None
) -> tuple[AccountLink | None, Status]:
    """The reset link a token belongs to, and whether it can still set a password."""
    link, status = invitations.look_up(s, token, now, model=AccountLink)
    if link is None or link.purpose not in RESETS or link.patient_id is None:
        return None, Status.UNKNOWN
    if status is Status.VALID and not may_reset(s.get(Patient, link.patient_id)):
        return link, Status.USED  # the account was closed since
    return link, status


def set_password(
    s: Session, link: AccountLink, password: str, now: datetime | None = None
) -> tuple[Patient, str] | None:
    """Claim the link, set the password, end every session and open one here; tell the patient
    by their other channel. One commit; the patient and the new session's key, or None if the
    link was used or expired meanwhile."""
    now = now or clock.now()
    password_hash = hash_password(password)  # before the first write: no lock held
    patient = s.get(Patient, link.patient_id)
    if patient is None or not invitations.claim(s, link.id, now, model=AccountLink):
        s.rollback()
        return None
    key = put_new_password(s, patient, password_hash, now)
    # Every other way back in that is still open stops working: the password is new.
    expire_links(s, now, (*RESETS, RESET_BY_CODE), patient_id=patient.id)
    _tell_password_changed(
        s, patient, came_by=SMS if link.purpose == RESET_AFTER_CODE else EMAIL, key=link.id, now=now
    )
    s.commit()
    return patient, key


def _tell_password_changed(
    s: Session, patient: Patient, came_by: str, key: int, now: datetime
) -> None:
    # By the other channel from the one the reset came by: someone who took over the email
    # address is not the one told. A text only to a number the patient takes texts on.
    texts = bool(patient.mobile) and patient.sms_consent_at is not None
    channel = SMS if came_by == EMAIL and texts and not opted_out(s, patient.mobile) else EMAIL
    to = patient.mobile if channel == SMS else patient.email
    context = {"changed_at": when(now, patient.timezone)}
    queue_account_message(s, patient, "password_changed", channel, to, context, key, now)


@dataclass(frozen=True)
class TeamLink:
    """A sign-in link the team made: the row, the link, and whether it was queued to the patient."""

    link: AccountLink
    url: str
    sent: bool


def team_link(s: Session, patient: Patient, now: datetime | None = None) -> TeamLink:
    """A new sign-in link for a patient who cannot get in, by email and text (the caller audits
    and commits). Earlier team links stop working."""
    now = now or clock.now()
    if not may_reset(patient):
        raise ValueError("the account is not set up, or is closed")
    expire_links(s, now, (RESET_BY_TEAM,), patient_id=patient.id)
    link, token = new_link(s, RESET_BY_TEAM, TEAM_LINK_LIFETIME, now, patient=patient)
    url = path("reset", token)
    context = {"sign_in_link": url, "lifetime": _words(TEAM_LINK_LIFETIME)}
    sent = queue_account_message(
        s, patient, "sign_in_link", EMAIL, patient.email, context, link.id, now
    )
    if patient.mobile and not opted_out(s, patient.mobile):
        sent = (
            queue_account_message(
                s, patient, "sign_in_link", SMS, patient.mobile, context, link.id, now
            )
            or sent
        )
    return TeamLink(link, url, sent)


def _words(lifetime: timedelta) -> str:
    return messages.lifetime_words(lifetime)
