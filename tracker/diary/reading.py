"""One patient's diary, read from the database into the rules engine's plain data.

Both detection (`tracker.detection.patient`) and the check-ins (`tracker.diary.checkins`) read
a diary this way, so it lives with the diary rather than in either of them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from tracker.diary.models import LIVE_SYMPTOM, SYMPTOM, DiaryEntry
from tracker.patients.conditions import for_rules
from tracker.patients.models import KnownCondition
from tracker.rules import engine


def read_diary(
    s: Session, patient_id: int, since: date | None = None
) -> tuple[list[engine.Entry], list[engine.ResolvedMark], frozenset[str | engine.KnownCondition]]:
    """Every live (not deleted) symptom entry and resolved mark (from `since`, if given), and
    the known conditions (with their end dates: the engine decides which count on its
    `today`)."""
    rows = s.execute(
        select(
            DiaryEntry.kind,
            DiaryEntry.entry_date,
            DiaryEntry.symptom_code,
            DiaryEntry.name,
            DiaryEntry.severity,
            DiaryEntry.onset_date,
            DiaryEntry.worrying,
        ).where(
            # The pass's condition, so one patient's read is a range of the same covering index.
            DiaryEntry.patient_id == patient_id,
            LIVE_SYMPTOM,
            true() if since is None else DiaryEntry.entry_date >= since,
        )
    )
    entries: list[engine.Entry] = []
    marks: list[engine.ResolvedMark] = []
    for kind, day, code, name, severity, onset, worrying in rows:
        if kind == SYMPTOM:
            entries.append(engine.Entry(day, code, severity, onset, bool(worrying), name))
        else:
            marks.append(engine.ResolvedMark(day, code, name))
    known_query = select(KnownCondition.symptom_code, KnownCondition.until).where(
        KnownCondition.patient_id == patient_id
    )
    return entries, marks, for_rules(s.execute(known_query))
