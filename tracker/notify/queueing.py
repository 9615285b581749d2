"""What other modules call to put a message in the outbox, in their own transaction.

- `queue_invitation`: the sign-up link after a clinician enrols a patient (tracker.team.enrolment
  calls it from `queue_invitation_message`).
- `queue_team_email`: an email to a treating team about its queue (tracker.team.notify decides
  what; this queues it).
- `queue_account_notice`: "someone tried to sign up with your address" (tracker.auth.accounts).
- `queue_account_message`: the other messages about an account: a reset link or code, "your
  password was changed", a new email address to confirm (tracker.auth.recovery).
- `queue_staff_message`: a link for a member of staff to set up their account, new or again
  (tracker.team.member_reset).
- `queue_contact_request`: "your team has your request", and what the team recorded
  (tracker.contact_requests, tracker.team.requests).
- `prompt_states`: what became of prompts, for the team's queue.

Each adds to the session; the caller commits, with whatever caused the message.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.notify import messages
from tracker.notify.models import (
    ACCOUNT_NOTICE,
    CONTACT_REQUEST,
    DELIVERED,
    EMAIL,
    INVITATION,
    PROMPT,
    PROMPT_UNDELIVERED,
    SMS,
    TEAM_NOTICE,
    OutboxMessage,
    PromptDelivery,
)
from tracker.notify.outbox import is_monitored, opted_out, queue, reach
from tracker.patients.models import Patient


def queue_invitation(
    s: Session, patient: Patient, link: str, key: str | int, now: datetime | None = None
) -> bool:
    """Queue the sign-up link by email (and by text if a mobile was given); True if queued.

    `key` identifies the invitation (its id): a new invitation is a new message, the same one
    queued twice is one. The link is in the stored text, like everything else a message says,
    and works once and expires (tracker.auth.invitations).
    """
    now = now or clock.now()
    if not is_monitored(patient):
        return False
    team = messages.Team.of(patient.team)
    queued = False
    targets = [(EMAIL, patient.email)]
    if patient.mobile and not opted_out(s, patient.mobile):
        targets.append((SMS, patient.mobile))
    for channel, address in targets:
        if not address:
            continue
        new_id = queue(
            s,
            group_key=f"invitation:{key}",
            kind=INVITATION,
            channel=channel,
            to=address,
            rendered=messages.invitation(channel, team, link),
            now=now,
            patient_id=patient.id,
            timezone=patient.timezone,
        )
        queued = queued or new_id is not None
    return queued


def queue_account_notice(s: Session, patient: Patient, now: datetime | None = None) -> bool:
    """Tell the owner of an address that someone tried to sign up with it; True if queued.

    At most one a day for each account, so the form cannot be used to flood someone's inbox.
    """
    now = now or clock.now()
    new_id = queue(
        s,
        group_key=f"account_notice:{patient.id}:{now:%Y-%m-%d}",
        kind=ACCOUNT_NOTICE,
        channel=EMAIL,
        to=patient.email,
        rendered=messages.account_notice(),
        now=now,
        patient_id=patient.id,
        timezone=patient.timezone,
    )
    return new_id is not None


def queue_account_message(
    s: Session,
    patient: Patient,
    variant: str,
    channel: str,
    to: str,
    context: dict,
    key: str | int,
    now: datetime | None = None,
) -> bool:
    """Queue one account message (messages.ACCOUNT_MESSAGES) to `to`; True if queued.

    Of kind account_notice, with `variant` saying which. `key` tells one purpose from another
    (a link's id): queueing the same twice queues once. Sent even while monitoring is paused
    or ended, never after a death (tracker.notify.dispatch.screening), and never held for
    quiet hours: a code or a link that waited for the morning would have stopped working.
    """
    now = now or clock.now()
    rendered = messages.account_message(variant, channel, messages.Team.of(patient.team), context)
    new_id = queue(
        s,
        group_key=f"account_notice:{variant}:{key}",
        kind=ACCOUNT_NOTICE,
        variant=variant,
        channel=channel,
        to=to,
        rendered=rendered,
        now=now,
        patient_id=patient.id,
        timezone=patient.timezone,
    )
    return new_id is not None


def queue_staff_message(
    s: Session,
    to: str,
    team,
    variant: str,
    context: dict,
    key: str | int,
    now: datetime | None = None,
) -> bool:
    """Queue an account message to a member of staff at `to`, about `team` (a Team row); True
    if queued. Like a team's email, never held for quiet hours."""
    now = now or clock.now()
    rendered = messages.account_message(variant, EMAIL, messages.Team.of(team), context)
    new_id = queue(
        s,
        group_key=f"account_notice:{variant}:{key}",
        kind=ACCOUNT_NOTICE,
        variant=variant,
        channel=EMAIL,
        to=to,
        rendered=rendered,
        now=now,
        team_id=team.id,
    )
    return new_id is not None


def queue_team_email(s: Session, email, now: datetime | None = None) -> int | None:
    """Queue a tracker.team.notify.TeamEmail; its outbox id, or None if already queued.

    One message per team, kind and set of alerts: deciding twice queues once.
    """
    now = now or clock.now()
    alerts = ",".join(str(i) for i in sorted(email.alert_ids))
    digest = hashlib.sha256(alerts.encode()).hexdigest()[:16]
    return queue(
        s,
        group_key=f"team_notice:{email.team_id}:{email.kind}:{digest}",
        kind=TEAM_NOTICE,
        channel=EMAIL,
        to=email.address,
        rendered=messages.team_notice(email.kind, email.count, email.link),
        now=now,
        team_id=email.team_id,
        variant=email.kind,
    )


def contact_request_key(request_id: int, variant: str) -> str:
    """The outbox group of one of a request's messages: the same message is queued once."""
    return f"contact_request:{request_id}:{variant}"


def queue_contact_request(
    s: Session,
    patient: Patient,
    request_id: int,
    variant: str,
    context: dict,
    now: datetime | None = None,
    channels: tuple[str, ...] = (SMS, EMAIL),
) -> int:
    """Queue a request's message (messages.CONTACT_REQUEST_MESSAGES) on each of `channels` the
    patient takes prompts by; how many were queued. Once per request and variant."""
    now = now or clock.now()
    if not is_monitored(patient):
        return 0
    team = messages.Team.of(patient.team)
    queued = 0
    for channel, address in reach(s, patient).for_purpose(PROMPT):
        if channel not in channels:
            continue
        new_id = queue(
            s,
            group_key=contact_request_key(request_id, variant),
            kind=CONTACT_REQUEST,
            variant=variant,
            channel=channel,
            to=address,
            rendered=messages.contact_request(variant, channel, team, context),
            now=now,
            patient_id=patient.id,
            timezone=patient.timezone,
        )
        queued += new_id is not None
    return queued


@dataclass(frozen=True)
class PromptState:
    """What became of one prompt: queued, sent, delivered, undelivered or cancelled."""

    state: str
    reason: str | None = None

    @property
    def problem(self) -> bool:
        return self.state == PROMPT_UNDELIVERED


def prompt_state_columns() -> tuple[ColumnElement[str], ColumnElement[str]]:
    """A prompt's state and reason as SQL over PromptDelivery (outer-joined: NULL when it is not
    taken up yet, so queued): "sent" reads "delivered" once the provider says a message of it
    reached the phone."""
    reached = exists().where(
        OutboxMessage.prompt_id == PromptDelivery.prompt_id, OutboxMessage.status == DELIVERED
    )
    state = case(
        (and_(PromptDelivery.state == "sent", reached), DELIVERED), else_=PromptDelivery.state
    )
    return state.label("state"), PromptDelivery.reason.label("reason")


def prompt_states(s: Session, prompt_ids: list[int]) -> dict[int, PromptState]:
    """For the team's queue: each prompt's state (missing: not taken up yet, so queued)."""
    if not prompt_ids:
        return {}
    rows = s.execute(
        select(PromptDelivery.prompt_id, *prompt_state_columns()).where(
            PromptDelivery.prompt_id.in_(prompt_ids)
        )
    )
    return {prompt_id: PromptState(state, reason) for prompt_id, state, reason in rows}
