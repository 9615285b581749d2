"""Patients' requests to be contacted, on the team's side (issue 21): the open ones as the queue
lists them among the alerts (tracker.team.queue), who has each, what was done (an outcome
closes it, a try keeps it open), and the figures.

Every view and change is audited like an alert's. What the patient reads of it is
tracker.contact_requests.wording; the messages go through the outbox (tracker.notify.queueing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median
from typing import ClassVar

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, func, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.contact_requests.models import CLOSED, OPEN, TEXT, ContactRequest
from tracker.contact_requests.wording import message_words, outcome_words
from tracker.notify.queueing import queue_contact_request
from tracker.patients.identity import show_nhs_number
from tracker.patients.models import Patient
from tracker.team import access, audit, wording
from tracker.team.assignment import NotAMember, members_of
from tracker.team.attempts import attempt_words, latest_attempts
from tracker.team.delivery import Delivery, PromptFact, confirmations, delivery, has_channel
from tracker.team.models import (
    OUTCOMES,
    REQUEST_ASSIGNED,
    REQUEST_OUTCOME_RECORDED,
    REQUEST_UNASSIGNED,
    ContactAttempt,
    Staff,
)
from tracker.team.outcomes import NotWaiting

__all__ = ["NotAMember", "NotWaiting"]


@dataclass(frozen=True)
class RequestRow:
    """One open request as the queue lists it, among the alerts."""

    request_id: int
    patient_id: int
    patient_name: str
    team_name: str
    nhs_number: str
    date_of_birth: date | None
    urgency: str
    urgency_label: str
    urgency_tag: str
    from_alert: bool  # its urgency is a ticked alert's, not the response target's
    created_at: datetime
    due_on: date
    past_due: bool
    by_text: bool
    topics: int  # how many things ticked, and whether there are words
    has_words: bool
    assigned_to: str | None
    attempt: str | None
    delivery: Delivery  # the "we have your request" message
    kind: ClassVar[str] = "request"


def open_in(team_ids: list[int] | BindParameter) -> ColumnElement[bool]:
    """Open requests of these teams' patients (with Patient joined)."""
    return and_(ContactRequest.status == OPEN, Patient.team_id.in_(team_ids))


# Built once (see tracker.db): the queue shows it on every page.
_PAST_DUE = (
    select(func.count())
    .select_from(ContactRequest)
    .join(Patient, Patient.id == ContactRequest.patient_id)
    .where(
        open_in(access.TEAM_IDS),
        ContactRequest.due_at <= bindparam("now"),
    )
)


def past_due_count(s: Session, staff: Staff, now: datetime) -> int:
    """How many of the member's teams' open requests are past their due day."""
    found = s.scalar(_PAST_DUE, {"team_ids": access.visible_team_ids(staff), "now": now})
    return found or 0


def request_rows(s: Session, ids: list[int], now: datetime) -> dict[int, RequestRow]:
    """These requests as the queue lists them, by id (the caller has scoped the ids)."""
    if not ids:
        return {}
    rows = s.execute(
        select(ContactRequest, Patient)
        .join(Patient, Patient.id == ContactRequest.patient_id)
        .where(ContactRequest.id.in_(ids))
    ).all()
    tried = latest_attempts(s, "contact_request_id", ids)
    told = confirmations(s, ids)
    return {r.id: _row(r, p, tried.get(r.id), told.get(r.id, []), now) for r, p in rows}


def _row(
    r: ContactRequest,
    p: Patient,
    tried: ContactAttempt | None,
    told: list[PromptFact],
    now: datetime,
) -> RequestRow:
    return RequestRow(
        request_id=r.id,
        patient_id=p.id,
        patient_name=p.name,
        team_name=p.team.name,
        nhs_number=show_nhs_number(p.nhs_number),
        date_of_birth=p.date_of_birth,
        urgency=r.urgency,
        urgency_label=wording.urgency_label(r.urgency),
        urgency_tag=wording.urgency_tag(r.urgency),
        from_alert=bool(r.alert_ids),
        created_at=r.created_at,
        due_on=r.due_on,
        past_due=r.is_past_due(now),
        by_text=r.source == TEXT,
        topics=len(r.about_list),
        has_words=bool(r.words),
        assigned_to=r.assigned_staff.name if r.assigned_staff else None,
        attempt=attempt_words(tried),
        delivery=delivery(told, p.is_monitored, has_channel(p)),
    )


def past_due_by_team(s: Session, now: datetime) -> dict[int, list[int]]:
    """The open requests past due, by their patient's team (for the teams' emails): ids only."""
    found: dict[int, list[int]] = {}
    rows = s.execute(
        select(Patient.team_id, ContactRequest.id)
        .join(ContactRequest, ContactRequest.patient_id == Patient.id)
        .where(ContactRequest.status == OPEN, ContactRequest.due_at <= now)
        .order_by(ContactRequest.id)
    )
    for team_id, request_id in rows:
        found.setdefault(team_id, []).append(request_id)
    return found


def record_outcome(
    s: Session,
    staff: Staff,
    request_id: int,
    outcome: str,
    note: str | None,
    now: datetime | None = None,
) -> ContactRequest:
    """Close an open request with what the team did, and tell the patient by their channels
    (the caller commits). Raises access.NotFound outside the member's teams, NotWaiting for a
    request already closed."""
    now = now or clock.now()
    row, patient = access.contact_request_for(s, staff, request_id)
    if not row.is_open:
        raise NotWaiting(request_id)
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    row.status, row.outcome, row.closed_at, row.closed_by = CLOSED, outcome, now, staff.id
    row.outcome_note = (note or "").strip() or None
    row.first_contact_at = row.first_contact_at or now
    detail = f"request {row.id}"
    audit.record(s, staff.id, REQUEST_OUTCOME_RECORDED, patient, detail=detail, now=now)
    words = {**message_words(row), "outcome_words": outcome_words(outcome)}
    queue_contact_request(s, patient, row.id, "closed", words, now)
    return row


def assign(
    s: Session, staff: Staff, request_id: int, to: int | None, now: datetime | None = None
) -> None:
    """Give an open request to member `to` of its patient's team, or to nobody (None); the
    caller commits. Raises access.NotFound, NotWaiting, NotAMember."""
    now = now or clock.now()
    row, patient = access.contact_request_for(s, staff, request_id)
    if not row.is_open:
        raise NotWaiting(request_id)
    if to is not None and to not in {m.id for m in members_of(s, [patient.team_id])}:
        raise NotAMember(to)
    if row.assigned_staff_id == to:
        return  # nothing changes, so nothing to audit
    row.assigned_staff_id = to
    if to is None:
        audit.record(s, staff.id, REQUEST_UNASSIGNED, patient, detail=f"request {row.id}", now=now)
    else:
        detail = f"request {row.id} to staff {to}"
        audit.record(s, staff.id, REQUEST_ASSIGNED, patient, detail=detail, now=now)


# ---- the team administrator's figures ----------------------------------------------------------


@dataclass(frozen=True)
class TeamFigures:
    """One team's requests made in a period: how many, closed, open past due, and the median
    time from request to first contact (a try or an outcome), in hours."""

    team_id: int
    team_name: str
    opened: int
    closed: int
    past_due: int
    median_hours_to_first_contact: float | None
    contacted: int  # how many of them the median is over


def figures(
    s: Session, teams: list, since: datetime, until: datetime, now: datetime
) -> list[TeamFigures]:
    """The figures for each team (a Team row) for requests made in [since, until)."""
    out = []
    for team in teams:
        rows = list(
            s.scalars(
                select(ContactRequest).where(
                    ContactRequest.team_id == team.id,
                    ContactRequest.created_at >= since,
                    ContactRequest.created_at < until,
                )
            )
        )
        waits = [
            (r.first_contact_at - r.created_at).total_seconds() / 3600
            for r in rows
            if r.first_contact_at is not None
        ]
        out.append(
            TeamFigures(
                team_id=team.id,
                team_name=team.name,
                opened=len(rows),
                closed=sum(r.status == CLOSED for r in rows),
                past_due=sum(r.is_past_due(now) for r in rows),
                median_hours_to_first_contact=median(waits) if waits else None,
                contacted=len(waits),
            )
        )
    return out
