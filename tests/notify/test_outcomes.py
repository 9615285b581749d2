"""`record(outcome)`: every row of the outcome table, written to a claimed message.

Each case claims a prompt's text (the patient agreed to texts only when it was queued, and to
email since, so a fallback has somewhere to go), records one outcome and checks the row's
status, its next attempt and attempts, what `record` counted, and the row's side effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.notify.conftest import MOBILE, MORNING, add_patient, add_prompt, outbox
from tracker.alerts.models import Prompt
from tracker.notify import messages
from tracker.notify.channels import Receipt
from tracker.notify.dispatch import outcomes as o
from tracker.notify.dispatch.claims import claim
from tracker.notify.models import PromptDelivery, SmsOptOut
from tracker.notify.outbox import REMINDER_UNDELIVERED, queue
from tracker.notify.prompts import expand_due_prompts
from tracker.patients.models import ConsentChange, ContactPreference

LEASE = timedelta(minutes=5)
AT = MORNING + timedelta(seconds=3)
RECEIPT = Receipt("twilio", "SM" + "c" * 32, "queued")


@pytest.fixture(autouse=True)
def in_app(app):
    """Rendering a fallback's words needs the app."""
    with app.app_context():
        yield


@dataclass(frozen=True)
class Case:
    outcome: o.Outcome
    status: str
    next_attempt: object  # a datetime, or None for "left as it was" (the claim's due time)
    attempts: int
    counts: list[str]


def claimed_prompt_text(session):
    """A prompt's text, claimed by "me"; the patient has since agreed to email too."""
    patient = add_patient(session, email=False)
    prompt = add_prompt(session, patient.id)
    expand_due_prompts(session, MORNING)
    session.commit()
    [job] = claim(session, MORNING, "me", 10, LEASE)
    patient.email_consent_at = MORNING
    session.commit()
    return patient, prompt, job


def cases(job) -> dict[str, Case]:
    def outcome(kind, **kw):
        return o.Outcome(kind, job, AT, **kw)

    later = AT + o.retry_delay(1, job.urgency)
    held = AT + timedelta(hours=9)
    return {
        o.SENT_OK: Case(outcome(o.SENT_OK, receipt=RECEIPT), "sent", None, 1, ["sent"]),
        o.FOUND: Case(outcome(o.FOUND, receipt=RECEIPT), "sent", None, 0, ["reconciled", "sent"]),
        o.NOT_FOUND: Case(outcome(o.NOT_FOUND), "queued", AT, 0, ["resent"]),
        o.NO_ANSWER: Case(
            outcome(o.NO_ANSWER, code="timeout"),
            "unknown",
            AT + o.RECONCILE_AFTER,
            1,
            ["unknown"],
        ),
        o.LOOKUP_FAILED: Case(outcome(o.LOOKUP_FAILED, code="twilio_500"), "unknown", later, 1, []),
        o.UNRECONCILED: Case(
            outcome(o.UNRECONCILED, code="unreconciled"), "failed", None, 1, ["failed", "fallbacks"]
        ),
        o.TRANSIENT: Case(outcome(o.TRANSIENT, code="twilio_500"), "queued", later, 1, ["retried"]),
        o.GAVE_UP: Case(
            outcome(o.GAVE_UP, code="twilio_500"), "failed", None, 1, ["failed", "fallbacks"]
        ),
        o.REFUSED: Case(
            outcome(o.REFUSED, code="twilio_21211"), "failed", None, 1, ["failed", "fallbacks"]
        ),
        o.HELD: Case(outcome(o.HELD, hold_until=held), "queued", held, 0, ["held"]),
        o.CANCELLED_OK: Case(
            outcome(o.CANCELLED_OK, code="answered"),
            "cancelled",
            None,
            0,
            ["cancelled", "undelivered"],
        ),
        o.UNREACHABLE: Case(
            outcome(o.UNREACHABLE, code="no_consent"),
            "cancelled",
            None,
            0,
            ["cancelled", "fallbacks"],
        ),
    }


def test_every_row_of_the_outcome_table_has_a_case():
    assert set(cases(SimpleNamespace(urgency=None))) == set(o.OUTCOMES)


@pytest.mark.parametrize("kind", list(o.OUTCOMES))
def test_record_writes_each_outcome_and_its_side_effects(app, session, kind):
    patient, prompt, job = claimed_prompt_text(session)
    case = cases(job)[kind]

    counts = o.record(session, case.outcome, "me")
    session.commit()

    text, *fallbacks = outbox(session)
    assert (text.status, text.attempts, text.lease_owner) == (case.status, case.attempts, None)
    assert text.next_attempt_at == (case.next_attempt or MORNING)
    assert counts == case.counts
    rule = o.OUTCOMES[kind]
    assert (text.failed_at == AT) == (rule.status == "failed")
    if case.outcome.code is not None:
        assert text.last_error_code == case.outcome.code
    # The side effects.
    session.expire_all()
    sent_at = session.scalar(select(Prompt.sent_at).where(Prompt.id == prompt.id))
    assert (sent_at == AT) == (o.PROMPT_SENT in rule.effects)
    assert [m.channel for m in fallbacks] == (["email"] if "fallbacks" in counts else [])
    delivery = session.get(PromptDelivery, prompt.id)
    assert (delivery.state == "undelivered") == ("undelivered" in counts)
    pref = session.get(ContactPreference, patient.id)
    refused = pref is not None and pref.sms_refused_number == MOBILE
    assert refused == (kind == o.REFUSED)


def test_a_receipt_that_says_delivered_is_recorded_delivered(app, session):
    _patient, _prompt, job = claimed_prompt_text(session)
    receipt = Receipt("twilio", "SM" + "d" * 32, "delivered")

    assert o.record(session, o.Outcome(o.SENT_OK, job, AT, receipt=receipt), "me") == ["sent"]
    session.commit()

    [text] = outbox(session)
    assert (text.status, text.delivered_at, text.provider_status) == ("delivered", AT, "delivered")


def test_a_refusal_for_an_unsubscribed_number_opts_the_number_out(app, session):
    patient, _prompt, job = claimed_prompt_text(session)

    o.record(session, o.Outcome(o.REFUSED, job, AT, code="twilio_21610"), "me")
    session.commit()

    assert session.get(SmsOptOut, MOBILE).opted_out
    pref = session.get(ContactPreference, patient.id)
    assert pref.sms_refused_number is None  # not a refused number
    # The patient's record says what the carrier's STOP did: no texts, for either consent.
    changes = session.scalars(select(ConsentChange).order_by(ConsentChange.id)).all()
    assert [(c.channel, c.scope, c.given, c.source) for c in changes] == [
        ("sms", "prompts", False, "twilio_21610"),
        ("sms", "reminders", False, "twilio_21610"),
    ]
    assert patient.sms_consent_at is None and not pref.remind_by_sms


@pytest.mark.parametrize("kind", [o.GAVE_UP, o.REFUSED, o.UNRECONCILED])
def test_a_reminder_failed_on_its_only_channel_is_marked_undelivered(app, session, kind):
    patient = add_patient(session, email=False)
    rendered = messages.Rendered(None, "Please update your diary")
    queue(
        session,
        group_key=f"reminder:{patient.id}:2026-11-23",
        kind="reminder",
        channel="sms",
        to=MOBILE,
        rendered=rendered,
        now=MORNING,
        patient_id=patient.id,
    )
    session.commit()
    [job] = claim(session, MORNING, "me", 10, LEASE)

    counts = o.record(session, o.Outcome(kind, job, AT, code="twilio_500"), "me")
    session.commit()

    [text] = outbox(session)
    assert (text.status, text.last_error) == ("failed", REMINDER_UNDELIVERED)
    assert counts == ["failed", "undelivered_reminders"]


def test_nothing_is_written_once_the_lease_is_lost(app, session):
    _patient, _prompt, job = claimed_prompt_text(session)
    claim(session, MORNING + LEASE, "other", 10, LEASE)

    for case in cases(job).values():
        assert o.record(session, case.outcome, "me") == ["lost_leases"]
    session.commit()

    [text] = outbox(session)
    assert (text.status, text.lease_owner) == ("sending", "other")
