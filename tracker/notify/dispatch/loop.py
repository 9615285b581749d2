"""The dispatch pass: prompts to messages, then claim, screen, send and record, until done.

Sending happens on a pool of worker threads (bounded concurrency), each send at the slot booked
for it on its route (the service's send rate, `tracker.notify.sendrate`). Claims, bookings and
write-backs stay on the calling thread, with its one database session.
Each outcome is written and committed on its own, so whatever goes wrong with one message (a
provider error, a bug, a write-back that fails) is recorded for that message and never stops
the pass writing the others: an outcome not written is a message sent again (a text looked up
first) when its lease runs out.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from tracker import config
from tracker.clock import of as clock_of
from tracker.config import Settings
from tracker.notify import sendrate
from tracker.notify.channels import Channel, channels_for
from tracker.notify.dispatch.claims import Job, claim, hold_lease
from tracker.notify.dispatch.outcomes import Outcome, classify, record
from tracker.notify.dispatch.screening import screen_claimed
from tracker.notify.dispatch.sending import unexpected, work
from tracker.notify.prompts import BATCH, expand_due_prompts

log = logging.getLogger(__name__)

# A dispatcher claims at most this many rows per worker ahead of sending them: enough to keep
# the workers busy, few enough that leases are not spent waiting in the pool's queue.
CLAIM_AHEAD = 2


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

    def count(self, outcome: Outcome, fields: list[str]) -> None:
        """Add what `record` reported for one outcome."""
        for name in fields:
            setattr(self, name, getattr(self, name) + 1)
        if "sent" in fields:
            self.sent_at.append((outcome.job.due_at, outcome.at))


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
    by default each step reads the app's clock. `rate` sets every route's sends a second, for
    tests and benchmarks; by default each route has its configured rate. Returns counts only.
    """
    app = current_app._get_current_object()
    cfg = config.of(app)
    clock: Callable[[], datetime] = (lambda: now) if now is not None else clock_of(app).now
    channels = channels or channels_for(cfg)
    workers = workers or cfg.notify.workers
    owner = owner or uuid.uuid4().hex
    deadline = time.monotonic() + (cfg.notify.pass_seconds if max_seconds is None else max_seconds)
    summary = DispatchSummary()
    with app.extensions["sessionmaker"]() as s:
        _expand_all(s, clock, summary)
        _send_all(s, clock, channels, rate, cfg, workers, owner, deadline, summary)
    return summary


def _expand_all(s: Session, clock: Callable[[], datetime], summary: DispatchSummary) -> None:
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
    rate: float | None,
    cfg: Settings,
    workers: int,
    owner: str,
    deadline: float,
    summary: DispatchSummary,
) -> None:
    ahead = workers * CLAIM_AHEAD
    # A lease covers the send timeout several times over; a send booked later extends its own.
    lease = cfg.notify.lease
    pending: dict[Future, Job] = {}
    more = True
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dispatch") as pool:
        while True:
            in_time = time.monotonic() < deadline
            if more and in_time and len(pending) <= workers:
                jobs = claim(s, clock(), owner, ahead - len(pending), lease)
                summary.claimed += len(jobs)
                more = bool(jobs)
                go, stopped = screen_claimed(s, jobs, clock())
                for outcome in stopped:
                    write_back(s, outcome, owner, cfg, summary)
                for job in go:
                    start_at = _booked(s, job, cfg, rate, owner, clock())
                    pending[pool.submit(work, job, channels, start_at, cfg, clock)] = job
            if not pending:
                if more and in_time:
                    continue  # that batch was all held or cancelled: claim again
                return
            due_now = summary.fallbacks + summary.resent
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # work() turns failures into results; a bug did not
                    result = unexpected(job, exc, "handling it", clock())
                write_back(s, classify(result, cfg), owner, cfg, summary)
            # A fallback, or a resend after a look-up, is due at once: claim again.
            if summary.fallbacks + summary.resent > due_now:
                more = True


def _booked(
    s: Session, job: Job, cfg: Settings, rate: float | None, owner: str, now: datetime
) -> float:
    """Book a job's send on its route: the `time.monotonic()` moment it may start. A look-up
    sends nothing and books nothing. A slot later than the lease allows extends the claim."""
    if job.reconcile:
        return time.monotonic()
    route = sendrate.route_for(job.channel, cfg.notify, rate)
    wait = sendrate.book(s, route, sendrate.cost_of(job.channel, job.text))
    if wait > 0:
        hold_lease(s, job.id, owner, now + cfg.notify.lease + timedelta(seconds=wait))
        s.commit()
    return time.monotonic() + wait


def write_back(
    s: Session, outcome: Outcome, owner: str, cfg: Settings, summary: DispatchSummary
) -> None:
    """`record` one outcome and commit it. If that fails, the message is recorded as a transient
    failure instead; if even that fails, it is left to its lease. A lost database connection
    still stops the pass."""
    try:
        summary.count(outcome, _committed(s, outcome, owner))
        return
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        s.rollback()
        failed = unexpected(outcome.job, exc, "recording its outcome", outcome.at)
    try:
        outcome = classify(failed, cfg)
        summary.count(outcome, _committed(s, outcome, owner))
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        s.rollback()
        # The row stays claimed, and the next dispatcher takes it when the lease runs out (a
        # text is looked up first).
        log.error(
            "message %s: %s recording a failure; left to its lease",
            outcome.job.id,
            type(exc).__name__,
        )


def _committed(s: Session, outcome: Outcome, owner: str) -> list[str]:
    fields = record(s, outcome, owner)
    s.commit()
    return fields
