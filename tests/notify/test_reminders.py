"""Reminders at each patient's cadence (rules §4a), and check-ins asked once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import sign_in_as
from tests.notify.conftest import EMAIL, MOBILE, MORNING, add_patient, dispatch, outbox
from tests.notify.standin import error
from tracker.diary import checkins
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.notify.models import OutboxMessage
from tracker.notify.outbox import REMINDER_UNDELIVERED
from tracker.patients.models import ContactPreference
from tracker.patients.reminders import latest_slot, send_reminders, spread_due
from tracker.rules import load_rules

MONDAY = MORNING  # 2026-11-23 10:00 in London
# Each patient's reminder falls due at their own place in the hour after their time.
AN_HOUR_ON = MONDAY + timedelta(hours=1)
NOTE = "It keeps me up at night, worse than last week"


def remind(app, now):
    with app.app_context():
        return send_reminders(now)


def prefer(session, patient, **values):
    pref = session.get(ContactPreference, patient.id) or ContactPreference(patient_id=patient.id)
    for name, value in values.items():
        setattr(pref, name, value)
    session.add(pref)
    session.commit()


def test_the_default_is_weekly_on_monday_at_ten_and_each_reminder_is_queued_once(
    app, peers, session
):
    patient = add_patient(session)

    early = remind(app, MONDAY - timedelta(minutes=1))
    first = remind(app, MONDAY + timedelta(minutes=5))
    again = remind(app, MONDAY + timedelta(minutes=20))
    tuesday = remind(app, MONDAY + timedelta(days=1))

    assert (early.queued, first.queued, again.queued, tuesday.queued) == (0, 2, 0, 0)
    assert {m.group_key for m in outbox(session)} == {f"reminder:{patient.id}:2026-11-23"}
    dispatch(app, AN_HOUR_ON)
    assert peers.twilio.sent_to(MOBILE)[0].body.startswith("A reminder to update your diary")
    assert len(peers.smtp.inbox.to(EMAIL)) == 1


def test_a_services_reminders_are_spread_across_the_hour_after_their_time():
    # Issue 24, item 5: all queued at 10:00 sat behind the send rate for hours.
    london = ZoneInfo("Europe/London")
    nine_pm = time(21, 0)
    due = [spread_due(MONDAY, patient_id, london, nine_pm) for patient_id in range(1, 3601)]
    assert min(due) >= MONDAY and max(due) < AN_HOUR_ON
    assert len(set(due)) == 3600  # a second each: none bunched
    per_quarter = Counter((d - MONDAY) // timedelta(minutes=15) for d in due)
    assert sorted(per_quarter.values()) == [900, 900, 900, 900]
    assert spread_due(MONDAY, 7, london, nine_pm) == spread_due(MONDAY, 7, london, nine_pm)


def test_a_reminder_late_in_the_evening_is_spread_only_until_quiet_hours():
    london = ZoneInfo("Europe/London")
    half_eight = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)  # 20:30 in London in November
    due = [spread_due(half_eight, n, london, time(21, 0)) for n in range(1, 500)]
    assert min(due) >= half_eight and max(due) < half_eight + timedelta(minutes=30)


def test_the_queued_reminder_is_due_at_the_patients_place_in_the_hour(app, session):
    patient = add_patient(session)
    remind(app, MONDAY + timedelta(minutes=5))
    expected = spread_due(MONDAY, patient.id, ZoneInfo("Europe/London"), time(21, 0))
    assert {m.next_attempt_at for m in outbox(session)} == {
        max(expected, MONDAY + timedelta(minutes=5))
    }


def test_no_reminders_while_paused_or_switched_off_on_a_channel(app, session):
    paused = add_patient(session, mobile="+447700900201", address="p@x.test")
    prefer(session, paused, reminders_paused_at=MONDAY)
    email_only = add_patient(session, mobile="+447700900202", address="e@x.test")
    prefer(session, email_only, remind_by_sms=False)

    summary = remind(app, MONDAY)

    assert summary.paused == 1
    assert [(m.patient_id, m.channel) for m in outbox(session)] == [(email_only.id, "email")]


@pytest.mark.parametrize("how", ["refused when sent", "reported undelivered"])
def test_a_text_only_reminder_that_fails_for_good_is_flagged_not_sent_by_email_unasked(
    app, peers, session, how
):
    patient = add_patient(session)  # agreed to texts and email...
    prefer(session, patient, remind_by_email=False)  # ...but takes reminders by text only
    assert remind(app, MONDAY).queued == 1
    if how == "refused when sent":
        peers.twilio.then(error(21211), to=MOBILE)
        summaries = [dispatch(app, AN_HOUR_ON)]
    else:
        summaries = [dispatch(app, AN_HOUR_ON)]
        [text] = peers.twilio.sent_to(MOBILE)
        assert peers.twilio.send_status(text, "failed", error_code=30006) == 200
    summaries.append(dispatch(app, AN_HOUR_ON + timedelta(minutes=5)))

    [sms] = outbox(session)  # no email reminder queued (and cancelled): it was never agreed to
    assert (sms.kind, sms.channel, sms.status) == ("reminder", "sms", "failed")
    assert peers.smtp.inbox.received == []
    assert sum(s.fallbacks + s.cancelled for s in summaries) == 0
    # Flagged where it can be found, and counted by the pass that saw the failure.
    assert sms.last_error == REMINDER_UNDELIVERED
    flagged = select(OutboxMessage.id).where(OutboxMessage.last_error == REMINDER_UNDELIVERED)
    assert session.scalars(flagged).all() == [sms.id]
    if how == "refused when sent":
        assert [s.undelivered_reminders for s in summaries] == [1, 0]


def test_no_reminders_when_monitoring_is_paused(app, session):
    patient = add_patient(session)
    patient.monitoring_status = "paused"
    session.commit()

    assert remind(app, MONDAY).queued == 0


def test_cadences_and_time_zones():
    at = datetime(2026, 11, 23, 18, 0).time()
    assert latest_slot(MONDAY, "Europe/London", "daily", 0, at) == datetime(
        2026, 11, 22, 18, 0, tzinfo=UTC
    )
    tokyo = latest_slot(MONDAY, "Asia/Tokyo", "weekly", 0, datetime(2026, 1, 1, 10).time())
    assert tokyo == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 10:00 Monday in Tokyo
    ten = datetime(2026, 1, 1, 10).time()
    fortnightly = sorted(
        {
            latest_slot(MONDAY + timedelta(days=7 * n), "Europe/London", "fortnightly", 0, ten)
            for n in range(6)
        }
    )
    gaps = {later - earlier for earlier, later in pairwise(fortnightly)}
    assert gaps == {timedelta(days=14)}  # every other Monday


def test_a_daily_reminder_at_six_in_the_evening(app, session):
    patient = add_patient(session, sms=False)
    prefer(session, patient, reminder_cadence="daily", reminder_time="18:00")

    assert remind(app, MONDAY).queued == 0  # yesterday's 18:00 is past the grace time
    assert remind(app, MONDAY.replace(hour=18, minute=1)).queued == 1


def lapsed_cough(session, patient):
    record_symptoms(
        session, patient, date(2026, 11, 5), [SymptomReport("cough", 4, note=NOTE)]
    )  # last noted 18 days before Monday: lapsed, not marked gone
    session.commit()


def test_a_reminder_asks_about_a_lapsed_symptom_once_without_naming_it(app, peers, session):
    patient = add_patient(session)
    lapsed_cough(session, patient)

    first = remind(app, MONDAY)
    next_week = remind(app, MONDAY + timedelta(days=7))

    assert first.check_ins == 1 and next_week.check_ins == 0
    dispatch(app, AN_HOUR_ON)
    [text] = peers.twilio.sent_to(MOBILE)
    assert "question for you" in text.body and "cough" not in text.body.lower()
    [mail] = peers.smtp.inbox.to(EMAIL)
    assert b"cough" not in mail.original_content.lower()
    assert b"Is it still there?" in mail.original_content


def test_the_diary_asks_about_a_lapsed_symptom_on_the_first_visit_only(app, session, client):
    patient = add_patient(session)
    lapsed_cough(session, patient)
    rules = load_rules()
    monday, tuesday = date(2026, 11, 23), date(2026, 11, 24)

    first = checkins.for_visit(session, patient.id, monday, rules)
    session.commit()
    refresh = checkins.for_visit(session, patient.id, monday, rules)
    session.commit()
    next_day = checkins.for_visit(session, patient.id, tuesday, rules)

    assert [q.label for q in first] == ["Cough"]
    assert refresh == first and next_day == []


def test_the_check_in_include_shows_the_question_and_the_two_answers(app, session, client):
    patient = add_patient(session)
    today = datetime.now(UTC).date()
    # Lapsed: last noted more than max_gap_days (14 in rules version 2) ago.
    record_symptoms(session, patient, today - timedelta(days=16), [SymptomReport("cough", 4)])
    session.commit()

    sign_in_as(client, patient)
    html = client.get("/diary/").get_data(as_text=True)
    assert "Is this still there: cough?" in html
    assert 'name="symptom" value="cough"' in html and "/diary/symptoms/cough/gone" in html
    assert NOTE not in html


def test_a_symptom_noted_again_is_not_asked_about(app, session):
    patient = add_patient(session)
    lapsed_cough(session, patient)
    record_symptoms(session, patient, date(2026, 11, 22), [SymptomReport("cough", 3)])
    session.commit()

    assert checkins.for_visit(session, patient.id, date(2026, 11, 23), load_rules()) == []
