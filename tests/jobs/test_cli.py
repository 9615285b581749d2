"""`flask --app wsgi jobs detect`: one pass by hand, a summary, and JSON on the last line."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.detection.stored import add_patients, store, symptom
from tracker.detection import run as detection_run

TODAY = date(2026, 11, 20)


@pytest.fixture
def three_patients(session):
    """Two patients with a three-week cough (21 days: the cough's new_days and persistent_days
    in rules version 2), one with nothing to flag."""
    ids = add_patients(session, 3)
    for pid in ids[:2]:
        store(session, pid, [symptom(TODAY - timedelta(days=n), "cough") for n in (28, 21, 14, 7)])
    return ids


def detect(app, *args):
    return app.test_cli_runner().invoke(args=["jobs", "detect", "--today", "2026-11-20", *args])


def test_detect_prints_a_summary_and_json_on_the_last_line(app, three_patients):
    first = detect(app, "--json")
    second = detect(app, "--json")

    assert first.exit_code == 0, first.output
    *text, last = first.output.strip().splitlines()
    assert json.loads(last) == {
        "patients": 3,
        "findings": 2,
        "opened": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert text == [
        "Detection as of 2026-11-20: 3 patients read, 2 findings; "
        "alerts 2 opened, 0 updated, 0 unchanged; 0 re-prompts queued."
    ]
    assert json.loads(second.output.strip().splitlines()[-1]) == {
        "patients": 3,
        "findings": 2,
        "opened": 0,
        "updated": 0,
        "unchanged": 2,
    }


def test_without_json_only_the_summary_is_printed_and_no_progress_bar_off_a_terminal(
    app, three_patients
):
    result = detect(app)

    assert result.exit_code == 0
    assert result.output.startswith("Detection as of 2026-11-20: 3 patients read")
    assert len(result.output.strip().splitlines()) == 1


def test_a_patient_that_fails_exits_1_with_the_others_done(app, three_patients, monkeypatch):
    real = detection_run.assess_grouped
    victim_days = {}

    def fail_once(days, *args):
        if not victim_days:
            victim_days.update(days)
            raise RuntimeError("cough")
        return real(days, *args)

    monkeypatch.setattr(detection_run, "assess_grouped", fail_once)
    result = detect(app, "--json")

    assert result.exit_code == 1
    assert json.loads(result.stdout.strip().splitlines()[-1])["opened"] == 1
    assert "1 patient(s) could not be assessed" in result.stderr
    assert "cough" not in result.stderr


def test_a_date_that_is_not_a_date_is_refused(app):
    result = app.test_cli_runner().invoke(args=["jobs", "detect", "--today", "20/11/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output or "%Y-%m-%d" in result.output


def test_jobs_run_runs_the_scheduler_with_this_app(app, monkeypatch):
    import jobs.scheduler

    ran = []
    monkeypatch.setattr(jobs.scheduler, "run_forever", ran.append)

    result = app.test_cli_runner().invoke(args=["jobs", "run"])

    assert result.exit_code == 0, result.output
    assert ran == [app]


def test_today_sets_the_clock_for_the_whole_pass_re_prompts_and_the_runs_record_included(
    app, three_patients, session
):
    """Passes run by hand a day at a time behave as the scheduled runs of those days would,
    whatever the date on the machine."""
    from sqlalchemy import select

    from tracker.alerts.models import Prompt
    from tracker.detection.models import JobRun

    def run(day: str) -> int:
        result = app.test_cli_runner().invoke(args=["jobs", "detect", "--today", day, "--json"])
        assert result.exit_code == 0, result.output
        return int(result.output.split("; ")[-1].split(" re-prompts")[0])

    assert run("2026-11-20") == 0
    assert run("2026-11-26") == 0  # six days: not yet
    assert run("2026-11-27") == 2  # a week after the first prompts
    assert run("2026-11-27") == 0  # once

    prompts = session.scalars(select(Prompt).order_by(Prompt.id)).all()
    # 04:30 in London is 04:30 UTC in November: the days' scheduled run times.
    assert [p.created_at.isoformat() for p in prompts] == [
        "2026-11-20T04:30:00+00:00",
        "2026-11-20T04:30:00+00:00",
        "2026-11-27T04:30:00+00:00",
        "2026-11-27T04:30:00+00:00",
    ]
    started = session.scalars(select(JobRun.started_at).order_by(JobRun.id)).all()
    assert {s.date() for s in started} == {
        date(2026, 11, 20),
        date(2026, 11, 26),
        date(2026, 11, 27),
    }
