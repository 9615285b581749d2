"""Teams that asked to be told get an email per urgent alert and a daily digest, once each."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from tests.conftest import make_patient, make_team
from tracker.alerts import services
from tracker.notify.models import TEAM_NOTICE, OutboxMessage
from tracker.rules.engine import Finding
from tracker.team.notices import queue_team_notices

OPENED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def finding(symptom: str, urgency: str) -> Finding:
    reasons = ("red_flag",) if urgency != "soon" else ("new",)
    return Finding(symptom, urgency, reasons, date(2026, 11, 20), date(2026, 11, 20), 0, "t")


def team_notices(session) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage).where(OutboxMessage.kind == TEAM_NOTICE).order_by(OutboxMessage.id)
    )
    return list(session.scalars(query))


def setup(session, urgent: bool, digest: bool):
    team = make_team(session, notify_urgent=urgent, notify_digest=digest, email="team@example.test")
    patient = make_patient(session, team=team, email="pat@example.test")
    services.apply_findings(
        session,
        patient.id,
        [finding("coughing_blood", "same_day"), finding("lump", "soon")],
        now=OPENED_AT,
    )
    session.commit()
    return team


def run(session, now):
    with session.info["app"].app_context():  # messages are rendered from templates
        summary = queue_team_notices(session, "http://localhost", now)
    session.commit()
    return summary


def test_an_urgent_alert_is_emailed_to_a_team_that_asked_once_and_without_detail(app, session):
    session.info["app"] = app
    setup(session, urgent=True, digest=False)
    assert run(session, datetime(2026, 11, 20, 10, 5, tzinfo=UTC)).urgent == 1
    assert run(session, datetime(2026, 11, 20, 10, 20, tzinfo=UTC)).urgent == 0
    [email] = team_notices(session)
    assert email.to_address == "team@example.test"
    text = email.body_text.lower()
    assert "http://localhost/team/" in text
    for detail in ("cough", "blood", "lump", "sam", "patient@"):
        assert detail not in text


def test_the_daily_digest_counts_yesterdays_new_alerts_once(app, session):
    session.info["app"] = app
    setup(session, urgent=False, digest=True)
    assert run(session, datetime(2026, 11, 21, 6, 0, tzinfo=UTC)).digests == 0  # before 07:00
    assert run(session, datetime(2026, 11, 21, 8, 0, tzinfo=UTC)).digests == 1
    assert run(session, datetime(2026, 11, 21, 9, 0, tzinfo=UTC)).digests == 0
    [email] = team_notices(session)
    assert "2" in email.body_text  # two alerts opened: a count, nothing more


def test_a_team_that_did_not_ask_is_told_nothing(app, session):
    session.info["app"] = app
    setup(session, urgent=False, digest=False)
    run(session, datetime(2026, 11, 20, 10, 5, tzinfo=UTC))
    run(session, datetime(2026, 11, 21, 8, 0, tzinfo=UTC))
    assert team_notices(session) == []
