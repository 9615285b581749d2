"""A patient's request to be contacted by their treating team, and what became of it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db import Base, UTCDateTime
from tracker.patients.models import Patient
from tracker.rules.urgency import Urgency
from tracker.team.models import OUTCOMES, Staff

OPEN = "open"
CLOSED = "closed"
STATUSES = (OPEN, CLOSED)
# Where it came from: the diary's form, or a text saying CALL.
WEB = "web"
TEXT = "sms"
SOURCES = (WEB, TEXT)
# How the patient asked to be reached.
BY_PHONE = "phone"
BY_EMAIL = "email"
REACH_BY = (BY_PHONE, BY_EMAIL)

URGENCIES = tuple(u.value for u in Urgency)

WORDS_MAX = 1000
GOOD_TIMES_MAX = 200


class ContactRequest(Base):
    """ "Ask my team to contact me": what about, how and when to reach the patient, by when the
    team aims to (`due_on`, from the team's response target), and what the team recorded.

    Health text (`about`, `words`) and the number given are for the team's pages only: never in
    a log, a text, an email or the audit trail.
    """

    __tablename__ = "contact_requests"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source"),
        CheckConstraint(f"reach_by IN {REACH_BY!r}", name="reach_by"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES!r}", name="outcome"),
        CheckConstraint(f"urgency IN {URGENCIES!r}", name="urgency"),
        # Closed with an outcome, by someone, at a time; or open with none of them.
        CheckConstraint(
            "(status = 'open' AND outcome IS NULL AND closed_at IS NULL AND closed_by IS NULL) "
            "OR (status = 'closed' AND outcome IS NOT NULL AND closed_at IS NOT NULL "
            "AND closed_by IS NOT NULL)",
            name="closed_with_outcome",
        ),
        # The form's one-time key: the same form sent twice makes one request.
        UniqueConstraint("patient_id", "form_key"),
        # The team's open requests by due time, and the metrics by team and month.
        Index(
            "ix_contact_requests_open_due",
            "due_at",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The queue: open requests with the alerts, most urgent first, then soonest due.
        Index(
            "ix_contact_requests_open_urgency_due",
            "urgency",
            "due_at",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_contact_requests_team_created", "team_id", "created_at"),
        Index("ix_contact_requests_patient_created", "patient_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # The team that had the patient when they asked: the metrics count it there.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    form_key: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(8), default=WEB)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    due_on: Mapped[date] = mapped_column(Date)  # as the patient was told it
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # midnight at the end of due_on
    # The open alerts the patient ticked (ids, comma-separated) and, one a line, everything
    # ticked as the patient read it then.
    alert_ids: Mapped[str] = mapped_column(String(200), default="")
    # Where it stands in the team's queue: the most urgent of the alerts ticked, as they were
    # when the patient asked, or `soon` (the response target) if none was.
    urgency: Mapped[str] = mapped_column(String(16), default=Urgency.SOON, server_default="soon")
    about: Mapped[str] = mapped_column(Text, default="")
    words: Mapped[str | None] = mapped_column(Text)  # the patient's own, up to WORDS_MAX
    reach_by: Mapped[str] = mapped_column(String(8), default=BY_PHONE)
    phone: Mapped[str | None] = mapped_column(String(40))  # as people read it
    good_times: Mapped[str | None] = mapped_column(String(GOOD_TIMES_MAX))
    status: Mapped[str] = mapped_column(String(8), default=OPEN)
    assigned_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # The team's first try or outcome, whichever came first: "time to first contact".
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_note: Mapped[str | None] = mapped_column(
        Text
    )  # for the team; never shown to the patient
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    patient: Mapped[Patient] = relationship(lazy="joined")
    assigned_staff: Mapped[Staff | None] = relationship(
        foreign_keys=[assigned_staff_id], lazy="joined"
    )

    @property
    def alert_id_list(self) -> list[int]:
        return [int(i) for i in self.alert_ids.split(",") if i]

    @property
    def about_list(self) -> list[str]:
        return [line for line in self.about.splitlines() if line]

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def is_past_due(self, now: datetime) -> bool:
        """True while open after its due day is over."""
        return self.is_open and now >= self.due_at

    def __repr__(self) -> str:  # never the words or the number: reprs end up in logs
        return f"<ContactRequest {self.id} {self.status}>"
