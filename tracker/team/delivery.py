"""What became of each prompt, as the outbox knows it, in words for the team's record of a
patient: sent, delivered, held for quiet hours, cancelled and why, failed and what was tried
instead. `prompt_story` turns the facts into words and is pure; `stories_for` reads the facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tracker.alerts.models import Prompt
from tracker.notify.models import (
    CANCELLED,
    DELIVERED,
    FAILED,
    QUEUED,
    SENDING,
    SENT,
    SMS,
    UNKNOWN,
    OutboxMessage,
    PromptDelivery,
)
from tracker.notify.queueing import contact_request_key, prompt_state_columns
from tracker.patients.models import Patient
from tracker.team import when

CHANNEL_WORDS = {SMS: "Text", "email": "Email"}

# Why a message or a whole prompt was not sent (codes from tracker.notify), in the team's words.
WHY_NOT = {
    "duplicate_today": "the same message had already gone to the same address today",
    "monitoring_paused": "monitoring was paused or ended before it could go",
    "paused": "monitoring was paused or ended before it could go",
    "answered": "the alert was answered or closed before it could go",
    "stale": "it was too old to be useful by the time it could go",
    "opted_out": "the patient's number has asked for no texts (it texted STOP)",
    "no_address": "there is no address for this channel any more",
    "number_refused": "the patient's number cannot take texts",
    "prompts_off": "the patient has turned off prompts by this channel",
    "no_channel": "no email or text reaches the patient",
    "no_wording": "no wording fitted the message (a fault: tell the service's support)",
    "failed": "every channel tried failed",
}


@dataclass(frozen=True)
class MessageFact:
    """What the record needs of one outbox message of a prompt."""

    id: int
    channel: str
    status: str
    code: str | None  # last_error_code: an error, or why it was cancelled
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    failed_at: datetime | None = None
    fallback_for_id: int | None = None


def _why(code: str | None) -> str:
    return WHY_NOT.get(code or "", "it was stopped before it could go")


def _at(what: str, moment: datetime | None, tz: str) -> str:
    return f"{what} {when(moment, tz)}" if moment else what


def message_words(m: MessageFact, others: list[MessageFact], now: datetime, tz: str) -> str:
    """One message of a prompt in words, such as "Text: delivered 9 November 2026 at 2:05pm"."""
    name = CHANNEL_WORDS.get(m.channel, m.channel)
    if m.status == DELIVERED:
        what = _at("delivered", m.delivered_at or m.sent_at, tz)
    elif m.status == SENT:
        what = _at("sent", m.sent_at, tz) + ", not yet confirmed as delivered"
    elif m.status in (SENDING, UNKNOWN):
        what = "being sent: waiting for the provider to confirm"
    elif m.status == QUEUED and m.next_attempt_at > now:
        # A hold for quiet hours is not an attempt, so it leaves no error behind.
        if m.code is None:
            what = f"held for quiet hours until {when(m.next_attempt_at, tz)}"
        else:
            what = f"an attempt failed; trying again {when(m.next_attempt_at, tz)}"
    elif m.status == QUEUED:
        what = "queued, not yet sent"
    elif m.status == CANCELLED:
        what = f"not sent, because {_why(m.code)}"
    elif m.status == FAILED:
        what = _at("failed", m.failed_at, tz)
        instead = [o for o in others if o.fallback_for_id == m.id]
        what += (
            f"; {CHANNEL_WORDS.get(instead[0].channel, instead[0].channel).lower()} tried instead"
            if instead
            else "; nothing else could be tried"
        )
    else:
        what = m.status
    return f"{name}: {what}"


def prompt_story(
    state: str | None,
    reason: str | None,
    messages: list[MessageFact],
    now: datetime,
    tz: str,
    sent_at: datetime | None = None,
) -> list[str]:
    """A prompt's state in words, one line per message (oldest first), or one line for the
    prompt as a whole when no message was made (not taken up yet, cancelled, no channel)."""
    if messages:
        lines = [message_words(m, messages, now, tz) for m in messages]
        if state == "undelivered":
            lines.insert(0, "Not delivered: it reached the patient by no channel")
        return lines
    if state == CANCELLED:
        return [f"not sent, because {_why(reason)}"]
    if state == "undelivered":
        return [f"not delivered, because {_why(reason)}"]
    if sent_at is not None:  # a prompt sent before the outbox kept its messages
        return [_at("sent", sent_at, tz)]
    return ["waiting to be sent"] if state in (None, QUEUED) else [state]


def stories_for(s: Session, prompts: list[Prompt], now: datetime, tz: str) -> dict[int, list[str]]:
    """Each prompt's story, for prompts the caller has already scoped to one patient."""
    prompt_ids = [p.id for p in prompts]
    if not prompt_ids:
        return {}
    deliveries = {
        d.prompt_id: d
        for d in s.scalars(select(PromptDelivery).where(PromptDelivery.prompt_id.in_(prompt_ids)))
    }
    messages: dict[int, list[MessageFact]] = {}
    rows = s.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.prompt_id.in_(prompt_ids))
        .order_by(OutboxMessage.id)
    )
    for m in rows:
        messages.setdefault(m.prompt_id, []).append(
            MessageFact(
                m.id,
                m.channel,
                m.status,
                m.last_error_code,
                m.attempts,
                m.next_attempt_at,
                m.sent_at,
                m.delivered_at,
                m.failed_at,
                m.fallback_for_id,
            )
        )
    stories = {}
    for p in prompts:
        d = deliveries.get(p.id)
        state, reason = (d.state, d.reason) if d else (None, None)
        stories[p.id] = prompt_story(state, reason, messages.get(p.id, []), now, tz, p.sent_at)
    return stories


# ---- the queue: one line for the latest message ------------------------------------------------


@dataclass(frozen=True)
class PromptFact:
    """What the queue needs to know of one prompt."""

    created_at: datetime
    sent_at: datetime | None
    state: str | None = None  # from the outbox: queued, sent, delivered, undelivered, cancelled
    reason: str | None = None


@dataclass(frozen=True)
class Delivery:
    """Whether the prompt reached the patient, in words; `problem` rows are highlighted."""

    label: str
    problem: bool = False


def delivery(prompts: Iterable[PromptFact], monitored: bool, has_channel: bool) -> Delivery:
    """The state of an alert's latest prompt, as the outbox knows it; failures are problems."""
    latest = max(prompts, key=lambda p: p.created_at, default=None)
    if not monitored:
        return Delivery("Not sent: monitoring is paused or ended")
    if not has_channel:
        return Delivery("Cannot be sent: no email or text reaches the patient", True)
    if latest is None:
        return Delivery("No message")
    if latest.state == "undelivered":
        why = f": {latest.reason}" if latest.reason else ""
        return Delivery(f"Not delivered{why}", True)
    if latest.state in STATE_WORDS:
        return Delivery(STATE_WORDS[latest.state])
    return Delivery("Queued: not yet sent" if latest.sent_at is None else "Sent")


STATE_WORDS = {
    "queued": "Queued: not yet sent",
    "sent": "Sent",
    "delivered": "Delivered",
    "cancelled": "Not sent: cancelled",
}


def has_channel(patient: Patient) -> bool:
    """True if prompts are on by at least one channel the patient has given (rules §4)."""
    return patient.email_consent_at is not None or (
        patient.sms_consent_at is not None and bool(patient.mobile)
    )


# Built once (see tracker.db).
_PROMPT_FACTS = (
    select(Prompt.alert_id, Prompt.created_at, Prompt.sent_at, *prompt_state_columns())
    .outerjoin(PromptDelivery, PromptDelivery.prompt_id == Prompt.id)
    .where(Prompt.alert_id.in_(bindparam("ids", expanding=True)))
)


def prompts_by_alert(s: Session, alert_ids: list[int]) -> dict[int, list[PromptFact]]:
    """What the queue needs of each alert's prompts, by alert id: the columns, not the rows."""
    found: dict[int, list[PromptFact]] = {}
    if not alert_ids:
        return found
    prompts = s.execute(_PROMPT_FACTS, {"ids": alert_ids})
    for alert_id, created_at, sent_at, state, reason in prompts:
        found.setdefault(alert_id, []).append(PromptFact(created_at, sent_at, state, reason))
    return found


# The outbox's statuses as `delivery` reads a message's state.
OUTBOX_STATES = {
    QUEUED: "queued",
    SENDING: "queued",
    UNKNOWN: "queued",
    SENT: "sent",
    DELIVERED: "delivered",
    FAILED: "undelivered",
    CANCELLED: "cancelled",
}


def confirmations(s: Session, ids: list[int]) -> dict[int, list[PromptFact]]:
    """What became of each request's "we have your request" message, on each channel."""
    keys = {contact_request_key(i, "received"): i for i in ids}
    found: dict[int, list[PromptFact]] = {}
    rows = s.execute(
        select(OutboxMessage.group_key, OutboxMessage.created_at, OutboxMessage.status).where(
            OutboxMessage.group_key.in_(keys)
        )
    )
    for key, created_at, status in rows:
        found.setdefault(keys[key], []).append(
            PromptFact(created_at, None, OUTBOX_STATES.get(status))
        )
    return found
