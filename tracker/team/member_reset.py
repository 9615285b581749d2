"""A team administrator resets a member's account (issue 22, item 5): the password and the
authenticator stop working at once, every session ends, and the member sets both again from a
one-time link emailed to them, never shown to the administrator, so that a reset cannot be used
to take the member's account over. Audited.

The link is an account link (tracker.auth.models.AccountLink), made, looked up and claimed as
every other link is (tracker.auth.invitations).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.auth import invitations, recovery
from tracker.auth.invitations import Status
from tracker.auth.models import STAFF_RESET, AccountLink
from tracker.auth.passwords import hash_password
from tracker.auth.sessions import end_sessions
from tracker.notify import messages
from tracker.notify.queueing import queue_staff_message
from tracker.team import audit
from tracker.team.models import MEMBER_RESET, RecoveryCode, Staff, Team

LIFETIME = timedelta(days=1)


class ResetRefused(ValueError):
    """Why this member cannot be reset by this administrator (shown to the administrator)."""


def check_may_reset(by: Staff, member: Staff) -> None:
    """Raise ResetRefused unless `by` may reset `member` (both already in the team)."""
    if member.id == by.id:
        raise ResetRefused(
            "You cannot reset your own account here. Ask another administrator of the team."
        )
    if member.is_service_admin and not by.is_service_admin:
        raise ResetRefused("Only a service administrator can reset a service administrator.")


def reset_member(
    s: Session, by: Staff, team: Team, member: Staff, now: datetime | None = None
) -> AccountLink:
    """Clear the member's password and authenticator, end their sessions, and email them a link
    to set both again; audited. The caller commits."""
    now = now or clock.now()
    check_may_reset(by, member)
    member.password_hash = None
    member.password_changed_at = now
    member.totp_secret = None
    member.totp_enabled_at = None
    member.totp_last_step = None
    s.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == member.id))
    end_sessions(s, "reset_by_admin", staff_id=member.id, now=now)
    recovery.expire_links(s, now, (STAFF_RESET,), staff_id=member.id)
    link, token = recovery.new_link(s, STAFF_RESET, LIFETIME, now, staff_id=member.id)
    context = {
        "reset_link": f"{config.current().web.public_url}/team/account/reset/{token}",
        "lifetime": messages.lifetime_words(LIFETIME),
    }
    queue_staff_message(s, member.email, team, "staff_reset", context, link.id, now)
    audit.record(
        s, by.id, MEMBER_RESET, team_id=team.id, detail=f"staff {member.id} link {link.id}", now=now
    )
    return link


def open_link(s: Session, token: str, now: datetime | None = None) -> tuple[Staff | None, Status]:
    """The member a reset link is for, and whether it can still be used."""
    link, status = invitations.look_up(s, token, now, model=AccountLink)
    if link is None or link.purpose != STAFF_RESET or link.staff_id is None:
        return None, Status.UNKNOWN
    return s.get(Staff, link.staff_id), status


def set_password(
    s: Session, token: str, password: str, now: datetime | None = None
) -> Staff | None:
    """Claim the link and set the member's new password; commits. The member (who then sets up
    an authenticator, as at a first sign-in), or None if the link was used or expired meanwhile."""
    now = now or clock.now()
    password_hash = hash_password(password)  # before the first write: no lock held
    link, status = invitations.look_up(s, token, now, model=AccountLink)
    if link is None or link.purpose != STAFF_RESET or status is not Status.VALID:
        return None
    if not invitations.claim(s, link.id, now, model=AccountLink):
        s.rollback()
        return None
    member = s.get(Staff, link.staff_id)
    member.password_hash = password_hash
    member.password_changed_at = now
    s.commit()
    return member
