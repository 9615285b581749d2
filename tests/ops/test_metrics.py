"""/metrics: Prometheus' text format behind a bearer token, with the service's state read from
the database at each scrape and request latency by route template."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from tests.conftest import make_patient, reconfigure
from tests.ops.conftest import METRICS_TOKEN
from tests.team.conftest import add_quiet_spell, make_staff, open_alert
from tracker.alerts.models import Alert
from tracker.config import ConfigError, from_environment
from tracker.notify.models import OutboxMessage
from tracker.ops.jobs import record_success
from tracker.team.models import CONTACTED, QuietSpell

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
def scrape(app, client):
    reconfigure(app, web={"metrics_token": METRICS_TOKEN})

    def read() -> dict[str, dict[tuple, float]]:
        response = client.get("/metrics", headers=AUTH)
        assert response.status_code == 200
        assert response.content_type.startswith("text/plain; version=")
        samples: dict[str, dict[tuple, float]] = {}
        for family in text_string_to_metric_families(response.get_data(as_text=True)):
            for sample in family.samples:
                key = tuple(sorted(sample.labels.items()))
                samples.setdefault(sample.name, {})[key] = sample.value
        return samples

    return read


def test_metrics_is_not_there_without_a_token_setting(app, client):
    reconfigure(app, web={"metrics_token": None})
    assert client.get("/metrics", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer",
        "Bearer wrong-token-of-the-same-kind-0123456789",
        f"Bearer {METRICS_TOKEN}x",
        f"Basic {METRICS_TOKEN}",
        f"Bearer {METRICS_TOKEN[:-1]}é",
    ],
)
def test_metrics_refuses_a_missing_or_wrong_token(app, client, header):
    reconfigure(app, web={"metrics_token": METRICS_TOKEN})
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "tracker_" not in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_metrics_with_the_token_sets_no_cookie(app, client, scrape):
    assert "Set-Cookie" not in client.get("/metrics", headers=AUTH).headers


def _message(s, status: str, channel: str, due: datetime, n: int) -> None:
    body = f"message {n}"
    s.add(
        OutboxMessage(
            idempotency_key=f"test:{n}:{channel}",
            group_key=f"test:{n}",
            kind="reminder",
            channel=channel,
            to_address="+447700900123" if channel == "sms" else "x@example.test",
            body_text=body,
            body_hash=hashlib.sha256(body.encode()).hexdigest(),
            status=status,
            next_attempt_at=due,
        )
    )


def test_the_outbox_gauges_count_what_is_still_to_send(app, session, clock, scrape):
    clock.set(NOW)
    empty = scrape()
    assert empty["tracker_outbox_oldest_due_seconds"][()] == 0
    assert empty["tracker_outbox_messages"][(("channel", "sms"), ("status", "queued"))] == 0

    _message(session, "queued", "sms", NOW - timedelta(seconds=90), 1)
    _message(session, "queued", "sms", NOW - timedelta(seconds=30), 2)
    _message(session, "queued", "email", NOW + timedelta(hours=1), 3)  # not due yet
    _message(session, "unknown", "sms", NOW - timedelta(seconds=20), 4)
    _message(session, "sending", "email", NOW - timedelta(seconds=500), 5)  # leased, not due
    _message(session, "sent", "sms", NOW - timedelta(days=1), 6)  # done: not counted
    session.commit()

    samples = scrape()
    outbox = samples["tracker_outbox_messages"]
    assert outbox[(("channel", "sms"), ("status", "queued"))] == 2
    assert outbox[(("channel", "email"), ("status", "queued"))] == 1
    assert outbox[(("channel", "sms"), ("status", "unknown"))] == 1
    assert outbox[(("channel", "email"), ("status", "sending"))] == 1
    assert not any(dict(labels)["status"] == "sent" for labels in outbox)
    assert samples["tracker_outbox_oldest_due_seconds"][()] == 90


def test_alerts_open_counts_what_waits_for_the_team_by_urgency(app, session, scrape):
    patient = make_patient(session)
    open_alert(session, patient.id, "bone_pain", "soon", ("new", "persistent"))
    answered_soon = open_alert(session, patient.id, "cough", "soon", ("new", "persistent"))
    answered_urgent = open_alert(session, patient.id, "seizure", "emergency", ("red_flag",), 0)
    closed = open_alert(session, patient.id, "headache", "same_day", ("red_flag",), 0)
    # The patient answered two, and the team closed one: a soon alert the patient answered no
    # longer waits, an emergency one waits until the team records an outcome (rules §4).
    for alert_id, status in ((answered_soon, "acknowledged"), (answered_urgent, "acknowledged")):
        session.execute(update(Alert).where(Alert.id == alert_id).values(status=status))
    session.execute(update(Alert).where(Alert.id == closed).values(status="closed"))
    session.commit()

    alerts = scrape()["tracker_alerts_open"]
    assert alerts == {
        (("urgency", "soon"),): 1,
        (("urgency", "same_day"),): 0,
        (("urgency", "emergency"),): 1,
    }


def test_quiet_patients_counts_spells_waiting_for_an_outcome(app, session, clock, scrape):
    patient = make_patient(session)
    other = make_patient(session)
    add_quiet_spell(session, patient.id)
    done = add_quiet_spell(session, other.id)
    staff = make_staff(session, "nurse@example.test")
    session.execute(
        update(QuietSpell)
        .where(QuietSpell.id == done)
        .values(outcome=CONTACTED, staff_id=staff.id, outcome_at=clock.now())
    )
    session.commit()
    assert scrape()["tracker_quiet_patients"][()] == 1


def test_job_last_success_is_each_jobs_latest(app, sessions_of_app, scrape):
    record_success(sessions_of_app, "dispatch", NOW)
    record_success(sessions_of_app, "dispatch", NOW + timedelta(minutes=1))
    record_success(sessions_of_app, "dispatch", NOW - timedelta(hours=1))  # late: ignored
    record_success(sessions_of_app, "detect", NOW - timedelta(hours=5))
    jobs = scrape()["tracker_job_last_success_timestamp_seconds"]
    assert jobs == {
        (("job", "detect"),): (NOW - timedelta(hours=5)).timestamp(),
        (("job", "dispatch"),): (NOW + timedelta(minutes=1)).timestamp(),
    }


@pytest.fixture
def sessions_of_app(app):
    return app.extensions["sessionmaker"]


def test_latency_is_labelled_by_route_template_never_the_path(app, client, scrape):
    client.get("/diary/symptoms/bone_pain")  # signed out: redirected, but timed
    client.get("/join/a-secret-invitation-token")
    client.get("/no/such/page?name=Sam")
    samples = scrape()
    counts = samples["tracker_http_request_duration_seconds_count"]
    routes = {dict(labels)["route"] for labels in counts}
    assert {"/diary/symptoms/<code>", "/join/<token>", "[unmatched]"} <= routes
    text = repr(samples)
    for leaked in ("bone_pain", "a-secret-invitation-token", "no/such", "Sam"):
        assert leaked not in text


def test_the_database_down_is_a_metric_not_an_error(stopped_app):
    client = stopped_app.test_client()
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert "tracker_database_up 0.0" in response.get_data(as_text=True)


def test_a_short_metrics_token_is_refused_at_start(tmp_path):
    env = {"TRACKER_INSTANCE_PATH": str(tmp_path / "instance")}
    with pytest.raises(ConfigError, match="TRACKER_METRICS_TOKEN"):
        from_environment({**env, "TRACKER_METRICS_TOKEN": "short"})
    settings = from_environment({**env, "TRACKER_METRICS_TOKEN": METRICS_TOKEN})
    assert settings.web.metrics_token == METRICS_TOKEN
    assert from_environment(env).web.metrics_token is None
