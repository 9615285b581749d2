"""The demo data that `make run` loads."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.conftest import reconfigure
from tracker.alerts.models import OPEN, Alert, Prompt
from tracker.auth.passwords import verify_password
from tracker.clock import SYSTEM
from tracker.demo import DEMO_EMAIL, DEMO_PASSWORD
from tracker.diary.assessed import pending_between
from tracker.diary.models import DiaryEntry
from tracker.patients.identity import normalise_nhs_number
from tracker.patients.models import Patient


def test_demo_loads_alex_with_four_weeks_of_diary(app, session):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert DEMO_EMAIL in result.output and DEMO_PASSWORD in result.output
    alex = session.scalar(select(Patient).where(Patient.email == DEMO_EMAIL))
    assert alex.name == "Alex Demo"
    assert alex.mobile == "+447700900123"
    assert alex.email_consent_at is not None and alex.sms_consent_at is not None
    assert verify_password(alex.password_hash, DEMO_PASSWORD)
    days = session.scalars(
        select(DiaryEntry.entry_date).where(DiaryEntry.patient_id == alex.id)
    ).all()
    today = SYSTEM.today("Europe/London")
    assert max(days) <= today and min(days) >= today - timedelta(days=28)


def test_demo_diary_has_a_persistent_worsening_symptom(app, session):
    app.test_cli_runner().invoke(args=["demo"])
    rows = session.execute(
        select(DiaryEntry.entry_date, DiaryEntry.severity)
        .where(DiaryEntry.symptom_code == "bone_pain")
        .order_by(DiaryEntry.entry_date)
    ).all()
    assert (rows[-1][0] - rows[0][0]).days >= 14  # persistent
    first, last = [s for _, s in rows[:3]], [s for _, s in rows[-3:]]
    assert sum(last) - sum(first) >= 2 * 3  # worsening by the rules' measure


def test_demo_refuses_production(app, session):
    reconfigure(app, env="production")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "never loaded in production" in result.output
    assert session.scalar(select(func.count()).select_from(Patient)) == 0


def test_demo_if_empty_does_nothing_the_second_time(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "--if-empty"])
    patients = session.scalar(select(func.count()).select_from(Patient))
    second = runner.invoke(args=["demo", "--if-empty"])
    assert second.exit_code == 0
    assert patients >= 1
    assert session.scalar(select(func.count()).select_from(Patient)) == patients


def test_demo_opens_alexs_alert_at_once_as_a_save_would(app, session):
    # `make run` shows Alex's alert straight away, not after the next detection pass.
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    alex = session.scalar(select(Patient).where(Patient.email == DEMO_EMAIL))
    [alert] = session.scalars(select(Alert).where(Alert.patient_id == alex.id)).all()
    assert (alert.status, alert.symptom_code) == (OPEN, "bone_pain")
    assert [(e.action, e.actor) for e in alert.events] == [("opened", "demo")]
    assert [p.alert_id for p in session.scalars(select(Prompt)).all()] == [alert.id]
    assert alex.id not in pending_between(session, alex.id, alex.id)  # Alex's diary assessed
    # A detection pass by hand (as the README says) finds the same and opens nothing new.
    detect = app.test_cli_runner().invoke(args=["jobs", "detect", "--json"])
    assert detect.exit_code == 0, detect.output
    session.expire_all()
    assert session.scalars(select(Alert).where(Alert.patient_id == alex.id)).all() == [alert]
    assert [e.action for e in alert.events] == ["opened"]


def test_demo_patients_have_valid_nhs_numbers_from_the_test_range(app, session):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    patients = session.scalars(select(Patient)).all()
    assert len(patients) == 2
    for p in patients:
        assert p.nhs_number.startswith("999")  # the range no real patient has
        assert normalise_nhs_number(p.nhs_number) == p.nhs_number  # the check digit is right
        assert p.date_of_birth is not None
