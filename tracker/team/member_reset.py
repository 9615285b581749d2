"""A team administrator resets a member's account (issue 22, item 5): the password and the
authenticator stop working at once, every session ends, and the member sets both again from a
one-time link emailed to them, never shown to the administrator, so that a reset cannot be used
to take the member's account over. Audited. A new account made in the workspace gets the same
kind of link (tracker.team.admin).

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
from tracker.team.models import MEMBER_RESET, TEAM_ADMIN, RecoveryCode, Staff, Team

LIFETIME = timedelta(days=1)
# A new member may not read their email the same day.
NEW_ACCOUNT_LIFETIME = timedelta(days=3)


class ResetRefused(ValueError):
    """Why this member cannot be reset by this administrator (shown to the administrator)."""


def refusal(by: Staff, member: Staff, team_id: int) -> str | None:
    """Why `by`, keeping team `team_id`, may not reset `member` (one of its members); None if
    they may. The one statement of who may reset whom.

    A team administrator resets the team's clinicians; a service administrator resets anyone;
    nobody resets themselves. A reset ends the account in every team, so a member who
    administers any team counts as a team administrator here.
    """
    if member.id == by.id:
        return "You cannot reset your own account here. Ask another administrator."
    if by.is_service_admin:
        return None
    if member.is_service_admin:
        return "Only a service administrator can reset a service administrator."
    if by.role_in(team_id) != TEAM_ADMIN:
        return "Only an administrator of the team can reset its members."
    if any(m.role == TEAM_ADMIN for m in member.memberships):
        return "Only a service administrator can reset a team administrator."
    return None


def may_reset(by: Staff, member: Staff, team_id: int) -> bool:
    return refusal(by, member, team_id) is None


def check_may_reset(by: Staff, member: Staff, team_id: int) -> None:
    """Raise ResetRefused unless `by` may reset `member` (see `refusal`)."""
    problem = refusal(by, member, team_id)
    if problem is not None:
        raise ResetRefused(problem)


def reset_member(
    s: Session, by: Staff, team: Team, member: Staff, now: datetime | None = None
) -> AccountLink:
    """Clear the member's password and authenticator, end their sessions, and email them a link
    to set both again; audited. The caller commits."""
    now = now or clock.now()
    check_may_reset(by, member, team.id)
    member.password_hash = None
    member.password_changed_at = now
    member.totp_secret = None
    member.totp_enabled_at = None
    member.totp_last_step = None
    s.execute(delete(RecoveryCode).where(RecoveryCode.staff_id == member.id))
    end_sessions(s, "reset_by_admin", staff_id=member.id, now=now)
    link = send_set_up_link(s, member, team, "staff_reset", LIFETIME, now)
    audit.record(
        s, by.id, MEMBER_RESET, team_id=team.id, detail=f"staff {member.id} link {link.id}", now=now
    )
    return link


def send_set_up_link(
    s: Session, member: Staff, team: Team, variant: str, lifetime: timedelta, now: datetime
) -> AccountLink:
    """Email `member` a one-time link to choose a password and set up an authenticator (after a
    reset, or for a new account); any earlier such link stops working. The caller commits."""
    recovery.expire_links(s, now, (STAFF_RESET,), staff_id=member.id)
    link, token = recovery.new_link(s, STAFF_RESET, lifetime, now, staff_id=member.id)
    context = {
        "reset_link": f"{config.current().web.public_url}/team/account/reset/{token}",
        "lifetime": messages.lifetime_words(lifetime),
    }
    queue_staff_message(s, member.email, team, variant, context, link.id, now)
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
