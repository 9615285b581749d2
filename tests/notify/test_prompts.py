"""From prompts to messages: per channel, once, checked again at send time, flagged when they
cannot reach the patient."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import sign_in_as
from tests.notify.conftest import (
    EMAIL,
    MOBILE,
    MORNING,
    add_patient,
    add_prompt,
    dispatch,
    later,
    outbox,
)
from tracker.alerts.models import Alert, Prompt
from tracker.notify.models import PromptDelivery


def test_a_prompt_becomes_one_message_per_channel_once(app, peers, session):
    patient = add_patient(session)
    prompt = add_prompt(session, patient.id)

    first = dispatch(app, MORNING)
    second = dispatch(app, later(1))

    assert (first.prompts, first.queued, first.sent) == (1, 2, 2)
    assert (second.prompts, second.claimed) == (0, 0)
    assert sorted(m.channel for m in outbox(session)) == ["email", "sms"]
    assert session.get(Prompt, prompt.id).sent_at == MORNING
    assert session.get(PromptDelivery, prompt.id).state == "sent"
    assert len(peers.twilio.sent_to(MOBILE)) == 1 and len(peers.smtp.inbox.to(EMAIL)) == 1


def test_prompts_with_no_channel_are_logged_in_one_line_per_pass_with_their_count(
    app, session, caplog
):
    for n in range(3):
        patient = add_patient(
            session, sms=False, email=False, mobile=f"+4477009004{n:02d}", address=f"{n}@x.test"
        )
        add_prompt(session, patient.id)

    with caplog.at_level(logging.INFO):
        summary = dispatch(app, MORNING)

    assert summary.undelivered == 3
    lines = [r.getMessage() for r in caplog.records if "no channel" in r.getMessage()]
    assert lines == ["dispatch: 3 prompts undelivered: their patient has no channel to reach them"]


def test_a_prompt_with_no_channel_is_flagged_and_shows_on_the_diary(app, peers, session, client):
    patient = add_patient(session, sms=False, email=False)
    prompt = add_prompt(session, patient.id)

    summary = dispatch(app, MORNING)

    assert summary.undelivered == 1 and outbox(session) == []
    delivery = session.get(PromptDelivery, prompt.id)
    assert (delivery.state, delivery.reason) == ("undelivered", "no_channel")

    sign_in_as(client, patient)
    html = client.get("/diary/").get_data(as_text=True)
    assert "We could not send you a message" in html
    session.scalars(select(Alert)).one().status = "acknowledged"
    session.commit()
    assert "We could not" not in client.get("/diary/").get_data(as_text=True)


def test_nothing_is_sent_to_a_patient_whose_monitoring_is_paused(app, peers, session):
    patient = add_patient(session)
    prompt = add_prompt(session, patient.id)
    patient.monitoring_status = "paused"
    session.commit()

    dispatch(app, MORNING)

    assert outbox(session) == [] and peers.twilio.messages == []
    assert session.get(PromptDelivery, prompt.id).state == "cancelled"


def test_pausing_after_a_message_was_queued_stops_it_at_send_time(app, peers, session):
    night = MORNING.replace(hour=22)
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id, at=night)
    dispatch(app, night)  # held for the morning
    patient.monitoring_status = "paused"
    session.commit()

    dispatch(app, MORNING + timedelta(days=1))

    [message] = outbox(session)
    assert (message.status, message.last_error_code) == ("cancelled", "monitoring_paused")
    assert peers.twilio.messages == []


def test_a_prompt_answered_before_it_went_is_not_sent(app, peers, session):
    night = MORNING.replace(hour=22)
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id, at=night)
    dispatch(app, night)
    session.scalars(select(Alert)).one().status = "acknowledged"
    session.commit()

    dispatch(app, MORNING + timedelta(days=1))

    assert outbox(session)[0].last_error_code == "answered"
    assert peers.twilio.messages == []


def test_a_changed_mobile_number_gets_the_text_not_the_old_one(app, peers, session):
    night = MORNING.replace(hour=22)
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id, at=night)
    dispatch(app, night)
    patient.mobile = "+447700900456"
    session.commit()

    dispatch(app, MORNING + timedelta(days=1))

    assert peers.twilio.sent_to(MOBILE) == []
    assert len(peers.twilio.sent_to("+447700900456")) == 1


def test_emergencies_go_first(app, peers, session):
    for n in range(4):
        p = add_patient(session, email=False, mobile=f"+4477009001{n:02d}", address=f"p{n}@x.test")
        add_prompt(session, p.id, urgency="soon")
    last = add_patient(session, email=False, mobile="+447700900199", address="last@x.test")
    add_prompt(session, last.id, urgency="emergency", code="spinal_cord_signs")

    dispatch(app, MORNING, workers=1)

    assert peers.twilio.messages[0].to == "+447700900199"


def test_a_prompt_not_taken_up_within_a_week_is_not_sent_late(app, peers, session):
    patient = add_patient(session)
    prompt = add_prompt(session, patient.id)

    dispatch(app, MORNING + timedelta(days=8))

    assert outbox(session) == []
    assert session.get(PromptDelivery, prompt.id).reason == "stale"
