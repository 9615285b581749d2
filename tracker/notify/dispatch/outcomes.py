"""Outcomes: what became of a claimed message, and the one place that writes it back.

Every result of a pass (a send, a look-up, a screen that held or cancelled a message) is first
named as an `Outcome` (`classify`, or the screen), then written by `record`, which reads what
to do from one table, `OUTCOMES`: the row's new status, when it is tried next, whether it was
an attempt, and what else follows (a prompt marked sent, a refused number, the other channel).

Every write is conditional on the lease still being ours, so a dispatcher that lost its lease
cannot overwrite the one that took over. A status callback can land before the send's own
write-back (it carries our id in its URL): the lease is still ours but the status has moved on
(delivered, or failed and already fallen back); the write-back then fills in only what the
callback could not know. Retries are only for transient errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, literal, null, update
from sqlalchemy.orm import Session

from tracker.config import Settings
from tracker.notify.channels import Receipt
from tracker.notify.dispatch.claims import Job, T
from tracker.notify.dispatch.sending import Result
from tracker.notify.models import (
    CANCELLED,
    DELIVERED,
    FAILED,
    PROMPT,
    QUEUED,
    REMINDER,
    SENDING,
    SENT,
    SMS,
    UNKNOWN,
    OutboxMessage,
)
from tracker.notify.optouts import after_refusal
from tracker.notify.outbox import fall_back, mark_prompt_sent, settle_prompt, settle_reminder
from tracker.rules.urgency import Urgency

log = logging.getLogger(__name__)

# Retry delays grow: base × 2^(attempt - 1), capped. The dispatcher runs every minute, so
# a delay under a minute means "the next pass".
RETRY_BASE = timedelta(seconds=60)
EMERGENCY_RETRY_BASE = timedelta(seconds=15)
RETRY_CAP = timedelta(minutes=30)
# How long an unknown send waits before it is looked up: time for Twilio's status callback to
# settle it first, and for the message to show in Twilio's list.
RECONCILE_AFTER = timedelta(minutes=2)
# Look-ups that fail (Twilio unreachable) are retried this many times beyond max_attempts
# before the message is given up as failed (and the other channel tried).
RECONCILE_EXTRA = 3

# What can become of a claimed message.
SENT_OK = "sent"  # the provider took it
FOUND = "found"  # a look-up found the earlier attempt at the provider: not sent again
NOT_FOUND = "not_found"  # a look-up found nothing: the earlier attempt never arrived
NO_ANSWER = "no_answer"  # sent, but no answer came back: look it up before any resend
LOOKUP_FAILED = "lookup_failed"  # the provider could not be asked: ask again later
UNRECONCILED = "unreconciled"  # asked too often without an answer: given up
TRANSIENT = "transient"  # a failure worth another try
GAVE_UP = "gave_up"  # transient failures, too many of them
REFUSED = "refused"  # a permanent failure (a bad number, an address that does not exist)
HELD = "held"  # quiet hours: back in the queue until they end (not an attempt)
CANCELLED_OK = "cancelled"  # may not be sent any more (paused, answered, opted out)
UNREACHABLE = "unreachable"  # cancelled: this channel cannot reach them; try the other

# Side effects, in the order they run after the row is written.
PROMPT_SENT = "prompt_sent"  # a prompt's message reached a provider: the prompt was sent
NUMBER = "number"  # opt the number out (21610), or refuse it for the patient (21211, …)
FALL_BACK = "fall_back"  # queue the purpose on the patient's other channel
SETTLE_PROMPT = "settle_prompt"  # flag a prompt that can now reach the patient by no channel
SETTLE_REMINDER = "settle_reminder"  # mark a reminder that reached them by no channel


@dataclass(frozen=True)
class Outcome:
    """One claimed message's outcome, as `record` writes it."""

    kind: str  # a key of OUTCOMES
    job: Job
    at: datetime
    receipt: Receipt | None = None  # SENT_OK, FOUND
    code: str | None = None  # an error code, or why a message was cancelled
    hold_until: datetime | None = None  # HELD


def retry_delay(attempts: int, urgency: str | None) -> timedelta:
    """How long to wait after `attempts` failed attempts."""
    base = EMERGENCY_RETRY_BASE if urgency == Urgency.EMERGENCY else RETRY_BASE
    return min(base * 2 ** max(0, attempts - 1), RETRY_CAP)


# When a message is next tried, from its outcome and its attempts so far.
def _at_once(o: Outcome, attempts: int) -> datetime:
    return o.at


def _look_up_later(o: Outcome, attempts: int) -> datetime:
    return o.at + RECONCILE_AFTER


def _back_off(o: Outcome, attempts: int) -> datetime:
    return o.at + retry_delay(attempts, o.job.urgency)


def _after_quiet_hours(o: Outcome, attempts: int) -> datetime | None:
    return o.hold_until


@dataclass(frozen=True)
class Rule:
    """What one kind of outcome writes, and what follows it."""

    status: str  # the row's new status (SENT becomes DELIVERED if the receipt says so)
    next_attempt: Callable[[Outcome, int], datetime | None] | None  # None: not tried again
    attempt: bool  # whether this was an attempt (a send or a look-up), counted on the row
    counts: tuple[str, ...]  # DispatchSummary fields it adds one to
    effects: tuple[str, ...] = ()
    error: str | None = None  # the row's last_error (None: left as it is)
    level: int = logging.DEBUG  # how loudly it is logged


_FAILS = (FALL_BACK, SETTLE_PROMPT, SETTLE_REMINDER)
_GIVE_UP = "gave up on this channel"
_NO_ANSWER = "no answer after the request was sent: checking before any resend"
_RETRY = "transient: will be tried again"
_LOUD, _SAID = logging.WARNING, logging.INFO

# fmt: off
OUTCOMES: dict[str, Rule] = {
    # outcome       status     next attempt         attempt counts (DispatchSummary)
    #               side effects                     last_error  log level
    SENT_OK:       Rule(SENT,      None,               True,  ("sent",),
                        (PROMPT_SENT,)),
    FOUND:         Rule(SENT,      None,               False, ("reconciled", "sent"),
                        (PROMPT_SENT,)),
    NOT_FOUND:     Rule(QUEUED,    _at_once,           False, ("resent",)),
    NO_ANSWER:     Rule(UNKNOWN,   _look_up_later,     True,  ("unknown",),
                        (),                              _NO_ANSWER, _LOUD),
    LOOKUP_FAILED: Rule(UNKNOWN,   _back_off,          True,  ()),
    UNRECONCILED:  Rule(FAILED,    None,               True,  ("failed",),
                        _FAILS,                          _GIVE_UP,   _LOUD),
    TRANSIENT:     Rule(QUEUED,    _back_off,          True,  ("retried",),
                        (),                              _RETRY,     _SAID),
    GAVE_UP:       Rule(FAILED,    None,               True,  ("failed",),
                        _FAILS,                          _GIVE_UP,   _LOUD),
    REFUSED:       Rule(FAILED,    None,               True,  ("failed",),
                        (NUMBER, *_FAILS),               _GIVE_UP,   _LOUD),
    HELD:          Rule(QUEUED,    _after_quiet_hours, False, ("held",)),
    CANCELLED_OK:  Rule(CANCELLED, None,               False, ("cancelled",),
                        (SETTLE_PROMPT,)),
    UNREACHABLE:   Rule(CANCELLED, None,               False, ("cancelled",),
                        (FALL_BACK, SETTLE_PROMPT)),
}
# fmt: on


def classify(result: Result, cfg: Settings) -> Outcome:
    """Name a worker's result: which row of OUTCOMES it is. Pure."""
    job, at, error = result.job, result.finished_at, result.error
    attempts = job.attempts + 1
    if result.looked_up:
        if result.receipt is not None:
            return Outcome(FOUND, job, at, receipt=result.receipt)
        if error is None:
            return Outcome(NOT_FOUND, job, at)
        if attempts >= cfg.notify.max_attempts + RECONCILE_EXTRA:
            return Outcome(UNRECONCILED, job, at, code="unreconciled")
        return Outcome(LOOKUP_FAILED, job, at, code=error.code)
    if result.receipt is not None:
        return Outcome(SENT_OK, job, at, receipt=result.receipt)
    if error.ambiguous:
        return Outcome(NO_ANSWER, job, at, code=error.code)
    if error.permanent:
        return Outcome(REFUSED, job, at, code=error.code)
    if attempts >= cfg.notify.max_attempts:
        return Outcome(GAVE_UP, job, at, code=error.code)
    return Outcome(TRANSIENT, job, at, code=error.code)


def record(s: Session, outcome: Outcome, owner: str) -> list[str]:
    """Write one outcome back, and what follows from it (the caller commits).

    Returns the DispatchSummary fields to add one to: "lost_leases" alone if the lease was no
    longer ours, and nothing was written.
    """
    rule = OUTCOMES[outcome.kind]
    job = outcome.job
    attempts = job.attempts + (1 if rule.attempt else 0)
    if outcome.receipt is not None:
        status = _write_receipt(s, outcome, owner, attempts)
    else:
        status = _write(s, outcome, rule, owner, attempts)
    if status is None:
        log.warning("message %s: lease lost before the outcome was written", job.id)
        return ["lost_leases"]
    if outcome.receipt is not None and status == FAILED:
        # Its status callback failed it first, and fell back and settled it then.
        return []
    if rule.level > logging.DEBUG:
        log.log(
            rule.level,
            "message %s: %s; %s (attempt %d)",
            job.id,
            outcome.code,
            rule.error,
            attempts,
        )
    counts = list(rule.counts)
    for effect in rule.effects:
        counts += _EFFECTS[effect](s, outcome)
    return counts


def _write(s: Session, outcome: Outcome, rule: Rule, owner: str, attempts: int) -> str | None:
    values: dict = dict(status=rule.status, attempts=attempts)
    if rule.next_attempt is not None:
        values["next_attempt_at"] = rule.next_attempt(outcome, attempts)
    if outcome.code is not None:
        values["last_error_code"] = outcome.code
    if rule.error is not None:
        values["last_error"] = rule.error
    if rule.status == FAILED:
        values["failed_at"] = outcome.at
    return s.execute(
        update(T)
        .where(T.c.id == outcome.job.id, T.c.status == SENDING, T.c.lease_owner == owner)
        .values(lease_until=None, lease_owner=None, updated_at=outcome.at, **values)
        .returning(T.c.status)
    ).scalar()


def _write_receipt(s: Session, outcome: Outcome, owner: str, attempts: int) -> str | None:
    """A send the provider took. Still `sending`: it becomes sent (or delivered). Moved on by
    its status callback already: only what the callback could not know is filled in."""
    receipt, at = outcome.receipt, outcome.at
    sending = T.c.status == SENDING
    delivered = receipt.provider_status == "delivered"

    def when(value, column):
        return case((sending, literal(value, column.type) if value else null()), else_=column)

    values = dict(
        status=when(DELIVERED if delivered else SENT, T.c.status),
        sent_at=case(
            (sending, literal(at, T.c.sent_at.type)), else_=func.coalesce(T.c.sent_at, at)
        ),
        last_error_code=when(None, T.c.last_error_code),
        last_error=when(None, T.c.last_error),
        transport=receipt.transport,
        provider_id=func.coalesce(T.c.provider_id, receipt.provider_id),
        # A status callback may have beaten the write-back with later news: keep it.
        provider_status=when("delivered", T.c.provider_status)
        if delivered
        else func.coalesce(T.c.provider_status, receipt.provider_status),
    )
    if delivered:
        values["delivered_at"] = when(at, T.c.delivered_at)
    return s.execute(
        update(T)
        .where(
            T.c.id == outcome.job.id,
            T.c.lease_owner == owner,
            T.c.status.in_((SENDING, SENT, DELIVERED, FAILED)),
        )
        .values(lease_until=None, lease_owner=None, updated_at=at, attempts=attempts, **values)
        .returning(T.c.status)
    ).scalar()


# ---- side effects ---------------------------------------------------------------------------


def _prompt_sent(s: Session, o: Outcome) -> list[str]:
    if o.job.kind == PROMPT:
        mark_prompt_sent(s, o.job.prompt_id, o.at)
    return []


def _number(s: Session, o: Outcome) -> list[str]:
    if o.job.channel == SMS:
        after_refusal(s, o.job.patient_id, o.job.to, o.code, o.at)
    return []


def _fall_back(s: Session, o: Outcome) -> list[str]:
    failed = s.get(OutboxMessage, o.job.id, populate_existing=True)
    return ["fallbacks"] if fall_back(s, failed, o.at) is not None else []


def _settle_prompt(s: Session, o: Outcome) -> list[str]:
    if o.job.kind == PROMPT and settle_prompt(s, o.job.prompt_id, o.at):
        return ["undelivered"]
    return []


def _settle_reminder(s: Session, o: Outcome) -> list[str]:
    if o.job.kind != REMINDER:
        return []
    failed = s.get(OutboxMessage, o.job.id, populate_existing=True)
    return ["undelivered_reminders"] if settle_reminder(s, failed, o.at) else []


_EFFECTS: dict[str, Callable[[Session, Outcome], list[str]]] = {
    PROMPT_SENT: _prompt_sent,
    NUMBER: _number,
    FALL_BACK: _fall_back,
    SETTLE_PROMPT: _settle_prompt,
    SETTLE_REMINDER: _settle_reminder,
}
