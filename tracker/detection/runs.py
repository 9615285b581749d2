"""Runs of the detection pass: daily ones exactly once, manual ones on demand, never two at once.

Why a daily run happens once, and is never lost:

1. Every pass, daily or manual, runs inside `guard.exclusive`: an advisory lock on PostgreSQL,
   a file lock on SQLite. Both are released by the database or the kernel when their process
   dies, so whoever holds the lock knows that no other pass is alive.
2. A daily run claims its day by inserting the row (job, run_key = the local date) into
   `job_runs`, whose unique constraint lets exactly one insert succeed. A second scheduler, or
   the same run fired twice, finds the row and leaves the run alone once it is `done`.
3. A row that is not `done` belongs to a pass that died, failed or was stopped (point 1: it
   cannot be running). It is taken over by an UPDATE conditioned on what was read, and the
   row count checked, and the pass runs again. That is safe because applying findings is
   idempotent per patient: one open alert per (patient, symptom) and one prompt per (alert,
   urgency, re-prompt) are unique in the database, and an unchanged finding writes nothing.

Manual runs (`flask jobs detect`) take the same lock, so they never overlap a scheduled run,
but claim a key of their own: an operator can repeat a pass for any date, and a manual pass
never stands in for the day's scheduled one.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from tracker import clock
from tracker.detection import guard
from tracker.detection.models import DONE, FAILED, INTERRUPTED, RUNNING, JobRun
from tracker.detection.run import DEFAULT_BATCH_SIZE, Interrupted, SessionFactory, Summary, detect
from tracker.rules.catalogue import Catalogue

log = logging.getLogger(__name__)

JOB = "detect"
LOCK = "tracker-detect"
MANUAL_PREFIX = "manual:"

# What a call to run_daily or run_manual ended as.
RAN = "ran"
BUSY = "busy"  # another pass holds the lock (a scheduled run does not wait for it)
ALREADY_DONE = "already_done"
STOPPED = "stopped"


@dataclass(frozen=True)
class RunResult:
    """How a request for a pass ended, and the pass's summary if it ran (or ran partly)."""

    status: str
    run_key: str
    summary: Summary | None = None


def owner_id() -> str:
    """This process, as host:pid: enough to find it, nothing about anyone."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def daily_key(day: date) -> str:
    """The run_key of the daily run for a local date."""
    return day.isoformat()


def run_daily(
    sessions: SessionFactory,
    engine: Engine,
    day: date,
    rules: Catalogue,
    *,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: datetime | None = None,
) -> RunResult:
    """The scheduled pass for local date `day`, once: skipped if done or if a pass is running."""
    key = daily_key(day)
    with guard.exclusive(engine, LOCK, wait=False) as held:
        if not held:
            return RunResult(BUSY, key)
        _mark_dead_runs_interrupted(sessions)
        run_id = claim(sessions, key, day)
        if run_id is None:
            return RunResult(ALREADY_DONE, key)
        options = dict(progress=progress, should_stop=should_stop, batch_size=batch_size, now=now)
        return _run_claimed(sessions, run_id, key, day, rules, options)


def run_manual(
    sessions: SessionFactory,
    engine: Engine,
    today: date,
    rules: Catalogue,
    *,
    on_wait: Callable[[], None] | None = None,
    progress: Callable[[int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: datetime | None = None,
) -> RunResult:
    """A pass as of `today` on demand: waits for a running pass to end, then always runs."""
    key = f"{MANUAL_PREFIX}{uuid.uuid4().hex}"
    with guard.exclusive(engine, LOCK, wait=True, on_wait=on_wait):
        _mark_dead_runs_interrupted(sessions)
        run_id = claim(sessions, key, today)
        assert run_id is not None  # a fresh random key cannot already be taken
        options = dict(progress=progress, should_stop=should_stop, batch_size=batch_size, now=now)
        return _run_claimed(sessions, run_id, key, today, rules, options)


def claim(sessions: SessionFactory, run_key: str, as_of: date) -> int | None:
    """Claim a run by inserting its row, or take over a dead one; None if it is done already.

    Call only while holding the lock (see the module's docstring, point 3).
    """
    me = owner_id()
    with sessions() as s:
        row = JobRun(job=JOB, run_key=run_key, status=RUNNING, owner=me, as_of=as_of)
        s.add(row)
        try:
            s.commit()
            return row.id
        except IntegrityError:
            s.rollback()  # the run is claimed already: done, or its claimer is gone
    with sessions() as s:
        seen = s.execute(
            select(JobRun.id, JobRun.status, JobRun.owner, JobRun.attempts).where(
                JobRun.job == JOB, JobRun.run_key == run_key
            )
        ).one()
        if seen.status == DONE:
            return None
        taken = s.execute(
            update(JobRun)
            .where(
                JobRun.id == seen.id,
                JobRun.status == seen.status,
                JobRun.owner == seen.owner,
                JobRun.attempts == seen.attempts,
            )
            .values(
                status=RUNNING,
                owner=me,
                as_of=as_of,
                attempts=seen.attempts + 1,
                started_at=clock.now(),
                finished_at=None,
            )
        )
        s.commit()
        if taken.rowcount != 1:
            return None  # someone else took it over first: theirs to finish
        log.warning("detection run %s taken over (attempt %d)", run_key, seen.attempts + 1)
        return seen.id


def _mark_dead_runs_interrupted(sessions: SessionFactory) -> None:
    # Under the lock no other pass is alive, so a row still `running` is one whose process
    # died. Say so: a manual run's row would otherwise read `running` for ever.
    with sessions() as s:
        s.execute(
            update(JobRun)
            .where(JobRun.job == JOB, JobRun.status == RUNNING)
            .values(status=INTERRUPTED)
        )
        s.commit()


def _run_claimed(
    sessions: SessionFactory,
    run_id: int,
    run_key: str,
    today: date,
    rules: Catalogue,
    options: dict,
) -> RunResult:
    try:
        summary = detect(sessions, today, rules, **options)
    except Interrupted as stop:
        _finish(sessions, run_id, INTERRUPTED, stop.summary)
        return RunResult(STOPPED, run_key, stop.summary)
    except KeyboardInterrupt:
        _finish_quietly(sessions, run_id, INTERRUPTED)
        raise
    except BaseException:
        _finish_quietly(sessions, run_id, FAILED)
        raise
    _finish(sessions, run_id, DONE, summary)
    return RunResult(RAN, run_key, summary)


def _finish(
    sessions: SessionFactory, run_id: int, status: str, summary: Summary | None = None
) -> None:
    counts = {}
    if summary is not None:
        counts = {name: getattr(summary, name) for name in _COUNTS}
    with sessions() as s:
        s.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.owner == owner_id())
            .values(status=status, finished_at=clock.now(), **counts)
        )
        s.commit()


_COUNTS = ("patients", "findings", "opened", "updated", "unchanged", "failed")


def _finish_quietly(sessions: SessionFactory, run_id: int, status: str) -> None:
    # Called while another error is on its way up: if the database is what failed, recording
    # the failure fails too, and the row stays `running` until the next pass marks it.
    try:
        _finish(sessions, run_id, status)
    except SQLAlchemyError as exc:
        log.warning("could not record the detection run's end: %s", type(exc).__name__)


def daily_run_done(sessions: SessionFactory, day: date) -> bool:
    """Whether the daily run for local date `day` has finished."""
    with sessions() as s:
        status = s.scalar(
            select(JobRun.status).where(JobRun.job == JOB, JobRun.run_key == daily_key(day))
        )
    return status == DONE
