"""The jobs process records each job's success in the database, for
`tracker_job_last_success_timestamp_seconds`; a job that raised or stopped is not a success."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from jobs.scheduler import DETECT, PRUNE, build_scheduler, recorded
from tracker.detection.runs import STOPPED, RunResult
from tracker.ops.jobs import last_successes
from tracker.ops.models import JobSuccess

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _successes(app) -> dict:
    with app.extensions["sessionmaker"]() as s:
        return last_successes(s)


def test_every_scheduled_job_records_its_success(app, clock):
    clock.set(NOW)
    scheduler = build_scheduler(app, threading.Event())
    job = scheduler.get_job(PRUNE)
    job.func(*job.args, **job.kwargs)  # as the scheduler's executor calls it
    assert _successes(app) == {PRUNE: NOW}
    # Every job goes through the same wrapper, named by its scheduler id.
    assert all(j.func.__wrapped__ for j in scheduler.get_jobs())


def test_a_job_that_raises_records_nothing(app, clock):
    clock.set(NOW)

    def broken(_app) -> None:
        raise RuntimeError("the job failed")

    with pytest.raises(RuntimeError):
        recorded("broken", broken)(app)
    assert _successes(app) == {}


def test_a_detection_pass_that_stopped_is_no_success(app, clock):
    clock.set(NOW)
    recorded(DETECT, lambda _app: RunResult(STOPPED, "2026-12-02"))(app)
    assert _successes(app) == {}
    recorded(DETECT, lambda _app: None)(app)  # nothing was due: the look itself succeeded
    assert _successes(app) == {DETECT: NOW}


def test_success_is_one_row_per_job(app, clock, session):
    clock.set(NOW)
    job = recorded(PRUNE, lambda _app: None)
    job(app)
    job(app)
    assert len(session.scalars(select(JobSuccess)).all()) == 1
