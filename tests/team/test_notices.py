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


def _request(session, team, email: str, made_at: datetime):
    from tracker.contact_requests import services as contact_requests
    from tracker.contact_requests.models import BY_EMAIL

    patient = make_patient(session, team=team, email=email, name="Sam Secret")
    asked = contact_requests.Asked([], "My lump hurts", BY_EMAIL, None, None, f"k{email}")
    row, _ = contact_requests.make_request(session, patient, asked, now=made_at)
    session.commit()
    return row


def test_requests_past_due_are_emailed_with_the_urgent_ones_as_a_count_and_a_link(app, session):
    session.info["app"] = app
    team = make_team(session, notify_urgent=True, email="team@example.test")
    # Friday 20 November 2026 with the default target: due by the end of Wednesday 25th.
    first = _request(session, team, "one@example.test", OPENED_AT)
    _request(session, make_team(session, name="Quiet team"), "other@example.test", OPENED_AT)
    assert run(session, datetime(2026, 11, 25, 23, 0, tzinfo=UTC)).past_due == 0  # not yet
    assert run(session, datetime(2026, 11, 26, 0, 0, tzinfo=UTC)).past_due == 1
    assert run(session, datetime(2026, 11, 26, 9, 0, tzinfo=UTC)).past_due == 0  # the same one
    [email] = team_notices(session)
    assert email.variant == "requests_past_due" and email.to_address == "team@example.test"
    assert email.subject == "1 request to be contacted past due"
    assert "http://localhost/team/?status=past_due" in email.body_text
    for detail in ("lump", "hurts", "sam", "one@"):
        assert detail not in email.body_text.lower()
    # Another past due: a new email with both; closing one leaves the other counted.
    _request(session, team, "two@example.test", OPENED_AT)
    assert run(session, datetime(2026, 11, 26, 10, 0, tzinfo=UTC)).past_due == 1
    assert team_notices(session)[-1].subject == "2 requests to be contacted past due"
    assert first.due_on == date(2026, 11, 25)
