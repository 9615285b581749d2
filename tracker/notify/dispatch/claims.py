"""Claims: which due rows a dispatcher takes, as leases, so that each is sent once.

On PostgreSQL the due rows are read `FOR UPDATE SKIP LOCKED` and marked `sending` in the same
transaction, so two dispatchers never read the same row. On SQLite (where FOR UPDATE does
nothing) rows are claimed by a conditional `UPDATE … WHERE id IN (…) AND status = <what was
read> AND <still claimable> RETURNING id`: a row another dispatcher took since the read no
longer matches, and only the ids the update returns (its checked row count) are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session

from tracker.notify.models import EMAIL, QUEUED, SENDING, SMS, UNKNOWN, OutboxMessage
from tracker.rules.urgency import RAISED_AT_ONCE

T = OutboxMessage.__table__  # Core statements: the hot path has no use for the ORM's bookkeeping
# Urgent first: an emergency prompt never waits behind a backlog of reminders.
PRIORITY = case(
    *((T.c.urgency == u.value, i) for i, u in enumerate(RAISED_AT_ONCE)), else_=len(RAISED_AT_ONCE)
)


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
    if s.get_bind().dialect.name == "postgresql":
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


def hold_lease(s: Session, job_id: int, owner: str, until: datetime) -> None:
    """Keep `owner`'s claim on a row until at least `until`: its send was booked for later than
    the lease allowed. Not committed here."""
    s.execute(
        update(T)
        .where(
            T.c.id == job_id,
            T.c.lease_owner == owner,
            T.c.status == SENDING,
            T.c.lease_until < until,
        )
        .values(lease_until=until)
    )


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
