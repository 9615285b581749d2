"""The diary: entries as the patient sees them now, and every version they ever had."""

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker import clock
from tracker.db import Base, UTCDateTime
from tracker.rules.data import series_key

# What a row records: a symptom on a day, "this has gone away", or "no new symptoms today".
SYMPTOM = "symptom"
RESOLVED = "resolved"
CHECK_IN = "check_in"
KINDS = (SYMPTOM, RESOLVED, CHECK_IN)

NOTE_MAX = 2000

# Rows the detection engine reads: symptom entries and resolved marks that are not deleted.
LIVE_SYMPTOM_ROWS = "deleted_at IS NULL AND kind IN ('symptom', 'resolved')"
# The same condition for queries, in the very words of the partial index that covers those rows:
# both databases use a partial index only where they can prove the query's condition implies the
# index's, and the same literal text is the one proof neither can miss. Unqualified, it names
# the columns of the only diary_entries in its query (or subquery).
LIVE_SYMPTOM = text(LIVE_SYMPTOM_ROWS)
LIVE_SYMPTOM_DAY_COLUMNS = (
    "patient_id",
    "series",
    "entry_date",
    "kind",
    "severity",
    "onset_date",
    "worrying",
    # Always NULL here, but SQLite counts a partial index as covering only if it holds the
    # columns of its own condition too.
    "deleted_at",
)


def series_of_row(context) -> str | None:
    """The series of a row being inserted (`tracker.rules.data.series_key`); none for a
    check-in, which has no symptom."""
    row = context.get_current_parameters()
    code = row.get("symptom_code")
    return None if code is None else series_key(code, row.get("name"))


class DiaryEntry(Base):
    __tablename__ = "diary_entries"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS!r}", name="kind"),
        CheckConstraint("severity IS NULL OR severity BETWEEN 1 AND 10", name="severity_range"),
        # Only a symptom entry has a severity, and a red flag's may be left out (rules §2: the
        # app says which symptoms may go without).
        CheckConstraint("kind = 'symptom' OR severity IS NULL", name="no_severity_unless_symptom"),
        CheckConstraint(
            "(kind = 'check_in' AND series IS NULL) OR (kind <> 'check_in' AND series IS NOT NULL)",
            name="series_unless_check_in",
        ),
        CheckConstraint(
            "(kind = 'check_in' AND symptom_code IS NULL) "
            "OR (kind <> 'check_in' AND symptom_code IS NOT NULL)",
            name="symptom_code_unless_check_in",
        ),
        CheckConstraint("onset_date IS NULL OR onset_date <= entry_date", name="onset_not_after"),
        Index("ix_diary_entries_patient_symptom_date", "patient_id", "symptom_code", "entry_date"),
        Index("ix_diary_entries_patient_date", "patient_id", "entry_date"),
        # The detection pass's index: it holds every column the pass reads, in the order it
        # reads them, so a batch is one ordered index-only range scan. Diaries are stored in
        # date order, and reading one batch's rows from the table would touch most of its pages.
        Index(
            "ix_diary_entries_live_series_days",
            *LIVE_SYMPTOM_DAY_COLUMNS,
            sqlite_where=text(LIVE_SYMPTOM_ROWS),
            postgresql_where=text(LIVE_SYMPTOM_ROWS),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    entry_date: Mapped[date] = mapped_column(Date)
    symptom_code: Mapped[str | None] = mapped_column(String(40))
    # For `other`, the patient's own name for it (rules §2), as they typed it.
    name: Mapped[str | None] = mapped_column(String(40))
    # The series the rules run over, stored so that the detection pass reads it from its index;
    # filled in from the code and name when the row is written (a rename sets it again).
    series: Mapped[str | None] = mapped_column(String(90), default=series_of_row)
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    onset_date: Mapped[date | None] = mapped_column(Date)
    worrying: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Deleting hides an entry from the diary and the engine; the row and its revisions stay.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    revisions: Mapped[list[EntryRevision]] = relationship(
        back_populates="entry", order_by="EntryRevision.revision", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<DiaryEntry {self.id} {self.kind}>"


class EntryRevision(Base):
    """An append-only copy of an entry, written on creation and on every edit or deletion."""

    __tablename__ = "diary_entry_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("diary_entries.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(SmallInteger)
    action: Mapped[str] = mapped_column(String(16))  # created, edited, deleted
    actor: Mapped[str] = mapped_column(String(40))  # for example "patient:12"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    entry_date: Mapped[date] = mapped_column(Date)
    symptom_code: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(40))
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    onset_date: Mapped[date | None] = mapped_column(Date)
    worrying: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)

    entry: Mapped[DiaryEntry] = relationship(back_populates="revisions")


class CheckIn(Base):
    """A lapsed episode the patient is asked about once (rules §4a): in their next reminder and
    on their next visit to the diary. The question never names the symptom outside the diary."""

    __tablename__ = "check_ins"
    __table_args__ = (UniqueConstraint("patient_id", "series", "lapsed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    symptom_code: Mapped[str] = mapped_column(String(40))
    series: Mapped[str] = mapped_column(String(90), default=series_of_row)
    last_entry: Mapped[date] = mapped_column(Date)
    lapsed_on: Mapped[date] = mapped_column(Date)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The local day it was shown on the diary's home page: it stays there that day only.
    shown_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
