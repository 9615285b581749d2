"""Which diaries have changed since they were last assessed (rules §4: findings at save time).

A save commits the diary first and assesses it after, in a second transaction, so that nothing
can undo the entry. If the process dies, or the database refuses, in between, the change would
wait for the next daily pass. So every change that can alter a finding counts itself here, in
the diary's own transaction, and every completed assessment records the count it started
from: a diary whose count is ahead of its assessed count has a change nobody has assessed, and
the lost-assessment job (`tracker.detection.lost`) finds it within minutes.

Counts, not times: two saves in the same microsecond (or on two machines whose clocks disagree)
are still two changes, and an assessment records only what it read before reading the diary,
so a change saved while it ran stays pending.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, bindparam, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker import clock
from tracker.db import Base, UTCDateTime, insert_on_conflict
from tracker.patients.models import Patient

# The rows the job looks for, in the same words as the partial index over them (see
# tracker.diary.models.LIVE_SYMPTOM for why the words must match).
PENDING_ROWS = "assessed_changes < changes"
PENDING = text(PENDING_ROWS)


class DiaryAssessment(Base):
    """One patient's count of diary changes, and the count their last assessment covered."""

    __tablename__ = "diary_assessments"
    __table_args__ = (
        Index(
            "ix_diary_assessments_pending",
            "changed_at",
            sqlite_where=text(PENDING_ROWS),
            postgresql_where=text(PENDING_ROWS),
        ),
    )

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    changes: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    assessed_changes: Mapped[int] = mapped_column(Integer, default=0)
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


_TABLE = DiaryAssessment.__table__


def mark_changed(s: Session, patient_id: int, now: datetime | None = None) -> None:
    """Count a change to the patient's diary; call it in the transaction that makes it."""
    now = now or clock.now()
    insert = insert_on_conflict(s)(_TABLE).values(
        patient_id=patient_id, changes=1, changed_at=now, assessed_changes=0
    )
    s.execute(
        insert.on_conflict_do_update(
            index_elements=["patient_id"],
            set_={"changes": _TABLE.c.changes + 1, "changed_at": now},
        )
    )


def changes_seen(s: Session, patient_id: int) -> int:
    """The patient's count of changes now: read it before reading the diary to assess."""
    return s.scalar(select(_TABLE.c.changes).where(_TABLE.c.patient_id == patient_id)) or 0


def pending_between(s: Session, first: int, last: int) -> dict[int, int]:
    """The patients first..last with a change not yet assessed, and their count of changes."""
    rows = s.execute(
        select(_TABLE.c.patient_id, _TABLE.c.changes).where(
            _TABLE.c.patient_id.between(first, last), PENDING
        )
    )
    return dict(rows.all())


def pending_since(s: Session, settled_before: datetime, limit: int) -> list[tuple[int, str]]:
    """Patients (id, time zone) with a change not yet assessed, last changed before
    `settled_before`, oldest change first (a save's own assessment is given until then)."""
    query = (
        select(_TABLE.c.patient_id, Patient.timezone)
        .join(Patient, Patient.id == _TABLE.c.patient_id)
        .where(PENDING, _TABLE.c.changed_at < settled_before)
        .order_by(_TABLE.c.changed_at, _TABLE.c.patient_id)
        .limit(limit)
    )
    return [(pid, zone) for pid, zone in s.execute(query)]


def mark_assessed(s: Session, seen: Mapping[int, int], now: datetime | None = None) -> None:
    """Record that each patient's diary was assessed as it stood at their count in `seen`.

    Never moves a count back: an older assessment finishing last leaves a newer one's count.
    """
    rows = [{"pid": pid, "seen": count} for pid, count in seen.items() if count]
    if not rows:
        return
    s.connection().execute(
        update(_TABLE)
        .where(
            _TABLE.c.patient_id == bindparam("pid"),
            _TABLE.c.assessed_changes < bindparam("seen"),
        )
        .values(assessed_changes=bindparam("seen"), assessed_at=now or clock.now()),
        rows,
    )
