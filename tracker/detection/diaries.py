"""One batch of patients' diaries, read into the engine's pre-grouped shape.

Exact: the findings are those of the whole history (`findings_for_patient`). Only symptoms logged
in the last `max_gap_days` (`red_flag_days` for red flags) can have a finding, so only their rows
are read: the window, which is
wide enough for nearly all of them, and, where `window.older_bound` says rows before it could
still matter (a long ongoing episode, an onset far back), further back. Every read is a range
scan of the covering partial index on diary entries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Date, Integer, Select, String, and_, column, false, or_, select, values
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from tracker.detection.window import older_bound, recent_from, window_start
from tracker.diary.models import LIVE_SYMPTOM, RESOLVED, SYMPTOM, DiaryEntry
from tracker.patients.models import KnownCondition
from tracker.rules.data import higher_severity
from tracker.rules.engine import EntryDay, Rules

log = logging.getLogger(__name__)

_PAIRS_PER_QUERY = 400  # symptoms read further back per query, four parameters each

Pair = tuple[int, str]  # (patient id, series key: a symptom code, or `other` and a name)
DaysBySymptom = dict[str, list[EntryDay]]
MarksBySymptom = dict[str, list[date]]
Diary = tuple[int, DaysBySymptom, MarksBySymptom, frozenset[str]]  # and known conditions today


@dataclass
class BatchDiaries:
    """One batch's diaries in the engine's pre-grouped shape, keyed by patient id."""

    days: dict[int, DaysBySymptom] = field(default_factory=dict)
    marks: dict[int, MarksBySymptom] = field(default_factory=dict)
    known: dict[int, frozenset[str]] = field(default_factory=dict)

    def diary(self, pid: int) -> Diary:
        return pid, self.days[pid], self.marks.get(pid, {}), self.known.get(pid, frozenset())


def log_failure(patient_id: int, exc: BaseException) -> None:
    """Log a patient skipped: the id and the error's type only (its message can quote data)."""
    log.error("detection skipped patient %d: %s", patient_id, type(exc).__name__)


def read_batch(
    sessions: Callable[[], Session], ids: list[int], today: date, rules: Rules, failed: set[int]
) -> Iterator[Diary]:
    """The diaries of patients `ids` (ascending) with recently logged symptoms, each handed on
    as soon as it is read (only those with rows before the window wait, to be read further back
    together): the pass never holds a whole batch's diaries, which would also keep the garbage
    collector walking them over and over. A patient whose diary cannot be read joins `failed`.
    """
    first, last = ids[0], ids[-1]
    with sessions() as s:
        conn = s.connection()
        held = BatchDiaries()
        # Only those that count today (rules §2: no end date, or one on or after today), so
        # the pass holds codes, as `assess` does once it has tested each end date on `today`.
        known = select(KnownCondition.patient_id, KnownCondition.symptom_code).where(
            KnownCondition.patient_id.between(first, last),
            or_(KnownCondition.until.is_(None), KnownCondition.until >= today),
        )
        for pid, code in conn.execute(known):
            held.known[pid] = held.known.get(pid, frozenset()) | {code}
        with_older: set[Pair] = set()
        # Fetched a thousand rows at a time: row by row costs more.
        window = conn.execute(window_rows(first, last, today, rules)).yield_per(1000)
        for patient_id, rows in groupby(window, itemgetter(0)):
            one = BatchDiaries(known=held.known)
            if older := group_rows(rows, one.days, one.marks):
                held.days |= one.days
                held.marks |= one.marks
                with_older |= older
            else:
                yield one.diary(patient_id)
        failed |= _read_older_history(s, held, with_older, today, rules)
        yield from (held.diary(pid) for pid in sorted(held.days.keys() - failed))


def _live_rows(*conditions, has_older=None) -> Select:
    """Live symptom entries and resolved marks, ordered for grouping in one sweep, each ending
    with `has_older` (for the window's rows: has its symptom live rows before the window)."""
    return (
        select(
            DiaryEntry.patient_id,
            DiaryEntry.series,
            DiaryEntry.kind,
            DiaryEntry.entry_date,
            DiaryEntry.severity,
            DiaryEntry.onset_date,
            DiaryEntry.worrying,
            (false() if has_older is None else has_older).label("has_older"),
        )
        .where(LIVE_SYMPTOM, *conditions)
        .order_by(DiaryEntry.patient_id, DiaryEntry.series, DiaryEntry.entry_date)
    )


def window_rows(first_id: int, last_id: int, today: date, rules: Rules) -> Select:
    """The window of patients first_id..last_id's recently logged symptoms, a row per diary row.

    Only symptoms logged since `recent_from` can have a finding (§3); the rest of the window is
    left in the database. One index probe each says whether they have rows before the window:
    only those can need reading back. A batch is a range of ids: one index scan, not an IN list.
    """
    logged = (
        select(DiaryEntry.patient_id, DiaryEntry.series)
        .where(
            DiaryEntry.patient_id.between(first_id, last_id),
            LIVE_SYMPTOM,
            DiaryEntry.kind == SYMPTOM,
            DiaryEntry.entry_date <= today,
            _could_give_a_finding(today, rules),
        )
        .distinct()
        .subquery("logged")
    )
    older = aliased(DiaryEntry, name="older")
    has_older = (
        select(older.id)
        .where(
            older.patient_id == logged.c.patient_id,
            older.series == logged.c.series,
            older.entry_date < window_start(today, rules),
            LIVE_SYMPTOM,  # unqualified, as in the index: in this subquery it means `older`
        )
        .exists()
    )
    # MATERIALIZED: the probe runs once per symptom, not once per row joined to it.
    recent = (
        select(logged.c.patient_id, logged.c.series, has_older.label("has_older"))
        .cte("recent")
        .prefix_with("MATERIALIZED")
    )
    return _live_rows(
        DiaryEntry.patient_id.between(first_id, last_id),
        DiaryEntry.entry_date.between(window_start(today, rules), today),
        has_older=recent.c.has_older,
    ).join(recent, _same_pair(recent))


def _could_give_a_finding(today: date, rules: Rules) -> ColumnElement[bool]:
    """An entry recent enough for its symptom to have a finding: logged in the last
    `max_gap_days`, or for a red flag in the last `red_flag_days` (§3)."""
    recent = DiaryEntry.entry_date >= today - timedelta(days=rules.max_gap_days)
    red_flags = sorted(code for code in rules.classes if rules.is_red_flag(code))
    if rules.longest_horizon == rules.max_gap_days or not red_flags:
        return recent
    return or_(
        recent,
        and_(
            DiaryEntry.series.in_(red_flags),
            DiaryEntry.entry_date >= recent_from(today, rules),
        ),
    )


def group_rows(
    rows: Iterable[tuple], days: dict[int, DaysBySymptom], marks: dict[int, MarksBySymptom]
) -> set[Pair]:
    """Group rows ordered by patient, symptom, date into entry days and mark dates; returns the
    (patient, symptom) pairs whose rows say they have older rows. Several entries of a symptom on
    one day become one entry day, as `group_entries` merges them (§3)."""
    with_older: set[Pair] = set()
    current_pid = current_code = None
    pair_days: list[EntryDay] | None = None
    pair_marks: list[date] | None = None
    for patient_id, code, kind, day, severity, onset, worrying, has_older in rows:
        if code != current_code or patient_id != current_pid:
            current_pid, current_code = patient_id, code
            pair_days = pair_marks = None
            if has_older:
                with_older.add((patient_id, code))
        if kind == RESOLVED:
            if pair_marks is None:
                pair_marks = marks.setdefault(patient_id, {}).setdefault(code, [])
            pair_marks.append(day)
        elif pair_days is None:
            pair_days = days.setdefault(patient_id, {}).setdefault(code, [])
            pair_days.append(EntryDay(day, severity, onset, worrying))
        elif pair_days and pair_days[-1].day == day:
            was = pair_days[-1]
            if was.onset is not None and (onset is None or was.onset < onset):
                onset = was.onset
            severity = higher_severity(was.severity, severity)
            worrying = was.worrying or worrying
            pair_days[-1] = EntryDay(day, severity, onset, worrying)
        else:
            pair_days.append(EntryDay(day, severity, onset, worrying))
    return with_older


def _read_older_history(
    s: Session, batch: BatchDiaries, with_older: set[Pair], today: date, rules: Rules
) -> set[int]:
    """Read back past the window where it matters; returns ids whose diaries made it fail."""
    loaded_from = dict.fromkeys(with_older, window_start(today, rules))
    failed: set[int] = set()
    pairs = sorted(pair for pair in with_older if pair[1] in batch.days.get(pair[0], ()))
    while pairs:
        wanted: dict[Pair, tuple[date, date]] = {}  # (since, before) for each pair
        for pid, code in pairs:
            if pid in failed:
                continue
            before = loaded_from[(pid, code)]
            try:
                marks = batch.marks.get(pid, {}).get(code, [])
                known = code in batch.known.get(pid, ())
                since = older_bound(code, batch.days[pid][code], marks, before, known, today, rules)
            except Exception as exc:  # the engine's episode split failed on this diary
                log_failure(pid, exc)
                failed.add(pid)
                continue
            if since is not None:
                wanted[(pid, code)] = (since, before)
        older = BatchDiaries()
        in_order = sorted(wanted)
        for start in range(0, len(in_order), _PAIRS_PER_QUERY):
            query = _older_rows({p: wanted[p] for p in in_order[start : start + _PAIRS_PER_QUERY]})
            group_rows(s.connection().execute(query), older.days, older.marks)
        for (pid, code), (since, _before) in wanted.items():
            # All of it is dated before the rows held, which run on from there: so prepending
            # keeps date order, and no day is split between the two.
            batch.days[pid][code] = older.days.get(pid, {}).get(code, []) + batch.days[pid][code]
            if new_marks := older.marks.get(pid, {}).get(code):
                marks = batch.marks.setdefault(pid, {})
                marks[code] = new_marks + marks.get(code, [])
            loaded_from[(pid, code)] = since
        # Only the symptoms just extended can want more: a chain may go on further back.
        pairs = sorted(wanted)
    return failed


def _older_rows(ranges: dict[Pair, tuple[date, date]]) -> Select:
    """Each pair's live rows from its own first day to (not including) its own last: a table
    of ranges joined on the index's leading columns, so that each pair is one index range."""
    wanted = (
        values(
            column("patient_id", Integer),
            column("series", String),
            column("since", Date),
            column("before", Date),
            name="wanted",
        )
        .data([(pid, code, since, before) for (pid, code), (since, before) in ranges.items()])
        .cte("wanted")  # a CTE, not a subquery: SQLite cannot name a subquery's columns
    )
    return _live_rows(
        DiaryEntry.entry_date >= wanted.c.since, DiaryEntry.entry_date < wanted.c.before
    ).join(wanted, _same_pair(wanted))


def _same_pair(pairs) -> ColumnElement[bool]:
    """A diary row of one of `pairs`' (patient_id, series)."""
    c = pairs.c
    return and_(DiaryEntry.patient_id == c.patient_id, DiaryEntry.series == c.series)
