"""Check-ins (rules §4a): an episode that lapsed without a resolved mark is asked about once,
in the patient's next reminder (never naming the symptom by text or email) and on their next
visit to the diary (where it is named: the diary is behind their sign-in).

An episode has lapsed when nothing was logged for it for more than `max_gap_days` and it was
not marked resolved (`tracker.rules.engine.lapsed_episodes`). Once the patient logs the symptom
again, or marks it gone, it is no longer lapsed, and the question goes away by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db import insert_on_conflict
from tracker.diary.models import SYMPTOM, CheckIn, DiaryEntry
from tracker.diary.reading import read_diary
from tracker.rules.catalogue import Catalogue
from tracker.rules.data import series_label, split_series
from tracker.rules.engine import lapsed_episodes

log = logging.getLogger(__name__)

# Only recent lapses are asked about: a symptom last noted months ago (or before this feature
# existed) is not worth a question out of the blue.
ASK_WITHIN = timedelta(days=28)


@dataclass(frozen=True)
class Question:
    """One check-in question as the diary's home page shows it."""

    id: int
    symptom_code: str
    label: str
    last_entry: date
    # For a named `something else`: one of its entries, which its pages go by (its URLs never
    # carry the patient's words).
    entry_id: int | None = None


def pending(s: Session, patient_id: int, today: date, rules: Catalogue) -> list[CheckIn]:
    """The patient's lapsed episodes not yet answered, each with its CheckIn row (created here)."""
    entries, marks, _known = read_diary(s, patient_id)
    max_gap = rules.thresholds["max_gap_days"]
    current: dict[str, date] = {}
    for episode in lapsed_episodes(entries, marks, today, rules):
        last = episode.days[-1].day
        lapsed_on = last + timedelta(days=max_gap + 1)
        if today - lapsed_on > ASK_WITHIN:
            continue
        current[episode.series] = last
        s.execute(
            insert_on_conflict(s)(CheckIn)
            .values(
                patient_id=patient_id,
                symptom_code=episode.symptom,
                series=episode.series,
                last_entry=last,
                lapsed_on=lapsed_on,
            )
            .on_conflict_do_nothing(index_elements=["patient_id", "series", "lapsed_on"])
        )
    if not current:
        return []
    rows = s.scalars(
        select(CheckIn)
        .where(CheckIn.patient_id == patient_id, CheckIn.series.in_(sorted(current)))
        .order_by(CheckIn.lapsed_on, CheckIn.id)
    )
    return [r for r in rows if current.get(r.series) == r.last_entry]


def for_reminder(
    s: Session, patient_id: int, today: date, rules: Catalogue, now: datetime
) -> list[CheckIn]:
    """The check-ins the next reminder asks about (each only once); marks them asked."""
    asked = [c for c in pending(s, patient_id, today, rules) if c.reminded_at is None]
    for check_in in asked:
        check_in.reminded_at = now
    return asked


def for_visit(s: Session, patient_id: int, today: date, rules: Catalogue) -> list[Question]:
    """The questions for the diary's home page today: shown on the first visit after the lapse,
    and for the rest of that day (a refresh, a return from another page)."""
    shown = []
    for check_in in pending(s, patient_id, today, rules):
        if check_in.shown_on is None:
            check_in.shown_on = today
        if check_in.shown_on == today:
            named = split_series(check_in.series)[1] is not None
            shown.append(
                Question(
                    check_in.id,
                    check_in.symptom_code,
                    series_label(check_in.series, rules),
                    check_in.last_entry,
                    _latest_entry_id(s, patient_id, check_in.series) if named else None,
                )
            )
    return shown


def _latest_entry_id(s: Session, patient_id: int, series: str) -> int | None:
    return s.scalar(
        select(DiaryEntry.id)
        .where(
            DiaryEntry.patient_id == patient_id,
            DiaryEntry.series == series,
            DiaryEntry.kind == SYMPTOM,
            DiaryEntry.deleted_at.is_(None),
        )
        .order_by(DiaryEntry.entry_date.desc(), DiaryEntry.id.desc())
        .limit(1)
    )


def questions_to_show(
    new_session: Callable[[], Session], patient_id: int, today: date, rules: Catalogue
) -> list[Question]:
    """`for_visit` for the diary's home page, marking the questions shown in a transaction of
    its own (the page's session is left as it was). A failure shows no question: a question is
    never worth a broken diary page."""
    try:
        with new_session() as s:
            questions = for_visit(s, patient_id, today, rules)
            s.commit()
    except Exception as exc:
        log.error("check-in questions failed for patient %s: %s", patient_id, type(exc).__name__)
        return []
    return questions
