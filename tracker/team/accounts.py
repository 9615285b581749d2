"""Staff accounts: creating them, and the two steps of signing in (password, then a code).

Both steps are limited by tracker.auth.throttle, under account keys of their own ("staff:" and
"staff-code:" prefixes) so that a patient's failures and a member of staff's never share a
count. The per-address count is shared with patients' sign-ins: one address guessing at both
kinds of account is one guesser.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from tracker import clock
from tracker.auth import signing_in, throttle
from tracker.auth.passwords import hash_password
from tracker.auth.signing_in import Refused
from tracker.patients.contact import normalise_email
from tracker.team import totp
from tracker.team.models import ROLES, Membership, RecoveryCode, Staff, Team


class AccountError(ValueError):
    """A message for whoever is creating the account."""


def password_subject(email: str, address: str | None) -> throttle.Subject:
    return throttle.subject_for(f"staff:{email}", address)


def code_subject(staff_id: int, address: str | None) -> throttle.Subject:
    return throttle.subject_for(f"staff-code:{staff_id}", address)


def find_by_email(s: Session, email: str) -> Staff | None:
    return s.scalar(select(Staff).where(Staff.email == email))


def check_password(
    s: Session, email: str, password: str, address: str | None, limits: throttle.Limits
) -> Staff | Refused:
    """Step one: the member if the password is theirs (tracker.auth.signing_in). Commits."""
    outcome = signing_in.check_password(
        s, Staff, email, password, password_subject(email, address), limits
    )
    if isinstance(outcome, Staff):
        s.commit()
    return outcome


def check_code(
    s: Session,
    staff: Staff,
    typed: str,
    address: str | None,
    limits: throttle.Limits,
    now: datetime | None = None,
) -> bool | Refused:
    """Step two: a code from the authenticator, or an unused recovery code. Commits.

    True if accepted (a recovery code is then used up); Refused otherwise.
    """
    now = now or clock.now()
    attempt = throttle.begin_attempt(s, code_subject(staff.id, address), limits, now)
    if attempt is None:
        return Refused.LOCKED
    accepted = False
    if staff.totp_secret and staff.totp_enabled_at is not None:
        step = totp.matching_step(staff.totp_secret, typed, now, staff.totp_last_step)
        accepted = step is not None and _claim_step(s, staff.id, step)
    if not accepted and totp.looks_like_recovery_code(typed):
        accepted = _use_recovery_code(s, staff.id, typed, now)
    if not accepted:
        return Refused.WRONG
    attempt.succeeded(s)
    s.commit()
    s.refresh(staff)
    return True


def _claim_step(s: Session, staff_id: int, step: int) -> bool:
    # A conditional update, so that the same code sent twice at once (two tabs, a replay) is
    # accepted only once, whichever worker each request lands on.
    result = s.execute(
        update(Staff)
        .where(
            Staff.id == staff_id,
            or_(Staff.totp_last_step.is_(None), Staff.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _use_recovery_code(s: Session, staff_id: int, typed: str, now: datetime) -> bool:
    result = s.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.staff_id == staff_id,
            RecoveryCode.code_hash == totp.hash_recovery_code(typed),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def unused_recovery_codes(s: Session, staff_id: int) -> int:
    rows = s.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.staff_id == staff_id, RecoveryCode.used_at.is_(None)
        )
    )
    return len(list(rows))


# ---- enrolling the authenticator -------------------------------------------------------------


def secret_to_enrol(s: Session, staff: Staff) -> str:
    """The secret to show on the enrolment page: kept from a previous visit, else a new one.

    Kept, so that someone who scanned the code and then mistyped does not have to scan again.
    """
    if staff.totp_secret is None:
        staff.totp_secret = totp.new_secret()
        s.commit()
    return staff.totp_secret


def confirm_enrolment(
    s: Session,
    staff: Staff,
    typed: str,
    address: str | None,
    limits: throttle.Limits,
    now: datetime | None = None,
) -> list[str] | Refused:
    """Turn the second factor on once a code from the new authenticator matches. Commits.

    Returns the new recovery codes, shown once and never again.
    """
    now = now or clock.now()
    attempt = throttle.begin_attempt(s, code_subject(staff.id, address), limits, now)
    if attempt is None:
        return Refused.LOCKED
    step = totp.matching_step(staff.totp_secret or "", typed, now, None)
    if staff.totp_secret is None or step is None:
        return Refused.WRONG
    attempt.succeeded(s)
    staff.totp_enabled_at = now
    staff.totp_last_step = step
    codes = replace_recovery_codes(s, staff, now)
    s.commit()
    return codes


def replace_recovery_codes(s: Session, staff: Staff, now: datetime | None = None) -> list[str]:
    """New recovery codes for `staff`; every earlier one stops working (the caller commits)."""
    s.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == staff.id))
    codes = totp.new_recovery_codes()
    s.add_all(
        RecoveryCode(staff_id=staff.id, code_hash=totp.hash_recovery_code(c), created_at=now)
        for c in codes
    )
    return codes


# ---- creating accounts (`staff create`, the demo, a service administrator) -----------------------


@dataclass(frozen=True)
class NewStaff:
    name: str
    email: str
    password: str | None = None  # None: chosen later, from a link (tracker.team.admin)
    service_admin: bool = False
    team_id: int | None = None
    role: str | None = None
    totp_secret: str | None = None


def create_staff(s: Session, new: NewStaff, now: datetime | None = None) -> Staff:
    """Add a member of staff (and their first team, if given). The caller commits.

    With a TOTP secret given, the second factor is on from the start; otherwise the member
    enrols an authenticator at their first sign-in. With no password, they cannot sign in until
    they choose one from a link.
    """
    now = now or clock.now()
    email = normalise_email(new.email)
    if not new.name.strip():
        raise AccountError("Give the member's name")
    if find_by_email(s, email) is not None:
        raise AccountError("There is already a member of staff with this email address")
    if new.team_id is not None:
        if s.get(Team, new.team_id) is None:
            raise AccountError(f"There is no team {new.team_id}")
        if new.role not in ROLES:
            raise AccountError(f"The role must be one of: {', '.join(ROLES)}")
    if new.totp_secret is not None:
        _check_secret(new.totp_secret)
    staff = Staff(
        name=new.name.strip(),
        email=email,
        password_hash=hash_password(new.password) if new.password is not None else None,
        password_changed_at=now if new.password is not None else None,
        totp_secret=new.totp_secret,
        totp_enabled_at=now if new.totp_secret else None,
        is_service_admin=new.service_admin,
        created_at=now,
    )
    s.add(staff)
    s.flush()
    if new.team_id is not None and new.role is not None:
        s.add(Membership(staff_id=staff.id, team_id=new.team_id, role=new.role, created_at=now))
        s.flush()
        s.refresh(staff)
    return staff


MIN_SECRET_BYTES = 14  # 112 bits, the least NIST SP 800-63B allows for a TOTP key


def _check_secret(secret: str) -> None:
    """Refuse a given secret that is not base32 or is shorter than 112 bits."""
    problem = "The TOTP secret must be base32 and at least 112 bits (23 characters or more)"
    try:
        padded = secret + "=" * (-len(secret) % 8)
        decoded = base64.b32decode(padded, casefold=True)
        totp.code_at(secret, clock.now())
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AccountError(problem) from exc
    if len(decoded) < MIN_SECRET_BYTES:
        raise AccountError(problem)
