"""The detection pass: every patient's diary, through the one engine, into alerts and prompts.

I/O stays at the edges. Patients are read in batches in id order (keyset pagination: the next
batch starts after the last id seen, so the cost of a batch never grows with how far the pass
has gone). For each batch, one query reads the window of every patient's diary from a covering
index, one row per symptom, which is unpacked into the engine's pre-grouped shape (SQLite packs
each symptom's rows as JSON, `_window_by_pair`; PostgreSQL as integers in a bytea,
`_window_packed`), and one more reads the known conditions. The engine (`assess_grouped`, the
function `assess` ends in) decides, and `apply_findings` writes, in one transaction per batch.

Exactness: the findings are those of the whole history (`findings_for_patient`). Only symptoms
logged in the last `max_gap_days` can have a finding, so only their rows are read; the window is
wide enough for nearly all of them, and `window.older_bound` says, per symptom, when rows before
it could still matter (a long ongoing episode, or an onset far back): only those are read
further back, and only symptoms with any rows before the window (the window's query says which)
are asked.

Speed: on PostgreSQL reader threads read the next batches, and a writer thread writes the
batch before, while this one is assessed (most of a read or a write is the server's work);
SQLite reads and writes each batch in turn. A finding
that changes nothing about its alert (most of them, on most days) is counted without calling
`apply_findings`, from one read of the batch's alerts; one that only moves its alert's dates,
or only adds a reason, is written with the batch's others in one statement (`unchanged.py`).
bench/detect.py measures the pass; the README has its figures.
"""

from __future__ import annotations

import gc
import json
import logging
import sys
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from operator import itemgetter
from typing import NamedTuple, TypeVar

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, aliased

from tracker import clock
from tracker.alerts.models import OPEN, Alert, AlertEvent, Prompt
from tracker.alerts.services import DETECTION, Outcome, apply_findings, queue_reprompts
from tracker.db import UTCDateTime
from tracker.detection.rows import insert_rows, plain_rows
from tracker.detection.unchanged import (
    APPLY,
    OPEN_ALERT,
    UNCHANGED,
    MovedDates,
    NewReasons,
    SymptomAlerts,
    read_alerts,
    sort_out,
)
from tracker.detection.window import older_bound, window_start
from tracker.diary.models import LIVE_SYMPTOM, RESOLVED, SYMPTOM, DiaryEntry
from tracker.patients.models import KnownCondition, Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.engine import EntryDay, Finding, Rules, assess_grouped, compile_rules

log = logging.getLogger(__name__)

# Patients per batch. Diaries are stored in date order, so one batch's rows are spread over
# most of the window's pages, and fewer, larger batches read each page fewer times. On the
# benchmark (bench/detect.py, 100,000 patients) batches of 2,500 took a fifth longer than
# 5,000, and 10,000 saved a further seventh for about 30 MB more memory.
DEFAULT_BATCH_SIZE = 5000
# Batches read at once on threads of their own, ahead of the one being assessed. On PostgreSQL
# two keep both cores busy, since most of a read is waiting for the server. SQLite reads in
# this process, and its driver lets go of the GIL and takes it back for every row: a reader
# thread only contends for it, so SQLite reads each batch in turn, on the pass's own thread
# (100,000 patients, first pass: 4.25-4.44 s so, 4.43-4.74 s with a reader thread).
_READERS = {"postgresql": 2}
# Databases on which each batch is written on a thread of its own (`_batch_writer`). On the
# benchmark (100,000 patients, first pass) the pass's wall time came to 1.01-1.05 times the
# server's CPU time, against 1.08-1.16 times when this thread wrote each batch itself.
_WRITE_BEHIND = {"postgresql"}
# Symptoms read further back per query. Their ranges go as one parameter whatever their
# number (`_ranges_table`): this only bounds a statement's rows.
_PAIRS_PER_QUERY = 1000
# Alert ids per query, as bound parameters: well under SQLite's limit on them.
_IDS_PER_QUERY = 1000

T = TypeVar("T")
SessionFactory = Callable[[], Session]
Pair = tuple[int, str]  # (patient id, symptom code)
DaysBySymptom = dict[str, list[EntryDay]]
MarksBySymptom = dict[str, list[date]]


@dataclass
class Summary:
    """What a pass did: patients read, findings, alerts opened, updated and left unchanged."""

    patients: int = 0
    findings: int = 0
    opened: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # patients skipped because the engine (or writing their alerts) failed
    reprompted: int = 0

    def to_json(self) -> dict[str, int]:
        """The summary `jobs detect --json` prints."""
        return {
            "patients": self.patients,
            "findings": self.findings,
            "opened": self.opened,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def add_written(self, written: Written) -> None:
        """Count what writing one batch did."""
        self.patients += written.patients
        self.findings += written.findings
        self.failed += written.failed
        self.opened += written.outcome.opened
        self.updated += written.outcome.updated
        self.unchanged += written.outcome.unchanged


class Interrupted(Exception):
    """The pass was asked to stop between two batches; every batch before it is committed."""

    def __init__(self, summary: Summary) -> None:
        super().__init__("detection pass interrupted")
        self.summary = summary


@dataclass
class BatchDiaries:
    """One batch's diaries in the engine's pre-grouped shape, keyed by patient id."""

    days: dict[int, DaysBySymptom]
    marks: dict[int, MarksBySymptom]
    known: dict[int, frozenset[str]]

    def marks_of(self, patient_id: int, symptom: str) -> list[date]:
        """One symptom's resolved-mark dates, sorted (empty if none)."""
        return self.marks.get(patient_id, {}).get(symptom, [])


# ---- the pass ---------------------------------------------------------------------------------


def detect(
    sessions: SessionFactory,
    today: date,
    rules: Catalogue,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    now: datetime | None = None,
) -> Summary:
    """Assess every patient as of `today`, apply the findings as alerts, queue re-prompts."""
    now = now or clock.now()
    summary = Summary()
    with _fewer_collections():
        _run_batches(sessions, today, rules, batch_size, progress, should_stop, now, summary)
    summary.reprompted = _queue_reprompts(sessions, rules, now)
    return summary


@contextmanager
def _fewer_collections(young_objects: int = 250_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often while a pass builds its batches.

    A batch is hundreds of thousands of small objects that all live until the batch is done,
    and none of them is part of a cycle: with the default threshold (700 new objects) the
    collector walks them again and again, which took twice as long as grouping them.
    """
    saved = gc.get_threshold()
    gc.set_threshold(young_objects, *saved[1:])
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _run_batches(
    sessions: SessionFactory,
    today: date,
    rules: Catalogue,
    batch_size: int,
    progress: Callable[[int], None] | None,
    should_stop: Callable[[], bool] | None,
    now: datetime,
    summary: Summary,
) -> None:
    batches = assess_batches(sessions, today, rules, batch_size)
    with _batch_writer(sessions, now) as write:
        written: Callable[[], Written] | None = None  # waits for the batch being written
        while True:
            # Checked between batches only: a batch is one transaction, so stopping here leaves
            # nothing half-written, and running the pass again finishes the job.
            stop = should_stop is not None and should_stop()
            # The next batch is assessed while the one before it is written.
            batch = None if stop else next(batches, None)
            if written is not None:
                done = written()
                summary.add_written(done)
                if progress is not None:
                    progress(done.patients)
                written = None
            if stop:
                raise Interrupted(summary)
            if batch is None:
                break
            written = write(batch)


class Written(NamedTuple):
    """What writing one batch did."""

    patients: int
    findings: int
    failed: int  # the batch's patients skipped, in reading, assessing or writing
    outcome: Outcome


AssessedBatch = tuple[int, set[int], list[tuple[int, list[Finding]]]]


@contextmanager
def _batch_writer(
    sessions: SessionFactory, now: datetime
) -> Iterator[Callable[[AssessedBatch], Callable[[], Written]]]:
    """A function that starts writing a batch, and returns one that waits until it is written.

    On PostgreSQL a batch is written on a thread of its own while the next one is assessed:
    most of a write is the server's work (above all the foreign-key checks of each new alert,
    event and prompt), which the assessing fills. Only one batch is written at a time, in
    order. SQLite writes in this process, holding the GIL, so there a batch is written at once.
    """
    if _dialect(sessions) not in _WRITE_BEHIND:

        def write_now(batch: AssessedBatch) -> Callable[[], Written]:
            written = _write_batch(sessions, batch, now)
            return lambda: written

        yield write_now
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="detect-write") as writer:
        yield lambda batch: writer.submit(_write_batch, sessions, batch, now).result


def _write_batch(sessions: SessionFactory, batch: AssessedBatch, now: datetime) -> Written:
    patients, failed, assessed = batch
    with sessions() as s:
        outcome, write_failures = _apply_batch(s, assessed, now)
    findings = sum(len(f) for pid, f in assessed if pid not in write_failures)
    return Written(patients, findings, len(failed) + len(write_failures), outcome)


def assess_batches(
    sessions: SessionFactory,
    today: date,
    rules: Rules | Catalogue,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[AssessedBatch]:
    """Per batch: patients read, ids that failed, and (id, findings) for those with findings."""
    r = compile_rules(rules)
    for ids, batch, failed in _read_ahead(sessions, batch_size, today, r):
        yield len(ids), failed, _assess_all(batch, ids, failed, today, r)


def _read_ahead(
    sessions: SessionFactory, batch_size: int, today: date, rules: Rules
) -> Iterator[tuple[list[int], BatchDiaries, set[int]]]:
    """Every batch in turn, read on threads of their own while earlier ones are assessed.

    Most of a read is waiting for the database, which the pass's own work, and the other
    reader, can fill. At most `_READERS` batches (for the database) are read ahead of the one
    in hand; with none, each batch is read when it is wanted.
    """
    at_once = _READERS.get(_dialect(sessions), 0)
    batches = _patient_batches(sessions, batch_size)
    if not at_once:
        for ids in batches:
            yield read_batch(sessions, ids, today, rules)
        return
    with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="detect-read") as readers:
        ahead: deque[Future[tuple[list[int], BatchDiaries, set[int]]]] = deque()
        for ids in batches:
            ahead.append(readers.submit(read_batch, sessions, ids, today, rules))
            if len(ahead) == at_once:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _dialect(sessions: SessionFactory) -> str:
    with sessions() as s:
        return s.get_bind().dialect.name


def _patient_batches(sessions: SessionFactory, batch_size: int) -> Iterator[list[int]]:
    """Every patient's id, in ascending batches of `batch_size`."""
    after = 0
    while ids := _next_patient_ids(sessions, after, batch_size):
        yield ids
        after = ids[-1]


def _assess_all(
    batch: BatchDiaries, ids: list[int], failed: set[int], today: date, rules: Rules
) -> list[tuple[int, list[Finding]]]:
    """(id, findings) for each patient with findings; a patient that fails joins `failed`."""
    assessed = []
    for patient_id in ids:
        if patient_id in failed:
            continue
        try:
            findings = _assess(batch, patient_id, today, rules)
        except Exception as exc:  # one patient's record must not stop everyone else's
            _log_failure(patient_id, exc)
            failed.add(patient_id)
            continue
        if findings:
            assessed.append((patient_id, findings))
    return assessed


def _next_patient_ids(sessions: SessionFactory, after: int, batch_size: int) -> list[int]:
    query = select(Patient.id).where(Patient.id > after).order_by(Patient.id).limit(batch_size)
    with sessions() as s:
        return [patient_id for (patient_id,) in plain_rows(s.connection(), query)]


def _assess(batch: BatchDiaries, patient_id: int, today: date, rules: Rules) -> list[Finding]:
    days = batch.days.get(patient_id)
    if not days:
        return []
    marks = batch.marks.get(patient_id, {})
    known = batch.known.get(patient_id, frozenset())
    return assess_grouped(days, marks, known, today, rules)


def _log_failure(patient_id: int, exc: BaseException) -> None:
    # The id and the type only: an exception's message can quote the data that caused it.
    log.error("detection skipped patient %d: %s", patient_id, type(exc).__name__)


# ---- reading ----------------------------------------------------------------------------------


def _live_rows(*conditions, has_older: ColumnElement[bool] | None = None) -> Select:
    """Live symptom entries and resolved marks, ordered for grouping in one sweep.

    Each row ends with `has_older`: whether its symptom has live rows before those read, where
    the query knows (the window's rows), and false where it does not ask (the rows before it).
    """
    return (
        select(
            DiaryEntry.patient_id,
            DiaryEntry.symptom_code,
            DiaryEntry.kind,
            DiaryEntry.entry_date,
            DiaryEntry.severity,
            DiaryEntry.onset_date,
            DiaryEntry.worrying,
            (false() if has_older is None else has_older).label("has_older"),
        )
        .where(LIVE_SYMPTOM, *conditions)
        .order_by(DiaryEntry.patient_id, DiaryEntry.symptom_code, DiaryEntry.entry_date)
    )


def read_batch(
    sessions: SessionFactory, ids: list[int], today: date, rules: Rules
) -> tuple[list[int], BatchDiaries, set[int]]:
    """The diaries of patients `ids` (ascending) grouped, and the ids whose diaries failed."""
    with sessions() as s:
        conn = s.connection()
        if conn.dialect.name == "postgresql":
            # The pass is parallel already: two readers and the writer keep both cores busy.
            # A parallel plan for one batch's query only adds workers that compete with them
            # (100,000 patients: 4.2 s with them, 3.5 s without). LOCAL: this transaction only.
            conn.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
        batch = BatchDiaries(days={}, marks={}, known={})
        with_history, unreadable = _read_window(conn, ids[0], ids[-1], today, rules, batch)
        known_rows = plain_rows(
            conn,
            select(KnownCondition.patient_id, KnownCondition.symptom_code).where(
                KnownCondition.patient_id.between(ids[0], ids[-1])
            ),
        )
        known: dict[int, set[str]] = {}
        for patient_id, code in known_rows:
            known.setdefault(patient_id, set()).add(code)
        batch.known = {pid: frozenset(codes) for pid, codes in known.items()}
        failed = unreadable | _read_older_history(s, batch, with_history, today, rules)
    return ids, batch, failed


def _recent_pairs(first_id: int, last_id: int, today: date, rules: Rules) -> CTE:
    """The batch's (patient, symptom) pairs logged in the last max_gap_days, and for each,
    whether it has any live row before the window (`has_older`).

    Only those pairs can have an ongoing episode, so only they can have a finding (§3): the
    rest of the window is left in the database. On a typical diary that halves the rows read.
    And only a pair with older rows can need reading back: one index probe per pair spares
    the pass all of `older_bound`'s work for the others, and its queries.

    MATERIALIZED: worked out once per pair. Left to itself, PostgreSQL probed once per row
    joined to it (a batch's read took 97 ms instead of 59).
    """
    logged = (
        select(DiaryEntry.patient_id, DiaryEntry.symptom_code)
        .where(
            DiaryEntry.patient_id.between(first_id, last_id),
            LIVE_SYMPTOM,
            DiaryEntry.kind == SYMPTOM,
            DiaryEntry.entry_date.between(today - timedelta(days=rules.max_gap_days), today),
        )
        .distinct()
        .subquery("logged")
    )
    older = aliased(DiaryEntry, name="older")
    has_older = (
        select(older.id)
        .where(
            older.patient_id == logged.c.patient_id,
            older.symptom_code == logged.c.symptom_code,
            older.entry_date < window_start(today, rules),
            # Unqualified, as in the index: inside this subquery it can only mean `older`.
            LIVE_SYMPTOM,
        )
        .exists()
    )
    return (
        select(logged.c.patient_id, logged.c.symptom_code, has_older.label("has_older"))
        .cte("recent")
        .prefix_with("MATERIALIZED")
    )


def _window_rows(first_id: int, last_id: int, today: date, rules: Rules) -> Select:
    """The batch's window as rows, one per diary row, in `group_rows`' order.

    Neither database reads it so (`_read_window`): it is what their packed reads are tested
    against, as the plainest statement of which rows the window holds.
    """
    recent = _recent_pairs(first_id, last_id, today, rules)
    return _live_rows(
        # A range, not an IN list: the batch is a run of consecutive ids in patient order,
        # and a range is one scan of the index.
        DiaryEntry.patient_id.between(first_id, last_id),
        _in_window(today, rules),
        has_older=recent.c.has_older,
    ).join(recent, _of_pair(recent))


def _of_pair(recent: CTE) -> ColumnElement[bool]:
    """A diary row of one of the `_recent_pairs`."""
    return and_(
        DiaryEntry.patient_id == recent.c.patient_id,
        DiaryEntry.symptom_code == recent.c.symptom_code,
    )


def _in_window(today: date, rules: Rules) -> ColumnElement[bool]:
    """A diary row dated inside the rules' window."""
    return DiaryEntry.entry_date.between(window_start(today, rules), today)


def _read_window(
    conn: Connection, first_id: int, last_id: int, today: date, rules: Rules, batch: BatchDiaries
) -> tuple[set[Pair], set[int]]:
    """Group the rows of `_window_rows` into `batch`, read the way that is quicker on each
    database. Returns the pairs with older rows, and the ids of patients whose rows could not
    be read whole (none, unless a row breaks the schema's rules: see `_unpack_packed`)."""
    if conn.dialect.name == "postgresql":
        packed = plain_rows(conn, _window_packed(first_id, last_id, today, rules))
        return _unpack_packed(packed, batch.days, batch.marks)
    rows = _unpack_pairs(plain_rows(conn, _window_by_pair(first_id, last_id, today, rules)))
    return group_rows(rows, batch.days, batch.marks), set()


def _window_by_pair(first_id: int, last_id: int, today: date, rules: Rules) -> Select:
    """SQLite's form of `_window_rows`: one row per recent pair, its window's rows as JSON.

    SQLite spends about a microsecond handing each row, and each of its values, to Python:
    for a batch's fifty thousand rows, more than its own scan and sort. As a JSON array per
    pair the same values come in a tenth as many rows, and `json.loads` builds them in C
    (100,000 patients: 2.0 s against 2.9 s to read and group a pass's window).
    """
    recent = _recent_pairs(first_id, last_id, today, rules)
    pair_rows = (
        select(
            func.json_group_array(
                func.json_array(
                    DiaryEntry.kind,
                    DiaryEntry.entry_date,
                    DiaryEntry.severity,
                    DiaryEntry.onset_date,
                    DiaryEntry.worrying,
                )
            )
        )
        .where(LIVE_SYMPTOM, _of_pair(recent), _in_window(today, rules))
        .scalar_subquery()
    )
    return select(
        recent.c.patient_id,
        recent.c.symptom_code,
        recent.c.has_older,
        type_coerce(pair_rows, String).label("rows"),
    ).order_by(recent.c.patient_id, recent.c.symptom_code)


class _IsoDates(dict[str | None, date | None]):
    """ISO dates parsed once each: a window holds a few hundred distinct ones at most."""

    def __missing__(self, text: str | None) -> date | None:
        value = self[text] = None if text is None else date.fromisoformat(text)
        return value


def _unpack_pairs(pairs: Iterable[tuple]) -> Iterator[tuple]:
    """`_window_by_pair`'s rows as the rows of `_window_rows`, with the values SQLAlchemy gives.

    Each pair's rows are sorted by date here: SQL leaves the order an aggregate sees its rows
    in unspecified, and `group_rows` needs them in date order. (ISO dates sort as dates do.)
    """
    dates = _IsoDates()
    for pid, code, has_older, rows in pairs:
        for kind, day, severity, onset, worrying in sorted(json.loads(rows), key=_ON_DATE):
            yield pid, code, kind, dates[day], severity, dates[onset], bool(worrying), has_older


_ON_DATE = itemgetter(1)
_DAY_OF = itemgetter(0)  # an EntryDay's day


# ---- PostgreSQL's packed read ----

# Dates travel as their ordinals (Python's `date.toordinal`): days since 0001-01-01, plus one.
_DAY_ZERO = literal(date(1, 1, 1), Date)
_NO_ONSET = 0  # no date has ordinal 0
_INTS_PER_DAY = 4  # an entry's date, severity, onset and worry


def _ordinal(day: ColumnElement[date]) -> ColumnElement[int]:
    return day - _DAY_ZERO + 1


def _int4s(*values: ColumnElement) -> ColumnElement[bytes]:
    """The values as one bytea of 4-byte big-endian integers."""
    packed = func.int4send(values[0])
    for value in values[1:]:
        packed = packed.op("||")(func.int4send(value))
    return packed


def _packed(values: ColumnElement[bytes], kind: str) -> ColumnElement[bytes]:
    """One bytea per group: `values` of each of its rows of `kind`, in no particular order.

    (An ORDER BY in the aggregate made PostgreSQL sort each group on its own, which took
    longer than the rest of the query: the rows are sorted as they are unpacked.)
    """
    return func.string_agg(values, literal_column("''::bytea")).filter(DiaryEntry.kind == kind)


def _window_packed(first_id: int, last_id: int, today: date, rules: Rules) -> Select:
    """PostgreSQL's form of `_window_rows`: one row per recent pair, its entries and its marks
    each packed as one bytea of integers.

    psycopg makes a Python object of each value of each row, and the pass used to spend more
    time taking in and grouping a batch's rows than the server spent reading them. A bytea
    comes in as one object, and `_unpack_packed` turns its integers into entry days without a
    Python step per day. (100,000 patients: reading and grouping the window took 0.8-0.9 s of
    the pass's CPU against 1.2-1.8 s as rows, and about as long on the server. The whole first
    pass went from 2.7-2.9 s of this process's CPU to 1.8-2.0 s.)
    `day_count` guards against an entry lost on the way: a null in any packed value would
    drop its whole entry from the aggregate (the schema's constraints forbid one).
    """
    recent = _recent_pairs(first_id, last_id, today, rules)
    entry_day = _int4s(
        _ordinal(DiaryEntry.entry_date),
        DiaryEntry.severity,
        func.coalesce(_ordinal(DiaryEntry.onset_date), _NO_ONSET),
        cast(DiaryEntry.worrying, Integer),
    )
    return (
        select(
            recent.c.patient_id,
            recent.c.symptom_code,
            # One value for the whole pair: as an aggregate, it adds nothing to the grouping.
            func.bool_or(recent.c.has_older).label("has_older"),
            _packed(entry_day, SYMPTOM).label("days"),
            func.count().filter(DiaryEntry.kind == SYMPTOM).label("day_count"),
            _packed(_int4s(_ordinal(DiaryEntry.entry_date)), RESOLVED).label("marks"),
        )
        .join_from(recent, DiaryEntry, _of_pair(recent))
        .where(
            LIVE_SYMPTOM,
            # A range on the index's leading column, as in `_window_rows`.
            DiaryEntry.patient_id.between(first_id, last_id),
            _in_window(today, rules),
        )
        .group_by(recent.c.patient_id, recent.c.symptom_code)
        .order_by(recent.c.patient_id, recent.c.symptom_code)
    )


class _Ordinals(dict[int, date | None]):
    """Date ordinals made dates once each (a window holds a few hundred distinct ones)."""

    def __missing__(self, ordinal: int) -> date | None:
        value = self[ordinal] = None if ordinal == _NO_ONSET else date.fromordinal(ordinal)
        return value


# An EntryDay from a tuple of its fields, called from C: `EntryDay._make` does the same in a
# Python function, which costs more than the rest of making a day.
_entry_day = partial(tuple.__new__, EntryDay)


_SWAP_BYTES = sys.byteorder == "little"  # the integers are sent big-endian


def _ints(packed: bytes) -> array[int]:
    values = array("i", packed)  # a C int: 4 bytes wherever CPython runs
    if _SWAP_BYTES:
        values.byteswap()
    return values


def _unpack_packed(
    pairs: Iterable[tuple], days: dict[int, DaysBySymptom], marks: dict[int, MarksBySymptom]
) -> tuple[set[Pair], set[int]]:
    """Group `_window_packed`'s rows as `group_rows` groups the rows of `_window_rows`.

    Returns the pairs with older rows, and the ids of patients with an entry lost on the way.
    """
    with_older: set[Pair] = set()
    lost: set[int] = set()
    dates = _Ordinals()
    for pid, code, has_older, packed_days, day_count, packed_marks in pairs:
        if has_older:
            with_older.add((pid, code))
        if packed_days is not None:
            values = _ints(packed_days)
            if len(values) != day_count * _INTS_PER_DAY:
                _log_failure(pid, LostEntry())
                lost.add(pid)
                continue
            days.setdefault(pid, {})[code] = _entry_days(values, dates)
        if packed_marks is not None:
            marks.setdefault(pid, {})[code] = sorted(map(dates.__getitem__, _ints(packed_marks)))
    return with_older, lost


def _entry_days(values: array[int], dates: _Ordinals) -> list[EntryDay]:
    """A pair's packed entries as entry days: in date order, one per day."""
    on = list(map(dates.__getitem__, values[0::_INTS_PER_DAY]))
    fields = zip(
        on,
        values[1::_INTS_PER_DAY],  # severity
        map(dates.__getitem__, values[2::_INTS_PER_DAY]),  # onset
        map(bool, values[3::_INTS_PER_DAY]),  # worrying
        strict=True,
    )
    pair_days = list(map(_entry_day, fields))
    pair_days.sort(key=_DAY_OF)  # in one pass over them when, as nearly always, they are sorted
    return _merge_same_days(pair_days) if len(set(on)) < len(on) else pair_days


class LostEntry(Exception):
    """A packed read came back with fewer entries than it counted."""


def _merge_same_days(pair_days: list[EntryDay]) -> list[EntryDay]:
    """Several entries of one day as one entry day, as `group_rows` merges them."""
    merged = [pair_days[0]]
    for entry in pair_days[1:]:
        if entry.day == merged[-1].day:
            merged[-1] = _merged(merged[-1], entry.severity, entry.onset, entry.worrying)
        else:
            merged.append(entry)
    return merged


def group_rows(
    rows: Iterable[tuple],
    days: dict[int, DaysBySymptom],
    marks: dict[int, MarksBySymptom],
) -> set[Pair]:
    """Group rows ordered by patient, symptom, date into entry days and mark dates.

    Several entries of a symptom on one day become one entry day, as `group_entries` merges
    them (§3): the highest severity, the earliest onset, worrying if any of them is.
    Returns the (patient, symptom) pairs whose rows say they have older rows (`_live_rows`).
    """
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
            pair_days[-1] = _merged(pair_days[-1], severity, onset, worrying)
        else:
            pair_days.append(EntryDay(day, severity, onset, worrying))
    return with_older


def _merged(day: EntryDay, severity: int, onset: date | None, worrying: bool) -> EntryDay:
    if day.onset is not None and (onset is None or day.onset < onset):
        onset = day.onset
    return EntryDay(day.day, max(day.severity, severity), onset, day.worrying or worrying)


def _read_older_history(
    s: Session, batch: BatchDiaries, with_history: set[Pair], today: date, rules: Rules
) -> set[int]:
    """Read back past the window where it matters; returns ids whose diaries made it fail.

    `with_history`: the pairs with rows before the window (no others can need reading back).
    """
    first_day = window_start(today, rules)
    loaded_from: dict[Pair, date] = {}
    failed: set[int] = set()
    pairs = sorted(pair for pair in with_history if pair[1] in batch.days.get(pair[0], ()))
    while pairs:
        wanted: dict[Pair, date] = {}
        for pid, code in pairs:
            if pid in failed:
                continue
            try:
                bound = older_bound(
                    code,
                    batch.days[pid][code],
                    batch.marks_of(pid, code),
                    loaded_from.get((pid, code), first_day),
                    code in batch.known.get(pid, ()),
                    today,
                    rules,
                )
            except Exception as exc:  # the engine's episode split failed on this diary
                _log_failure(pid, exc)
                failed.add(pid)
                continue
            if bound is not None:
                wanted[(pid, code)] = bound
        for chunk in _chunks(sorted(wanted), _PAIRS_PER_QUERY):
            _prepend_older_rows(s, batch, {p: wanted[p] for p in chunk}, loaded_from, first_day)
        # Only the symptoms just extended can want more: a chain may go on further back.
        pairs = sorted(wanted)
    return failed


def _prepend_older_rows(
    s: Session,
    batch: BatchDiaries,
    wanted: dict[Pair, date],
    loaded_from: dict[Pair, date],
    first_day: date,
) -> None:
    """Read each wanted pair's rows from its bound up to where its rows already start."""
    ranges = {pair: (since, loaded_from.get(pair, first_day)) for pair, since in wanted.items()}
    older_days: dict[int, DaysBySymptom] = {}
    older_marks: dict[int, MarksBySymptom] = {}
    conn = s.connection()
    group_rows(plain_rows(conn, _older_rows(ranges, conn.dialect.name)), older_days, older_marks)
    for (pid, code), (since, _before) in ranges.items():
        # Everything read is dated before the rows held, which run from there on: so
        # prepending keeps date order, and no day is split between the two.
        batch.days[pid][code] = older_days.get(pid, {}).get(code, []) + batch.days[pid][code]
        new_marks = older_marks.get(pid, {}).get(code)
        if new_marks:
            marks = batch.marks.setdefault(pid, {})
            marks[code] = new_marks + marks.get(code, [])
        loaded_from[(pid, code)] = since


def _older_rows(ranges: dict[Pair, tuple[date, date]], dialect: str) -> Select:
    """Each pair's live rows from its own first day to (not including) its own last.

    The ranges come in as a table joined on the index's leading columns, so both databases
    read each pair as one index range. (A row-value IN list with one range for all was planned
    by PostgreSQL as a bitmap of hundreds of index scans, read from the table, and planning it
    took as long as running it.)
    """
    wanted = _ranges_table(ranges, dialect)
    return _live_rows(
        DiaryEntry.entry_date >= wanted.c.since,
        DiaryEntry.entry_date < wanted.c.before,
    ).join(
        wanted,
        and_(
            wanted.c.patient_id == DiaryEntry.patient_id,
            wanted.c.symptom_code == DiaryEntry.symptom_code,
        ),
    )


# The ranges as a table the database builds from the statement's parameters: from arrays on
# PostgreSQL, from one JSON array on SQLite. Either way the statement is the same text whatever
# the number of pairs. As a VALUES list, SQLAlchemy compiled four parameters a pair, and that
# took longer than the database's reading of them (26 ms a query of 400 pairs; 20,000 patients
# with 720 days of history made 28 such queries a pass).
_RANGES_FROM_ARRAYS = text(
    """
    SELECT * FROM unnest(
        CAST(:patient_ids AS integer[]),
        CAST(:symptom_codes AS text[]),
        CAST(:sinces AS date[]),
        CAST(:befores AS date[])
    ) AS wanted(patient_id, symptom_code, since, before)
    """
)
_RANGES_FROM_JSON = text(
    """
    SELECT json_extract(value, '$[0]') AS patient_id, json_extract(value, '$[1]') AS symptom_code,
        json_extract(value, '$[2]') AS since, json_extract(value, '$[3]') AS before
    FROM json_each(:ranges)
    """
)


def _ranges_table(ranges: dict[Pair, tuple[date, date]], dialect: str) -> CTE:
    if dialect == "postgresql":
        pairs, bounds = zip(*ranges.items(), strict=True)
        patient_ids, codes = zip(*pairs, strict=True)
        sinces, befores = zip(*bounds, strict=True)
        table = _RANGES_FROM_ARRAYS.bindparams(
            patient_ids=list(patient_ids),
            symptom_codes=list(codes),
            sinces=list(sinces),
            befores=list(befores),
        )
    else:  # SQLite, whose dates are ISO text, as JSON gives them
        table = _RANGES_FROM_JSON.bindparams(
            ranges=json.dumps(
                [
                    [pid, code, since.isoformat(), before.isoformat()]
                    for (pid, code), (since, before) in ranges.items()
                ]
            )
        )
    return table.columns(
        column("patient_id", Integer),
        column("symptom_code", String),
        column("since", Date),
        column("before", Date),
    ).cte("wanted")


def _chunks(items: list[T], size: int) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---- writing ----------------------------------------------------------------------------------


def _apply_batch(
    s: Session, assessed: list[tuple[int, list[Finding]]], now: datetime
) -> tuple[Outcome, set[int]]:
    """Apply a batch's findings in one transaction; fall back to one patient at a time."""
    sorted_out = _sort_out(s, assessed)
    outcome, failed = _apply_all(s, sorted_out, now)
    outcome.unchanged += sorted_out.unchanged
    _unlink_events(s)
    return outcome, failed


@dataclass
class SortedOut:
    """A batch's findings sorted by what applying them would do.

    `findings`: how many the batch has. `unchanged`: how many are counted unchanged without
    `apply_findings` (it would count them so too). `moves`: the open alerts whose only change
    is their episode dates.
    `new_reasons`: (patient, finding, update) for open alerts that gain a reason, and nothing
    more. `opens`: (patient, finding) for each first alert of an episode. `to_apply`: per
    patient, only the findings `apply_findings` must handle, and the ids of the alerts it reads
    for them. `touched`: every patient with anything to write, with all of their findings, for
    redoing one patient at a time if the batch fails.
    """

    findings: int = 0
    unchanged: int = 0
    moves: list[MovedDates] = field(default_factory=list)
    new_reasons: list[tuple[int, Finding, NewReasons]] = field(default_factory=list)
    opens: list[tuple[int, Finding]] = field(default_factory=list)
    to_apply: list[tuple[int, list[Finding], list[int]]] = field(default_factory=list)
    touched: list[tuple[int, list[Finding]]] = field(default_factory=list)


def _sort_out(s: Session, assessed: list[tuple[int, list[Finding]]]) -> SortedOut:
    out = SortedOut()
    if not assessed:
        return out
    alerts = read_alerts(s, assessed[0][0], assessed[-1][0])
    for patient_id, findings in assessed:
        out.findings += len(findings)
        to_apply: list[Finding] = []
        alert_ids: list[int] = []
        written = False
        for finding in findings:
            mine = alerts.get((patient_id, finding.symptom))
            sorted_out = sort_out(mine, finding)
            if sorted_out == APPLY:
                to_apply.append(finding)
                alert_ids.extend(_ids_read_by_apply(mine))
            elif sorted_out == UNCHANGED:
                out.unchanged += 1
            elif sorted_out == OPEN_ALERT:
                out.opens.append((patient_id, finding))
                written = True
            elif isinstance(sorted_out, NewReasons):
                out.new_reasons.append((patient_id, finding, sorted_out))
                written = True
            else:
                out.moves.append(sorted_out)
                out.unchanged += 1
                written = True
        if to_apply:
            out.to_apply.append((patient_id, to_apply, alert_ids))
        if to_apply or written:
            out.touched.append((patient_id, findings))
    return out


def _ids_read_by_apply(alerts: SymptomAlerts | None) -> list[int]:
    """The alerts apply_findings reads for one symptom: the open one and the latest."""
    if alerts is None:
        return []
    return list({a.id for a in (alerts.open, alerts.latest) if a is not None})


def _apply_all(s: Session, batch: SortedOut, now: datetime) -> tuple[Outcome, set[int]]:
    outcome = Outcome()
    try:
        # The alerts apply_findings needs are read in one query, not one per patient, and
        # nothing is flushed until the commit, when the batch's changes go as a few batched
        # statements. (apply_findings flushes only to supersede an alert, which is rare.)
        outcome.opened += _open_alerts(s, batch.opens, now)
        alerts = _alerts_by_id(s, [i for _, _, ids in batch.to_apply for i in ids])
        with s.no_autoflush:
            for patient_id, findings, ids in batch.to_apply:
                mine = [alerts[i] for i in ids if i in alerts]
                outcome.add(apply_findings(s, patient_id, findings, DETECTION, now, mine))
            written = _write_new_reasons(s, [change for _, _, change in batch.new_reasons], now)
            outcome.updated += len(written)
            for patient_id, finding, change in batch.new_reasons:
                if change.dates.alert_id not in written:
                    # Changed since it was read (answered, or updated on a save): apply_findings
                    # reads it again and does what is right for it now.
                    outcome.add(apply_findings(s, patient_id, [finding], DETECTION, now))
        _move_dates(s, batch.moves)
        s.commit()
        return outcome, set()
    except (OperationalError, InterfaceError):
        raise  # the database is gone, not one patient's record: the whole run fails
    except Exception:
        # Most likely one patient's write (a concurrent duplicate): redo the batch patient by
        # patient, where a failure is retried or logged and costs only that patient.
        s.rollback()
    # One by one, each touched patient's findings all go through apply_findings, which counts
    # them itself. Every other patient's findings were all unchanged, and are counted here.
    batch.unchanged = batch.findings - sum(len(findings) for _, findings in batch.touched)
    return _apply_one_by_one(s, batch.touched, now)


_MOVE = (
    update(Alert.__table__)
    .where(Alert.__table__.c.id == bindparam("alert_id"), Alert.__table__.c.status == OPEN)
    .values(
        episode_start=bindparam("new_start"),
        first_entry=bindparam("new_first"),
        last_entry=bindparam("new_last"),
        duration_days=bindparam("new_duration"),
    )
)


# On PostgreSQL the batch's moves go as arrays, in one statement and one round trip: as many
# single-row updates, even pipelined, kept the pass waiting on the database once per row.
# The batch's range of patients changes nothing about which rows match (every alert moved is
# one of theirs), but lets PostgreSQL read only their open alerts from the one-open-alert index:
# without it, the join read every open alert of every patient once a batch, a cost that grew
# with the alerts kept (100,000 patients: 21 ms a batch, 3.5 ms with the range).
_MOVE_ARRAYS = text(
    """
    UPDATE alerts SET
        episode_start = moved.episode_start,
        first_entry = moved.first_entry,
        last_entry = moved.last_entry,
        duration_days = moved.duration_days
    FROM unnest(
        CAST(:alert_ids AS integer[]),
        CAST(:starts AS date[]),
        CAST(:firsts AS date[]),
        CAST(:lasts AS date[]),
        CAST(:durations AS smallint[])
    ) AS moved(alert_id, episode_start, first_entry, last_entry, duration_days)
    WHERE alerts.id = moved.alert_id AND alerts.status = :open
        AND alerts.patient_id BETWEEN :first_patient AND :last_patient
    """
)


def _move_dates(s: Session, moves: list[MovedDates]) -> None:
    """One statement for the batch: what `apply_findings` would write for each, and no more.

    Only while the alert is still open: one answered or closed since it was read keeps its
    dates, as apply_findings would have left them (it merges into open alerts only).
    """
    if not moves:
        return
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(
            _MOVE_ARRAYS,
            {
                "alert_ids": [m.alert_id for m in moves],
                "starts": [m.episode_start for m in moves],
                "firsts": [m.first_entry for m in moves],
                "lasts": [m.last_entry for m in moves],
                "durations": [m.duration_days for m in moves],
                "open": OPEN,
                **_patient_range(m.patient_id for m in moves),
            },
        )
        return
    conn.execute(
        _MOVE,
        [
            {
                "alert_id": m.alert_id,
                "new_start": m.episode_start,
                "new_first": m.first_entry,
                "new_last": m.last_entry,
                "new_duration": m.duration_days,
            }
            for m in moves
        ],
    )


# On PostgreSQL a batch's new alerts, their events and their prompts go in one statement from
# arrays: one round trip, and no statement text as long as the batch to parse.
_OPEN_ARRAYS = text(
    """
    WITH opened AS (
        INSERT INTO alerts (
            patient_id, symptom_code, episode_start, first_entry, last_entry, duration_days,
            urgency, reasons, rules_version, status, opened_at, updated_at
        )
        SELECT new.*, :open, :now, :now
        FROM unnest(
            CAST(:patient_ids AS integer[]),
            CAST(:codes AS varchar[]),
            CAST(:starts AS date[]),
            CAST(:firsts AS date[]),
            CAST(:lasts AS date[]),
            CAST(:durations AS smallint[]),
            CAST(:urgencies AS varchar[]),
            CAST(:reasons AS varchar[]),
            CAST(:versions AS varchar[])
        ) AS new
        RETURNING id, patient_id, urgency, reasons, rules_version
    ), events AS (
        INSERT INTO alert_events (
            alert_id, at, action, actor, status, urgency, reasons, rules_version
        )
        SELECT id, :now, 'opened', :actor, :open, urgency, reasons, rules_version FROM opened
    )
    INSERT INTO prompts (alert_id, patient_id, urgency, reprompt, created_at, due_at)
    SELECT id, patient_id, urgency, 0, :now, :now FROM opened
    """
).bindparams(bindparam("now", type_=UTCDateTime))


def _open_alerts(s: Session, opens: list[tuple[int, Finding]], now: datetime) -> int:
    """Open an alert for each, with its "opened" event and its first prompt, as `apply_findings`
    would. Returns how many were opened.

    Another writer opening the same alert first makes the one-open-alert index refuse the
    batch's statement, and the batch is redone one patient at a time, as for `apply_findings`.
    """
    if not opens:
        return 0
    rows = [_alert_row(patient_id, finding, now) for patient_id, finding in opens]
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        columns = AlertRow(*map(list, zip(*rows, strict=True)))
        conn.execute(
            _OPEN_ARRAYS,
            {
                "patient_ids": columns.patient_id,
                "codes": columns.symptom_code,
                "starts": columns.episode_start,
                "firsts": columns.first_entry,
                "lasts": columns.last_entry,
                "durations": columns.duration_days,
                "urgencies": columns.urgency,
                "reasons": columns.reasons,
                "versions": columns.rules_version,
                "open": OPEN,
                "actor": DETECTION,
                "now": now,
            },
        )
        return len(rows)
    # SQLite: the alerts with their ids back, then their events and prompts, each without
    # SQLAlchemy's typing of every value (`insert_rows`): 61,733 alerts, events and prompts
    # took 1.65 s through SQLAlchemy's executemany, and 0.78 s this way.
    ids = {
        (patient_id, code): alert_id
        for alert_id, patient_id, code in insert_rows(
            conn,
            Alert.__table__,
            AlertRow._fields,
            rows,
            returning=("id", "patient_id", "symptom_code"),
        )
    }
    opened = [(ids[(r.patient_id, r.symptom_code)], r) for r in rows]
    insert_rows(
        conn,
        AlertEvent.__table__,
        _EVENT_COLUMNS,
        [
            _event_row(alert_id, "opened", now, r.urgency, r.reasons, r.rules_version)
            for alert_id, r in opened
        ],
    )
    insert_rows(
        conn,
        Prompt.__table__,
        ("alert_id", "patient_id", "urgency", "reprompt", "created_at", "due_at"),
        [(alert_id, r.patient_id, r.urgency, 0, now, now) for alert_id, r in opened],
    )
    return len(rows)


class AlertRow(NamedTuple):
    """The row `apply_findings` opens for a finding: its fields are the alerts columns written."""

    patient_id: int
    symptom_code: str
    episode_start: date
    first_entry: date
    last_entry: date
    duration_days: int
    urgency: str
    reasons: str
    rules_version: str
    status: str
    opened_at: datetime
    updated_at: datetime


_EVENT_COLUMNS = (
    "alert_id",
    "at",
    "action",
    "actor",
    "status",
    "urgency",
    "reasons",
    "rules_version",
)


def _event_row(
    alert_id: int, action: str, now: datetime, urgency: str, reasons: str, rules_version: str
) -> tuple:
    """The event `apply_findings` records when the pass opens or updates an (open) alert, as
    the values of `_EVENT_COLUMNS`."""
    return (alert_id, now, action, DETECTION, OPEN, urgency, reasons, rules_version)


def _alert_row(patient_id: int, finding: Finding, now: datetime) -> AlertRow:
    """The row `apply_findings` opens for a finding."""
    return AlertRow(
        patient_id,
        finding.symptom,
        finding.episode_start,
        finding.first_entry or finding.episode_start,
        finding.last_entry,
        finding.duration_days,
        finding.urgency,
        ",".join(finding.reasons),
        finding.rules_version,
        OPEN,
        now,
        now,
    )


_NEW_REASONS = (
    update(Alert.__table__)
    .where(
        Alert.__table__.c.id == bindparam("alert_id"),
        Alert.__table__.c.status == OPEN,
        Alert.__table__.c.reasons == bindparam("was_reasons"),
        Alert.__table__.c.urgency == bindparam("was_urgency"),
    )
    .values(
        episode_start=bindparam("new_start"),
        first_entry=bindparam("new_first"),
        last_entry=bindparam("new_last"),
        duration_days=bindparam("new_duration"),
        reasons=bindparam("new_reasons"),
        rules_version=bindparam("new_version"),
        updated_at=bindparam("now", type_=UTCDateTime),
    )
    .returning(Alert.__table__.c.id)
)

# On PostgreSQL the alerts and their events in one statement from arrays, as for _OPEN_ARRAYS,
# with the batch's range of patients for the same reason as _MOVE_ARRAYS.
_NEW_REASONS_ARRAYS = text(
    """
    WITH updated AS (
        UPDATE alerts SET
            episode_start = new.episode_start,
            first_entry = new.first_entry,
            last_entry = new.last_entry,
            duration_days = new.duration_days,
            reasons = new.reasons,
            rules_version = new.rules_version,
            updated_at = :now
        FROM unnest(
            CAST(:alert_ids AS integer[]),
            CAST(:starts AS date[]),
            CAST(:firsts AS date[]),
            CAST(:lasts AS date[]),
            CAST(:durations AS smallint[]),
            CAST(:was_reasons AS varchar[]),
            CAST(:urgencies AS varchar[]),
            CAST(:reasons AS varchar[]),
            CAST(:versions AS varchar[])
        ) AS new(
            alert_id, episode_start, first_entry, last_entry, duration_days,
            was_reasons, urgency, reasons, rules_version
        )
        WHERE alerts.id = new.alert_id AND alerts.status = :open
            AND alerts.reasons = new.was_reasons AND alerts.urgency = new.urgency
            AND alerts.patient_id BETWEEN :first_patient AND :last_patient
        RETURNING alerts.id, alerts.urgency, alerts.reasons, alerts.rules_version
    ), events AS (
        INSERT INTO alert_events (
            alert_id, at, action, actor, status, urgency, reasons, rules_version
        )
        SELECT id, :now, 'updated', :actor, :open, urgency, reasons, rules_version FROM updated
    )
    SELECT id FROM updated
    """
).bindparams(bindparam("now", type_=UTCDateTime))


def _patient_range(patient_ids: Iterable[int]) -> dict[str, int]:
    """The first and last of the patients whose alerts a statement writes, as its parameters."""
    ids = list(patient_ids)
    return {"first_patient": min(ids), "last_patient": max(ids)}


def _write_new_reasons(s: Session, updates: list[NewReasons], now: datetime) -> set[int]:
    """Write what `apply_findings` would for each (the alert and an "updated" event) at once.

    Only where the alert is still open with the reasons and urgency that were read; returns the
    ids of the alerts written. The rest changed in between, and are the caller's to redo.
    """
    if not updates:
        return set()
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        return set(
            conn.execute(
                _NEW_REASONS_ARRAYS,
                {
                    "alert_ids": [u.dates.alert_id for u in updates],
                    "starts": [u.dates.episode_start for u in updates],
                    "firsts": [u.dates.first_entry for u in updates],
                    "lasts": [u.dates.last_entry for u in updates],
                    "durations": [u.dates.duration_days for u in updates],
                    "was_reasons": [u.was_reasons for u in updates],
                    "urgencies": [u.urgency for u in updates],
                    "reasons": [u.reasons for u in updates],
                    "versions": [u.rules_version for u in updates],
                    "open": OPEN,
                    "actor": DETECTION,
                    "now": now,
                    **_patient_range(u.dates.patient_id for u in updates),
                },
            ).scalars()
        )
    # SQLite: no arrays, and RETURNING one statement at a time (each costs no round trip).
    written = {
        alert_id
        for u in updates
        for alert_id in conn.execute(
            _NEW_REASONS,
            {
                "alert_id": u.dates.alert_id,
                "new_start": u.dates.episode_start,
                "new_first": u.dates.first_entry,
                "new_last": u.dates.last_entry,
                "new_duration": u.dates.duration_days,
                "was_reasons": u.was_reasons,
                "was_urgency": u.urgency,
                "new_reasons": u.reasons,
                "new_version": u.rules_version,
                "now": now,
            },
        ).scalars()
    }
    events = [
        _event_row(u.dates.alert_id, "updated", now, u.urgency, u.reasons, u.rules_version)
        for u in updates
        if u.dates.alert_id in written
    ]
    insert_rows(conn, AlertEvent.__table__, _EVENT_COLUMNS, events)
    return written


def _unlink_events(s: Session) -> None:
    """Let go of each alert's events collection once the batch is committed.

    An alert and the events recorded for it in this session refer to each other, and only the
    cyclic collector frees such pairs, which runs seldom during a pass: a first pass held every
    batch's alerts and events (300 MB for 100,000 patients) until it did. Without the
    collection, the batch's objects are freed as soon as the session is closed.
    """
    for obj in list(s.identity_map.values()):
        if isinstance(obj, Alert):
            s.expire(obj, ["events"])


def _alerts_by_id(s: Session, alert_ids: list[int]) -> dict[int, Alert]:
    by_id: dict[int, Alert] = {}
    for chunk in _chunks(sorted(set(alert_ids)), _IDS_PER_QUERY):
        by_id.update(
            (alert.id, alert) for alert in s.scalars(select(Alert).where(Alert.id.in_(chunk)))
        )
    return by_id


def _apply_one_by_one(
    s: Session, assessed: list[tuple[int, list[Finding]]], now: datetime
) -> tuple[Outcome, set[int]]:
    # A SAVEPOINT per patient: one patient's failure rolls back that patient's writes only.
    outcome = Outcome()
    failed: set[int] = set()
    for patient_id, findings in assessed:
        try:
            outcome.add(_apply_one(s, patient_id, findings, now))
        except (OperationalError, InterfaceError):
            raise
        except Exception as exc:
            _log_failure(patient_id, exc)
            failed.add(patient_id)
    s.commit()
    return outcome, failed


def _apply_one(s: Session, patient_id: int, findings: list[Finding], now: datetime) -> Outcome:
    try:
        with s.begin_nested():
            return apply_findings(s, patient_id, findings, DETECTION, now)
    except IntegrityError:
        # Someone else (a concurrent pass, or the web app prompting at once for an urgent
        # entry) opened the same alert or queued the same prompt between our read and our
        # write. Their row is committed now: read again, and the finding merges into it.
        with s.begin_nested():
            return apply_findings(s, patient_id, findings, DETECTION, now)


def _queue_reprompts(sessions: SessionFactory, rules: Catalogue, now: datetime) -> int:
    thresholds = rules.thresholds
    for attempt in (1, 2):
        with sessions() as s:
            try:
                queued = queue_reprompts(
                    s, thresholds["reprompt_days"], thresholds["max_reprompts"], now
                )
                s.commit()
                return queued
            except IntegrityError:
                # A concurrent run queued the same re-prompt first (the unique key on
                # prompts): roll back and look again, and it is then no longer due.
                s.rollback()
                if attempt == 2:
                    raise
    return 0
