"""Quiet hours (rules §4): nothing but emergency from 21:00 to 08:00 in the patient's zone."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from tests.notify.conftest import EMAIL, MOBILE, add_patient, add_prompt, dispatch, outbox
from tests.notify.standin import fail
from tracker.notify.quiet import held_until, in_quiet_hours, quiet_end_after

LONDON = ZoneInfo("Europe/London")
START, END = time(21, 0), time(8, 0)


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [((20, 59), False), ((21, 0), True), ((23, 30), True), ((0, 0), True), ((7, 59), True),
     ((8, 0), False), ((12, 0), False)],
)  # fmt: skip
def test_the_window_runs_from_nine_at_night_to_eight_in_the_morning(local, quiet):
    assert in_quiet_hours(london(2026, 11, 23, *local), LONDON, START, END) is quiet


def test_the_window_ends_at_eight_local_time_also_across_a_clock_change():
    # The night the clocks go forward: 08:00 BST is 07:00 UTC.
    assert quiet_end_after(london(2026, 3, 28, 22, 0), LONDON, START, END) == datetime(
        2026, 3, 29, 7, 0, tzinfo=UTC
    )
    assert quiet_end_after(london(2026, 11, 24, 3, 0), LONDON, START, END) == london(
        2026, 11, 24, 8, 0
    )


def test_the_hour_the_clocks_go_back_is_quiet_both_times_and_the_window_still_ends_at_eight():
    # 25 October 2026: 02:00 BST becomes 01:00 GMT, so 01:00-02:00 in London happens twice.
    # 00:30 UTC is the first 01:30 (BST), 01:30 UTC the second (GMT).
    for instant in (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    ):
        assert instant.astimezone(LONDON).strftime("%H:%M") == "01:30"
        assert in_quiet_hours(instant, LONDON, START, END)
        # 08:00 GMT that morning, which is 08:00 UTC: one hour later than in summer.
        assert quiet_end_after(instant, LONDON, START, END) == datetime(
            2026, 10, 25, 8, 0, tzinfo=UTC
        )
        assert held_until(instant, LONDON, START, END, "soon", "prompt") == datetime(
            2026, 10, 25, 8, 0, tzinfo=UTC
        )
    # Held from the evening before, across the change: the same 08:00 GMT.
    assert quiet_end_after(london(2026, 10, 24, 22, 0), LONDON, START, END) == datetime(
        2026, 10, 25, 8, 0, tzinfo=UTC
    )
    # And the evening of the change is quiet from 21:00 GMT.
    assert not in_quiet_hours(datetime(2026, 10, 25, 20, 59, tzinfo=UTC), LONDON, START, END)
    assert in_quiet_hours(datetime(2026, 10, 25, 21, 0, tzinfo=UTC), LONDON, START, END)


def test_only_emergencies_and_replies_are_never_held():
    night = london(2026, 11, 23, 23, 0)
    assert held_until(night, LONDON, START, END, "emergency", "prompt") is None
    assert held_until(night, LONDON, START, END, None, "reply") is None
    assert held_until(night, LONDON, START, END, "same_day", "prompt") == london(2026, 11, 24, 8, 0)


def test_quiet_hours_hold_a_routine_prompt_and_not_an_emergency(app, peers, session):
    night = london(2026, 11, 23, 22, 30)
    patient = add_patient(session)
    add_prompt(session, patient.id, urgency="soon", code="cough", at=night)
    add_prompt(session, patient.id, urgency="emergency", code="spinal_cord_signs", at=night)

    at_night = dispatch(app, night)

    assert at_night.sent == 2  # the emergency, by text and email
    routine = outbox(session, urgency="soon")
    assert {m.status for m in routine} == {"queued"}
    assert {m.next_attempt_at for m in routine} == {london(2026, 11, 24, 8, 0)}
    assert len(peers.twilio.sent_to(MOBILE)) == 1 and len(peers.smtp.inbox.to(EMAIL)) == 1

    assert dispatch(app, london(2026, 11, 24, 7, 59)).claimed == 0
    morning = dispatch(app, london(2026, 11, 24, 8, 0))

    assert morning.sent == 2
    assert len(peers.twilio.sent_to(MOBILE)) == 2


def test_quiet_hours_are_the_patients_own(app, peers, session):
    patient = add_patient(session, email=False, timezone="America/New_York")
    add_prompt(session, patient.id, at=london(2026, 11, 23, 22, 30))  # 17:30 in New York

    assert dispatch(app, london(2026, 11, 23, 22, 30)).sent == 1


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning(app, peers, session):
    patient = add_patient(session, email=False)
    evening = london(2026, 11, 23, 20, 59)
    add_prompt(session, patient.id, at=evening)
    peers.twilio.then(fail(500))

    dispatch(app, evening)
    retry = dispatch(app, london(2026, 11, 23, 21, 1))

    [message] = outbox(session)
    assert retry.held == 1 and message.status == "queued"
    assert message.next_attempt_at == london(2026, 11, 24, 8, 0)
    assert message.attempts == 1  # being held is not an attempt
