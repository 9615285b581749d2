"""Texts through the real twilio library to the Twilio stand-in: retries, permanent failures,
and sends whose answer was lost (reconciled, never blindly resent)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from tests.conftest import reconfigure
from tests.notify.conftest import MOBILE, MORNING, add_patient, add_prompt, dispatch, later, outbox
from tests.notify.standin import error, fail, slow, timeout
from tracker import config
from tracker.alerts.models import Prompt
from tracker.notify.channels.sms import TwilioSms
from tracker.notify.dispatch.claims import claim
from tracker.notify.dispatch.sending import outgoing
from tracker.notify.models import SmsOptOut
from tracker.patients.models import ContactPreference


def test_twilio_500_three_times_then_accepted_is_sent_once_after_four_attempts(app, peers, session):
    patient = add_patient(session, email=False)
    prompt = add_prompt(session, patient.id)
    peers.twilio.then(fail(500), fail(500), fail(500))

    passes = [dispatch(app, t) for t in (MORNING, later(1.5), later(4), later(9))]

    [message] = outbox(session)
    assert message.status == "sent" and message.attempts == 4
    assert message.provider_id == peers.twilio.messages[0].sid
    assert [p.sent for p in passes] == [0, 0, 0, 1]
    assert [p.retried for p in passes] == [1, 1, 1, 0]
    assert len(peers.twilio.sent_to(MOBILE)) == 1
    assert session.get(Prompt, prompt.id).sent_at == later(9)


def test_retries_wait_longer_each_time_and_nothing_is_sent_early(app, peers, session):
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)
    peers.twilio.then(fail(429), fail(503))

    dispatch(app, MORNING)
    first = outbox(session)[0].next_attempt_at
    assert dispatch(app, later(0.5)).claimed == 0  # not due yet
    dispatch(app, later(1))
    second = outbox(session)[0].next_attempt_at

    assert first - MORNING < second - later(1)
    assert outbox(session)[0].last_error_code == "http_503"


def test_an_invalid_number_fails_for_good_and_falls_back_to_email(app, peers, session):
    patient = add_patient(session)
    add_prompt(session, patient.id, urgency="same_day")
    peers.twilio.then(error(21211), to=MOBILE)
    peers.smtp.inbox.received.clear()

    # Both channels are tried at once; SMS fails for good, email is delivered.
    summary = dispatch(app, MORNING)

    sms, email = outbox(session)
    assert (sms.channel, sms.status, sms.last_error_code) == ("sms", "failed", "twilio_21211")
    assert (email.channel, email.status) == ("email", "sent")
    assert summary.undelivered == 0
    pref = session.get(ContactPreference, patient.id)
    assert pref.sms_refused_number == MOBILE  # no more texts to that number...
    add_prompt(session, patient.id, urgency="same_day", code="rash")
    dispatch(app, later(5))
    assert [m.channel for m in outbox(session)[2:]] == ["email"]  # ...until it changes


def test_with_only_texts_agreed_an_invalid_number_falls_back_to_email_if_agreed_later(
    app, peers, session
):
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)
    peers.twilio.then(error(21614))

    summary = dispatch(app, MORNING)

    [sms] = outbox(session)
    assert sms.status == "failed"
    assert summary.undelivered == 1  # no other channel: the prompt reached no one


def test_an_unsubscribed_number_is_opted_out(app, peers, session):
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)
    peers.twilio.then(error(21610))

    dispatch(app, MORNING)

    assert session.get(SmsOptOut, MOBILE).opted_out
    assert outbox(session)[0].last_error_code == "twilio_21610"


def test_a_timeout_after_twilio_created_the_message_is_reconciled_not_resent(app, peers, session):
    reconfigure(app, notify={"send_timeout": 0.5})
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)
    peers.twilio.then(timeout(1.5))

    first = dispatch(app, MORNING)
    [message] = outbox(session)
    assert first.unknown == 1 and message.status == "unknown"
    assert message.last_error_code == "timeout_after_send"

    assert dispatch(app, later(1)).claimed == 0  # the look-up waits for a callback first
    second = dispatch(app, later(3))

    [message] = outbox(session)
    assert second.reconciled == 1 and message.status == "sent"
    assert message.provider_id == peers.twilio.messages[0].sid
    assert len(peers.twilio.sent_to(MOBILE)) == 1
    assert (
        "GET",
        f"/2010-04-01/Accounts/{peers.twilio.messages[0].sender and 'AC' + '0' * 32}/Messages.json",
    ) in peers.twilio.requests


def test_an_unknown_send_twilio_never_got_is_sent_again_once(app, peers, session):
    reconfigure(app, notify={"send_timeout": 0.5})
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)
    peers.twilio.then(slow(1.5))  # no message created, no answer in time

    dispatch(app, MORNING)
    assert outbox(session)[0].status == "unknown"
    summary = dispatch(app, later(3))

    [message] = outbox(session)
    assert summary.resent == 1 and summary.sent == 1 and message.status == "sent"
    assert len(peers.twilio.sent_to(MOBILE)) == 1


def test_a_dispatcher_killed_after_claiming_leaves_the_message_to_be_sent_once(app, peers, session):
    patient = add_patient(session, sms=False)
    add_prompt(session, patient.id)
    dispatch(app, MORNING, max_seconds=0.0)  # queue the message, claim nothing
    cfg = config.of(app).notify
    assert claim(session, MORNING, "killed-dispatcher", 10, cfg.lease)  # ... then dies

    assert dispatch(app, later(0.5)).claimed == 0  # its lease still holds
    summary = dispatch(app, MORNING + cfg.lease + timedelta(minutes=1))

    [message] = outbox(session)
    assert summary.sent == 1 and message.status == "sent"
    assert message.attempts == 2  # the lost attempt counts
    assert len(peers.smtp.inbox.received) == 1


def test_a_text_whose_dispatcher_died_mid_send_is_looked_up_before_any_resend(app, peers, session):
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)
    dispatch(app, MORNING, max_seconds=0.0)
    settings = config.of(app)
    cfg = settings.notify
    [job] = claim(session, MORNING, "killed-dispatcher", 10, cfg.lease)
    # It had sent the text before it died.
    TwilioSms(cfg).send(outgoing(job, settings))

    summary = dispatch(app, MORNING + cfg.lease + timedelta(minutes=1))

    assert summary.reconciled == 1
    assert outbox(session)[0].status == "sent"
    assert len(peers.twilio.sent_to(MOBILE)) == 1


def test_the_twilio_library_is_pointed_at_the_stand_in_with_a_timeout_and_logs_nothing(
    app, peers, session, caplog
):
    cfg = config.of(app).notify
    client = TwilioSms(cfg).client()
    assert client.api.base_url == peers.twilio.base_url
    assert client.http_client.timeout == cfg.send_timeout
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)

    with caplog.at_level(logging.DEBUG):
        dispatch(app, MORNING)

    assert MOBILE not in caplog.text and MOBILE[3:] not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("twilio")]
    assert session.scalar(select(Prompt.sent_at)) is not None


def test_a_message_list_outage_never_aborts_a_pass_and_each_email_in_flight_goes_once(
    app, peers, session
):
    # A text whose answer was lost: the next passes look it up in Twilio's message list.
    reconfigure(app, notify={"send_timeout": 0.5})
    texted = add_patient(session, email=False)
    add_prompt(session, texted.id)
    peers.twilio.then(timeout(1.5))
    dispatch(app, MORNING)
    assert outbox(session)[0].status == "unknown"
    # Email-only patients whose prompts fall due in the same passes as the look-ups.
    addresses = [f"patient.{n}@example.test" for n in range(3)]
    for n, address in enumerate(addresses):
        patient = add_patient(session, sms=False, mobile=f"+4477009002{n:02d}", address=address)
        add_prompt(session, patient.id, at=later(2))
    peers.smtp.inbox.received.clear()

    peers.twilio.list_down(500)  # the message list answers 500 for ten minutes...
    raised = []
    for minutes in (3, 5, 7, 9, 11, 13, 20, 40):
        if minutes == 13:
            peers.twilio.list_up()  # ...then comes back
        try:
            dispatch(app, later(minutes))
        except Exception as exc:  # the fault: a pass that raises
            raised.append((minutes, type(exc).__name__))
        if minutes == 3:  # a provider error like any other: a failed look-up, asked again
            assert outbox(session, channel="sms")[0].last_error_code == "http_500"

    assert raised == []
    assert [len(peers.smtp.inbox.to(address)) for address in addresses] == [1, 1, 1]
    emails = outbox(session, channel="email")
    assert [m.status for m in emails] == ["sent"] * 3
    [text] = outbox(session, channel="sms")
    assert text.status == "sent" and text.provider_id == peers.twilio.messages[0].sid
    assert len(peers.twilio.sent_to(MOBILE)) == 1
    assert any(m == "GET" for m, _ in peers.twilio.requests)
