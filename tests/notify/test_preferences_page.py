"""/settings/contact-preferences: prompts and reminders per channel, each recorded; a pause."""

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


def _prompts_on(session, patient):
    patient.email_consent_at = patient.sms_consent_at = SYSTEM.now()
    session.commit()


def test_choosing_reminders_records_consent_with_what_and_when(patient_client, patient, session):
    _prompts_on(session, patient)
    response = post_form(
        patient_client,
        PAGE,
        [("prompts", "email"), ("prompts", "sms"), ("reminders", "email"), *FORM.items()],
    )

    assert response.status_code == 302
    session.expire_all()
    changes = session.scalars(select(ConsentChange).order_by(ConsentChange.id)).all()
    assert [(c.channel, c.scope, c.given, c.source) for c in changes] == [
        ("email", "reminders", True, "settings"),
    ]
    pref = session.get(ContactPreference, patient.id)
    assert pref.remind_by_email and not pref.remind_by_sms
    assert patient.email_consent_at is not None and patient.sms_consent_at is not None


def test_turning_prompts_off_asks_first_and_says_what_they_will_miss(
    patient_client, patient, session
):
    _prompts_on(session, patient)
    form = [("prompts", "email"), ("reminders", "email"), *FORM.items()]

    response = post_form(patient_client, PAGE, form)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Stop messages about your diary by text message?" in html
    assert "call 999" in html
    assert 'value="email"' in html  # what was chosen rides along to the confirmation
    session.expire_all()
    assert patient.sms_consent_at is not None  # nothing saved yet
    assert session.scalars(select(ConsentChange)).all() == []

    post_form(patient_client, PAGE, [*form, ("confirm", "yes")])
    session.expire_all()
    assert patient.sms_consent_at is None and patient.email_consent_at is not None
    [prompts, reminders] = session.scalars(select(ConsentChange).order_by(ConsentChange.id))
    assert (prompts.channel, prompts.scope, prompts.given) == ("sms", "prompts", False)
    assert (reminders.channel, reminders.scope, reminders.given) == ("email", "reminders", True)


def test_keeping_prompts_on_saves_the_rest(patient_client, patient, session):
    _prompts_on(session, patient)
    form = [("reminders", "email"), *FORM.items(), ("confirm", "keep")]

    post_form(patient_client, PAGE, form)

    session.expire_all()
    assert patient.email_consent_at is not None and patient.sms_consent_at is not None
    assert session.get(ContactPreference, patient.id).remind_by_email


def test_turning_every_channel_off_says_no_message_would_reach_them(
    patient_client, patient, session
):
    _prompts_on(session, patient)
    response = post_form(patient_client, PAGE, list(FORM.items()))
    html = response.get_data(as_text=True)
    assert "by email and text message?" in html
    assert "No message from us would reach you" in html

    post_form(patient_client, PAGE, [*FORM.items(), ("confirm", "yes")])
    session.expire_all()
    assert patient.email_consent_at is None and patient.sms_consent_at is None
    page = patient_client.get(PAGE).get_data(as_text=True)
    assert "We cannot send you these messages" in page
    diary = patient_client.get("/diary/").get_data(as_text=True)
    assert "We cannot send you messages about your diary" in diary
    assert PAGE in diary


def test_turning_prompts_back_on_needs_no_confirmation(patient_client, patient, session):
    post_form(patient_client, PAGE, [("prompts", "email"), *FORM.items()])
    session.expire_all()
    assert patient.email_consent_at is not None
    [change] = session.scalars(select(ConsentChange))
    assert (change.channel, change.scope, change.given) == ("email", "prompts", True)
    diary = patient_client.get("/diary/").get_data(as_text=True)
    assert "We cannot send you messages about your diary" not in diary


def test_cadence_time_and_pause_are_saved(patient_client, patient, session):
    form = {"cadence": "fortnightly", "weekday": "3", "time": "18:00", "paused": "yes"}
    post_form(patient_client, PAGE, [("prompts", "email"), *form.items()])

    pref = session.get(ContactPreference, patient.id)
    assert (pref.reminder_cadence, pref.reminder_weekday, pref.reminder_time) == (
        "fortnightly",
        3,
        "18:00",
    )
    assert pref.reminders_paused_at is not None


def test_text_reminders_need_a_mobile_number_and_times_must_be_outside_quiet_hours(
    patient_client, patient, session
):
    patient.mobile = None
    session.commit()

    response = post_form(
        patient_client,
        PAGE,
        [("prompts", "email"), ("reminders", "sms"), *{**FORM, "time": "23:00"}.items()],
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Add your mobile number in your details to get reminders by text" in html
    assert "Choose a time" in html
    assert 'id="reminders-error"' in html or "reminders-error" in html  # beside the field
    # What was typed is kept: the email prompt box stays ticked.
    assert 'name="prompts" type="checkbox" value="email" checked' in html
    session.expire_all()
    assert patient.email_consent_at is None  # nothing half-saved
    assert session.get(ContactPreference, patient.id) is None


def test_without_a_mobile_the_page_leaves_text_prompts_as_they_were(
    patient_client, patient, session
):
    patient.mobile = None
    patient.sms_consent_at = SYSTEM.now()
    session.commit()
    post_form(patient_client, PAGE, [("prompts", "email"), *FORM.items()])
    session.expire_all()
    assert patient.sms_consent_at is not None


def test_a_number_that_texted_stop_is_told_how_to_start_again(patient_client, patient, session):

    session.add(
        SmsOptOut(number=patient.mobile, opted_out=True, source="keyword", changed_at=SYSTEM.now())
    )
    session.commit()

    html = patient_client.get(PAGE).get_data(as_text=True)

    assert "You replied STOP" in html and "START" in html
