"""Findings become alerts and prompts as rules §4 says."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.conftest import make_patient
from tracker.alerts import services
from tracker.alerts.models import (
    ACKNOWLEDGED,
    OPEN,
    RESOLVED,
    SUPERSEDED,
    Alert,
    AlertEvent,
    Prompt,
)
from tracker.diary.models import RESOLVED as RESOLVED_MARK
from tracker.diary.models import DiaryEntry
from tracker.rules.engine import Finding

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def finding(
    symptom="bone_pain",
    urgency="soon",
    reasons=("new",),
    start=date(2026, 11, 1),
    first=None,
    last=date(2026, 11, 16),
):
    return Finding(
        symptom=symptom,
        urgency=urgency,
        reasons=tuple(reasons),
        episode_start=start,
        last_entry=last,
        duration_days=(last - start).days,
        rules_version="test",
        first_entry=first or start,
    )


def apply(session, patient, *findings, now=NOW):
    outcome = services.apply_findings(session, patient.id, findings, now=now)
    session.commit()
    return outcome


def alerts(session, patient):
    return list(
        session.scalars(select(Alert).where(Alert.patient_id == patient.id).order_by(Alert.id))
    )


def prompts(session, patient):
    return list(
        session.scalars(select(Prompt).where(Prompt.patient_id == patient.id).order_by(Prompt.id))
    )


def test_a_new_finding_opens_an_alert_with_its_history_and_queues_one_prompt(session, patient):
    outcome = apply(session, patient, finding())
    assert (outcome.opened, outcome.updated, outcome.unchanged) == (1, 0, 0)
    [alert] = alerts(session, patient)
    assert (alert.status, alert.urgency, alert.reason_list, alert.rules_version) == (
        OPEN,
        "soon",
        ["new"],
        "test",
    )
    assert [e.action for e in alert.events] == ["opened"]
    [prompt] = prompts(session, patient)
    assert (prompt.alert_id, prompt.urgency, prompt.reprompt, prompt.sent_at) == (
        alert.id,
        "soon",
        0,
        None,
    )


def test_the_same_finding_again_changes_nothing_and_queues_nothing(session, patient):
    apply(session, patient, finding())
    outcome = apply(session, patient, finding())
    assert (outcome.opened, outcome.updated, outcome.unchanged) == (0, 0, 1)
    assert len(alerts(session, patient)) == 1
    assert len(prompts(session, patient)) == 1


def test_new_reasons_update_the_alert_without_a_new_prompt(session, patient):
    apply(session, patient, finding(reasons=("new",)))
    outcome = apply(
        session, patient, finding(reasons=("new", "persistent"), last=date(2026, 11, 18))
    )
    assert outcome.updated == 1
    [alert] = alerts(session, patient)
    assert alert.reason_list == ["new", "persistent"]
    assert alert.last_entry == date(2026, 11, 18)
    assert [e.action for e in alert.events] == ["opened", "updated"]
    assert len(prompts(session, patient)) == 1


def test_reasons_are_kept_once_added_and_listed_in_table_order(session, patient):
    apply(session, patient, finding(reasons=("worsening",)))
    apply(session, patient, finding(reasons=("severe",)))
    [alert] = alerts(session, patient)
    assert alert.reason_list == ["severe", "worsening"]


def test_a_rise_in_urgency_updates_and_prompts_again(session, patient):
    apply(session, patient, finding(symptom="headache", urgency="soon"))
    outcome = apply(
        session, patient, finding(symptom="headache", urgency="same_day", reasons=("red_flag",))
    )
    assert outcome.updated == 1
    [alert] = alerts(session, patient)
    assert alert.urgency == "same_day"
    assert [(p.urgency, p.reprompt) for p in prompts(session, patient)] == [
        ("soon", 0),
        ("same_day", 0),
    ]


def test_urgency_never_falls(session, patient):
    apply(session, patient, finding(urgency="same_day", reasons=("red_flag",)))
    apply(session, patient, finding(urgency="soon", reasons=("new",)))
    [alert] = alerts(session, patient)
    assert alert.urgency == "same_day"


def test_an_earlier_onset_moves_the_start_but_it_is_the_same_episode(session, patient):
    apply(session, patient, finding(start=date(2026, 11, 1)))
    outcome = apply(session, patient, finding(start=date(2026, 10, 20), first=date(2026, 11, 1)))
    assert outcome.opened == 0
    [alert] = alerts(session, patient)
    assert alert.episode_start == date(2026, 10, 20)
    assert alert.duration_days == (date(2026, 11, 16) - date(2026, 10, 20)).days


def test_an_acknowledged_alert_is_not_reopened_for_the_same_episode(session, patient):
    apply(session, patient, finding())
    [alert] = alerts(session, patient)
    services.acknowledge(session, patient, alert.id, now=NOW)
    session.commit()
    outcome = apply(
        session, patient, finding(reasons=("new", "persistent"), last=date(2026, 11, 19))
    )
    assert (outcome.opened, outcome.unchanged) == (0, 1)
    assert [a.status for a in alerts(session, patient)] == [ACKNOWLEDGED]


def test_an_answered_alert_reopens_when_urgency_rises(session, patient):
    apply(session, patient, finding())
    services.acknowledge(session, patient, alerts(session, patient)[0].id, now=NOW)
    session.commit()
    outcome = apply(session, patient, finding(urgency="same_day", reasons=("red_flag",)))
    assert outcome.opened == 1
    assert [(a.status, a.urgency) for a in alerts(session, patient)] == [
        (ACKNOWLEDGED, "soon"),
        (OPEN, "same_day"),
    ]


def test_a_new_episode_opens_a_new_alert_after_an_answered_one(session, patient):
    apply(session, patient, finding(last=date(2026, 11, 5)))
    services.acknowledge(session, patient, alerts(session, patient)[0].id, now=NOW)
    session.commit()
    later = finding(start=date(2026, 11, 14), first=date(2026, 11, 14), last=date(2026, 11, 21))
    assert apply(session, patient, later).opened == 1


def test_a_new_episode_supersedes_an_alert_left_open(session, patient):
    apply(session, patient, finding(last=date(2026, 11, 5)))
    later = finding(start=date(2026, 11, 14), first=date(2026, 11, 14), last=date(2026, 11, 21))
    outcome = apply(session, patient, later)
    assert outcome.opened == 1
    old, new = alerts(session, patient)
    assert (old.status, new.status) == (SUPERSEDED, OPEN)
    assert old.events[-1].action == SUPERSEDED


def test_the_database_refuses_a_second_open_alert_for_one_symptom(session, patient):
    apply(session, patient, finding())
    session.add(
        Alert(
            patient_id=patient.id,
            symptom_code="bone_pain",
            episode_start=date(2026, 11, 1),
            first_entry=date(2026, 11, 1),
            last_entry=date(2026, 11, 2),
            duration_days=1,
            urgency="soon",
            reasons="new",
            rules_version="test",
            status=OPEN,
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_the_database_refuses_a_duplicate_prompt(session, patient):
    apply(session, patient, finding())
    [alert] = alerts(session, patient)
    session.add(Prompt(alert_id=alert.id, patient_id=patient.id, urgency="soon", reprompt=0))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_the_database_refuses_a_prompt_for_anyone_but_its_alerts_patient(session, patient):
    apply(session, patient, finding())
    [alert] = alerts(session, patient)
    someone_else = make_patient(session, email="someone.else@example.test")
    session.add(Prompt(alert_id=alert.id, patient_id=someone_else.id, urgency="soon", reprompt=1))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    # The same prompt for the alert's own patient is accepted.
    session.add(Prompt(alert_id=alert.id, patient_id=patient.id, urgency="soon", reprompt=1))
    session.commit()


def test_resolving_closes_the_alert_and_writes_a_resolved_mark(session, patient):
    apply(session, patient, finding(symptom="cough"))
    [alert] = alerts(session, patient)
    services.resolve(session, patient, alert.id, today=date(2026, 11, 20), now=NOW)
    session.commit()
    session.expire_all()
    assert alerts(session, patient)[0].status == RESOLVED
    [mark] = session.scalars(select(DiaryEntry).where(DiaryEntry.patient_id == patient.id)).all()
    assert (mark.kind, mark.symptom_code, mark.entry_date) == (
        RESOLVED_MARK,
        "cough",
        date(2026, 11, 20),
    )


def test_a_patient_cannot_answer_another_patients_alert(session, patient):
    other = make_patient(session, email="other@example.test")
    apply(session, other, finding())
    [theirs] = alerts(session, other)
    with pytest.raises(services.NotAnswerable):
        services.acknowledge(session, patient, theirs.id)
    with pytest.raises(services.NotAnswerable):
        services.resolve(session, patient, theirs.id, today=date(2026, 11, 20))
    session.rollback()
    assert alerts(session, other)[0].status == OPEN


def test_unanswered_alerts_are_prompted_again_at_most_twice(session, patient):
    apply(session, patient, finding())
    for days, expected in [(6, 0), (7, 1), (8, 0), (14, 1), (21, 0), (60, 0)]:
        queued = services.queue_reprompts(session, 7, 2, now=NOW + timedelta(days=days))
        session.commit()
        assert queued == expected, f"day {days}"
    assert [p.reprompt for p in prompts(session, patient)] == [0, 1, 2]


def test_answered_alerts_are_not_prompted_again(session, patient):
    apply(session, patient, finding())
    services.acknowledge(session, patient, alerts(session, patient)[0].id, now=NOW)
    session.commit()
    assert services.queue_reprompts(session, 7, 2, now=NOW + timedelta(days=30)) == 0


def test_every_change_is_in_the_alerts_history(session, patient):
    apply(session, patient, finding())
    apply(session, patient, finding(urgency="same_day", reasons=("red_flag",)))
    services.acknowledge(session, patient, alerts(session, patient)[0].id, now=NOW)
    session.commit()
    events = session.scalars(select(AlertEvent).order_by(AlertEvent.id)).all()
    assert [(e.action, e.status, e.urgency) for e in events] == [
        ("opened", "open", "soon"),
        ("updated", "open", "same_day"),
        ("acknowledged", "acknowledged", "same_day"),
    ]
    assert session.scalar(select(func.count()).select_from(AlertEvent)) == 3


# ---- re-prompts fall on a local date (rules §4, version 2) ---------------------------------

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "prompted_at",
    [
        datetime(2026, 11, 2, 4, 30, tzinfo=LONDON),
        datetime(2026, 11, 2, 23, 59, tzinfo=LONDON),
        # The clock goes back on 25 October 2026, and forward on 29 March 2027, in between.
        datetime(2026, 10, 20, 4, 30, tzinfo=LONDON),
        datetime(2026, 10, 20, 23, 59, tzinfo=LONDON),
        datetime(2027, 3, 24, 23, 59, tzinfo=LONDON),
        datetime(2027, 3, 24, 4, 30, tzinfo=LONDON),
    ],
)
@pytest.mark.parametrize("run_hour", [0, 4, 23])
def test_a_reprompt_falls_on_the_local_date_seven_days_after_the_prompt(
    session, patient, prompted_at, run_hour
):
    """§4: "a re-prompt falls due on the local date `reprompt_days` after the date of the prompt
    before it (in the patient's time zone), whatever the hour the runs happened at"."""
    apply(session, patient, finding(), now=prompted_at)
    day = prompted_at.date()
    for days_after, expected in [(6, 0), (7, 1)]:
        run = datetime.combine(day + timedelta(days=days_after), time(run_hour, 1), LONDON)
        queued = services.queue_reprompts(session, 7, 2, now=run)
        session.commit()
        assert queued == expected, f"day {days_after} at {run_hour}:01"


def test_a_reprompt_follows_the_patients_own_time_zone(session):
    patient = make_patient(session, email="far.away@example.test", timezone="Pacific/Auckland")
    # 20:00 UTC on 1 November is 09:00 on 2 November in Auckland.
    apply(session, patient, finding(), now=datetime(2026, 11, 1, 20, 0, tzinfo=UTC))
    # 10:00 UTC on 8 November is 23:00 on 8 November there: not yet; 11:30 is 9 November.
    assert not services.queue_reprompts(session, 7, 2, now=datetime(2026, 11, 8, 10, 0, tzinfo=UTC))
    assert services.queue_reprompts(session, 7, 2, now=datetime(2026, 11, 8, 11, 30, tzinfo=UTC))
