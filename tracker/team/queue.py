"""The team's queue: alerts waiting for the team, most urgent first, then oldest; and its
history of alerts the patient answered that need no outcome.

An alert waits for the team while it is open (the patient has not answered) and, if its urgency
is `emergency` or `same_day`, until the team records an outcome whatever the patient answered
(rules §4). A `soon` alert the patient answered leaves the "to do" list for the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.lifecycle import ANSWERED, TEAM_CLOSES, waits_for_team
from tracker.alerts.models import ACKNOWLEDGED, OPEN, RESOLVED, Alert, Prompt
from tracker.alerts.wording import how_long
from tracker.notify.queueing import prompt_states
from tracker.patients.identity import show_nhs_number
from tracker.patients.models import Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.data import series_label
from tracker.team import queue_filter, wording
from tracker.team.models import AlertAssignment, ContactAttempt, Staff
from tracker.team.queue_filter import PAGE_SIZE, QueueFilter

# How far back the queue's history of answered alerts goes.
HISTORY_DAYS = 30

# The patient's answers, as the team is told them.
ANSWER_WORDS = {ACKNOWLEDGED: "has contacted the team", RESOLVED: "says it has gone away"}


def waiting() -> ColumnElement[bool]:
    """Alerts on the team's "to do" list, as SQL: `lifecycle.waits_for_team`."""
    answered_urgent = and_(Alert.status.in_(ANSWERED), Alert.urgency.in_(TEAM_CLOSES))
    return or_(Alert.status == OPEN, answered_urgent)


def is_waiting(alert: Alert) -> bool:
    """True while `alert` is on the team's "to do" list."""
    return waits_for_team(alert.status, alert.urgency)


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


@dataclass(frozen=True)
class QueueRow:
    alert_id: int
    patient_id: int
    patient_name: str
    team_name: str
    symptom: str
    urgency: str
    urgency_label: str
    urgency_tag: str
    reasons: list[str]
    started: date
    how_long: str
    opened_at: datetime
    answer: str | None  # the patient's answer, in words (ANSWER_WORDS)
    answered_at: datetime | None
    delivery: Delivery
    nhs_number: str = ""  # as people read it, "485 777 3456"; empty if not recorded
    date_of_birth: date | None = None
    assigned_to: str | None = None  # the member's name
    attempt: str | None = None  # the latest contact attempt, in words


def has_channel(patient: Patient) -> bool:
    """True if prompts are on by at least one channel the patient has given (rules §4)."""
    return patient.email_consent_at is not None or (
        patient.sms_consent_at is not None and bool(patient.mobile)
    )


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue as chosen, with how many alerts the choice holds in all."""

    rows: list[QueueRow]
    chosen: QueueFilter
    page: int
    pages: int
    total: int


def waiting_alerts(s: Session, staff: Staff, rules: Catalogue) -> list[QueueRow]:
    """The first page of the queue for `staff`, most urgent first, then oldest."""
    return queue_page(s, staff, rules, QueueFilter()).rows


def queue_page(s: Session, staff: Staff, rules: Catalogue, chosen: QueueFilter) -> QueuePage:
    """One page of alerts of the member's teams' patients waiting for the team, filtered and
    sorted in the database; a page past the end is the last page."""
    query = _chosen(
        select(Alert, Patient, AlertAssignment)
        .join(Patient, Patient.id == Alert.patient_id)
        .outerjoin(AlertAssignment, AlertAssignment.alert_id == Alert.id)
        .where(waiting(), Patient.team_id.in_(sorted(staff.team_ids))),
        staff,
        chosen,
    )
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = queue_filter.pages_for(total)
    page = min(chosen.page, pages)
    rows = s.execute(
        query.order_by(*_order(chosen.sort)).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    ids = [alert.id for alert, _, _ in rows]
    prompts = prompts_by_alert(s, ids)
    tried = latest_attempts(s, "alert_id", ids)
    queue = [
        _row(alert, patient, prompts.get(alert.id, []), rules, assigned, tried.get(alert.id))
        for alert, patient, assigned in rows
    ]
    return QueuePage(queue, chosen, page, pages, total)


def _chosen(query: Select, staff: Staff, chosen: QueueFilter) -> Select:
    if chosen.urgency:
        query = query.where(Alert.urgency == chosen.urgency)
    if chosen.status == queue_filter.NOT_ANSWERED:
        query = query.where(Alert.status == OPEN)
    elif chosen.status == queue_filter.ANSWERED:
        query = query.where(Alert.status.in_(ANSWERED))
    elif chosen.status == queue_filter.TRIED:
        query = query.where(exists().where(ContactAttempt.alert_id == Alert.id))
    if chosen.assigned == queue_filter.ME:
        query = query.where(AlertAssignment.staff_id == staff.id)
    elif chosen.assigned == queue_filter.NOBODY:
        query = query.where(AlertAssignment.alert_id.is_(None))
    elif chosen.assigned_id is not None:
        query = query.where(AlertAssignment.staff_id == chosen.assigned_id)
    return query


def _order(sort: str) -> tuple[ColumnElement, ...]:
    # The urgency codes sort alphabetically from the most urgent (emergency, same_day, soon), so
    # the partial index ix_alerts_waiting_urgency serves this order as it stands.
    if sort == queue_filter.OLDEST:
        return (Alert.opened_at, Alert.id)
    if sort == queue_filter.NEWEST:
        return (Alert.opened_at.desc(), Alert.id.desc())
    return (Alert.urgency, Alert.opened_at, Alert.id)


def latest_attempts(s: Session, about: str, ids: list[int]) -> dict[int, ContactAttempt]:
    """The latest contact attempt about each of these ids, by id; `about` is "alert_id" or
    "quiet_spell_id"."""
    column = getattr(ContactAttempt, about)
    latest: dict[int, ContactAttempt] = {}
    if ids:
        rows = s.scalars(
            select(ContactAttempt)
            .where(column.in_(ids))
            .order_by(ContactAttempt.at, ContactAttempt.id)
        )
        for row in rows:  # oldest first: each later one replaces the one before
            latest[getattr(row, about)] = row
    return latest


def attempt_words(attempt: ContactAttempt | None) -> str | None:
    """A contact attempt as the queue and the alert's page say it, or None."""
    if attempt is None:
        return None
    return wording.attempt_words(attempt.attempt, attempt.at, attempt.staff.name)


def answered_alerts(s: Session, staff: Staff, rules: Catalogue) -> list[QueueRow]:
    """The queue's history: alerts the patient answered in the last HISTORY_DAYS that left the
    "to do" list without an outcome (urgency `soon`), most recently answered first."""
    since = clock.now() - timedelta(days=HISTORY_DAYS)
    rows = s.execute(
        select(Alert, Patient)
        .join(Patient, Patient.id == Alert.patient_id)
        .where(
            Alert.status.in_(ANSWERED),
            Alert.urgency.not_in(TEAM_CLOSES),
            Alert.closed_at >= since,
            Patient.team_id.in_(sorted(staff.team_ids)),
        )
    ).all()
    prompts = prompts_by_alert(s, [alert.id for alert, _ in rows])
    history = [_row(alert, patient, prompts.get(alert.id, []), rules) for alert, patient in rows]
    return sorted(history, key=lambda r: (r.answered_at, r.alert_id), reverse=True)


def prompts_by_alert(s: Session, alert_ids: list[int]) -> dict[int, list[PromptFact]]:
    found: dict[int, list[PromptFact]] = {}
    if not alert_ids:
        return found
    prompts = list(s.scalars(select(Prompt).where(Prompt.alert_id.in_(alert_ids))))
    states = prompt_states(s, [p.id for p in prompts])
    for prompt in prompts:
        state = states.get(prompt.id)
        found.setdefault(prompt.alert_id, []).append(
            PromptFact(
                prompt.created_at,
                prompt.sent_at,
                state.state if state else None,
                state.reason if state else None,
            )
        )
    return found


def _row(
    alert: Alert,
    patient: Patient,
    prompts: list[PromptFact],
    rules: Catalogue,
    assigned: AlertAssignment | None = None,
    attempt: ContactAttempt | None = None,
) -> QueueRow:
    label = series_label(alert.series, rules, for_team=True)
    return QueueRow(
        alert_id=alert.id,
        patient_id=patient.id,
        patient_name=patient.name,
        team_name=patient.team.name,
        symptom=label,
        urgency=alert.urgency,
        urgency_label=wording.urgency_label(alert.urgency),
        urgency_tag=wording.urgency_tag(alert.urgency),
        reasons=wording.reasons(
            alert.reason_list, alert.urgency, rules, symptom=alert.symptom_code
        ),
        started=alert.episode_start,
        how_long=how_long(alert.duration_days) if alert.duration_days else "a day or less",
        opened_at=alert.opened_at,
        # The patient's answer is when the status left OPEN (closed_at), until the team closes.
        answer=ANSWER_WORDS.get(alert.status),
        answered_at=alert.closed_at if alert.status in ANSWERED else None,
        delivery=delivery(prompts, patient.is_monitored, has_channel(patient)),
        nhs_number=show_nhs_number(patient.nhs_number),
        date_of_birth=patient.date_of_birth,
        assigned_to=assigned.staff.name if assigned is not None else None,
        attempt=attempt_words(attempt),
    )
