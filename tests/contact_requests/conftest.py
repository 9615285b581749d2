"""A patient with an open alert and a recent symptom, on a clock set to a Tuesday morning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.auth.conftest import database, read
from tests.conftest import make_patient, make_team, sign_in_as
from tracker.alerts.services import apply_findings
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.patients.models import Patient
from tracker.rules.engine import Finding

__all__ = ["read"]

LONDON = ZoneInfo("Europe/London")
# Tuesday 1 December 2026, 10:14 in London: with a target of 2 working days, due on Thursday 3.
TUESDAY = datetime(2026, 12, 1, 10, 14, tzinfo=LONDON)


@dataclass(frozen=True)
class Diary:
    patient: int
    team: int
    alert: int


def add_diary(s, clock, urgency: str = "soon", **patient) -> Diary:
    """A patient with consents to every channel, an open alert on bone pain, and fatigue."""
    team = make_team(s, response_days=2)
    s.commit()
    now = clock.now()
    person = make_patient(
        s, team, email_consent_at=now, sms_consent_at=now, name="Alex Patient", **patient
    )
    today = clock.today("Europe/London")
    record_symptoms(s, person, today - timedelta(days=2), [SymptomReport("fatigue", 4)])
    record_symptoms(s, person, today, [SymptomReport("bone_pain", 7)])
    start = today - timedelta(days=15)
    finding = Finding("bone_pain", urgency, ("new", "persistent"), start, today, 15, "t", start)
    alert = apply_findings(s, person.id, [finding], now=now).prompts[0].alert_id
    s.commit()
    return Diary(person.id, team.id, alert)


@pytest.fixture
def diary(app, clock) -> Diary:
    clock.set(TUESDAY)
    with database(app) as s:
        return add_diary(s, clock)


@pytest.fixture
def patient_in(app, diary):
    """A client signed in as the diary's patient."""
    client = app.test_client()
    sign_in_as(client, read(app, lambda s: s.get(Patient, diary.patient)))
    return client
