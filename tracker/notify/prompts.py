"""From prompts to outbox messages: the first step of every dispatch pass.

Detection and the diary write a `Prompt` in the same transaction as the alert change behind it;
that row is the durable promise that the patient will be told. The dispatch pass turns each due
prompt into one outbox message per channel the patient can be reached on *now*, in its own
transaction. Doing it here, not in detection's transaction, means:

- consent, opt-outs, a changed number and paused monitoring are read when the message is made,
  not when the finding was (which for a prompt held by quiet hours can be hours earlier);
- detection and the diary's save never render templates or know about channels;
- nothing is lost: until a `PromptDelivery` row exists for it, a prompt is picked up again.

Inserting the `PromptDelivery` row is the claim: its primary key lets one dispatcher expand a
prompt, however many run at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.alerts.models import OPEN, Alert, Prompt
from tracker.db import insert_on_conflict
from tracker.notify import messages
from tracker.notify.models import (
    PROMPT,
    PROMPT_CANCELLED,
    PROMPT_QUEUED,
    PROMPT_UNDELIVERED,
    PromptDelivery,
)
from tracker.notify.outbox import is_monitored, queue, reach
from tracker.notify.quiet import held_until, parse_hhmm, zone
from tracker.patients.models import Patient
from tracker.rules import load_rules

log = logging.getLogger(__name__)

# A prompt not taken up within this long (the dispatcher was down for days, or the prompt
# predates the outbox) is not sent late: the next re-prompt (rules §4, every reprompt_days)
# asks again, and the team's queue shows the alert meanwhile.
STALE_AFTER = timedelta(days=7)
BATCH = 200


@dataclass
class Expansion:
    prompts: int = 0
    messages: int = 0
    undelivered: int = 0
    no_channel: int = 0  # of those undelivered: the patient has no channel at all
    cancelled: int = 0
    held: int = 0  # queued for when quiet hours end


def expand_due_prompts(s: Session, now: datetime, limit: int = BATCH) -> Expansion:
    """Turn up to `limit` due prompts into outbox messages; commits once at the end."""
    done = Expansion()
    due = s.scalars(
        select(Prompt)
        .outerjoin(PromptDelivery, PromptDelivery.prompt_id == Prompt.id)
        .where(
            PromptDelivery.prompt_id.is_(None),
            Prompt.sent_at.is_(None),
            Prompt.due_at <= now,
        )
        .order_by(Prompt.due_at, Prompt.id)
        .limit(limit)
    ).all()
    for prompt in due:
        if not _claim(s, prompt, now):
            continue  # another dispatcher took it
        done.prompts += 1
        _expand(s, prompt, now, done)
    s.commit()
    return done


def _claim(s: Session, prompt: Prompt, now: datetime) -> bool:
    statement = (
        insert_on_conflict(s)(PromptDelivery)
        .values(
            prompt_id=prompt.id,
            patient_id=prompt.patient_id,
            state=PROMPT_QUEUED,
            expanded_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["prompt_id"])
        .returning(PromptDelivery.prompt_id)
    )
    return s.execute(statement).scalar() is not None


def _settle(s: Session, prompt: Prompt, state: str, reason: str, now: datetime) -> None:
    delivery = s.get(PromptDelivery, prompt.id)
    delivery.state = state
    delivery.reason = reason
    delivery.updated_at = now
    if state == PROMPT_UNDELIVERED:
        delivery.undelivered_at = now


def _expand(s: Session, prompt: Prompt, now: datetime, done: Expansion) -> None:
    patient = s.get(Patient, prompt.patient_id)
    alert = s.get(Alert, prompt.alert_id)
    if patient is None or not is_monitored(patient):
        _settle(s, prompt, PROMPT_CANCELLED, "paused", now)
        done.cancelled += 1
        return
    if alert is None or alert.status != OPEN:
        _settle(s, prompt, PROMPT_CANCELLED, "answered", now)  # answered before it went
        done.cancelled += 1
        return
    if now - prompt.due_at > STALE_AFTER:
        _settle(s, prompt, PROMPT_CANCELLED, "stale", now)
        done.cancelled += 1
        return
    targets = reach(s, patient).for_purpose(PROMPT)
    if not targets:
        _settle(s, prompt, PROMPT_UNDELIVERED, "no_channel", now)
        done.undelivered += 1
        # Not logged here: the dispatch pass logs the count once (a line per prompt was 20,000
        # lines for 20,000 such patients).
        done.no_channel += 1
        return
    rules = load_rules()
    start, end = parse_hhmm(rules.quiet_start), parse_hhmm(rules.quiet_end)
    due = held_until(now, zone(patient.timezone), start, end, prompt.urgency, PROMPT) or now
    team = messages.Team.of(patient.team)
    queued_any = False
    for channel, address in targets:
        try:
            rendered = messages.prompt(s, channel, team, prompt.urgency)
        except messages.MessageTooLong:
            log.error("prompt %s: no %s wording fits the rules for it", prompt.id, channel)
            continue
        queued_any = True
        queued = queue(
            s,
            group_key=f"prompt:{prompt.id}",
            kind=PROMPT,
            channel=channel,
            to=address,
            rendered=rendered,
            now=now,
            patient_id=patient.id,
            prompt_id=prompt.id,
            urgency=prompt.urgency,
            due=due,
            timezone=patient.timezone,
        )
        done.messages += queued is not None
        done.held += queued is not None and due > now
    if not queued_any:
        _settle(s, prompt, PROMPT_UNDELIVERED, "no_wording", now)
        done.undelivered += 1


def undelivered_prompts(s: Session, patient_id: int) -> list[PromptDelivery]:
    """The patient's prompts that reached them by no channel, newest first (for the diary)."""
    # Only while the alert behind it is open: once answered or closed, the notice has done its job.
    return list(
        s.scalars(
            select(PromptDelivery)
            .join(Prompt, Prompt.id == PromptDelivery.prompt_id)
            .join(Alert, Alert.id == Prompt.alert_id)
            .where(
                PromptDelivery.patient_id == patient_id,
                PromptDelivery.state == PROMPT_UNDELIVERED,
                Alert.status == OPEN,
            )
            .order_by(PromptDelivery.undelivered_at.desc())
            .limit(5)
        )
    )
