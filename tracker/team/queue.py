"""The team's queue: alerts waiting for the team and patients' requests to be contacted, in one
list, most urgent first, then soonest due; and its history of alerts the patient answered that
need no outcome.

An alert waits for the team while it is open (the patient has not answered) and, if its urgency
is `emergency` or `same_day`, until the team records an outcome whatever the patient answered
(rules §4). A `soon` alert the patient answered leaves the "to do" list for the history.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import ClassVar

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    bindparam,
    exists,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.lifecycle import ANSWERED, TEAM_CLOSES
from tracker.alerts.models import ACKNOWLEDGED, OPEN, RESOLVED, Alert
from tracker.alerts.wording import how_long
from tracker.contact_requests.models import ContactRequest
from tracker.patients.identity import show_nhs_number
from tracker.patients.models import Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.data import series_label
from tracker.team import access, queue_filter, requests, wording
from tracker.team.attempts import attempt_words, latest_attempts
from tracker.team.delivery import Delivery, PromptFact, delivery, has_channel, prompts_by_alert
from tracker.team.models import AlertAssignment, ContactAttempt, Staff
from tracker.team.paging import Page, paged, read_page
from tracker.team.queue_filter import PAGE_SIZE, QueueFilter
from tracker.team.requests import RequestRow

# How far back the queue's history of answered alerts goes.
HISTORY_DAYS = 30

# The patient's answers, as the team is told them.
ANSWER_WORDS = {ACKNOWLEDGED: "has contacted the team", RESOLVED: "says it has gone away"}


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
    kind: ClassVar[str] = "alert"


@dataclass(frozen=True)
class AnsweredRow:
    """An alert in the queue's history: answered by the patient, needing no outcome."""

    alert_id: int
    patient_id: int
    patient_name: str
    team_name: str
    symptom: str
    urgency_label: str
    urgency_tag: str
    answer: str  # in words (ANSWER_WORDS)
    answered_at: datetime


# What each line of the queue is about: the `kind` of its row.
ALERT = "alert"
REQUEST = "request"

Row = QueueRow | RequestRow


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue as chosen, with how many lines the choice holds in all, and how
    many open requests are past due whatever was chosen."""

    rows: list[Row]
    chosen: QueueFilter
    page: int
    pages: int
    total: int
    past_due: int  # open requests past their due day, whatever was chosen


def waiting_alerts(s: Session, staff: Staff, rules: Catalogue) -> list[QueueRow]:
    """The alerts on the first page of the queue for `staff`, most urgent first, then oldest."""
    chosen = QueueFilter(kind=queue_filter.ALERTS)
    return [r for r in queue_page(s, staff, rules, chosen).rows if isinstance(r, QueueRow)]


def queue_page(
    s: Session, staff: Staff, rules: Catalogue, chosen: QueueFilter, now: datetime | None = None
) -> QueuePage:
    """One page of the alerts waiting for the member's teams and their patients' open requests
    to be contacted, in one list filtered and sorted in the database; a page past the end is
    the last page."""
    now = now or clock.now()
    page, pages, total, keys = 1, 1, 0, []
    if chosen.shows_alerts or chosen.shows_requests:
        page, pages, total, keys = _page_of(s, chosen, values(staff, chosen, now))
    alerts = _alert_rows(s, [i for kind, i in keys if kind == ALERT], rules)
    asked = requests.request_rows(s, [i for kind, i in keys if kind == REQUEST], now)
    rows: list[Row] = [alerts[i] if kind == ALERT else asked[i] for kind, i in keys]
    return QueuePage(rows, chosen, page, pages, total, requests.past_due_count(s, staff, now))


def _page_of(s: Session, chosen: QueueFilter, given: dict) -> tuple[int, int, int, list]:
    """The chosen page of the lines' (kind, id), and how many pages and lines there are: one
    statement, which counts as it reads (a page past the end is the last page, read again)."""
    shape = shape_of(chosen)
    counted = counted_page(shape)
    rows = s.execute(counted, given | {"offset": (chosen.page - 1) * PAGE_SIZE}).all()
    if rows:
        total = rows[0].total
        return chosen.page, queue_filter.pages_for(total), total, [(r.kind, r.id) for r in rows]
    total = s.scalar(_count(shape), given) or 0
    pages = queue_filter.pages_for(total)
    if not total:
        return 1, pages, 0, []
    rows = s.execute(counted, given | {"offset": (pages - 1) * PAGE_SIZE}).all()
    return pages, pages, total, [(r.kind, r.id) for r in rows]


# The queue's statements are built once for each shape of choice (see tracker.db): who is
# asking, their teams, the urgency and member chosen, the time and the page are parameters.
ANY = "any"  # in a shape: an urgency or a member was chosen, whichever it was


def shape_of(chosen: QueueFilter) -> QueueFilter:
    """The choice, as far as it changes the statement: the page, the urgency and the member
    chosen by id are its parameters (`values`)."""
    assigned = chosen.assigned if chosen.assigned in (queue_filter.ME, queue_filter.NOBODY) else ""
    return QueueFilter(
        sort=chosen.sort,
        kind=chosen.kind,
        urgency=ANY if chosen.urgency else "",
        status=chosen.status,
        assigned=ANY if chosen.assigned_id is not None else assigned,
    )


def values(staff: Staff, chosen: QueueFilter, now: datetime) -> dict[str, object]:
    """The parameters of the chosen lines' statement."""
    return {
        "team_ids": access.visible_team_ids(staff),
        "me": staff.id,
        "urgency": chosen.urgency,
        "assigned_id": chosen.assigned_id,
        "now": now,
    }


@functools.cache
def counted_page(shape: QueueFilter) -> Select:
    """A page of the lines' (kind, id), sorted as chosen, each with how many lines there are."""
    listed = _lines(shape)
    return (
        select(listed.c.kind, listed.c.id, func.count().over().label("total"))
        .order_by(*_order(listed, shape.sort))
        .limit(PAGE_SIZE)
        .offset(bindparam("offset", type_=Integer))
    )


@functools.cache
def _count(shape: QueueFilter) -> Select:
    return select(func.count()).select_from(_lines(shape))


def _lines(shape: QueueFilter) -> Subquery:
    """Every line of this shape of choice, alerts and requests, as (kind, id, urgency, due,
    raised). The shape shows alerts, requests or both."""
    parts = []
    if shape.shows_alerts:
        parts.append(_alerts(shape))
    if shape.shows_requests:
        parts.append(_requests(shape))
    return union_all(*parts).subquery("listed")


def _alerts(shape: QueueFilter) -> Select:
    """The waiting alerts of this shape of choice, as the queue's lines."""
    query = (
        select(
            literal_column(f"'{ALERT}'", String).label("kind"),
            Alert.id.label("id"),
            Alert.urgency.label("urgency"),
            Alert.opened_at.label("due"),  # due from the moment it is raised
            Alert.opened_at.label("raised"),
        )
        .join(Patient, Patient.id == Alert.patient_id)
        .outerjoin(AlertAssignment, AlertAssignment.alert_id == Alert.id)
        .where(Alert.waits_for_team, Patient.team_id.in_(access.TEAM_IDS))
    )
    if shape.urgency:
        query = query.where(Alert.urgency == bindparam("urgency"))
    if shape.status == queue_filter.NOT_ANSWERED:
        query = query.where(Alert.status == OPEN)
    elif shape.status == queue_filter.ANSWERED:
        query = query.where(Alert.status.in_(ANSWERED))
    elif shape.status == queue_filter.TRIED:
        query = query.where(exists().where(ContactAttempt.alert_id == Alert.id))
    return query.where(*_held_by(AlertAssignment.staff_id, shape))


def _requests(shape: QueueFilter) -> Select:
    """The open requests of this shape of choice, as the queue's lines."""
    query = (
        select(
            literal_column(f"'{REQUEST}'", String).label("kind"),
            ContactRequest.id.label("id"),
            ContactRequest.urgency.label("urgency"),
            ContactRequest.due_at.label("due"),
            ContactRequest.created_at.label("raised"),
        )
        .join(Patient, Patient.id == ContactRequest.patient_id)
        .where(requests.open_in(access.TEAM_IDS))
    )
    if shape.urgency:
        query = query.where(ContactRequest.urgency == bindparam("urgency"))
    if shape.status == queue_filter.TRIED:
        query = query.where(exists().where(ContactAttempt.contact_request_id == ContactRequest.id))
    elif shape.status == queue_filter.PAST_DUE:
        query = query.where(ContactRequest.due_at <= bindparam("now"))
    return query.where(*_held_by(ContactRequest.assigned_staff_id, shape))


def _held_by(column: ColumnElement, shape: QueueFilter) -> list[ColumnElement]:
    """The "who has it" filter on the column naming who has an alert or a request."""
    if shape.assigned == queue_filter.ME:
        return [column == bindparam("me")]
    if shape.assigned == queue_filter.NOBODY:
        return [column.is_(None)]
    if shape.assigned == ANY:
        return [column == bindparam("assigned_id")]
    return []


def _order(listed: Subquery, sort: str) -> tuple[ColumnElement, ...]:
    # The urgency codes sort alphabetically from the most urgent (emergency, same_day, soon).
    c = listed.c
    if sort == queue_filter.OLDEST:
        return (c.raised, c.kind, c.id)
    if sort == queue_filter.NEWEST:
        return (c.raised.desc(), c.kind.desc(), c.id.desc())
    return (c.urgency, c.due, c.kind, c.id)


# Built once (see tracker.db).
_ALERT_ROWS = (
    select(Alert, Patient, AlertAssignment)
    .join(Patient, Patient.id == Alert.patient_id)
    .outerjoin(AlertAssignment, AlertAssignment.alert_id == Alert.id)
    .where(Alert.id.in_(bindparam("ids", expanding=True)))
)


def _alert_rows(s: Session, ids: list[int], rules: Catalogue) -> dict[int, QueueRow]:
    """These alerts as the queue lists them, by id (the caller has scoped the ids)."""
    if not ids:
        return {}
    rows = s.execute(_ALERT_ROWS, {"ids": ids}).all()
    prompts = prompts_by_alert(s, ids)
    tried = latest_attempts(s, "alert_id", ids)
    return {
        alert.id: _row(
            alert, patient, prompts.get(alert.id, []), rules, assigned, tried.get(alert.id)
        )
        for alert, patient, assigned in rows
    }


# Built once (see tracker.db).
_ANSWERED = paged(
    select(Alert, Patient)
    .join(Patient, Patient.id == Alert.patient_id)
    .where(
        Alert.status.in_(ANSWERED),
        Alert.urgency.not_in(TEAM_CLOSES),
        Alert.closed_at >= bindparam("since"),
        Patient.team_id.in_(access.TEAM_IDS),
    )
    .order_by(Alert.closed_at.desc(), Alert.id.desc())
)


def answered_alerts(
    s: Session, staff: Staff, rules: Catalogue, page: int = 1, size: int = PAGE_SIZE
) -> Page[AnsweredRow]:
    """The queue's history: alerts the patient answered in the last HISTORY_DAYS that left the
    "to do" list without an outcome (urgency `soon`), most recently answered first, a page at
    a time."""
    since = clock.now() - timedelta(days=HISTORY_DAYS)
    values = {"since": since, "team_ids": access.visible_team_ids(staff)}
    found = read_page(s, _ANSWERED, page, size, values)
    history = [
        AnsweredRow(
            alert_id=alert.id,
            patient_id=patient.id,
            patient_name=patient.name,
            team_name=patient.team.name,
            symptom=series_label(alert.series, rules, for_team=True),
            urgency_label=wording.urgency_label(alert.urgency),
            urgency_tag=wording.urgency_tag(alert.urgency),
            answer=ANSWER_WORDS[alert.status],
            answered_at=alert.closed_at,
        )
        for alert, patient in found.rows
    ]
    return replace(found, rows=history)


def _row(
    alert: Alert,
    patient: Patient,
    prompts: list[PromptFact],
    rules: Catalogue,
    assigned: AlertAssignment | None,
    attempt: ContactAttempt | None,
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
