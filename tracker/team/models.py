"""Treating teams, their staff, and what staff do: outcomes recorded and every access audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.contact_requests.due import DEFAULT_RESPONSE_DAYS
from tracker.db import Base, UTCDateTime

# A member's role in one team.
CLINICIAN = "clinician"
TEAM_ADMIN = "team_admin"
ROLES = (CLINICIAN, TEAM_ADMIN)

# What the team did about an alert (issue 6). The order is the order on the form.
CONTACTED = "contacted"
APPOINTMENT = "appointment"
TESTS = "tests"
NO_ACTION = "no_action"
OUTCOMES = (CONTACTED, APPOINTMENT, TESTS, NO_ACTION)
OUTCOME_NOTE_MAX = 2000
# Tries that did not reach the patient (issue 19, item 16): recorded on the same form, they keep
# the alert (or the quiet patient) waiting for the team, so someone tries again.
NO_ANSWER = "no_answer"
LEFT_MESSAGE = "left_message"
ATTEMPTS = (NO_ANSWER, LEFT_MESSAGE)

# What a member of staff did, as StaffAccess.action records it (tracker.team.audit).
VIEWED_RECORD = "viewed_record"
VIEWED_ALERT = "viewed_alert"
VIEWED_QUIET = "viewed_quiet"  # a quiet patient's item in the queue
ENROLLED = "enrolled"
INVITATION_MADE = "invitation_made"
SIGN_IN_LINK_MADE = "sign_in_link_made"  # a new link for a patient who cannot get in (issue 22)
PAUSED = "paused"
RESUMED = "resumed"
MOVED = "moved"
ENDED = "ended"
END_UNDONE = "end_undone"  # a discharge or death recorded by mistake, undone
OUTCOME_RECORDED = "outcome_recorded"
CONDITIONS_CHANGED = "conditions_changed"  # a known condition added, changed or removed
QUIET_OUTCOME_RECORDED = "quiet_outcome_recorded"  # what was done about a quiet patient
CONTACT_ATTEMPTED = "contact_attempted"  # tried to call: no answer, or a message left
ALERT_ASSIGNED = "alert_assigned"  # detail: which alert, and to which member (by id)
ALERT_UNASSIGNED = "alert_unassigned"
VIEWED_SUMMARY = "viewed_summary"  # the summary for a GP or team, as a page (detail: the dates)
SUMMARY_PDF = "summary_pdf"  # the same summary, downloaded as a PDF
FHIR_RECORD = "fhir_record"  # the record as a FHIR Bundle, for the hospital's systems
TEAM_DETAILS_CHANGED = "team_details_changed"
TEAM_NOTIFICATIONS_CHANGED = "team_notifications_changed"
MEMBER_ADDED = "member_added"
MEMBER_ROLE_CHANGED = "member_role_changed"
MEMBER_REMOVED = "member_removed"
MEMBER_RESET = "member_reset"  # password and authenticator cleared; a link sent (issue 22)
# A patient's request to be contacted (issue 21); detail: "request <id>" (and "to staff <id>").
VIEWED_REQUEST = "viewed_request"
REQUEST_OUTCOME_RECORDED = "request_outcome_recorded"
REQUEST_ASSIGNED = "request_assigned"
REQUEST_UNASSIGNED = "request_unassigned"
VIEWED_REQUEST_METRICS = "viewed_request_metrics"  # a team's figures: no patient in them
TEAM_CREATED = "team_created"  # by a service administrator in the workspace
STAFF_CREATED = "staff_created"  # a new account, with its first team and a link to set it up


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    hospital: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(254))
    # Free text as a patient reads it, for example "Monday to Friday, 9am to 5pm".
    hours: Mapped[str] = mapped_column(String(200))
    out_of_hours: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Whether the team is told too (issue 6): at once for emergency and same-day alerts, and a
    # daily digest of new ones. Off until the team chooses; sent through the outbox.
    notify_urgent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    notify_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Where those emails go; None means the team's own email address above.
    notify_email: Mapped[str | None] = mapped_column(String(254))
    # How many working days the team aims to take to contact a patient who asks it to
    # (tracker.contact_requests.due), as patients are told it. From 1 to 10, checked by the
    # team's form: no check constraint, which would mean rebuilding this table on SQLite.
    response_days: Mapped[int] = mapped_column(
        SmallInteger, default=DEFAULT_RESPONSE_DAYS, server_default=str(DEFAULT_RESPONSE_DAYS)
    )

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )

    @property
    def notify_address(self) -> str:
        return self.notify_email or self.email

    def __repr__(self) -> str:
        return f"<Team {self.id}>"


class Staff(Base):
    """A member of staff who signs in to the team workspace with a password and a second factor.

    The TOTP secret is stored as it is (base32), not encrypted: anyone who can read this table
    can mint codes for these accounts, though they would still need the password. Encrypting
    it with a key kept outside the database is a later step; until then it is never logged,
    never in a repr, and shown only on the enrolment page.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased; it is also the sign-in name.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # None until the member has proved their authenticator works (or the secret was given).
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last 30-second step a code was accepted for: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    is_service_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    # Read when asked for (the signed-in member's, once a request): not with every member of
    # staff a page names, which made each name on the queue cost a query.
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="staff", cascade="all, delete-orphan"
    )

    def role_in(self, team_id: int) -> str | None:
        """The member's role in the team, or None if they are not in it."""
        return next((m.role for m in self.memberships if m.team_id == team_id), None)

    @property
    def team_ids(self) -> set[int]:
        return {m.team_id for m in self.memberships}

    def __repr__(self) -> str:  # never the name, email or secret: reprs end up in logs
        return f"<Staff {self.id}>"


class Membership(Base):
    """A member of staff in one team, with their role there."""

    __tablename__ = "team_memberships"
    __table_args__ = (
        UniqueConstraint("staff_id", "team_id"),
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    staff: Mapped[Staff] = relationship(back_populates="memberships")
    team: Mapped[Team] = relationship(back_populates="memberships", lazy="joined")


class RecoveryCode(Base):
    """A single-use code that stands in for the authenticator. Only its SHA-256 is stored.

    A fast hash is enough because each code carries 80 random bits: there is no list of likely
    codes to hash, unlike passwords.
    """

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertOutcome(Base):
    """What the treating team did about an alert; recording it closes the alert."""

    __tablename__ = "alert_outcomes"
    __table_args__ = (
        CheckConstraint(f"outcome IN {OUTCOMES!r}", name="outcome"),
        Index("ix_alert_outcomes_patient_at", "patient_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One outcome per alert: recording it closes the alert, and a closed alert stays closed.
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)  # for the team; never shown to the patient
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    staff: Mapped[Staff] = relationship(lazy="joined")


class QuietSpell(Base):
    """A quiet patient put in the team's queue so that someone calls (rules §4b): raised once
    per quiet spell, which is known by the last day the patient was heard from; it waits until
    the team records what was done."""

    __tablename__ = "quiet_spells"
    __table_args__ = (
        # Once per spell: heard from again, the patient's next spell has a later date.
        UniqueConstraint("patient_id", "last_heard"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES!r}", name="outcome"),
        # An outcome comes with who recorded it and when, or not at all.
        CheckConstraint(
            "(outcome IS NULL AND staff_id IS NULL AND outcome_at IS NULL) "
            "OR (outcome IS NOT NULL AND staff_id IS NOT NULL AND outcome_at IS NOT NULL)",
            name="outcome_recorded",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    last_heard: Mapped[date] = mapped_column(Date)  # the patient's local date
    quiet_from: Mapped[date] = mapped_column(Date)
    noted: Mapped[str] = mapped_column(Text)  # "last noted: …", in the team's words
    rules_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)  # for the team; never shown to the patient
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    staff: Mapped[Staff | None] = relationship(lazy="joined")


ONE_SUBJECT = (
    " + ".join(
        f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)"
        for c in ("alert_id", "quiet_spell_id", "contact_request_id")
    )
    + " = 1"
)


class ContactAttempt(Base):
    """A try to reach the patient that did not (no answer, a message left), about an alert, a
    quiet spell or a request to be contacted. It changes nothing in what it is about: that still
    waits for the team."""

    __tablename__ = "contact_attempts"
    __table_args__ = (
        CheckConstraint(f"attempt IN {ATTEMPTS!r}", name="attempt"),
        # About an alert, a quiet spell or a request to be contacted: exactly one of the three.
        CheckConstraint(ONE_SUBJECT, name="one_subject"),
        Index("ix_contact_attempts_alert_id_at", "alert_id", "at"),
        Index("ix_contact_attempts_quiet_spell_id_at", "quiet_spell_id", "at"),
        Index("ix_contact_attempts_contact_request_id_at", "contact_request_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    quiet_spell_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiet_spells.id", ondelete="CASCADE")
    )
    contact_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_requests.id", ondelete="CASCADE")
    )
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    attempt: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)  # for the team; never shown to the patient
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    staff: Mapped[Staff] = relationship(lazy="joined")


class AlertAssignment(Base):
    """Who in the patient's team has taken an alert on; no row means nobody yet."""

    __tablename__ = "alert_assignments"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    # Indexed for the queue's "assigned to me" filter.
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    assigned_by: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id], lazy="joined")


class StaffAccess(Base):
    """Who saw or changed what, and when: every staff view of a patient's record, every change.

    `detail` says which thing (an alert's id, a role, a team's id): never names, contact details
    or health text, so the audit trail can be shown and exported without them.
    """

    __tablename__ = "staff_access"
    __table_args__ = (
        Index("ix_staff_access_patient_at", "patient_id", "at"),
        Index("ix_staff_access_team_at", "team_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    # The patient whose record it was (None for a change to a team), and the team it was seen
    # through: a patient later moved keeps the name of the team that looked.
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    staff: Mapped[Staff] = relationship(lazy="joined")
    team: Mapped[Team | None] = relationship(lazy="joined")
