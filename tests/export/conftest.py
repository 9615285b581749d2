"""A patient with a few months of diary, an alert the team answered, and known conditions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from tests.conftest import make_patient, make_team, sign_in_as
from tests.team.conftest import make_staff, open_alert
from tracker.clock import SYSTEM
from tracker.diary import services
from tracker.diary.services import SymptomReport
from tracker.patients import conditions
from tracker.patients.models import Patient
from tracker.team.models import AlertOutcome


def today() -> date:
    return SYSTEM.today("Europe/London")


@dataclass(frozen=True)
class Diary:
    patient_id: int
    other_patient_id: int  # another team's patient, with entries of their own
    began: date


def fill_diary(s, patient, days: int) -> None:
    """An entry a day of fatigue for `days` days to today, bone pain every third day, a note
    now and then, a check-in and a mark that the bone pain has gone."""
    for n in range(days, 0, -1):
        day = today() - timedelta(days=n)
        reports = [
            SymptomReport(
                "fatigue", 1 + n % 10, note="Tired after the school run" if n % 7 == 0 else None
            )
        ]
        if n % 3 == 0:
            reports.append(SymptomReport("bone_pain", 2 + n % 5, worrying=n % 2 == 0))
        services.record_symptoms(s, patient, day, reports)
    services.record_check_in(s, patient, today())
    s.commit()


@pytest.fixture
def diary(session) -> Diary:
    team = make_team(
        session, name="Breast Care", phone="0118 496 0000", email="breast.care@example.test"
    )
    began = today() - timedelta(days=200)
    patient = make_patient(
        session, team, name="Ann Example", email="ann@example.test", enrolled_on=began
    )
    fill_diary(session, patient, 120)
    clinician = make_staff(session, "nurse@example.test", team.id, name="Jo Nurse")
    conditions.add(session, patient, "hot_flushes", staff_id=clinician.id)
    conditions.add(session, patient, "joint_pain", staff_id=None)
    alert_id = open_alert(session, patient.id, "bone_pain", "soon", ("persistent",), days=20)
    session.add(
        AlertOutcome(
            alert_id=alert_id,
            patient_id=patient.id,
            staff_id=clinician.id,
            outcome="contacted",
            note="Team only: husband answered",
        )
    )
    session.commit()
    other_team = make_team(session, name="Oncology", email="onc@example.test")
    other = make_patient(
        session, other_team, name="Bea Other", email="bea@example.test", enrolled_on=began
    )
    services.record_symptoms(session, other, today(), [SymptomReport("cough", 9, note="Not Ann's")])
    session.commit()
    return Diary(patient.id, other.id, began)


def range_query(start: date, end: date) -> dict[str, str]:
    return {
        "from[day]": str(start.day),
        "from[month]": str(start.month),
        "from[year]": str(start.year),
        "to[day]": str(end.day),
        "to[month]": str(end.month),
        "to[year]": str(end.year),
    }


def words(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def ann(app, diary, session):
    """A client signed in as the diary's patient."""
    client = app.test_client()
    sign_in_as(client, session.get(Patient, diary.patient_id))
    return client
