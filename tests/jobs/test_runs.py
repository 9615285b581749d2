"""Exactly once: a daily run is claimed once, taken over if its claimer is gone, never overlaps."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.detection.stored import (
    add_patients,
    alert_state,
    count,
    prompt_state,
    store,
    symptom,
)
from tracker.alerts import services
from tracker.alerts.models import Alert, AlertEvent, Prompt
from tracker.detection import guard
from tracker.detection import run as detection_run
from tracker.detection.models import DONE, FAILED, INTERRUPTED, RUNNING, JobRun
from tracker.detection.runs import (
    ALREADY_DONE,
    BUSY,
    LOCK,
    RAN,
    STOPPED,
    daily_key,
    owner_id,
    run_daily,
    run_manual,
)
from tracker.rules.catalogue import load_rules

DAY = date(2026, 11, 20)
RULES = load_rules()


@pytest.fixture
def engine(app):
    return app.extensions["engine"]


@pytest.fixture
def diaries(session):
    """Five patients, each with a cough of three weeks (21 days: the cough's new_days and
    persistent_days in rules version 2): five alerts when detection runs."""
    ids = add_patients(session, 5)
    for pid in ids:
        store(session, pid, [symptom(DAY - timedelta(days=n), "cough", 3) for n in (28, 21, 14, 7)])
    return ids


def runs(session) -> list[JobRun]:
    session.expire_all()
    return list(session.scalars(select(JobRun).order_by(JobRun.id)))


def daily(sessions, engine, **kw):
    return run_daily(sessions, engine, DAY, RULES, batch_size=2, **kw)


def test_the_daily_run_happens_once_however_often_it_is_started(session, sessions, engine, diaries):
    first = daily(sessions, engine)
    second = daily(sessions, engine)

    assert (first.status, second.status) == (RAN, ALREADY_DONE)
    assert first.summary.opened == 5 and second.summary is None
    [row] = runs(session)
    assert (row.run_key, row.status, row.attempts, row.as_of) == (daily_key(DAY), DONE, 1, DAY)
    assert (row.patients, row.findings, row.opened, row.failed) == (5, 5, 5, 0)
    assert row.finished_at is not None
    assert count(session, Alert) == 5 == count(session, Prompt)


def test_a_daily_run_started_while_another_pass_runs_is_skipped(session, sessions, engine, diaries):
    with guard.exclusive(engine, LOCK, wait=False) as held:
        assert held
        result = daily(sessions, engine)

    assert result.status == BUSY
    assert runs(session) == []
    assert count(session, Alert) == 0


def test_two_daily_runs_started_together_run_once(session, sessions, engine, diaries):
    results = []
    barrier = threading.Barrier(2)

    def start():
        barrier.wait()
        results.append(daily(sessions, engine).status)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results)[1] == RAN and sorted(results)[0] in (ALREADY_DONE, BUSY)
    assert [r.status for r in runs(session)] == [DONE]
    assert count(session, Alert) == 5 == count(session, Prompt)


def clean_run_state(session, sessions, engine):
    """The alerts and prompts one uninterrupted pass leaves, from no alerts at all."""
    for model in (Prompt, AlertEvent, Alert):
        session.execute(model.__table__.delete())
    session.commit()
    run_manual(sessions, engine, DAY, RULES)
    return alert_state(session), prompt_state(session)


def test_a_run_whose_process_died_half_way_is_taken_over_and_finished(
    session, sessions, engine, diaries
):
    # What a killed claimer leaves: its claim `running`, and the first batch's alerts.
    session.add(
        JobRun(job="detect", run_key=daily_key(DAY), status=RUNNING, owner="gone:1", as_of=DAY)
    )
    session.commit()
    with pytest.raises(detection_run.Interrupted):
        detection_run.detect(sessions, DAY, RULES, batch_size=2, should_stop=iter([0, 1]).__next__)
    assert count(session, Alert) == 2

    result = daily(sessions, engine)

    assert result.status == RAN
    [row] = runs(session)
    assert (row.status, row.attempts, row.owner) == (DONE, 2, owner_id())
    assert (result.summary.opened, result.summary.unchanged) == (3, 2)
    finished = (alert_state(session), prompt_state(session))
    assert finished == clean_run_state(session, sessions, engine)


def test_a_run_stopped_between_batches_is_recorded_and_finished_later(
    session, sessions, engine, diaries
):
    stopped = daily(sessions, engine, should_stop=iter([False, True]).__next__)
    assert stopped.status == STOPPED and stopped.summary.patients == 2
    assert [(r.status, r.patients) for r in runs(session)] == [(INTERRUPTED, 2)]

    again = daily(sessions, engine)

    assert again.status == RAN
    assert [(r.status, r.attempts) for r in runs(session)] == [(DONE, 2)]
    assert count(session, Alert) == 5 == count(session, Prompt)


def test_a_run_that_fails_is_recorded_and_run_again_next_time(
    session, sessions, engine, diaries, monkeypatch
):
    def database_gone(*args, **kwargs):
        raise OperationalError("INSERT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(services, "carry_out", database_gone)
    with pytest.raises(OperationalError):
        daily(sessions, engine)
    assert [r.status for r in runs(session)] == [FAILED]
    monkeypatch.undo()

    assert daily(sessions, engine).status == RAN
    assert [(r.status, r.attempts) for r in runs(session)] == [(DONE, 2)]


def test_manual_runs_repeat_and_never_stand_in_for_the_daily_run(
    session, sessions, engine, diaries
):
    first = run_manual(sessions, engine, DAY, RULES)
    second = run_manual(sessions, engine, DAY, RULES)
    scheduled = daily(sessions, engine)

    assert (first.status, second.status, scheduled.status) == (RAN, RAN, RAN)
    assert (first.summary.opened, second.summary.unchanged, scheduled.summary.unchanged) == (
        5,
        5,
        5,
    )
    keys = [r.run_key for r in runs(session)]
    assert keys[0].startswith("manual:") and keys[1].startswith("manual:")
    assert keys[2] == daily_key(DAY)
    assert count(session, Alert) == 5 == count(session, Prompt)


def test_a_manual_run_waits_for_the_running_pass_then_runs(session, sessions, engine, diaries):
    waited = threading.Event()
    result = []
    with guard.exclusive(engine, LOCK, wait=False):
        worker = threading.Thread(
            target=lambda: result.append(
                run_manual(sessions, engine, DAY, RULES, on_wait=waited.set)
            )
        )
        worker.start()
        assert waited.wait(10)
        assert result == [] and count(session, Alert) == 0
    worker.join(30)

    assert [r.status for r in result] == [RAN]
    assert count(session, Alert) == 5


def test_a_manual_run_left_running_by_a_dead_process_is_marked_interrupted(
    session, sessions, engine, diaries
):
    session.add(JobRun(job="detect", run_key="manual:x", status=RUNNING, owner="gone:1", as_of=DAY))
    session.commit()

    run_manual(sessions, engine, DAY, RULES)

    assert [r.status for r in runs(session)] == [INTERRUPTED, DONE]
