"""Email through smtplib to a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
from dataclasses import replace
from email import policy

from tests.notify.conftest import (
    EMAIL,
    MOBILE,
    MORNING,
    add_patient,
    add_prompt,
    dispatch,
    later,
    outbox,
)
from tracker import config
from tracker.notify.channels import Outgoing
from tracker.notify.channels.email import SmtpEmail


def _parsed(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content, policy=policy.default)


def test_a_prompt_email_has_text_and_html_and_names_the_team_before_other_support(
    app, peers, session
):
    from tests.support.helpers import make_service

    # A same-day prompt lists helplines only (issue 19, item 9), so the directory has one.
    make_service(session, name="Example Helpline", kind="helpline", areas="nationwide")
    patient = add_patient(session, sms=False)
    add_prompt(session, patient.id, urgency="same_day")

    dispatch(app, MORNING)

    [envelope] = peers.smtp.inbox.to(EMAIL)
    mail = _parsed(envelope)
    assert mail["Subject"] == "Contact your treating team today"
    assert mail["Auto-Submitted"] == "auto-generated"  # nobody's robot answers it
    assert mail["Message-ID"] == f"<outbox.{outbox(session)[0].id}@example.test>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    team = text.index("Breast Care Team, Example Hospital")
    assert team < text.index("Other support") and "0118 496 0000" in text
    assert f"{peers.url}/diary/" in text and f"{peers.url}/support/" in text
    assert "cough" not in text.lower() and "cough" not in html.lower()  # no symptom by email
    assert html.index("Your treating team") < html.index("Other support")
    assert text.index("Other support") < text.index("Example Helpline")
    assert outbox(session)[0].status == "sent"


def test_smtp_down_then_back_delivers_the_email_once(app, peers, session):
    patient = add_patient(session, sms=False)
    add_prompt(session, patient.id)
    peers.smtp.down()

    first = dispatch(app, MORNING)
    assert first.retried == 1 and outbox(session)[0].last_error_code == "smtp_unavailable"
    peers.smtp.up()
    second = dispatch(app, later(2))
    third = dispatch(app, later(10))

    assert second.sent == 1 and third.claimed == 0
    assert len(peers.smtp.inbox.to(EMAIL)) == 1
    assert outbox(session)[0].attempts == 2


def test_a_temporary_smtp_refusal_is_retried(app, peers, session):
    patient = add_patient(session, sms=False)
    add_prompt(session, patient.id)
    peers.smtp.inbox.data_reply = "451 4.3.0 Try again later"

    dispatch(app, MORNING)
    peers.smtp.inbox.data_reply = None
    dispatch(app, later(2))

    [message] = outbox(session)
    assert message.status == "sent" and message.attempts == 2
    assert len(peers.smtp.inbox.to(EMAIL)) == 1


def test_a_permanent_smtp_refusal_falls_back_to_a_text(app, peers, session):
    # The prompt is queued by email only; the patient agrees to texts afterwards.
    patient = add_patient(session, sms=False)
    add_prompt(session, patient.id)
    dispatch(app, MORNING, max_seconds=0.0)
    patient.sms_consent_at = MORNING
    session.commit()
    peers.smtp.inbox.rcpt_reply = "550 5.1.1 No such mailbox"

    summary = dispatch(app, later(1))

    email_row, sms_row = outbox(session)
    assert (email_row.status, email_row.last_error_code) == ("failed", "smtp_550")
    assert sms_row.channel == "sms" and sms_row.fallback_for_id == email_row.id
    assert summary.fallbacks == 1 and sms_row.status == "sent"
    assert len(peers.twilio.sent_to(MOBILE)) == 1


def test_with_starttls_required_a_server_without_it_gets_nothing(app, peers, session):
    cfg = replace(config.of(app).notify, smtp_starttls=True)
    message = Outgoing(1, "email", EMAIL, "Subject", "Text", None, message_id="<x@example.test>")

    try:
        SmtpEmail(cfg).send(message)
    except Exception as exc:
        error = exc
    assert error.code == "starttls_unavailable" and not error.permanent
    assert peers.smtp.inbox.received == []  # never sent in the clear


class OneIdForAll(SmtpEmail):
    """A provider that hands out one id for every message: writing the second message's outcome
    breaks the unique index on the provider's id."""

    def send(self, message: Outgoing):
        return replace(super().send(message), provider_id="<the-same-id@example.test>")


def test_a_failure_writing_one_outcome_is_a_transient_failure_for_it_and_the_pass_goes_on(
    app, peers, session
):
    addresses = ["first@example.test", "second@example.test"]
    for n, address in enumerate(addresses):
        patient = add_patient(session, sms=False, mobile=f"+4477009003{n:02d}", address=address)
        add_prompt(session, patient.id)

    summary = dispatch(app, MORNING, channels={"email": OneIdForAll(config.of(app).notify)})

    rows = outbox(session)
    assert sorted(m.status for m in rows) == ["queued", "sent"]  # neither left claimed
    [retry] = [m for m in rows if m.status == "queued"]
    assert (retry.last_error_code, retry.attempts, retry.lease_owner) == (
        "bug_IntegrityError",
        1,
        None,
    )
    assert (summary.sent, summary.retried) == (1, 1)

    dispatch(app, later(5))  # the real channel: a provider id of its own

    assert [m.status for m in outbox(session)] == ["sent", "sent"]
    # SMTP had taken the first attempt: an outcome that could not be written is retried, like
    # an expired lease, with the same Message-ID each time.
    assert sorted(len(peers.smtp.inbox.to(a)) for a in addresses) == [1, 2]
