"""Real processes: killed mid-pass, two at once, stopped by SIGTERM. No duplicate, nothing lost."""

from __future__ import annotations

import json
import select
import signal
import threading
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func
from sqlalchemy import select as sql_select

from jobs.settings import due_day
from tests.detection.stored import add_patients, alert_state, count, prompt_state, store, symptom
from tests.jobs.conftest import process_env, start
from tracker.alerts.models import OPEN, Alert, AlertEvent, Prompt
from tracker.config import JobSettings, parse_time
from tracker.db import make_engine
from tracker.detection import guard
from tracker.detection.models import DONE, RUNNING, JobRun
from tracker.detection.runs import LOCK, RAN, daily_key, run_daily, run_manual
from tracker.rules.catalogue import load_rules

RULES = load_rules()
TODAY = date(2026, 11, 20)
# Generous limits for slow machines; every wait ends as soon as its condition holds.
PATIENCE = 90


def seed(sessions, patients: int, today: date = TODAY) -> list[int]:
    """Patients with a cough of three weeks each (21 days: the cough's new_days and
    persistent_days in rules version 2): one alert and one prompt per patient."""
    with sessions() as s:
        ids = add_patients(s, patients)
        for pid in ids:
            store(s, pid, [symptom(today - timedelta(days=n), "cough") for n in (22, 14, 7, 1)])
    return ids


def wait_until(condition, what: str, timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def no_duplicates(sessions) -> None:
    with sessions() as s:
        open_per_symptom = s.execute(
            sql_select(Alert.patient_id, Alert.symptom_code, func.count())
            .where(Alert.status == OPEN)
            .group_by(Alert.patient_id, Alert.symptom_code)
            .having(func.count() > 1)
        ).all()
        prompts_per_alert = s.execute(
            sql_select(Prompt.alert_id, Prompt.urgency, Prompt.reprompt, func.count())
            .group_by(Prompt.alert_id, Prompt.urgency, Prompt.reprompt)
            .having(func.count() > 1)
        ).all()
    assert open_per_symptom == [] and prompts_per_alert == []


HOLD_LOCK = """
import sys, time
from tracker.db import make_engine
from tracker.detection import guard
with guard.exclusive(make_engine(sys.argv[1]), sys.argv[2], wait=False) as held:
    print("held" if held else "busy", flush=True)
    time.sleep(600)
"""


def test_the_lock_is_released_when_its_process_is_killed(own_database, tmp_path):
    url, _sessions = own_database
    engine = make_engine(url)
    holder = start(["-c", HOLD_LOCK, url, LOCK], process_env(url, tmp_path))
    try:
        assert holder.stdout.readline().strip() == "held"
        with guard.exclusive(engine, LOCK, wait=False) as held:
            assert held is False
        holder.send_signal(signal.SIGKILL)
        holder.wait(PATIENCE)

        def free() -> bool:
            with guard.exclusive(engine, LOCK, wait=False) as held:
                return held

        wait_until(free, "the killed process's lock to be released")
    finally:
        holder.kill()
        holder.wait()
        engine.dispose()


DIE_AFTER_FIRST_BATCH = """
import os, signal, sys
from datetime import date
from sqlalchemy.orm import sessionmaker
from tracker.db import make_engine
from tracker.detection.runs import run_daily
from tracker.rules.catalogue import load_rules
engine = make_engine(sys.argv[1])
run_daily(
    sessionmaker(bind=engine, expire_on_commit=False), engine, date.fromisoformat(sys.argv[2]),
    load_rules(), batch_size=2, progress=lambda n: os.kill(os.getpid(), signal.SIGKILL),
)
"""


def test_a_pass_killed_half_way_is_finished_by_the_next_run_as_if_run_once(own_database, tmp_path):
    url, sessions = own_database
    seed(sessions, 6)
    engine = make_engine(url)
    try:
        killed = start(
            ["-c", DIE_AFTER_FIRST_BATCH, url, TODAY.isoformat()], process_env(url, tmp_path)
        )
        killed.communicate(timeout=PATIENCE)
        assert killed.returncode == -signal.SIGKILL
        with sessions() as s:
            [claim] = s.scalars(sql_select(JobRun)).all()
            assert (claim.status, claim.run_key) == (RUNNING, daily_key(TODAY))
            assert count(s, Alert) == 2  # the first batch, committed before the kill

        result = run_daily(sessions, engine, TODAY, RULES, batch_size=2)

        assert result.status == RAN
        assert (result.summary.opened, result.summary.unchanged) == (4, 2)
        with sessions() as s:
            [claim] = s.scalars(sql_select(JobRun)).all()
            assert (claim.status, claim.attempts) == (DONE, 2)
            resumed = (alert_state(s), prompt_state(s))
            for model in (Prompt, AlertEvent, Alert):
                s.execute(model.__table__.delete())
            s.commit()
        run_manual(sessions, engine, TODAY, RULES)
        with sessions() as s:
            assert resumed == (alert_state(s), prompt_state(s))
            assert len(resumed[0]) == 6 == len(resumed[1])
    finally:
        engine.dispose()


def read_line_containing(stream, text: str, timeout: float = PATIENCE) -> str:
    """Read `stream` until a line containing `text` (other lines are dropped)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 0.5)
        if ready:
            line = stream.readline()
            if text in line:
                return line
            if line == "":
                break
    raise AssertionError(f"no line with {text!r}")


def test_two_manual_passes_started_together_on_postgresql_write_one_set_of_alerts(
    pg_database, tmp_path
):
    url, sessions = pg_database
    ids = seed(sessions, 200)
    engine = make_engine(url)
    args = ["-m", "flask", "--app", "wsgi", "jobs", "detect", "--today", "2026-11-20", "--json"]
    try:
        # Hold the lock so both start, find a pass running, and wait: then let them race.
        with guard.exclusive(engine, LOCK, wait=False) as held:
            assert held
            both = [start(args, process_env(url, tmp_path)) for _ in range(2)]
            for proc in both:
                read_line_containing(proc.stderr, "waiting for it to finish")
        outputs = [proc.communicate(timeout=PATIENCE) for proc in both]
    finally:
        engine.dispose()

    assert [proc.returncode for proc in both] == [0, 0], outputs
    summaries = sorted(
        (json.loads(out.strip().splitlines()[-1]) for out, _err in outputs),
        key=lambda s: -s["opened"],
    )
    assert [(s["opened"], s["unchanged"]) for s in summaries] == [(200, 0), (0, 200)]
    no_duplicates(sessions)
    with sessions() as s:
        assert count(s, Alert) == len(ids) == count(s, Prompt)
        assert len(s.scalars(sql_select(JobRun).where(JobRun.status == DONE)).all()) == 2


class Collected:
    """A child's stderr, read in a thread as it comes."""

    def __init__(self, proc) -> None:
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line)

    def has(self, *texts: str) -> bool:
        """Whether one line holds every one of `texts`."""
        return any(all(text in line for text in texts) for line in list(self.lines))


def test_two_scheduler_processes_run_the_due_detection_once_and_stop_cleanly_on_sigterm(
    own_database, tmp_path
):
    url, sessions = own_database
    now = datetime.now(UTC)
    # UTC has no clock changes, so any minute is a valid DETECT_AT: two minutes ago is due.
    at = (now - timedelta(minutes=2)).strftime("%H:%M")
    day = due_day(now, JobSettings(detect_at=parse_time(at), timezone=UTC))
    assert day is not None
    ids = seed(sessions, 300, today=day)
    env = process_env(url, tmp_path, TRACKER_DETECT_AT=at, TRACKER_TIMEZONE="UTC")

    schedulers = [start(["-m", "jobs"], env) for _ in range(2)]
    logs = [Collected(proc) for proc in schedulers]
    try:
        # Each scheduler runs its catch-up as it starts: one runs the day's pass, the other
        # finds it running (the lock) or done (the claim).
        for log in logs:
            wait_until(
                # On one line: other jobs run at start too (the lost-assessment job).
                lambda log=log: log.has('"daily detection catch-up', "executed"),
                "both schedulers' start-up catch-up",
            )
        for proc in schedulers:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(PATIENCE) for proc in schedulers]
    finally:
        for proc in schedulers:
            proc.kill()
            proc.wait()

    assert codes == [0, 0], ["".join(log.lines)[-2000:] for log in logs]
    assert all(log.has("scheduler stopped") for log in logs)
    ran = [log for log in logs if log.has(f"daily detection {day.isoformat()}: ran")]
    assert len(ran) == 1
    no_duplicates(sessions)
    with sessions() as s:
        [claim] = s.scalars(sql_select(JobRun)).all()
        assert (claim.run_key, claim.status, claim.attempts) == (day.isoformat(), DONE, 1)
        assert claim.opened == len(ids) == count(s, Alert) == count(s, Prompt)
