"""Sign-in state kept on the server: sessions, failed attempts, invitations, account links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db import Base, UTCDateTime
from tracker.patients.models import Patient
from tracker.team.models import Staff, Team


class UserSession(Base):
    """One signed-in browser. The cookie carries a random key; only its hash is stored.

    A session belongs to a patient or to a member of staff, never both.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (
        CheckConstraint("(patient_id IS NULL) <> (staff_id IS NULL)", name="patient_or_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(40))

    patient: Mapped[Patient | None] = relationship()
    staff: Mapped[Staff | None] = relationship()


class SignInFailure(Base):
    """A failed sign-in, counted per account and per address (hashed) across all workers."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_lookup", "kind", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "account" or "address"
    key_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Invitation(Base):
    """A single-use, expiring link that lets one person sign up to a team."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    # Set when a team enrolled the patient first: the link then completes that patient's
    # account (a password, their channels and consent) instead of creating a new one.
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )

    team: Mapped[Team] = relationship()


# What an account link is for (AccountLink.purpose).
RESET_BY_EMAIL = "reset_email"  # "Forgotten your password?": a link by email
RESET_BY_CODE = "reset_code"  # a 6-digit code by text; the browser holds the link's token
RESET_AFTER_CODE = "reset_after_code"  # the set-password page, once the code was right
RESET_BY_TEAM = "reset_team"  # a new sign-in link the treating team made
EMAIL_CHANGE = "email_change"  # following it makes `new_email` the sign-in address
STAFF_RESET = "staff_reset"  # a member sets a password and an authenticator again
LINK_PURPOSES = (
    RESET_BY_EMAIL,
    RESET_BY_CODE,
    RESET_AFTER_CODE,
    RESET_BY_TEAM,
    EMAIL_CHANGE,
    STAFF_RESET,
)


class AccountLink(Base):
    """A single-use, expiring link (or text code) that lets a patient, or a member of staff
    (`staff_id`, STAFF_RESET), back into their account.

    Made and checked like an invitation (tracker.auth.invitations): only the token's hash is
    stored. A code by text keeps its token in the browser's cookie and the code's keyed hash
    here, with the tries counted in the row so that every worker sees them. A request for an
    address with no account makes a row with no patient, so both cases behave the same.
    """

    __tablename__ = "account_links"
    __table_args__ = (CheckConstraint(f"purpose IN {LINK_PURPOSES!r}", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str | None] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(SmallInteger, default=0)
    new_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
