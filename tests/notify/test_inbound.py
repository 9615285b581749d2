"""POST /twilio/inbound: texts from patients, signed and sent by the stand-in to the live app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.notify.conftest import (
    MOBILE,
    MORNING,
    add_patient,
    add_prompt,
    dispatch,
    later,
    outbox,
)
from tests.notify.standin import FROM_NUMBER
from tracker import db
from tracker.alerts.models import Alert
from tracker.notify import messages
from tracker.notify.inbound import DONE, HELP, OTHER, START, STOP, keyword
from tracker.notify.models import InboundSms, SmsOptOut
from tracker.notify.outbox import queue
from tracker.patients.models import ConsentChange, ContactPreference


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("STOP", STOP),
        (" stop ", STOP),
        ("Stop.", STOP),
        ("STOP!!", STOP),
        ("unsubscribe", STOP),
        ("Opt out", STOP),
        ("optout", STOP),
        ("Cancel", STOP),
        ("end", STOP),
        ("quit", STOP),
        ("REVOKE", STOP),
        ("StopAll", STOP),
        ("start", START),
        ("Yes!", START),
        ("unstop", START),
        ("help?", HELP),
        ("Done", DONE),
        ("called.", DONE),
        ("please stop texting me about this", OTHER),
        ("I have a question", OTHER),
        ("", OTHER),
        ("🙂", OTHER),
    ],
)
def test_keywords_in_any_case_with_spaces_or_punctuation_around(body, expected):
    assert keyword(body) == expected


def test_stop_means_no_further_texts_and_start_means_texts_again(app, peers, session):
    patient = add_patient(session)
    assert peers.twilio.send_text(peers.url, MOBILE, " Stop. ") == 200
    session.expire_all()
    assert session.get(SmsOptOut, MOBILE).opted_out
    assert patient.sms_consent_at is None  # the web page shows it too

    add_prompt(session, patient.id)
    dispatch(app, MORNING)
    assert peers.twilio.sent_to(MOBILE) == []  # no text: the prompt went by email only
    assert [m.channel for m in outbox(session)] == ["email"]

    peers.twilio.send_text(peers.url, MOBILE, "START")
    add_prompt(session, patient.id, urgency="same_day", code="rash")
    dispatch(app, later(5))

    texts = [m.body for m in peers.twilio.sent_to(MOBILE)]
    assert len(texts) == 2  # the prompt, and START's reply
    assert any(text.startswith("You will get texts") for text in texts)
    session.expire_all()
    assert patient.sms_consent_at is not None
    # Rules v2: STOP turned texts off for prompts and for reminders, and START gave back both.
    changes = session.scalars(select(ConsentChange).order_by(ConsentChange.id)).all()
    assert [(c.scope, c.given, c.source) for c in changes] == [
        ("prompts", False, "sms_stop"),
        ("reminders", False, "sms_stop"),
        ("prompts", True, "sms_start"),
        ("reminders", True, "sms_start"),
    ]
    assert session.get(ContactPreference, patient.id).remind_by_sms


def test_start_gives_back_only_what_stop_took(app, peers, session):
    """Reminders by text were off before STOP: START turns prompts back on, not reminders."""
    patient = add_patient(session, reminders={"email"})
    peers.twilio.send_text(peers.url, MOBILE, "STOP")
    peers.twilio.send_text(peers.url, MOBILE, "START")
    session.expire_all()
    assert patient.sms_consent_at is not None
    assert not session.get(ContactPreference, patient.id).remind_by_sms
    changes = session.scalars(select(ConsentChange).order_by(ConsentChange.id)).all()
    assert [(c.scope, c.given, c.source) for c in changes] == [
        ("prompts", False, "sms_stop"),
        ("prompts", True, "sms_start"),
    ]


def test_start_after_a_version_1_stop_gives_back_prompts_but_not_reminders(app, peers, session):
    """A STOP recorded before rules v2 (scope "messages") then the migration's carried-over
    records: START restores prompts by text, and leaves reminders for the patient to choose."""
    patient = add_patient(session, sms=False, reminders={"email"})
    stopped = MORNING - timedelta(days=30)
    session.add_all(
        [
            SmsOptOut(number=MOBILE, opted_out=True, source="keyword", changed_at=stopped),
            ConsentChange(
                patient_id=patient.id,
                channel="sms",
                scope="messages",
                given=False,
                source="sms_stop",
                at=stopped,
            ),
            ConsentChange(
                patient_id=patient.id,
                channel="sms",
                scope="prompts",
                given=False,
                source="rules_v2",
                at=MORNING - timedelta(days=1),
            ),
        ]
    )
    session.commit()
    peers.twilio.send_text(peers.url, MOBILE, "START")
    session.expire_all()
    assert patient.sms_consent_at is not None
    assert not session.get(ContactPreference, patient.id).remind_by_sms


def test_start_never_turns_on_texts_the_patient_turned_off_themselves(app, peers, session):
    patient = add_patient(session, sms=False, reminders={"email"})
    session.add(
        ConsentChange(
            patient_id=patient.id,
            channel="sms",
            scope="prompts",
            given=False,
            source="settings",
            at=MORNING,
        )
    )
    session.commit()
    peers.twilio.send_text(peers.url, MOBILE, "STOP")
    peers.twilio.send_text(peers.url, MOBILE, "START")
    session.expire_all()
    assert patient.sms_consent_at is None
    assert not session.get(ContactPreference, patient.id).remind_by_sms


def test_stop_cancels_texts_already_queued(app, peers, session):
    patient = add_patient(session, email=False)
    add_prompt(session, patient.id, at=MORNING.replace(hour=22))  # held by quiet hours
    dispatch(app, MORNING.replace(hour=22))
    assert outbox(session)[0].status == "queued"

    peers.twilio.send_text(peers.url, MOBILE, "stop")
    dispatch(app, MORNING.replace(day=24, hour=9))

    assert outbox(session)[0].status == "cancelled"
    assert peers.twilio.sent_to(MOBILE) == []


def test_help_replies_with_the_teams_number_once_an_hour_at_most(app, peers, session):
    add_patient(session)
    peers.twilio.send_text(peers.url, MOBILE, "HELP")
    peers.twilio.send_text(peers.url, MOBILE, "help")  # again, at once
    peers.twilio.send_text(peers.url, MOBILE, "what is this?")
    dispatch(app, MORNING)

    [reply] = peers.twilio.sent_to(MOBILE)
    assert "0118 496 0000" in reply.body
    assert len(outbox(session, kind="reply")) == 1


def test_a_reply_cancelled_before_it_went_does_not_hold_back_starts_confirmation(
    app, peers, session
):
    add_patient(session)
    peers.twilio.send_text(peers.url, MOBILE, "HELP")  # a reply is queued...
    peers.twilio.send_text(peers.url, MOBILE, "STOP")  # ...and STOP comes before it goes
    dispatch(app, MORNING)
    [help_reply] = outbox(session, kind="reply")
    assert (help_reply.status, help_reply.last_error_code) == ("cancelled", "opted_out")

    peers.twilio.send_text(peers.url, MOBILE, "START")  # within the hour
    dispatch(app, later(10))

    [confirmation] = peers.twilio.sent_to(MOBILE)  # the only text: HELP's reply never went
    assert confirmation.body.startswith("You will get texts")


def test_done_acknowledges_the_patients_open_alerts(app, peers, session):
    patient = add_patient(session)
    add_prompt(session, patient.id)

    peers.twilio.send_text(peers.url, MOBILE, "called")

    session.expire_all()
    [alert] = session.scalars(select(Alert)).all()
    assert alert.status == "acknowledged"
    assert [m.variant for m in outbox(session, kind="reply")] == ["done"]


def test_no_reply_to_our_own_number_to_an_auto_reply_or_to_a_stranger(app, peers, session):
    add_patient(session)
    peers.twilio.send_text(peers.url, FROM_NUMBER, "HELP")
    peers.twilio.send_text(peers.url, MOBILE, "Auto-reply: I am out of the office")
    peers.twilio.send_text(peers.url, "+447700900555", "hello")  # no patient has this number
    peers.twilio.send_text(peers.url, "MyBank", "HELP")  # a named sender

    assert outbox(session, kind="reply") == []
    assert len(session.scalars(select(InboundSms)).all()) == 4


def test_the_same_text_delivered_twice_is_handled_once(app, peers, session):
    add_patient(session)

    peers.twilio.send_text(peers.url, MOBILE, "HELP", sid="SM" + "1" * 32)
    peers.twilio.send_text(peers.url, MOBILE, "HELP", sid="SM" + "1" * 32)

    assert len(session.scalars(select(InboundSms)).all()) == 1
    assert len(outbox(session, kind="reply")) == 1


def test_no_identical_message_to_one_person_twice_in_a_day(app, peers, session):
    add_patient(session)
    peers.twilio.send_text(peers.url, MOBILE, "what?")
    dispatch(app, MORNING)
    [first] = outbox(session, kind="reply")
    soon_after = first.created_at + timedelta(minutes=1)

    with app.app_context():  # the same words queued again for the same person that day
        s = db.session()
        again = queue(
            s,
            group_key="reply:again",
            kind="reply",
            channel="sms",
            to=MOBILE,
            rendered=messages.Rendered(None, first.body_text),
            now=soon_after,
        )
        s.commit()
    dispatch(app, soon_after)

    [row] = outbox(session, id=again)
    assert (row.status, row.last_error_code) == ("cancelled", "duplicate_today")
    assert len(peers.twilio.sent_to(MOBILE)) == 1
