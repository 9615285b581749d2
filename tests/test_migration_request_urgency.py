"""The migration that gives a request its urgency takes it from the alerts the patient ticked,
on both databases."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from tests.test_migrations import (
    empty_database_url,  # noqa: F401 (a fixture)
    insert_row,
)
from tracker.db import make_engine
from tracker.migrate import alembic_config

BEFORE = "d2a6f4c81e39"
URGENCY = "b7e4c2a91f30"


def _alert(conn, patient: int, series: str, urgency: str) -> int:
    return insert_row(
        conn,
        "alerts",
        patient_id=patient,
        symptom_code=series,
        series=series,
        urgency=urgency,
        status="open",
        reasons="new",
    )


def _request(conn, patient: int, team: int, alert_ids: str) -> int:
    return insert_row(
        conn,
        "contact_requests",
        patient_id=patient,
        team_id=team,
        form_key=f"key {alert_ids}",
        source="web",
        reach_by="phone",
        status="open",
        alert_ids=alert_ids,
    )


def test_a_request_gets_the_most_urgent_ticked_alerts_urgency_else_soon(empty_database_url):  # noqa: F811
    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, BEFORE)
    engine = make_engine(empty_database_url)
    with engine.begin() as conn:
        team = insert_row(conn, "teams")
        patient = insert_row(conn, "patients", team_id=team, email="p@example.test")
        soon = _alert(conn, patient, "bone_pain", "soon")
        same_day = _alert(conn, patient, "headache", "same_day")
        emergency = _alert(conn, patient, "seizure", "emergency")
        asked = {
            "both": _request(conn, patient, team, f"{soon},{same_day}"),
            "emergency": _request(conn, patient, team, f"{emergency}"),
            "soon": _request(conn, patient, team, f"{soon}"),
            "none": _request(conn, patient, team, ""),
            "gone": _request(conn, patient, team, "999999"),  # an alert no longer there
        }

    command.upgrade(cfg, URGENCY)

    with engine.connect() as conn:
        urgency = dict(conn.execute(text("SELECT id, urgency FROM contact_requests")).all())
    engine.dispose()
    assert {name: urgency[i] for name, i in asked.items()} == {
        "both": "same_day",
        "emergency": "emergency",
        "soon": "soon",
        "none": "soon",
        "gone": "soon",
    }
