"""Check-ins (rules §4a): an episode that lapsed without a resolved mark is asked about once,
in the patient's next reminder (never naming the symptom by text or email) and on their next
visit to the diary (where it is named: the diary is behind their sign-in).

An episode has lapsed when nothing was logged for it for more than `max_gap_days` and it was
not marked resolved (`tracker.rules.engine.lapsed_episodes`). Once the patient logs the symptom
again, or marks it gone, it is no longer lapsed, and the question goes away by itself.

Only the weeks that can hold an askable lapse are read, not the whole diary, and a visit writes
only when it has something new: a question's row the first time its lapse is seen, and the day
it was first shown (rules §4a ask it once).
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


@dataclass(frozen=True)
class _Lapse:
    symptom: str
    last_entry: date
    lapsed_on: date


def _askable_lapses(s: Session, patient_id: int, today: date, rules: Catalogue) -> dict:
    """Series key -> its lapse, for lapses recent enough to ask about. An entry older than
    `since` can neither be the last day of such an episode nor end it, so none is read."""
    max_gap = rules.thresholds["max_gap_days"]
    since = today - ASK_WITHIN - timedelta(days=max_gap + 1)
    entries, marks, _known = read_diary(s, patient_id, since=since)
    lapses = {}
    for episode in lapsed_episodes(entries, marks, today, rules):
        last = episode.days[-1].day
        lapsed_on = last + timedelta(days=max_gap + 1)
        if today - lapsed_on <= ASK_WITHIN:
            lapses[episode.series] = _Lapse(episode.symptom, last, lapsed_on)
    return lapses


def _rows(s: Session, patient_id: int, series: list[str]) -> list[CheckIn]:
    return list(
        s.scalars(
            select(CheckIn)
            .where(CheckIn.patient_id == patient_id, CheckIn.series.in_(series))
            .order_by(CheckIn.lapsed_on, CheckIn.id)
        )
    )


def pending(s: Session, patient_id: int, today: date, rules: Catalogue) -> list[CheckIn]:
    """The patient's lapsed episodes not yet answered, each with its CheckIn row (created here
    the first time a lapse is seen, and left for the caller to commit)."""
    lapses = _askable_lapses(s, patient_id, today, rules)
    if not lapses:
        return []
    rows = _rows(s, patient_id, sorted(lapses))
    have = {(r.series, r.lapsed_on) for r in rows}
    new = [(k, lapse) for k, lapse in lapses.items() if (k, lapse.lapsed_on) not in have]
    for series, lapse in new:
        s.execute(
            insert_on_conflict(s)(CheckIn)
            .values(
                patient_id=patient_id,
                symptom_code=lapse.symptom,
                series=series,
                last_entry=lapse.last_entry,
                lapsed_on=lapse.lapsed_on,
            )
            .on_conflict_do_nothing(index_elements=["patient_id", "series", "lapsed_on"])
        )
    if new:
        rows = _rows(s, patient_id, sorted(lapses))
    return [r for r in rows if r.last_entry == lapses[r.series].last_entry]


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
            # A question's row is new only when it is first shown, which marks it shown: a
            # visit with nothing new to ask has nothing to commit.
            if s.dirty:
                s.commit()
    except Exception as exc:
        log.error("check-in questions failed for patient %s: %s", patient_id, type(exc).__name__)
        return []
    return questions
