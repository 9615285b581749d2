"""POST /twilio/status, called for real by the stand-in with signed delivery reports."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select

from tests.conftest import reconfigure
from tests.notify.conftest import (
    MOBILE,
    MORNING,
    add_patient,
    add_prompt,
    dispatch,
    later,
    outbox,
)
from tests.notify.standin import ACCOUNT_SID, timeout
from tracker.notify.models import OutboxMessage, PromptDelivery, WebhookReceipt
from tracker.patients.models import ContactPreference, Patient


def post(url: str, params: dict, headers: dict | None = None) -> int:
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(params).encode(), headers=headers or {}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def sent_text(app, peers, session, **patient):
    record = add_patient(session, **patient)
    add_prompt(session, record.id)
    dispatch(app, MORNING)
    return peers.twilio.sent_to(MOBILE)[0]


def test_a_delivery_report_marks_the_text_delivered(app, peers, session):
    text = sent_text(app, peers, session, email=False)

    assert peers.twilio.send_status(text, "delivered") == 200

    [message] = outbox(session)
    assert message.status == "delivered" and message.delivered_at is not None
    assert message.provider_status == "delivered"


def test_statuses_only_move_forward(app, peers, session):
    text = sent_text(app, peers, session, email=False)

    peers.twilio.send_status(text, "delivered")
    peers.twilio.send_status(text, "sent")  # late, and out of order

    [message] = outbox(session)
    assert (message.status, message.provider_status) == ("delivered", "delivered")


def test_the_same_callback_twice_changes_things_once(app, peers, session):
    text = sent_text(app, peers, session)  # by text and email
    peers.smtp.inbox.received.clear()

    first = peers.twilio.send_status(text, "undelivered", error_code=30003)
    second = peers.twilio.send_status(text, "undelivered", error_code=30003)

    assert first == second == 200
    sms = outbox(session, channel="sms")[0]
    assert (sms.status, sms.last_error_code) == ("failed", "twilio_30003")
    assert session.scalar(select(func.count()).select_from(WebhookReceipt)) == 1
    # Email was already on its way for this prompt: no second email is queued.
    assert len(outbox(session, channel="email")) == 1


def test_a_failed_text_falls_back_to_email_and_a_repeat_report_does_not_send_another(
    app, peers, session
):
    patient = add_patient(session)
    patient.email_consent_at = None
    session.commit()
    add_prompt(session, patient.id)
    dispatch(app, MORNING)
    text = peers.twilio.sent_to(MOBILE)[0]
    patient.email_consent_at = MORNING  # agreed to email since
    session.commit()

    peers.twilio.send_status(text, "failed", error_code=30006)
    peers.twilio.send_status(text, "failed", error_code=30006)
    dispatch(app, MORNING)

    emails = outbox(session, channel="email")
    assert len(emails) == 1 and emails[0].status == "sent"
    assert len(peers.smtp.inbox.received) == 1


def test_a_text_that_fails_with_no_other_channel_flags_the_prompt(app, peers, session):
    text = sent_text(app, peers, session, email=False)

    peers.twilio.send_status(text, "undelivered", error_code=30005)

    [delivery] = session.scalars(select(PromptDelivery)).all()
    assert delivery.state == "undelivered" and delivery.undelivered_at is not None


@pytest.mark.parametrize("code", [30003, 30005])
def test_a_text_undeliverable_to_the_number_stops_texts_to_it_until_the_number_changes(
    app, peers, session, code
):
    text = sent_text(app, peers, session)  # a prompt by text and email
    patient_id = outbox(session)[0].patient_id

    assert peers.twilio.send_status(text, "undelivered", error_code=code) == 200

    pref = session.get(ContactPreference, patient_id)
    assert (pref.sms_refused_number, pref.sms_refused_code) == (MOBILE, str(code))
    second = add_prompt(session, patient_id, urgency="same_day", code="rash")
    dispatch(app, later(5))
    assert [m.channel for m in outbox(session, prompt_id=second.id)] == ["email"]
    assert len(peers.twilio.sent_to(MOBILE)) == 1

    new_number = "+447700900777"
    session.get(Patient, patient_id).mobile = new_number
    session.commit()
    third = add_prompt(session, patient_id, urgency="emergency", code="spinal_cord_signs")
    dispatch(app, later(10))
    assert [m.channel for m in outbox(session, prompt_id=third.id)] == ["sms", "email"]
    assert len(peers.twilio.sent_to(new_number)) == 1


def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(app, peers, session):
    text = sent_text(app, peers, session, email=False)
    url = text.status_callback
    params = {"MessageSid": text.sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT_SID}

    missing = post(url, params)
    wrong = post(url, params, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    wrong_token = peers.twilio._post_signed(url, params, token="someone-elses-token")

    assert missing == wrong == wrong_token == 403
    [message] = outbox(session)
    assert message.status == "sent" and message.provider_status == "queued"
    assert session.scalar(select(func.count()).select_from(WebhookReceipt)) == 0


def test_a_forged_forwarded_host_cannot_make_a_signature_for_another_url_pass(app, peers, session):
    text = sent_text(app, peers, session, email=False)
    params = {"MessageSid": text.sid, "MessageStatus": "delivered"}
    # Signed for an attacker's own host, then sent to us claiming to be that host.
    forged = "https://attacker.example/twilio/status?" + text.status_callback.split("?")[1]
    from twilio.request_validator import RequestValidator

    from tests.notify.standin import AUTH_TOKEN

    signature = RequestValidator(AUTH_TOKEN).compute_signature(forged, params)
    status = post(
        text.status_callback,
        params,
        {
            "X-Twilio-Signature": signature,
            "X-Forwarded-Host": "attacker.example",
            "X-Forwarded-Proto": "https",
        },
    )

    assert status == 403
    assert outbox(session)[0].status == "sent"


def test_a_report_for_a_message_we_do_not_have_is_answered_200(app, peers, session):
    text = sent_text(app, peers, session, email=False)
    session.execute(OutboxMessage.__table__.delete())
    session.commit()

    assert peers.twilio.send_status(text, "delivered") == 200


def test_a_report_settles_a_text_whose_send_answer_was_lost(app, peers, session):
    reconfigure(app, notify={"send_timeout": 0.5})
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id)
    peers.twilio.then(timeout(1.5))
    dispatch(app, MORNING)
    assert outbox(session)[0].status == "unknown"
    [text] = peers.twilio.sent_to(MOBILE)

    peers.twilio.send_status(text, "delivered")  # matched by our id in the callback URL
    later_pass = dispatch(app, MORNING.replace(hour=11))

    [message] = outbox(session)
    assert message.status == "delivered" and message.provider_id == text.sid
    assert later_pass.claimed == 0  # nothing left to reconcile
    assert len(peers.twilio.sent_to(MOBILE)) == 1


def test_webhooks_need_no_csrf_token_and_never_redirect_to_sign_in(app, peers, session):
    # Not signed in, no CSRF token: a valid signature is all a webhook needs; without one, 403.
    client = app.test_client()
    response = client.post("/twilio/status", data={"MessageSid": "SMx"})
    assert response.status_code == 403 and "Location" not in response.headers
    response = client.post("/twilio/inbound", data={"From": MOBILE, "Body": "STOP"})
    assert response.status_code == 403 and "Location" not in response.headers
