"""The team's record says what really became of each prompt, from the outbox (issue 19, item 15):
sent, delivered, held for quiet hours, cancelled and why, failed and what was tried instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.team.conftest import database, open_alert, plain, staff_sign_in_as
from tracker.clock import SYSTEM
from tracker.notify.dispatch import dispatch_due
from tracker.team.delivery import MessageFact, prompt_story

NOW = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
TZ = "Europe/London"


def _message(id: int, channel: str, status: str, **kw) -> MessageFact:
    return MessageFact(id, channel, status, kw.pop("code", None), 1, kw.pop("due", NOW), **kw)


def test_a_duplicate_is_said_to_be_cancelled_and_why():
    story = prompt_story(
        "sent", None, [_message(1, "email", "cancelled", code="duplicate_today")], NOW, TZ
    )
    assert story == [
        "Email: not sent, because the same message had already gone to the same address today"
    ]


def test_held_for_quiet_hours_and_retrying_are_told_apart():
    morning = NOW + timedelta(hours=20)
    held = _message(1, "sms", "queued", due=morning)
    retry = _message(2, "email", "queued", due=NOW + timedelta(minutes=5), code="timeout")
    assert prompt_story("queued", None, [held, retry], NOW, TZ) == [
        "Text: held for quiet hours until 10 November 2026 at 8:00am",
        "Email: an attempt failed; trying again 9 November 2026 at 12:05pm",
    ]


def test_sent_delivered_and_a_failure_with_what_was_tried_instead():
    failed = _message(1, "sms", "failed", code="21211", failed_at=NOW)
    instead = _message(2, "email", "delivered", sent_at=NOW, delivered_at=NOW, fallback_for_id=1)
    assert prompt_story("sent", None, [failed, instead], NOW, TZ) == [
        "Text: failed 9 November 2026 at 12:00pm; email tried instead",
        "Email: delivered 9 November 2026 at 12:00pm",
    ]
    alone = _message(3, "email", "failed", failed_at=NOW)
    assert prompt_story("undelivered", "failed", [alone], NOW, TZ) == [
        "Not delivered: it reached the patient by no channel",
        "Email: failed 9 November 2026 at 12:00pm; nothing else could be tried",
    ]
    sent = _message(4, "sms", "sent", sent_at=NOW)
    assert prompt_story("sent", None, [sent], NOW, TZ) == [
        "Text: sent 9 November 2026 at 12:00pm, not yet confirmed as delivered"
    ]


def test_a_prompt_with_no_message_says_why():
    assert prompt_story(None, None, [], NOW, TZ) == ["waiting to be sent"]
    assert prompt_story("cancelled", "answered", [], NOW, TZ) == [
        "not sent, because the alert was answered or closed before it could go"
    ]
    assert prompt_story(None, None, [], NOW, TZ, sent_at=NOW) == ["sent 9 November 2026 at 12:00pm"]
    assert prompt_story("undelivered", "no_channel", [], NOW, TZ) == [
        "not delivered, because no email or text reaches the patient"
    ]


def test_the_record_shows_a_prompt_cancelled_as_a_duplicate_as_such(app, clock, world):
    # Noon tomorrow, out of quiet hours: a second alert the same day queues the same words to
    # the same address, which the outbox cancels as a duplicate.
    noon = datetime.combine(SYSTEM.today(TZ) + timedelta(days=1), datetime.min.time(), UTC)
    clock.set(noon + timedelta(hours=12))
    with database(app) as s:
        open_alert(s, world.ours.patient, "cough", "soon", ("new", "persistent"), days=22)
    with app.app_context():
        dispatch_due()
    clinician = app.test_client()
    staff_sign_in_as(clinician, world.ours.clinician)  # signed in at the moved clock
    body = plain(clinician.get(f"/team/patients/{world.ours.patient}"))
    assert "queued, not yet sent" not in body
    assert "First prompt: Email: delivered" in body  # the console transport delivers
    assert (
        "First prompt: Email: not sent, because the same message had already gone to the same "
        "address today" in body
    )
