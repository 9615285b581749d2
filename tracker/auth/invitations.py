"""Invitation links: single use, expiring, and stored only as a hash of their token.

Account links (tracker.auth.models.AccountLink: a password reset, the team's sign-in link, a new
email address's confirmation) are made, looked up and claimed the same way, by these functions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker import clock, config
from tracker.auth.models import AccountLink, Invitation
from tracker.notify import sms_words
from tracker.patients.contact import normalise_email
from tracker.team.models import Team

# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours, and is
# refused before it is hashed or looked up.
TOKEN_MAX_LENGTH = 100


class Status(Enum):
    """What a link's token leads to."""

    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def _draw() -> str:
    return secrets.token_urlsafe(32)


def link_token() -> str:
    """A fresh random token for a link that may be sent by text.

    A text must never carry a health word, and a random token now and then spells one between its
    digits and dashes ("_gp_", "-rib-": about 1 in 500 draws). Such a text could not be sent, so
    those draws are thrown away. Dropping so few leaves the token as hard to guess as before.
    """
    while True:
        token = _draw()
        if sms_words.is_clean(token):
            return token


def hash_token(token: str) -> str:
    """The SHA-256 of a token, as stored: a copy of the table does not give working links."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(
    db: Session, team: Team, email: str | None = None, lifetime: timedelta | None = None
) -> tuple[Invitation, str]:
    """Add an invitation to `team` and return it with the raw token for the link (caller commits).

    `email`, if given, is checked and pre-filled on the sign-up form; a bad one raises
    ContactError. `lifetime` defaults to the INVITATION_LIFETIME setting.
    """
    lifetime = lifetime if lifetime is not None else config.current().web.invitation_lifetime
    token = link_token()
    invitation = Invitation(
        token_hash=hash_token(token),
        team_id=team.id,
        email=normalise_email(email) if email else None,
        expires_at=clock.now() + lifetime,
    )
    db.add(invitation)
    db.flush()
    return invitation, token


Link = Invitation | AccountLink


def look_up(
    db: Session, token: str, now: datetime | None = None, model: type[Link] = Invitation
) -> tuple[Link | None, Status]:
    """The invitation (or account link, by `model`) a token belongs to, and whether it can still
    be used."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None, Status.UNKNOWN
    link = db.scalar(select(model).where(model.token_hash == hash_token(token)))
    if link is None:
        return None, Status.UNKNOWN
    if link.used_at is not None:
        return link, Status.USED
    if link.expires_at <= (now or clock.now()):
        return link, Status.EXPIRED
    return link, Status.VALID


def claim(
    db: Session, invitation_id: int, now: datetime | None = None, model: type[Link] = Invitation
) -> bool:
    """Mark the invitation (or account link) used, if nobody has yet and it has not expired.
    True if this call won.

    A single conditional UPDATE, so that when two tabs (or two workers) submit the same link at
    once only one row count comes back as 1. Run it in the same transaction that creates the
    account: if creating the account fails, the rollback un-claims the link too. On PostgreSQL
    the losing UPDATE waits for the winner's commit and then matches nothing.
    """
    now = now or clock.now()
    result = db.execute(
        update(model)
        .where(model.id == invitation_id, model.used_at.is_(None), model.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record_user(db: Session, invitation_id: int, patient_id: int) -> None:
    """Note which account a claimed invitation created (same transaction as `claim`)."""
    db.execute(
        update(Invitation)
        .where(Invitation.id == invitation_id)
        .values(used_by_patient_id=patient_id)
        .execution_options(synchronize_session=False)
    )
