"""Putting messages in the outbox, and what happens around them: where a patient may be reached,
falling back to their other channel, and what became of a prompt as a whole.

Functions here add to the session; the caller commits (one transaction with whatever caused
the message).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from tracker.alerts.models import Prompt
from tracker.db import insert_on_conflict
from tracker.notify import messages
from tracker.notify.messages import Rendered
from tracker.notify.models import (
    ALIVE,
    CANCELLED,
    CHANNELS,
    EMAIL,
    FAILED,
    FALLBACK_KINDS,
    PROMPT,
    PROMPT_SENT,
    PROMPT_UNDELIVERED,
    QUEUED,
    REMINDER,
    SMS,
    OutboxMessage,
    PromptDelivery,
    SmsOptOut,
)
from tracker.notify.quiet import zone
from tracker.patients.models import ContactPreference, Patient
from tracker.rules.urgency import Urgency

log = logging.getLogger(__name__)

DUPLICATE = "duplicate_today"
# Written on a reminder's failed message when none of the reminder's messages can reach the
# patient any more: what finds the reminders that reached nobody.
REMINDER_UNDELIVERED = "undelivered: the reminder reached the patient by no channel"


def body_hash(channel: str, to: str, text: str) -> str:
    """What makes two messages identical for one person: channel, address and words."""
    return hashlib.sha256(f"{channel}\0{to}\0{text}".encode()).hexdigest()


def start_of_local_day(now: datetime, timezone: str | None) -> datetime:
    """Midnight today in `timezone`, in UTC: "a day" for the identical-message rule."""
    tz = zone(timezone)
    return datetime.combine(now.astimezone(tz).date(), time.min, tzinfo=tz).astimezone(UTC)


def queue(
    s: Session,
    *,
    group_key: str,
    kind: str,
    channel: str,
    to: str,
    rendered: Rendered,
    now: datetime,
    patient_id: int | None = None,
    team_id: int | None = None,
    prompt_id: int | None = None,
    urgency: str | None = None,
    variant: str | None = None,
    due: datetime | None = None,
    fallback_for_id: int | None = None,
    timezone: str | None = None,
) -> int | None:
    """Queue one message; its id, or None if this purpose was already queued on this channel.

    Idempotent: the key is `group_key:channel`, unique in the table, so a repeat (or a second
    pass at the same time) inserts nothing. An identical message already sent or on its way to
    the same address today is not sent again: the row is kept, cancelled, as the record.
    """
    digest = body_hash(channel, to, rendered.text)
    duplicate = s.scalar(
        select(
            exists().where(
                OutboxMessage.to_address == to,
                OutboxMessage.body_hash == digest,
                OutboxMessage.created_at >= start_of_local_day(now, timezone),
                OutboxMessage.status.notin_((FAILED, CANCELLED)),
            )
        )
    )
    values = dict(
        idempotency_key=f"{group_key}:{channel}",
        group_key=group_key,
        kind=kind,
        variant=variant,
        patient_id=patient_id,
        team_id=team_id,
        prompt_id=prompt_id,
        urgency=urgency,
        channel=channel,
        to_address=to,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        body_hash=digest,
        status=CANCELLED if duplicate else QUEUED,
        last_error_code=DUPLICATE if duplicate else None,
        attempts=0,
        next_attempt_at=due or now,
        fallback_for_id=fallback_for_id,
        created_at=now,
        updated_at=now,
    )
    statement = (
        insert_on_conflict(s)(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(OutboxMessage.id)
    )
    return s.execute(statement).scalar()


# ---- where a patient can be reached -------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    """Where one patient may be sent messages now, per channel (rules §4 and §4a).

    `sms` and `email` are the usable addresses (None: none given, or a number opted out or
    refused); prompts and reminders are separate consents on top of them.
    """

    sms: str | None
    email: str | None
    prompt_by_sms: bool
    prompt_by_email: bool
    remind_by_sms: bool
    remind_by_email: bool
    reminders_paused: bool

    def address(self, channel: str) -> str | None:
        return self.sms if channel == SMS else self.email

    def takes(self, kind: str, channel: str) -> bool:
        """Whether the patient takes messages of `kind` on `channel` (address aside)."""
        if kind == REMINDER:
            wanted = self.remind_by_sms if channel == SMS else self.remind_by_email
            return wanted and not self.reminders_paused
        return self.prompt_by_sms if channel == SMS else self.prompt_by_email

    def for_purpose(self, kind: str) -> list[tuple[str, str]]:
        """(channel, address) pairs for a message of `kind`: SMS first."""
        out = []
        for channel in (SMS, EMAIL):
            address = self.address(channel)
            if address is not None and self.takes(kind, channel):
                out.append((channel, address))
        return out


def is_monitored(patient: Patient) -> bool:
    """Whether anything may be sent to the patient (paused or ended monitoring stops it all)."""
    return getattr(patient, "monitoring_status", "active") == "active"


def opted_out(s: Session, number: str) -> bool:
    """Whether this number opted out of texts (STOP, or Twilio's 21610)."""
    return bool(s.scalar(select(SmsOptOut.opted_out).where(SmsOptOut.number == number)) or False)


def opted_out_numbers(s: Session, numbers) -> set[str]:
    """Which of these numbers have opted out of texts."""
    wanted = sorted({n for n in numbers if n})
    if not wanted:
        return set()
    query = select(SmsOptOut.number).where(SmsOptOut.number.in_(wanted), SmsOptOut.opted_out)
    return set(s.scalars(query))


def reach_from(patient: Patient, pref: ContactPreference | None, number_opted_out: bool) -> Reach:
    """The patient's channels: given, not opted out, not refused; and what each is for. Pure."""
    sms = None
    if patient.mobile:
        refused = pref is not None and pref.sms_refused_number == patient.mobile
        if not refused and not number_opted_out:
            sms = patient.mobile
    return Reach(
        sms=sms,
        email=patient.email or None,
        prompt_by_sms=patient.sms_consent_at is not None,
        prompt_by_email=patient.email_consent_at is not None,
        remind_by_sms=bool(pref and pref.remind_by_sms),
        remind_by_email=bool(pref and pref.remind_by_email),
        reminders_paused=bool(pref and pref.reminders_paused_at),
    )


def reach(s: Session, patient: Patient) -> Reach:
    """`reach_from`, reading the patient's preferences and opt-out."""
    pref = s.get(ContactPreference, patient.id)
    return reach_from(patient, pref, bool(patient.mobile) and opted_out(s, patient.mobile))


# ---- falling back, and what became of a prompt -----------------------------------------------


def fall_back(s: Session, failed: OutboxMessage, now: datetime) -> int | None:
    """Queue the failed message's purpose on the patient's other channel, if they have one.

    Only once per purpose and channel (the idempotency key), so a callback delivered twice, or
    a failure on both channels, never loops.
    """
    if failed.kind not in FALLBACK_KINDS or failed.patient_id is None:
        return None
    patient = s.get(Patient, failed.patient_id)
    if patient is None or not is_monitored(patient):
        return None
    other = EMAIL if failed.channel == SMS else SMS
    # Only to a channel the patient takes this kind of message on: a reminder never falls back
    # to a channel they switched reminders off for (it would only be cancelled when claimed).
    address = dict(reach(s, patient).for_purpose(failed.kind)).get(other)
    if address is None:
        return None
    key = f"{failed.group_key}:{other}"
    if s.scalar(select(exists().where(OutboxMessage.idempotency_key == key))):
        return None  # already sent (or failed) on that channel
    team = messages.Team.of(patient.team)
    try:
        if failed.kind == PROMPT:
            rendered = messages.prompt(s, other, team, failed.urgency or Urgency.SOON)
        else:
            pref = s.get(ContactPreference, patient.id)
            cadence = pref.reminder_cadence if pref else "weekly"
            rendered = messages.reminder(other, team, cadence, failed.variant == "check_in")
    except messages.MessageTooLong:
        log.error("message %s: no %s wording fits the rules for it", failed.id, other)
        return None
    new_id = queue(
        s,
        group_key=failed.group_key,
        kind=failed.kind,
        channel=other,
        to=address,
        rendered=rendered,
        now=now,
        patient_id=failed.patient_id,
        prompt_id=failed.prompt_id,
        urgency=failed.urgency,
        variant=failed.variant,
        fallback_for_id=failed.id,
        timezone=patient.timezone,
    )
    if new_id is not None:
        log.info("message %s failed for good: fallback %s queued", failed.id, new_id)
    return new_id


def mark_prompt_sent(s: Session, prompt_id: int | None, now: datetime) -> None:
    """A message of the prompt reached a provider: the prompt counts as sent."""
    if prompt_id is None:
        return
    s.execute(
        update(Prompt)
        .where(Prompt.id == prompt_id, Prompt.sent_at.is_(None))
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    )
    s.execute(
        update(PromptDelivery)
        .where(PromptDelivery.prompt_id == prompt_id)
        .values(state=PROMPT_SENT, reason=None, undelivered_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def settle_prompt(s: Session, prompt_id: int | None, now: datetime) -> bool:
    """After a failure: flag the prompt undelivered if none of its messages can still reach the
    patient. True if it was flagged now."""
    if prompt_id is None:
        return False
    statuses = set(
        s.scalars(select(OutboxMessage.status).where(OutboxMessage.prompt_id == prompt_id))
    )
    duplicates = s.scalar(
        select(
            exists().where(
                OutboxMessage.prompt_id == prompt_id, OutboxMessage.last_error_code == DUPLICATE
            )
        )
    )
    if statuses & set(ALIVE) or duplicates:
        return False
    changed = s.execute(
        update(PromptDelivery)
        .where(PromptDelivery.prompt_id == prompt_id, PromptDelivery.undelivered_at.is_(None))
        .values(state=PROMPT_UNDELIVERED, reason="failed", undelivered_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        log.warning("prompt %s reached the patient by no channel", prompt_id)
    return bool(changed)


def settle_reminder(s: Session, failed: OutboxMessage, now: datetime) -> bool:
    """After a reminder's message failed for good: if none of the reminder's messages can still
    reach the patient, mark the failed one REMINDER_UNDELIVERED. True if it was marked now."""
    if failed.kind != REMINDER or failed.last_error == REMINDER_UNDELIVERED:
        return False
    # The reminder's messages by their unique keys (indexed), one per channel.
    keys = [f"{failed.group_key}:{channel}" for channel in CHANNELS]
    others = s.execute(
        select(OutboxMessage.status, OutboxMessage.last_error_code).where(
            OutboxMessage.idempotency_key.in_(keys), OutboxMessage.id != failed.id
        )
    ).all()
    if any(status in ALIVE or code == DUPLICATE for status, code in others):
        return False
    failed.last_error = REMINDER_UNDELIVERED
    failed.updated_at = now
    s.flush()
    log.warning("reminder message %s reached the patient by no channel", failed.id)
    return True
