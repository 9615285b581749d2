"""Text CALL: a known patient's text opens a request about their open alerts, through the live
app and the Twilio stand-in; STOP and the rest keep working; an unknown number opens nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.notify.conftest import MOBILE, MORNING, add_patient, add_prompt, dispatch, later, outbox
from tracker.contact_requests.models import ContactRequest
from tracker.notify import sms_words
from tracker.notify.inbound import CALL, DONE, OTHER, keyword
from tracker.patients.models import PAUSED


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("CALL", CALL),
        (" call. ", CALL),
        ("Call me", CALL),
        ("called", DONE),
        ("call me now", OTHER),
    ],
)
def test_call_is_a_keyword_in_any_case_and_called_still_means_done(body, expected):
    assert keyword(body) == expected


def _requests(session) -> list[ContactRequest]:
    session.expire_all()
    return list(session.scalars(select(ContactRequest).order_by(ContactRequest.id)))


def test_call_from_a_patients_number_opens_a_request_about_their_open_alerts(app, peers, session):
    patient = add_patient(session)
    prompt = add_prompt(session, patient.id)  # a "soon" alert, its prompt due this morning
    dispatch(app, MORNING)  # the prompt goes: Monday 23 November 2026, 10:00

    assert peers.twilio.send_text(peers.url, MOBILE, "Call") == 200

    [request] = _requests(session)
    assert request.patient_id == patient.id and request.source == "sms"
    assert request.alert_id_list == [prompt.alert_id] and request.reach_by == "phone"
    assert request.phone == "07700 900123" and str(request.due_on) == "2026-11-26"
    dispatch(app, later(1))
    texts = [m.body for m in peers.twilio.sent_to(MOBILE)]
    assert "Text CALL to ask your team to contact you." in texts[0]  # the prompt said how
    reply = texts[-1]
    assert "your request to contact you. They aim to by Thursday 26 November 2026" in reply
    assert sms_words.is_clean(reply) and "999" in reply
    [email] = outbox(session, kind="contact_request")
    assert email.channel == "email" and "Thursday 26 November 2026" in email.body_text


def test_call_twice_makes_one_request_and_one_reply_within_the_hour(app, peers, session):
    patient = add_patient(session)
    add_prompt(session, patient.id)
    dispatch(app, MORNING)
    peers.twilio.send_text(peers.url, MOBILE, "CALL", sid="SM" + "a" * 32)
    peers.twilio.send_text(peers.url, MOBILE, "CALL", sid="SM" + "a" * 32)  # Twilio's retry
    peers.twilio.send_text(peers.url, MOBILE, "CALL", sid="SM" + "b" * 32)  # sent again
    assert len(_requests(session)) == 1
    assert len(outbox(session, kind="reply")) == 1


def test_call_from_an_unknown_number_opens_nothing_and_gets_no_reply(app, peers, session):
    add_patient(session)
    assert peers.twilio.send_text(peers.url, "+447700900999", "CALL") == 200
    assert _requests(session) == []
    assert outbox(session) == []


def test_call_from_a_paused_patient_opens_nothing(app, peers, session):
    add_patient(session, monitoring_status=PAUSED)
    peers.twilio.send_text(peers.url, MOBILE, "CALL")
    assert _requests(session) == []
    assert outbox(session) == []


def test_stop_still_stops_texts_after_call(app, peers, session):
    patient = add_patient(session)
    add_prompt(session, patient.id)
    dispatch(app, MORNING)
    peers.twilio.send_text(peers.url, MOBILE, "CALL")
    peers.twilio.send_text(peers.url, MOBILE, "STOP")
    session.expire_all()
    assert patient.sms_consent_at is None
    dispatch(app, later(1))
    assert [m.status for m in outbox(session, kind="reply")] == ["cancelled"]  # opted out first
