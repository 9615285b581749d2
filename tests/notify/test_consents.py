"""Rules v2 §4 and §4a: prompts and reminders are separate consents, per channel.

Prompts go by every channel the patient has given unless turned off for prompts; reminders only
by the channels chosen for them. Neither switch moves the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from tests.notify.conftest import EMAIL, MOBILE, MORNING, add_patient, add_prompt, dispatch, outbox
from tests.notify.test_reminders import remind
from tracker.notify.models import PROMPT, REMINDER
from tracker.notify.outbox import reach_from

ON = datetime(2026, 1, 1, tzinfo=UTC)


def _patient(email_prompts=True, sms_prompts=True, mobile=MOBILE):
    return SimpleNamespace(
        email=EMAIL,
        mobile=mobile,
        email_consent_at=ON if email_prompts else None,
        sms_consent_at=ON if sms_prompts else None,
    )


def _pref(email=False, sms=False, paused=None, refused=None):
    return SimpleNamespace(
        remind_by_email=email,
        remind_by_sms=sms,
        reminders_paused_at=paused,
        sms_refused_number=refused,
    )


def test_prompts_go_by_every_given_channel_with_no_reminders_chosen():
    reach = reach_from(_patient(), _pref(), False)
    assert reach.for_purpose(PROMPT) == [("sms", MOBILE), ("email", EMAIL)]
    assert reach.for_purpose(REMINDER) == []


def test_reminders_never_turn_prompts_off_and_prompts_never_turn_reminders_on():
    no_prompts = reach_from(_patient(False, False), _pref(email=True, sms=True), False)
    assert no_prompts.for_purpose(PROMPT) == []
    assert no_prompts.for_purpose(REMINDER) == [("sms", MOBILE), ("email", EMAIL)]


def test_a_channel_turned_off_for_prompts_is_skipped_for_prompts_only():
    reach = reach_from(_patient(sms_prompts=False), _pref(sms=True), False)
    assert reach.for_purpose(PROMPT) == [("email", EMAIL)]
    assert reach.for_purpose(REMINDER) == [("sms", MOBILE)]


@pytest.mark.parametrize(
    ("why", "opted_out", "pref", "mobile"),
    [
        ("STOP", True, _pref(sms=True), MOBILE),
        ("refused number", False, _pref(sms=True, refused=MOBILE), MOBILE),
        ("no mobile", False, _pref(sms=True), None),
    ],
)
def test_a_number_that_cannot_take_texts_takes_neither_kind(why, opted_out, pref, mobile):
    reach = reach_from(_patient(mobile=mobile), pref, opted_out)
    assert reach.for_purpose(PROMPT) == [("email", EMAIL)], why
    assert reach.for_purpose(REMINDER) == [], why


def test_paused_reminders_leave_prompts_alone():
    reach = reach_from(_patient(), _pref(email=True, sms=True, paused=ON), False)
    assert reach.for_purpose(REMINDER) == []
    assert len(reach.for_purpose(PROMPT)) == 2


def test_a_patient_with_no_reminders_still_gets_every_prompt(app, session):
    patient = add_patient(session, reminders=set())
    add_prompt(session, patient.id)

    dispatch(app, MORNING)
    assert sorted(m.channel for m in outbox(session, kind="prompt")) == ["email", "sms"]
    assert remind(app, MORNING).queued == 0


def test_a_prompt_queued_before_texts_were_turned_off_for_prompts_goes_by_email(app, session):
    patient = add_patient(session, email=True, sms=True)
    add_prompt(session, patient.id, at=MORNING.replace(hour=22))  # held by quiet hours
    dispatch(app, MORNING.replace(hour=22))
    patient.email_consent_at = None  # email off for prompts...
    session.commit()

    dispatch(app, MORNING.replace(day=24, hour=8, minute=5))

    # ...after the prompt was queued: its email is cancelled when claimed, the text goes.
    by_channel = {m.channel: m for m in outbox(session, kind="prompt")}
    assert by_channel["email"].status == "cancelled"
    assert by_channel["email"].last_error_code == "prompts_off"
    assert by_channel["sms"].status in ("sent", "delivered")
