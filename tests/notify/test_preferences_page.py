"""/settings/contact-preferences: channels with consent recorded, reminders, and a pause."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import post_form
from tracker.clock import SYSTEM
from tracker.notify.models import SmsOptOut
from tracker.patients.models import ConsentChange, ContactPreference

PAGE = "/settings/contact-preferences"
FORM = {"cadence": "weekly", "weekday": "0", "time": "10:00"}


def test_the_settings_page_links_to_it(patient_client):
    html = patient_client.get("/settings/").get_data(as_text=True)
    assert PAGE in html


def test_choosing_channels_records_consent_with_what_and_when(patient_client, patient, session):
    response = post_form(
        patient_client,
        PAGE,
        [("channels", "email"), ("channels", "sms"), ("reminders", "email"), *FORM.items()],
    )

    assert response.status_code == 302
    session.expire_all()
    assert patient.email_consent_at is not None and patient.sms_consent_at is not None
    changes = session.scalars(select(ConsentChange).order_by(ConsentChange.id)).all()
    assert [(c.channel, c.scope, c.given, c.source) for c in changes] == [
        ("email", "messages", True, "settings"),
        ("sms", "messages", True, "settings"),
        ("sms", "reminders", False, "settings"),
    ]
    pref = session.get(ContactPreference, patient.id)
    assert pref.remind_by_email and not pref.remind_by_sms

    post_form(patient_client, PAGE, [("channels", "email"), *FORM.items()])
    session.expire_all()
    assert patient.sms_consent_at is None
    latest = select(ConsentChange).where(ConsentChange.scope == "messages")
    last = session.scalars(latest.order_by(ConsentChange.id.desc())).first()
    assert (last.channel, last.given) == ("sms", False)


def test_cadence_time_and_pause_are_saved(patient_client, patient, session):
    form = {"cadence": "fortnightly", "weekday": "3", "time": "18:00", "paused": "yes"}
    post_form(patient_client, PAGE, [("channels", "email"), *form.items()])

    pref = session.get(ContactPreference, patient.id)
    assert (pref.reminder_cadence, pref.reminder_weekday, pref.reminder_time) == (
        "fortnightly",
        3,
        "18:00",
    )
    assert pref.reminders_paused_at is not None


def test_texts_need_a_mobile_number_and_times_must_be_outside_quiet_hours(
    patient_client, patient, session
):
    patient.mobile = None
    session.commit()

    response = post_form(
        patient_client, PAGE, [("channels", "sms"), *{**FORM, "time": "23:00"}.items()]
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Add your mobile number in your details" in html and "Choose a time" in html
    session.expire_all()
    assert patient.sms_consent_at is None


def test_a_number_that_texted_stop_is_told_how_to_start_again(patient_client, patient, session):

    session.add(
        SmsOptOut(number=patient.mobile, opted_out=True, source="keyword", changed_at=SYSTEM.now())
    )
    session.commit()

    html = patient_client.get(PAGE).get_data(as_text=True)

    assert "You replied STOP" in html and "START" in html
