"""The lost-assessment job: a save whose assessment did not complete (the database refused, the
process died) is found and assessed within minutes, and its alert appears (rules §4)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from jobs import assess_lost
from jobs.scheduler import ASSESS_LOST, build_scheduler
from tests.alerts.refusals import refusing_inserts, table_gone
from tests.alerts.test_alert_pages import EMERGENCY, alerts, main_text, prompts
from tests.alerts.test_findings_at_save import counts
from tests.diary.test_logging import log_form, save
from tracker.alerts.models import OPEN
from tracker.config import ConfigError, from_environment
from tracker.detection.patient import apply_assessment, assess_patient
from tracker.detection.run import detect
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.patients.models import KnownCondition
from tracker.rules import load_rules

# Midday, so the patient's today (Europe/London) is the same date as UTC's.
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def at_noon(clock):
    clock.set(NOW)
    return clock


def saved_outside_a_request(app, session, patient, day, code: str, severity: int = 3) -> None:
    """A diary save as the use case makes it (in the app, by its clock), with nothing after."""
    with app.app_context():
        record_symptoms(session, patient, day, [SymptomReport(code, severity)])
        session.commit()


def run_job(app):
    return assess_lost.run(app)


def log(client, *codes: str, severity: str = "3"):
    """Log symptoms for the patient's today by the clock here, as the diary's pages do."""
    return save(client, log_form({c: {"severity": severity} for c in codes}, day=TODAY))


def test_a_save_whose_alert_the_database_refused_is_assessed_by_the_job_and_its_alert_appears(
    app, patient_client, session, patient, at_noon, caplog
):
    with refusing_inserts(session, "alerts"):
        assert log(patient_client, "seizure").headers["Location"] == "/diary/saved"
        page = patient_client.get("/diary/saved")
    assert EMERGENCY in main_text(page)  # told what to do all the same
    assert alerts(session, patient) == []
    assert counts(session, patient) == (1, 0)  # the change is known not to be assessed

    # A save's own assessment is given a while to finish before the job steps in.
    at_noon.advance(timedelta(minutes=1))
    assert run_job(app).found == 0

    at_noon.advance(timedelta(minutes=2))
    with caplog.at_level(logging.INFO):
        summary = run_job(app)
    assert (summary.found, summary.assessed, summary.failed) == (1, 1, 0)
    assert (summary.findings, summary.opened) == (1, 1)
    [alert] = alerts(session, patient)
    assert (alert.symptom_code, alert.urgency, alert.status) == ("seizure", "emergency", OPEN)
    assert [p.urgency for p in prompts(session, patient)] == ["emergency"]
    assert counts(session, patient) == (1, 1)
    # Counts only in the log: no symptom, no name.
    [line] = [r.getMessage() for r in caplog.records if r.name == "jobs.assess_lost"]
    assert line.startswith("lost assessments: found 1, assessed 1, failed 0; findings 1")
    assert "seizure" not in caplog.text.lower() and patient.name not in caplog.text

    # Assessed: the next run finds nothing.
    at_noon.advance(timedelta(minutes=5))
    assert run_job(app).found == 0


def test_a_save_whose_diary_could_not_be_read_is_assessed_by_the_job(
    app, patient_client, session, patient, at_noon
):
    with table_gone(session, KnownCondition.__table__):
        log(patient_client, "lump")
    assert alerts(session, patient) == []
    assert counts(session, patient) == (1, 0)
    at_noon.advance(timedelta(minutes=3))
    assert run_job(app).opened == 1
    [alert] = alerts(session, patient)
    assert (alert.symptom_code, alert.urgency) == ("lump", "soon")


def test_a_save_whose_process_died_before_assessing_is_assessed_by_the_job(
    app, session, patient, at_noon
):
    # What a process that died between the two transactions leaves: the entry, committed, and
    # nothing else.
    saved_outside_a_request(app, session, patient, TODAY, "coughing_blood", 2)
    at_noon.advance(timedelta(minutes=3))
    summary = run_job(app)
    assert (summary.found, summary.opened) == (1, 1)
    [alert] = alerts(session, patient)
    assert (alert.symptom_code, alert.urgency) == ("coughing_blood", "same_day")
    assert [e.actor for e in alert.events] == ["detection"]


def test_a_change_saved_while_an_assessment_ran_stays_pending(app, session, patient, at_noon):
    saved_outside_a_request(app, session, patient, TODAY, "cough", 3)
    with app.app_context():
        running = assess_patient(session, patient.id, TODAY, load_rules())
        session.rollback()  # the assessment's read ends; the other save starts
        saved_outside_a_request(app, session, patient, TODAY, "seizure", 5)
        apply_assessment(session, running, "diary")
    assert counts(session, patient) == (2, 1)
    at_noon.advance(timedelta(minutes=3))
    assert run_job(app).opened == 1
    assert [a.symptom_code for a in alerts(session, patient)] == ["seizure"]


def test_the_detection_pass_records_the_diaries_it_assessed(
    app, session, sessions, patient, at_noon
):
    saved_outside_a_request(app, session, patient, TODAY, "lump", 3)
    summary = detect(sessions, TODAY, load_rules(), now=NOW)
    assert summary.opened == 1
    assert counts(session, patient) == (1, 1)
    at_noon.advance(timedelta(minutes=3))
    assert run_job(app).found == 0


def test_the_pass_leaves_pending_a_patient_whose_own_today_is_not_the_passs(
    app, session, sessions, patient, at_noon
):
    # At noon UTC it is already tomorrow on Kiritimati (UTC+14): their entry for their own
    # today is a later date than the pass's, and waits (rules §2); the job assesses it.
    patient.timezone = "Pacific/Kiritimati"
    session.commit()
    saved_outside_a_request(app, session, patient, TODAY + timedelta(days=1), "seizure", 5)
    detect(sessions, TODAY, load_rules(), now=NOW)
    assert alerts(session, patient) == []
    assert counts(session, patient) == (1, 0)
    at_noon.advance(timedelta(minutes=3))
    assert run_job(app).opened == 1


def test_a_backlog_is_worked_off_oldest_change_first_a_limited_number_per_run(
    app, session, sessions, at_noon
):
    from tests.conftest import make_patient
    from tracker.detection.lost import assess_lost as use_case

    patients = [make_patient(session, email=f"p{n}@example.test") for n in range(3)]
    for n, p in enumerate(patients):
        at_noon.set(NOW + timedelta(seconds=10 * (2 - n)))  # the last one changed first
        saved_outside_a_request(app, session, p, TODAY, "lump", 3)
    later = NOW + timedelta(minutes=5)
    with app.app_context():
        first = use_case(sessions, load_rules(), later, timedelta(minutes=2), limit=2)
    assert (first.found, first.opened) == (2, 2)
    assert [len(alerts(session, p)) for p in patients] == [0, 1, 1]  # the oldest changes first
    with app.app_context():
        second = use_case(sessions, load_rules(), later, timedelta(minutes=2), limit=2)
    assert (second.found, second.opened) == (1, 1)
    assert [len(alerts(session, p)) for p in patients] == [1, 1, 1]


def test_the_job_runs_every_few_minutes_as_set_and_once_at_start(app, at_noon, tmp_path):
    scheduler = build_scheduler(app, stop=__import__("threading").Event())
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job(ASSESS_LOST)
        assert job.trigger.interval == timedelta(minutes=5)
        assert job.next_run_time == NOW
        assert job.max_instances == 1
    finally:
        scheduler.shutdown(wait=False)
    env = {"TRACKER_INSTANCE_PATH": str(tmp_path)}
    every = from_environment({**env, "TRACKER_ASSESS_LOST_EVERY_MINUTES": "2"}).jobs
    assert every.assess_lost_every == timedelta(minutes=2)
    for bad in ("0", "soon"):
        with pytest.raises(ConfigError, match="TRACKER_ASSESS_LOST_EVERY_MINUTES"):
            from_environment({**env, "TRACKER_ASSESS_LOST_EVERY_MINUTES": bad})
