"""Alerts, their history, and the queue of prompts they cause."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import ColumnElement, and_, or_

from tracker import clock
from tracker.alerts.lifecycle import ACKNOWLEDGED as ACKNOWLEDGED
from tracker.alerts.lifecycle import ANSWERED, OPEN, STATUSES, TEAM_CLOSES, waits_for_team
from tracker.alerts.lifecycle import CLOSED as CLOSED
from tracker.alerts.lifecycle import RESOLVED as RESOLVED
from tracker.alerts.lifecycle import SUPERSEDED as SUPERSEDED
from tracker.db import Base, UTCDateTime
from tracker.diary.models import series_of_row
from tracker.rules.urgency import Urgency

# The statuses are the lifecycle's words (lifecycle.py), imported from here too; the urgencies
# are the rules' (tracker.rules.urgency).

# What the urgency column may hold, least urgent first.
URGENCY_VALUES = tuple(u.value for u in Urgency)

# The team's "to do" list (`lifecycle.waits_for_team`) as an index predicate, so the queue's
# pages are read from small partial indexes rather than from every alert ever raised.
WAITING_SQL = f"status = '{OPEN}' OR (status IN {ANSWERED!r} AND urgency IN {TEAM_CLOSES!r})"

# Per cent of each page of `alerts` filled by inserts; the rest is for updates (below).
ALERTS_FILLFACTOR = 70


class Alert(Base):
    """One flagged episode of one symptom for one patient."""

    __tablename__ = "alerts"
    __table_args__ = (
        # At most one open alert per episode, enforced by the database: while an episode lasts
        # it is known by its patient and series (rules §4), so one open alert per pair.
        Index(
            "uq_alerts_one_open_per_series",
            "patient_id",
            "series",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_alerts_patient_series", "patient_id", "series", "id"),
        # What waits for the team, by urgency and by age: the queue reads its alerts from these
        # (then sorts them with the open requests), the metrics count them by urgency.
        Index(
            "ix_alerts_waiting_urgency",
            "urgency",
            "opened_at",
            "id",
            sqlite_where=text(WAITING_SQL),
            postgresql_where=text(WAITING_SQL),
        ),
        Index(
            "ix_alerts_waiting_opened",
            "opened_at",
            "id",
            sqlite_where=text(WAITING_SQL),
            postgresql_where=text(WAITING_SQL),
        ),
        # What a prompt's foreign key refers to, so that the database itself holds each prompt
        # to its alert's patient (see Prompt). An index rather than a constraint: SQLite can
        # add one without rebuilding the table.
        Index("uq_alerts_id_patient_id", "id", "patient_id", unique=True),
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        # Written out as the plain strings: the constraint's SQL must not change.
        CheckConstraint(f"urgency IN {URGENCY_VALUES!r}", name="urgency"),
        # An open alert's episode dates move on most days. Room left on each page lets
        # PostgreSQL write the new version beside the old without touching the three indexes
        # (a "HOT" update), so the daily pass writes less, and the indexes do not bloat.
        {"postgresql_with": {"fillfactor": ALERTS_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    symptom_code: Mapped[str] = mapped_column(String(40))
    # The series (`tracker.rules.data.series_key`): the code, or for `other` the code and name.
    series: Mapped[str] = mapped_column(String(90), default=series_of_row)
    episode_start: Mapped[date] = mapped_column(Date)
    first_entry: Mapped[date] = mapped_column(Date)
    last_entry: Mapped[date] = mapped_column(Date)
    duration_days: Mapped[int] = mapped_column(SmallInteger)
    urgency: Mapped[str] = mapped_column(String(16))
    # The reasons, comma-separated in the order of the rules' table (rules §3).
    reasons: Mapped[str] = mapped_column(String(120))
    rules_version: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default=OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", order_by="AlertEvent.id", cascade="all, delete-orphan"
    )

    @hybrid_property
    def waits_for_team(self) -> bool:
        """True while the alert is on the team's "to do" list (`lifecycle.waits_for_team`)."""
        return waits_for_team(self.status, self.urgency)

    @waits_for_team.inplace.expression
    @classmethod
    def _waits_for_team(cls) -> ColumnElement[bool]:
        answered_urgent = and_(cls.status.in_(ANSWERED), cls.urgency.in_(TEAM_CLOSES))
        return or_(cls.status == OPEN, answered_urgent)

    @property
    def reason_list(self) -> list[str]:
        return self.reasons.split(",") if self.reasons else []

    def __repr__(self) -> str:
        return f"<Alert {self.id} {self.status} {self.urgency}>"


class AlertEvent(Base):
    """Every change to an alert: what happened, who did it, and what the alert then said."""

    __tablename__ = "alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    action: Mapped[str] = mapped_column(String(24))  # opened, updated, acknowledged, ...
    actor: Mapped[str] = mapped_column(String(40))  # "detection", "patient:12", ...
    status: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(String(120))
    rules_version: Mapped[str] = mapped_column(String(40))

    alert: Mapped[Alert] = relationship(back_populates="events")


class Prompt(Base):
    """A prompt to the patient, queued in the same transaction as the alert change behind it.

    The unique key makes queueing idempotent: a detection run repeated, or two of them at once,
    can queue the prompt for one alert at one urgency (and each re-prompt) only once.
    """

    __tablename__ = "prompts"
    __table_args__ = (
        # The alert and its patient together: a prompt can only ever go to the patient whose
        # alert it is, whatever the code that queues it does. (The alert's own key to the
        # patient makes a separate one from here needless.)
        ForeignKeyConstraint(
            ["alert_id", "patient_id"],
            ["alerts.id", "alerts.patient_id"],
            name="fk_prompts_alert_id_patient_id_alerts",
            ondelete="CASCADE",
        ),
        UniqueConstraint("alert_id", "urgency", "reprompt"),
        Index("ix_prompts_queued", "due_at", postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int]
    patient_id: Mapped[int]
    urgency: Mapped[str] = mapped_column(String(16))
    reprompt: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0: first; then 1, 2, ...
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Set by the dispatcher (the notifications issue) once the messages for it are sent.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Lets a prompt be queued for an alert not yet written: the flush fills in alert_id.
    alert: Mapped[Alert] = relationship()
