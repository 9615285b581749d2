"""The dispatch pass: send what the outbox holds that is due, once, and record every outcome.

Why a message is sent once, however many dispatchers run and whenever one dies:

1. A claim is a conditional write. On PostgreSQL the due rows are read `FOR UPDATE SKIP LOCKED`
   and marked `sending` in the same transaction, so two dispatchers never read the same row.
   On SQLite (where FOR UPDATE does nothing) rows are claimed by a conditional
   `UPDATE … WHERE id IN (…) AND status = <what was read> AND <still claimable> RETURNING id`:
   a row another dispatcher took since the read no longer matches, and only the ids the
   update returns (its checked row count) are ours.
2. A claim is a lease (`lease_until`, `lease_owner`). Every write-back is conditional on the
   lease still being ours, so a dispatcher that lost its lease cannot overwrite the one that
   took over. A dispatcher killed after claiming leaves rows `sending`; once the lease runs out
   they are claimable again. The lease is several send timeouts long, so an expired lease
   means no request for it is still in flight.
3. Twilio's message creation is not idempotent. A send whose answer never came (a read
   timeout, a dropped connection), and an SMS whose lease expired mid-send, are `unknown`: the
   next claim asks Twilio for recent messages to that number (a reconciliation) and resends
   only if Twilio has none. Status callbacks, which carry our message id in their URL, settle
   an unknown message too. SMTP cannot be asked, so email is resent; its Message-ID is the
   same on every attempt.

Sending happens on a pool of worker threads (bounded concurrency) behind a token bucket (the
rate cap). Workers only talk to providers; claims and write-backs stay on the calling thread,
with its one database session. Whatever goes wrong with one message (a provider error, a bug,
a write-back that fails) is recorded for that message, and never stops the pass writing the
outcomes of the others: an outcome not written is a message sent again when its lease runs out.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from tracker import config
from tracker.alerts.models import OPEN, Alert, Prompt
from tracker.clock import of as clock_of
from tracker.config import Settings
from tracker.notify.channels import Channel, Outgoing, Receipt, SendError, channels_for
from tracker.notify.models import (
    CANCELLED,
    DELIVERED,
    EMAIL,
    FAILED,
    INVITATION,
    PROMPT,
    QUEUED,
    REMINDER,
    REPLY,
    SENDING,
    SENT,
    SMS,
    TEAM_NOTICE,
    UNKNOWN,
    ContactPreference,
    OutboxMessage,
)
from tracker.notify.outbox import (
    body_hash,
    fall_back,
    is_monitored,
    mark_prompt_sent,
    opted_out_numbers,
    reach_from,
    settle_prompt,
    settle_reminder,
)
from tracker.notify.preferences import (
    REFUSED_NUMBER_CODES,
    TWILIO_UNSUBSCRIBED,
    refuse_number,
    set_opt_out,
)
from tracker.notify.prompts import expand_due_prompts
from tracker.notify.quiet import held_until, parse_hhmm, zone
from tracker.notify.ratelimit import TokenBucket
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.rules.urgency import RAISED_AT_ONCE

log = logging.getLogger(__name__)

OM = OutboxMessage
T = OutboxMessage.__table__  # Core statements: the hot path has no use for the ORM's bookkeeping
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
# A dispatcher claims at most this many rows per worker ahead of sending them: enough to keep
# the workers busy, few enough that leases are not spent waiting in the pool's queue.
CLAIM_AHEAD = 2
# How long the write-back waits for more sends to finish before committing what it has. A
# dispatcher killed in this window leaves those rows to lease expiry (a text is looked up, an
# email sent again): 10 ms of exposure for a tenth of the commits.
WRITE_BACK_GATHER = 0.01
# Urgent first: an emergency prompt never waits behind a backlog of reminders.
PRIORITY = case(
    *((T.c.urgency == u.value, i) for i, u in enumerate(RAISED_AT_ONCE)), else_=len(RAISED_AT_ONCE)
)


@dataclass
class DispatchSummary:
    """What one pass did, in counts (nothing about anyone)."""

    prompts: int = 0  # prompts taken up
    queued: int = 0  # messages queued from them
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    unknown: int = 0
    reconciled: int = 0  # unknown sends found at the provider (so not sent again)
    resent: int = 0  # unknown sends the provider had not got: queued to go again
    held: int = 0  # quiet hours
    cancelled: int = 0
    fallbacks: int = 0
    undelivered: int = 0  # prompts that reached the patient by no channel
    undelivered_reminders: int = 0  # reminders that failed for good on every channel they had
    lost_leases: int = 0
    sent_at: list[tuple[datetime, datetime]] = field(default_factory=list, repr=False)

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("sent_at")
        return data


@dataclass(frozen=True)
class Job:
    """A claimed row, as plain values for a worker thread."""

    id: int
    kind: str
    channel: str
    to: str
    subject: str | None
    text: str
    html: str | None
    patient_id: int | None
    prompt_id: int | None
    urgency: str | None
    previous_status: str
    attempts: int
    attempt_started_at: datetime | None
    due_at: datetime
    created_at: datetime

    @property
    def reconcile(self) -> bool:
        """A look-up at the provider, not a send: an unknown send, or an SMS whose lease ran
        out mid-send (the request may have reached Twilio)."""
        return self.previous_status == UNKNOWN or (
            self.previous_status == SENDING and self.channel == SMS
        )


@dataclass
class Result:
    job: Job
    finished_at: datetime
    receipt: Receipt | None = None
    error: SendError | None = None
    looked_up: bool = False


# ---- claims ---------------------------------------------------------------------------------


def claimable(now: datetime):
    """Due rows, unknown sends due a look-up, and leases that ran out."""
    return or_(
        and_(T.c.status.in_((QUEUED, UNKNOWN)), T.c.next_attempt_at <= now),
        and_(T.c.status == SENDING, T.c.lease_until <= now),
    )


_COLUMNS = (
    T.c.id,
    T.c.kind,
    T.c.channel,
    T.c.to_address,
    T.c.subject,
    T.c.body_text,
    T.c.body_html,
    T.c.patient_id,
    T.c.prompt_id,
    T.c.urgency,
    T.c.status,
    T.c.attempts,
    T.c.attempt_started_at,
    T.c.next_attempt_at,
    T.c.created_at,
)


def claim(s: Session, now: datetime, owner: str, limit: int, lease: timedelta) -> list[Job]:
    """Claim up to `limit` claimable rows for `owner` until `now + lease`; commits.

    On PostgreSQL the rows are read FOR UPDATE SKIP LOCKED: another dispatcher skips them, and
    the update in the same transaction cannot miss one. On SQLite the read locks nothing, so
    the update is conditional: on the status that was read and on the row still being
    claimable; RETURNING says exactly which rows it changed, and only those are ours. (One
    statement per status read, not one per row: a row's whole claim is still one atomic
    conditional write.)
    """
    query = select(*_COLUMNS).where(claimable(now)).order_by(PRIORITY, T.c.next_attempt_at, T.c.id)
    postgres = s.get_bind().dialect.name == "postgresql"
    if postgres:
        query = query.with_for_update(skip_locked=True)
    rows = s.execute(query.limit(limit)).all()
    values = dict(
        status=SENDING,
        lease_until=now + lease,
        lease_owner=owner,
        updated_at=now,
        # A lease that ran out was an attempt that never reported back: it counts.
        attempts=T.c.attempts + case((T.c.status == SENDING, 1), else_=0),
        # A new attempt starts now, except a look-up, which needs the old attempt's start.
        attempt_started_at=case(
            (or_(T.c.status == QUEUED, and_(T.c.status == SENDING, T.c.channel == EMAIL)), now),
            else_=T.c.attempt_started_at,
        ),
    )
    by_status: dict[str, list[int]] = {}
    for r in rows:
        by_status.setdefault(r.status, []).append(r.id)
    won: set[int] = set()
    for status, ids in by_status.items():
        statement = (
            update(T)
            .where(T.c.id.in_(ids), T.c.status == status, claimable(now))
            .values(**values)
            .returning(T.c.id)
        )
        won |= set(s.execute(statement).scalars())
    s.commit()
    return [_job(r) for r in rows if r.id in won]


def _job(r) -> Job:
    return Job(
        id=r.id,
        kind=r.kind,
        channel=r.channel,
        to=r.to_address,
        subject=r.subject,
        text=r.body_text,
        html=r.body_html,
        patient_id=r.patient_id,
        prompt_id=r.prompt_id,
        urgency=r.urgency,
        previous_status=r.status,
        attempts=r.attempts + (1 if r.status == SENDING else 0),
        attempt_started_at=r.attempt_started_at,
        due_at=r.next_attempt_at,
        created_at=r.created_at,
    )


def _transition(s: Session, job: Job, owner: str, now: datetime, **values) -> bool:
    """Write a claimed row's outcome, only while the lease is still ours; True if written."""
    statement = (
        update(T)
        .where(T.c.id == job.id, T.c.status == SENDING, T.c.lease_owner == owner)
        .values(lease_until=None, lease_owner=None, updated_at=now, **values)
    )
    return s.execute(statement).rowcount == 1


# ---- screening claimed rows: who may still be sent what, and when ------------------------------


@dataclass(frozen=True)
class Facts:
    """What the screen needs to know, read for a whole batch at once."""

    patients: dict[int, Patient]
    prefs: dict[int, ContactPreference]
    opted_out: set[str]
    open_prompts: set[int]


def _facts(s: Session, jobs: list[Job]) -> Facts:
    patient_ids = sorted({j.patient_id for j in jobs if j.patient_id is not None})
    prompt_ids = sorted({j.prompt_id for j in jobs if j.prompt_id is not None})
    patients = {p.id: p for p in s.scalars(select(Patient).where(Patient.id.in_(patient_ids)))}
    numbers = {j.to for j in jobs if j.channel == SMS}
    numbers |= {p.mobile for p in patients.values() if p.mobile}
    prefs = {
        p.patient_id: p
        for p in s.scalars(
            select(ContactPreference).where(ContactPreference.patient_id.in_(patient_ids))
        )
    }
    opted = opted_out_numbers(s, numbers)
    open_prompts = set(
        s.scalars(
            select(Prompt.id)
            .join(Alert, Alert.id == Prompt.alert_id)
            .where(Prompt.id.in_(prompt_ids), Alert.status == OPEN)
        )
    )
    return Facts(patients, prefs, opted, open_prompts)


@dataclass(frozen=True)
class Verdict:
    go: bool = False
    cancel: str | None = None  # a reason code
    fall_back: bool = False
    hold_until: datetime | None = None
    readdress: str | None = None  # the patient's address changed since the message was queued


def screen(job: Job, facts: Facts, now: datetime, quiet: tuple) -> Verdict:
    """Whether a claimed message may go now. Pure: checked at send time, not only at queue time."""
    if job.kind == TEAM_NOTICE or job.patient_id is None:
        return Verdict(go=True)
    patient = facts.patients.get(job.patient_id)
    if patient is None or not is_monitored(patient):
        return Verdict(cancel="monitoring_paused")
    if job.kind == PROMPT and job.prompt_id is not None and job.prompt_id not in facts.open_prompts:
        return Verdict(cancel="answered")
    if job.kind == REPLY:
        if job.to in facts.opted_out:
            return Verdict(cancel="opted_out")
    elif job.kind in (PROMPT, REMINDER):
        pref = facts.prefs.get(patient.id)
        reach = reach_from(patient, pref, patient.mobile in facts.opted_out)
        if (job.channel, job.to) not in reach.for_purpose(job.kind):
            address = reach.address(job.channel)
            if address is None:
                return Verdict(cancel=_why_not(job, patient, pref, facts), fall_back=True)
            if job.kind == REMINDER and (job.channel, address) not in reach.for_purpose(REMINDER):
                return Verdict(cancel="reminders_off")
            return _quiet_or_go(job, patient, now, quiet, readdress=address)
    elif job.kind == INVITATION and job.channel == SMS and job.to in facts.opted_out:
        return Verdict(cancel="opted_out")
    return _quiet_or_go(job, patient, now, quiet)


def _why_not(job: Job, patient: Patient, pref, facts: Facts) -> str:
    if job.channel == EMAIL:
        return "no_consent"
    if patient.sms_consent_at is None or not patient.mobile:
        return "no_consent"
    if patient.mobile in facts.opted_out:
        return "opted_out"
    return "number_refused"


def _quiet_or_go(
    job: Job, patient: Patient, now: datetime, quiet: tuple, readdress: str | None = None
) -> Verdict:
    until = held_until(now, zone(patient.timezone), quiet[0], quiet[1], job.urgency, job.kind)
    if until is not None:
        return Verdict(hold_until=until)
    return Verdict(go=True, readdress=readdress)


def _apply_screen(
    s: Session, jobs: list[Job], now: datetime, owner: str, summary: DispatchSummary
) -> list[Job]:
    """Screen a claimed batch: cancel or hold what may not go; commits; returns what may."""
    sends = [j for j in jobs if not j.reconcile]
    go = [j for j in jobs if j.reconcile]  # a look-up is about the past: never held
    if not sends:
        return go
    rules = load_rules()
    quiet = (parse_hhmm(rules.quiet_start), parse_hhmm(rules.quiet_end))
    facts = _facts(s, sends)
    for job in sends:
        verdict = screen(job, facts, now, quiet)
        if verdict.hold_until is not None:
            # Not an attempt: back in the queue until quiet hours end.
            _transition(s, job, owner, now, status=QUEUED, next_attempt_at=verdict.hold_until)
            summary.held += 1
        elif verdict.cancel is not None:
            if _transition(s, job, owner, now, status=CANCELLED, last_error_code=verdict.cancel):
                summary.cancelled += 1
                _after_failure(s, job, now, summary, try_fallback=verdict.fall_back)
        else:
            if verdict.readdress is not None:
                _readdress(s, job, verdict.readdress)
                job = _with_address(job, verdict.readdress)
            go.append(job)
    s.commit()
    return go


def _readdress(s: Session, job: Job, address: str) -> None:
    s.execute(
        update(T)
        .where(T.c.id == job.id)
        .values(to_address=address, body_hash=body_hash(job.channel, address, job.text))
    )


def _with_address(job: Job, address: str) -> Job:
    return replace(job, to=address)


# ---- sending (worker threads) -----------------------------------------------------------------


def status_callback_url(cfg: Settings, message_id: int) -> str:
    """Where Twilio reports on a text: our id rides along, so a send whose answer was lost can
    still be matched (the signature covers the whole URL, query included)."""
    return f"{cfg.web.public_url}/twilio/status?m={message_id}"


def _outgoing(job: Job, cfg: Settings) -> Outgoing:
    domain = cfg.notify.mail_from.rsplit("@", 1)[-1] or "localhost"
    return Outgoing(
        id=job.id,
        channel=job.channel,
        to=job.to,
        subject=job.subject,
        text=job.text,
        html=job.html,
        status_callback=f"{cfg.web.public_url}/twilio/status?m={job.id}"
        if job.channel == SMS
        else None,
        message_id=f"<outbox.{job.id}@{domain}>" if job.channel == EMAIL else None,
    )


def work(
    job: Job,
    channels: dict[str, Channel],
    bucket: TokenBucket,
    cfg: Settings,
    clock: Callable[[], datetime],
) -> Result:
    """Send (or look up) one message. Runs on a worker thread: no database here."""
    channel = channels[job.channel]
    outgoing = _outgoing(job, cfg)
    if job.reconcile:
        since = job.attempt_started_at or job.created_at
        try:
            receipt = channel.lookup(outgoing, since)
        except SendError as exc:
            return Result(job, clock(), error=exc, looked_up=True)
        except Exception as exc:  # a bug in a channel: a failed look-up, asked again later
            return _unexpected(job, exc, "looking up", clock())
        return Result(job, clock(), receipt=receipt, looked_up=True)
    bucket.acquire()
    try:
        return Result(job, clock(), receipt=channel.send(outgoing))
    except SendError as exc:
        return Result(job, clock(), error=exc)
    except Exception as exc:  # a bug in a channel: recorded like any failure, never lost
        return _unexpected(job, exc, "sending", clock())


def _unexpected(job: Job, exc: BaseException, doing: str, now: datetime) -> Result:
    """A transient failure for an exception that should never have got this far (logged by
    type, never by message: a message can quote an address)."""
    log.error("message %s: unexpected %s while %s", job.id, type(exc).__name__, doing)
    # A text may have gone before the bug struck: look it up before any resend.
    error = SendError(f"bug_{type(exc).__name__}", permanent=False, ambiguous=job.channel == SMS)
    return Result(job, now, error=error, looked_up=job.reconcile)


# ---- write-back (the calling thread) -----------------------------------------------------------


def retry_delay(attempts: int, urgency: str | None) -> timedelta:
    """How long to wait after `attempts` failed attempts."""
    base = EMERGENCY_RETRY_BASE if urgency == "emergency" else RETRY_BASE
    return min(base * 2 ** max(0, attempts - 1), RETRY_CAP)


def record(s: Session, result: Result, owner: str, cfg: Settings, summary: DispatchSummary) -> None:
    """Write one result back (the caller commits)."""
    job, now = result.job, result.finished_at
    if result.looked_up:
        _record_lookup(s, result, owner, cfg, summary)
    elif result.receipt is not None:
        _record_sent(s, job, result.receipt, owner, now, summary)
    elif result.error.ambiguous:
        if _transition(
            s,
            job,
            owner,
            now,
            status=UNKNOWN,
            attempts=job.attempts + 1,
            next_attempt_at=now + RECONCILE_AFTER,
            last_error_code=result.error.code,
            last_error="no answer after the request was sent: checking before any resend",
        ):
            summary.unknown += 1
            log.warning("message %s: %s; reconciling before any resend", job.id, result.error.code)
        else:
            _lost(s, job, owner, summary)
    else:
        _record_failure(s, job, result.error, owner, now, cfg, summary)


def _record_sent(
    s: Session, job: Job, receipt: Receipt, owner: str, now: datetime, summary: DispatchSummary
) -> None:
    status = DELIVERED if receipt.provider_status == "delivered" else SENT
    extra = {"delivered_at": now} if status == DELIVERED else {}
    written = _transition(
        s,
        job,
        owner,
        now,
        status=status,
        attempts=job.attempts + (0 if job.reconcile else 1),
        sent_at=now,
        transport=receipt.transport,
        provider_id=receipt.provider_id,
        provider_status=receipt.provider_status,
        last_error_code=None,
        last_error=None,
        **extra,
    )
    if written:
        _count_sent(s, job, now, summary)
        return
    found = _callback_came_first(s, job, owner, receipt, now)
    if found is None:
        _lost(s, job, owner, summary)
    elif found != FAILED:  # a failure was dealt with (fallback) by the callback itself
        _count_sent(s, job, now, summary)


_SENT_MANY = (
    update(T)
    .where(
        T.c.id == bindparam("b_id"), T.c.status == SENDING, T.c.lease_owner == bindparam("b_owner")
    )
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        sent_at=bindparam("b_at"),
        updated_at=bindparam("b_at"),
        delivered_at=bindparam("b_delivered"),
        transport=bindparam("b_transport"),
        provider_id=bindparam("b_provider_id"),
        # A status callback may have beaten the write-back with later news: keep it.
        provider_status=func.coalesce(T.c.provider_status, bindparam("b_provider_status")),
        lease_until=None,
        lease_owner=None,
        last_error_code=None,
        last_error=None,
    )
)


def record_sent_many(
    s: Session, results: list[Result], owner: str, summary: DispatchSummary
) -> None:
    """Write back a batch of accepted sends with one statement (the common case, made cheap).

    If the row count says some were not ours any more, each is looked at on its own.
    """
    if not results:
        return
    params = []
    for r in results:
        delivered = r.receipt.provider_status == "delivered"
        params.append(
            {
                "b_id": r.job.id,
                "b_owner": owner,
                "b_status": DELIVERED if delivered else SENT,
                "b_attempts": r.job.attempts + 1,
                "b_at": r.finished_at,
                "b_delivered": r.finished_at if delivered else None,
                "b_transport": r.receipt.transport,
                "b_provider_id": r.receipt.provider_id,
                "b_provider_status": r.receipt.provider_status,
            }
        )
    written = s.execute(_SENT_MANY, params).rowcount
    if written != len(results):
        _sort_out_partial_batch(s, results, owner, summary)
        return
    for r in results:
        _count_sent(s, r.job, r.finished_at, summary)


def _sort_out_partial_batch(
    s: Session, results: list[Result], owner: str, summary: DispatchSummary
) -> None:
    ids = [r.job.id for r in results]
    rows = {
        row.id: row
        for row in s.execute(select(T.c.id, T.c.status, T.c.lease_owner).where(T.c.id.in_(ids)))
    }
    for r in results:
        row = rows.get(r.job.id)
        if row is not None and row.lease_owner is None and row.status in (SENT, DELIVERED):
            _count_sent(s, r.job, r.finished_at, summary)  # written by the batch
            continue
        found = _callback_came_first(s, r.job, owner, r.receipt, r.finished_at)
        if found is None:
            _lost(s, r.job, owner, summary)
        elif found != FAILED:
            _count_sent(s, r.job, r.finished_at, summary)


def _callback_came_first(
    s: Session, job: Job, owner: str, receipt: Receipt, now: datetime
) -> str | None:
    """A status callback can land before the send's own write-back: the lease is still ours but
    the status moved on (delivered, or failed and already fallen back). Fill in what the
    callback could not know; the status it found, or None if the lease was lost."""
    found = s.execute(select(T.c.status).where(T.c.id == job.id, T.c.lease_owner == owner)).scalar()
    if found not in (DELIVERED, FAILED, SENT):
        return None
    s.execute(
        update(T)
        .where(T.c.id == job.id, T.c.lease_owner == owner)
        .values(
            lease_until=None,
            lease_owner=None,
            sent_at=func.coalesce(T.c.sent_at, now),
            transport=receipt.transport,
            provider_id=func.coalesce(T.c.provider_id, receipt.provider_id),
            attempts=job.attempts + (0 if job.reconcile else 1),
        )
    )
    return found


def _count_sent(s: Session, job: Job, now: datetime, summary: DispatchSummary) -> None:
    summary.sent += 1
    summary.sent_at.append((job.due_at, now))
    if job.kind == PROMPT:
        mark_prompt_sent(s, job.prompt_id, now)


def _record_lookup(
    s: Session, result: Result, owner: str, cfg: Settings, summary: DispatchSummary
) -> None:
    job, now = result.job, result.finished_at
    if result.receipt is not None:
        summary.reconciled += 1
        _record_sent(s, job, result.receipt, owner, now, summary)
        return
    if result.error is None:
        # The provider has no such message: the earlier attempt never arrived. Send it again.
        if _transition(s, job, owner, now, status=QUEUED, next_attempt_at=now):
            summary.resent += 1
        else:
            _lost(s, job, owner, summary)
        return
    attempts = job.attempts + 1
    if attempts >= cfg.notify.max_attempts + RECONCILE_EXTRA:
        _fail(s, job, "unreconciled", owner, now, summary, attempts)
        return
    if not _transition(
        s,
        job,
        owner,
        now,
        status=UNKNOWN,
        attempts=attempts,
        next_attempt_at=now + retry_delay(attempts, job.urgency),
        last_error_code=result.error.code,
    ):
        _lost(s, job, owner, summary)


def _record_failure(
    s: Session,
    job: Job,
    error: SendError,
    owner: str,
    now: datetime,
    cfg: Settings,
    summary: DispatchSummary,
) -> None:
    attempts = job.attempts + 1
    if error.permanent or attempts >= cfg.notify.max_attempts:
        if error.permanent:
            _permanent_side_effects(s, job, error.code, now)
        _fail(s, job, error.code, owner, now, summary, attempts)
        return
    if _transition(
        s,
        job,
        owner,
        now,
        status=QUEUED,
        attempts=attempts,
        next_attempt_at=now + retry_delay(attempts, job.urgency),
        last_error_code=error.code,
        last_error="transient: will be tried again",
    ):
        summary.retried += 1
        log.info("message %s: %s; attempt %d, retrying later", job.id, error.code, attempts)
    else:
        _lost(s, job, owner, summary)


def _permanent_side_effects(s: Session, job: Job, code: str, now: datetime) -> None:
    if job.channel != SMS:
        return
    if code == TWILIO_UNSUBSCRIBED:  # the number replied STOP at Twilio's end
        set_opt_out(s, job.to, True, TWILIO_UNSUBSCRIBED, now)
    elif code in REFUSED_NUMBER_CODES and job.patient_id is not None:
        refuse_number(s, job.patient_id, job.to, code.removeprefix("twilio_"), now)


def _fail(
    s: Session,
    job: Job,
    code: str,
    owner: str,
    now: datetime,
    summary: DispatchSummary,
    attempts: int,
) -> None:
    if not _transition(
        s,
        job,
        owner,
        now,
        status=FAILED,
        attempts=attempts,
        failed_at=now,
        last_error_code=code,
        last_error="gave up on this channel",
    ):
        _lost(s, job, owner, summary)
        return
    summary.failed += 1
    log.warning("message %s: %s; failed on this channel", job.id, code)
    _after_failure(s, job, now, summary, try_fallback=True)
    if job.kind == REMINDER and settle_reminder(s, s.get(OM, job.id), now):
        summary.undelivered_reminders += 1


def _after_failure(
    s: Session, job: Job, now: datetime, summary: DispatchSummary, try_fallback: bool
) -> None:
    """A message that will not be sent: the other channel, and the prompt's overall state."""
    if try_fallback:
        failed = s.get(OM, job.id)
        if fall_back(s, failed, now) is not None:
            summary.fallbacks += 1
    if job.kind == PROMPT and settle_prompt(s, job.prompt_id, now):
        summary.undelivered += 1


def _record_alone(
    s: Session, result: Result, owner: str, cfg: Settings, summary: DispatchSummary
) -> None:
    """`record` in a SAVEPOINT of its own: if writing one message's outcome fails, that
    message is recorded as a transient failure instead, and the other messages' outcomes in
    the same write-back are kept. A lost database connection still stops the pass."""
    counts = replace(summary, sent_at=list(summary.sent_at))
    try:
        with s.begin_nested():
            record(s, result, owner, cfg, summary)
        return
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        _restore(summary, counts)
        failed = _unexpected(result.job, exc, "recording its outcome", result.finished_at)
    try:
        with s.begin_nested():
            record(s, failed, owner, cfg, summary)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        # Even the failure could not be written: the row stays claimed, and the next
        # dispatcher takes it when the lease runs out (a text is looked up first).
        _restore(summary, counts)
        log.error(
            "message %s: %s recording a failure; left to its lease",
            result.job.id,
            type(exc).__name__,
        )


def _restore(summary: DispatchSummary, counts: DispatchSummary) -> None:
    for name in summary.__dataclass_fields__:
        setattr(summary, name, getattr(counts, name))


def _record_sent_batch(
    s: Session, results: list[Result], owner: str, cfg: Settings, summary: DispatchSummary
) -> None:
    """`record_sent_many`, falling back to one message at a time if the batch fails."""
    if not results:
        return
    counts = replace(summary, sent_at=list(summary.sent_at))
    try:
        with s.begin_nested():
            record_sent_many(s, results, owner, summary)
        return
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        _restore(summary, counts)
        log.error(
            "write-back of %d sends failed (%s): one at a time", len(results), type(exc).__name__
        )
    for result in results:
        _record_alone(s, result, owner, cfg, summary)


def _lost(s: Session, job: Job, owner: str, summary: DispatchSummary) -> None:
    # Our lease ran out and another dispatcher took the row: it reconciles before resending.
    summary.lost_leases += 1
    log.warning("message %s: lease lost before the outcome was written", job.id)


# ---- the pass -------------------------------------------------------------------------------


def dispatch_due(
    now: datetime | None = None,
    *,
    channels: dict[str, Channel] | None = None,
    workers: int | None = None,
    rate: float | None = None,
    owner: str | None = None,
    max_seconds: float | None = None,
) -> DispatchSummary:
    """One dispatch pass, in the current app context: prompts to messages, then send what is due.

    `now` fixes the pass's clock (quiet hours, due times, leases), for operators and tests;
    by default each step reads the app's clock. Returns counts only.
    """
    app = current_app._get_current_object()
    cfg = config.of(app)
    clock: Callable[[], datetime] = (lambda: now) if now is not None else clock_of(app).now
    channels = channels or channels_for(cfg)
    workers = workers or cfg.notify.workers
    bucket = TokenBucket(rate or cfg.notify.rate_per_second)
    owner = owner or uuid.uuid4().hex
    deadline = time.monotonic() + (cfg.notify.pass_seconds if max_seconds is None else max_seconds)
    summary = DispatchSummary()
    with app.extensions["sessionmaker"]() as s:
        _expand_all(s, clock, summary)
        _send_all(s, clock, channels, bucket, cfg, workers, owner, deadline, summary)
    return summary


def _expand_all(s: Session, clock: Callable[[], datetime], summary: DispatchSummary) -> None:
    from tracker.notify.prompts import BATCH

    no_channel = 0
    while True:
        done = expand_due_prompts(s, clock())
        summary.prompts += done.prompts
        summary.queued += done.messages
        summary.undelivered += done.undelivered
        summary.held += done.held
        summary.cancelled += done.cancelled
        no_channel += done.no_channel
        if done.prompts < BATCH:
            break
    if no_channel:
        # One line a pass, however many: each prompt is flagged on its own (PromptDelivery).
        log.warning(
            "dispatch: %d prompts undelivered: their patient has no channel to reach them",
            no_channel,
        )


def _send_all(
    s: Session,
    clock: Callable[[], datetime],
    channels: dict[str, Channel],
    bucket: TokenBucket,
    cfg: Settings,
    workers: int,
    owner: str,
    deadline: float,
    summary: DispatchSummary,
) -> None:
    ahead = workers * CLAIM_AHEAD
    # A lease covers the send timeout several times over, plus the longest wait for the rate cap.
    lease = cfg.notify.lease + timedelta(seconds=ahead / bucket.rate)
    pending: dict[Future, Job] = {}
    more = True
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch") as pool:
        while True:
            in_time = time.monotonic() < deadline
            if more and in_time and len(pending) <= workers:
                jobs = claim(s, clock(), owner, ahead - len(pending), lease)
                summary.claimed += len(jobs)
                more = bool(jobs)
                for job in _apply_screen(s, jobs, clock(), owner, summary):
                    pending[pool.submit(work, job, channels, bucket, cfg, clock)] = job
            if not pending:
                if more and in_time:
                    continue  # that batch was all held or cancelled: claim again
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            # Gather what finishes in the next few milliseconds too: one write-back and one
            # commit for several sends, instead of a commit (an fsync) for each.
            done |= wait(set(pending) - done, timeout=WRITE_BACK_GATHER)[0]
            due_now = summary.fallbacks + summary.resent
            accepted = []
            for future in done:
                job = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # work() turns failures into results; a bug did not
                    result = _unexpected(job, exc, "handling it", clock())
                if result.receipt is not None and not result.looked_up:
                    accepted.append(result)
                else:
                    _record_alone(s, result, owner, cfg, summary)
            _record_sent_batch(s, accepted, owner, cfg, summary)
            s.commit()
            # A fallback, or a resend after a look-up, is due at once: claim again.
            if summary.fallbacks + summary.resent > due_now:
                more = True
