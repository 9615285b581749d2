"""Sign-in state kept on the server: sessions, failed attempts, invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
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
