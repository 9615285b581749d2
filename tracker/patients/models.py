"""The patient record. Kept apart from the diary: teams, auth and messages all read it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.config import DEFAULT_TIMEZONE
from tracker.db import Base, UTCDateTime
from tracker.team.models import Staff, Team

# Whether the treating team is monitoring the patient (issue 6). Only ACTIVE patients are sent
# anything; PAUSED (back in treatment, in hospital) and ENDED stop every message at once.
ACTIVE = "active"
PAUSED = "paused"
ENDED = "ended"
MONITORING_STATUSES = (ACTIVE, PAUSED, ENDED)
# Why monitoring ended. After DIED nothing is ever sent and the account cannot be signed in to.
DISCHARGED = "discharged"
DIED = "died"
ENDED_REASONS = (DISCHARGED, DIED)
# The longest reason the team can give for a known condition.
CONDITION_REASON_MAX = 200

# Patients who have not turned on prompts by email (every patient has an address: it is how
# they sign in).
NO_EMAIL_PROMPTS = "email_consent_at IS NULL"


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint(f"monitoring_status IN {MONITORING_STATUSES!r}", name="monitoring_status"),
        # A reason exactly when monitoring has ended. "IS NOT NULL" because a check that comes
        # out NULL passes: "NULL IN (...)" alone would let an ended status have no reason.
        CheckConstraint(
            "(monitoring_status = 'ended' AND ended_reason IS NOT NULL "
            "AND ended_reason IN ('discharged', 'died')) "
            "OR (monitoring_status <> 'ended' AND ended_reason IS NULL)",
            name="ended_reason",
        ),
        # One NHS number, one patient, across the whole service (issue 19, item 17): the same
        # number enrolled twice is a mistake to catch, whichever team makes it. NULLs (patients
        # from before, and open sign-ups) do not collide.
        Index("uq_patients_nhs_number", "nhs_number", unique=True),
        # The team's patient list, a page at a time by name (tracker.team.record.patients_of).
        Index("ix_patients_team_id_name", "team_id", "name", "id"),
        # The few without prompts by email, whom a prompt may not reach, by name: the queue
        # names the first of them (tracker.patients.reachability) without reading the team.
        Index(
            "ix_patients_no_email_prompts",
            "team_id",
            "name",
            "id",
            sqlite_where=text(NO_EMAIL_PROMPTS),
            postgresql_where=text(NO_EMAIL_PROMPTS),
        ),
        # One NHS login, one patient (tracker.auth.nhs_login).
        Index("uq_patients_nhs_login_sub", "nhs_login_sub", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased; it is also the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    mobile: Mapped[str | None] = mapped_column(String(20))  # E.164, for example +447700900123
    # Ten digits, check digit valid (tracker.patients.nhs_number); never logged. None for
    # patients enrolled before it was asked and for open sign-ups.
    nhs_number: Mapped[str | None] = mapped_column(String(10))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # NHS login's subject for this patient, once they first signed in with it; and when.
    nhs_login_sub: Mapped[str | None] = mapped_column(String(255))
    nhs_login_linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Only the first part of a postcode (for example LS6), to show support nearby: never more.
    postcode_district: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    enrolled_on: Mapped[date] = mapped_column(Date)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Prompts by each channel (rules §4): when they were last switched on, or None if the patient
    # turned them off (or, from version 1, had that channel off). On for every new account.
    # Reminders are a separate consent: ContactPreference.remind_by_*.
    email_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    monitoring_status: Mapped[str] = mapped_column(
        String(10), default=ACTIVE, server_default=ACTIVE
    )
    ended_reason: Mapped[str | None] = mapped_column(String(12))
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member of staff who made the last change. No foreign key: the audit trail
    # (tracker.team.models.StaffAccess) is the record of who did what; this is for showing it,
    # and adding a key would mean rebuilding this table on SQLite (see the migration).
    status_changed_by: Mapped[int | None] = mapped_column()
    # While an ending can still be undone (`tracker.team.monitoring.UNDO_WITHIN`): the status
    # it ended from, and, for a death, the password put aside when the account was closed, so
    # that a mistaken record gives the patient back the account they had. Cleared after.
    status_before_end: Mapped[str | None] = mapped_column(String(10))
    held_password_hash: Mapped[str | None] = mapped_column(String(255))

    team: Mapped[Team] = relationship(lazy="joined")
    known_conditions: Mapped[list[KnownCondition]] = relationship(
        back_populates="patient",
        cascade="all, delete-orphan",
        order_by="KnownCondition.symptom_code",
    )

    @property
    def is_monitored(self) -> bool:
        """True if messages may be sent: reminders, prompts, check-ins. Checked at send time."""
        return self.monitoring_status == ACTIVE

    def known_condition_codes(self, on: date | None = None) -> set[str]:
        """The codes of the known conditions; with `on`, only those that count on that day."""
        return {k.symptom_code for k in self.known_conditions if on is None or k.counts_on(on)}

    def __repr__(self) -> str:  # never the name or contact details: reprs end up in logs
        return f"<Patient {self.id}>"


class KnownCondition(Base):
    """A symptom the patient already has for another, known reason (rules §2).

    The patient or the team records one; the team's may end (`until`, inclusive: it counts on
    that day and not after). Every change is kept in KnownConditionChange.
    """

    __tablename__ = "known_conditions"
    __table_args__ = (UniqueConstraint("patient_id", "symptom_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    symptom_code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    until: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(CONDITION_REASON_MAX))
    # Who set it as it stands: a member of staff, or None for the patient.
    # Staff are never deleted (StaffAccess keeps them too), so None always means the patient.
    set_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient: Mapped[Patient] = relationship(back_populates="known_conditions")
    set_by_staff: Mapped[Staff | None] = relationship(lazy="joined")

    @property
    def set_by_team(self) -> bool:
        return self.set_by_staff_id is not None

    def counts_on(self, day: date) -> bool:
        """Whether it counts on `day` (rules §2): no end date, or the end date not before it."""
        return self.until is None or self.until >= day


# What happened to a known condition, for its history.
CONDITION_ADDED = "added"
CONDITION_CHANGED = "changed"
CONDITION_REMOVED = "removed"
CONDITION_ACTIONS = (CONDITION_ADDED, CONDITION_CHANGED, CONDITION_REMOVED)


class KnownConditionChange(Base):
    """Every change to a patient's known conditions: what, by whom (a member of staff, or the
    patient when `staff_id` is None), and when; `until` and `reason` as they were after it."""

    __tablename__ = "known_condition_changes"
    __table_args__ = (
        CheckConstraint(f"action IN {CONDITION_ACTIONS!r}", name="action"),
        Index("ix_known_condition_changes_patient_at", "patient_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    symptom_code: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(10))
    until: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(CONDITION_REASON_MAX))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    staff: Mapped[Staff | None] = relationship(lazy="joined")


# Reminder cadences (rules §4a); the default is weekly, Monday 10:00 local time.
DAILY = "daily"
WEEKLY = "weekly"
FORTNIGHTLY = "fortnightly"
CADENCES = (DAILY, WEEKLY, FORTNIGHTLY)
DEFAULT_CADENCE = WEEKLY
DEFAULT_WEEKDAY = 0  # Monday
DEFAULT_REMINDER_TIME = "10:00"


class ContactPreference(Base):
    """A patient's reminders: by which channels (their choice, off unless chosen), the cadence
    and the pause; and a mobile number that takes no texts.

    Prompts per channel are Patient.email_consent_at / sms_consent_at (rules §4); a patient with
    no row here has no reminders.
    """

    __tablename__ = "contact_preferences"
    __table_args__ = (
        CheckConstraint(f"reminder_cadence IN {CADENCES!r}", name="reminder_cadence"),
        CheckConstraint("reminder_weekday BETWEEN 0 AND 6", name="reminder_weekday"),
    )

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    reminder_cadence: Mapped[str] = mapped_column(String(12), default=DEFAULT_CADENCE)
    reminder_weekday: Mapped[int] = mapped_column(SmallInteger, default=DEFAULT_WEEKDAY)
    reminder_time: Mapped[str] = mapped_column(String(5), default=DEFAULT_REMINDER_TIME)
    reminders_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remind_by_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    remind_by_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The mobile number Twilio refused for good (21211 invalid, 21614 not a mobile, or reported
    # undeliverable, 30003 and 30005; see preferences.REFUSED_NUMBER_CODES): texts stop until
    # the patient's number is different from this one.
    sms_refused_number: Mapped[str | None] = mapped_column(String(20))
    sms_refused_code: Mapped[str | None] = mapped_column(String(12))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


# What a consent covers (ConsentChange.scope). MESSAGES is version 1's "this channel at all",
# kept in the history; since version 2 of the rules each change is to PROMPTS or REMINDERS.
MESSAGES = "messages"
PROMPTS = "prompts"
REMINDERS = "reminders"
# The source of the changes the version 2 migration recorded when it split the two.
RULES_V2 = "rules_v2"


class ConsentChange(Base):
    """Every change to what a patient agreed to be sent: which channel, what for, given or
    withdrawn, when, and how. The source says who: the patient ("sign_up", "settings"), whoever
    holds the number ("sms_stop", "sms_start", Twilio's "twilio_21610"), or the service itself
    ("rules_v2", the migration that split prompts from reminders)."""

    __tablename__ = "consent_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(8))
    scope: Mapped[str] = mapped_column(String(12), default=PROMPTS)
    given: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


# What the patient took a copy of (OwnCopy.action): their summary, as a page or a PDF, and the
# download of everything held. Named apart from the team's actions (tracker.team.models), so
# that one set of words can tell both.
OWN_SUMMARY = "own_summary"  # detail: the dates
OWN_SUMMARY_PDF = "own_summary_pdf"  # detail: the dates
OWN_DOWNLOAD = "own_download"
OWN_COPIES = (OWN_SUMMARY, OWN_SUMMARY_PDF, OWN_DOWNLOAD)


class OwnCopy(Base):
    """A copy the patient took of their own record, kept beside the team's audit trail
    (tracker.team.models.StaffAccess) and shown with it in "who has looked at your record"."""

    __tablename__ = "own_copies"
    __table_args__ = (
        CheckConstraint(f"action IN {OWN_COPIES!r}", name="action"),
        Index("ix_own_copies_patient_at", "patient_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(200))  # never health text
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
