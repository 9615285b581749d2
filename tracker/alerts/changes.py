"""Reading the alerts `decide` needs, and writing what it decided, with Core statements that run
on both databases, for one patient's findings (a save) or a batch's (a detection pass) alike.

The caller commits. An alert is changed only while it is still open with the reasons and
urgency that were read: if another writer changed it in between, `Stale` is raised, and the
caller rolls back, reads again and decides again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, insert, literal, select, update
from sqlalchemy.orm import Session

from tracker.alerts.lifecycle import (
    COUNTED_AS,
    MERGE,
    MOVE,
    OPEN,
    OPEN_NEW,
    RAISE,
    SUPERSEDE_AND_OPEN,
    SUPERSEDED,
    Action,
    AlertState,
    SymptomAlerts,
)
from tracker.alerts.models import Alert, AlertEvent, Prompt
from tracker.db import UTCDateTime
from tracker.rules.data import split_series

ALERTS, EVENTS, PROMPTS = Alert.__table__, AlertEvent.__table__, Prompt.__table__
_DATES = ("episode_start", "first_entry", "last_entry", "duration_days")


class Stale(Exception):
    """An alert changed between being read and being written."""


class QueuedPrompt(NamedTuple):
    """A prompt queued (rules §4), for the dispatcher to send."""

    alert_id: int
    patient_id: int
    urgency: str
    reprompt: int


@dataclass
class Outcome:
    """What carrying out some findings' actions did: the counts a detection run reports."""

    opened: int = 0
    updated: int = 0
    unchanged: int = 0
    prompts: list[QueuedPrompt] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.opened += other.opened
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.prompts.extend(other.prompts)


def read_alerts(
    s: Session, first_patient: int, last_patient: int
) -> dict[tuple[int, str], SymptomAlerts]:
    """The open and latest alert per (patient, series) for patients first..last, as read now."""
    c = ALERTS.c
    rows = (
        s.connection()
        .execute(
            select(c.patient_id, c.id, c.series, c.status, c.urgency, c.reasons)
            .add_columns(*(c[name] for name in _DATES), c.rules_version)
            .where(c.patient_id.between(first_patient, last_patient))
            .order_by(c.patient_id, c.series, c.id)
        )
        .yield_per(1000)
    )
    found: dict[tuple[int, str], SymptomAlerts] = {}
    for pid, alert_id, code, status, urgency, reasons, start, first, last, days, version in rows:
        reason_list = tuple(reasons.split(",")) if reasons else ()
        state = AlertState(
            alert_id, code, status, urgency, reason_list, start, first, last, days, version
        )
        before = found.get((pid, code))
        # In id order, so the last one read is the latest.
        still_open = state if status == OPEN else before.open if before else None
        found[(pid, code)] = SymptomAlerts(still_open, state)
    return found


# Sets the columns each parameter set names, while the alert is as it was read.
_CHANGE = update(ALERTS).where(
    ALERTS.c.id == bindparam("alert_id"),
    ALERTS.c.status == OPEN,
    ALERTS.c.reasons == bindparam("was_reasons"),
    ALERTS.c.urgency == bindparam("was_urgency"),
)


def carry_out(
    s: Session, decided: Iterable[tuple[int, Action]], actor: str, now: datetime
) -> Outcome:
    """Write what each (patient id, action) says: a few statements for them all."""
    outcome = Outcome()
    superseded, moved, changed, opened = [], [], [], []
    for patient_id, action in decided:
        counted = COUNTED_AS[action.kind]
        setattr(outcome, counted, getattr(outcome, counted) + 1)
        alert, was = action.alert, action.was
        if action.kind == SUPERSEDE_AND_OPEN:
            superseded.append(
                _as_read(was) | {"status": SUPERSEDED, "closed_at": now, "updated_at": now}
            )
        if action.kind in (OPEN_NEW, SUPERSEDE_AND_OPEN):
            opened.append((patient_id, alert))
        elif action.kind == MOVE:
            moved.append(_as_read(was) | _dates(alert))
        elif action.kind in (MERGE, RAISE):
            changed.append(_as_read(was) | _dates(alert) | _said(alert) | {"updated_at": now})
            if action.kind == RAISE:
                outcome.prompts.append(QueuedPrompt(alert.id, patient_id, alert.urgency, 0))
    conn = s.connection()
    # Superseded first: the new episode's alert takes the one open place per symptom.
    for rows in (superseded, moved, changed):
        if rows and conn.execute(_CHANGE, rows).rowcount != len(rows):
            raise Stale("an alert changed since it was read")
    new_ids = _insert_alerts(conn, opened, now)
    outcome.prompts += [
        QueuedPrompt(alert_id, patient_id, alert.urgency, 0)
        for alert_id, (patient_id, alert) in zip(new_ids, opened, strict=True)
    ]
    record(conn, SUPERSEDED, actor, now, [row["alert_id"] for row in superseded])
    record(conn, "updated", actor, now, [row["alert_id"] for row in changed])
    record(conn, "opened", actor, now, new_ids)
    queue_prompts(conn, 0, now, [p.alert_id for p in outcome.prompts])
    return outcome


def _as_read(alert: AlertState) -> dict[str, Any]:
    reasons = ",".join(alert.reasons)
    return {"alert_id": alert.id, "was_reasons": reasons, "was_urgency": alert.urgency}


def _dates(alert: AlertState) -> dict[str, date | int]:
    return {name: getattr(alert, name) for name in _DATES}


def _said(alert: AlertState) -> dict[str, str]:
    reasons = ",".join(alert.reasons)
    return {"urgency": alert.urgency, "reasons": reasons, "rules_version": alert.rules_version}


def _insert_alerts(
    conn: Connection, opened: list[tuple[int, AlertState]], now: datetime
) -> list[int]:
    """Insert the new alerts; their ids, in the order given."""
    if not opened:
        return []
    conn.execute(
        insert(ALERTS),
        [
            {"patient_id": patient_id, "symptom_code": split_series(a.symptom)[0]}
            | {"series": a.symptom, **_dates(a), **_said(a)}
            | {"status": OPEN, "opened_at": now, "updated_at": now}
            for patient_id, a in opened
        ],
    )
    # Each is the one open alert of its patient and series (a unique index says so): read
    # their ids back so, rather than have each insert return its own, which costs more.
    pids = [patient_id for patient_id, _ in opened]
    c = ALERTS.c
    ids = {
        (pid, series): alert_id
        for alert_id, pid, series in conn.execute(
            select(c.id, c.patient_id, c.series).where(
                c.patient_id.between(min(pids), max(pids)), c.status == OPEN
            )
        )
    }
    return [ids[(patient_id, a.symptom)] for patient_id, a in opened]


def record(conn: Connection, action: str, actor: str, now: datetime, alert_ids: list[int]) -> None:
    """An event for each alert: what happened, who did it, and what the alert's row now says."""
    c = ALERTS.c
    said = (c.id, literal(now, UTCDateTime), literal(action), literal(actor), c.status, c.urgency)
    columns = ("alert_id", "at", "action", "actor", "status", "urgency", "reasons", "rules_version")
    for chunk in _chunks(alert_ids):
        rows = select(*said, c.reasons, c.rules_version).where(c.id.in_(chunk)).order_by(c.id)
        conn.execute(insert(EVENTS).from_select(columns, rows))


def queue_prompts(conn: Connection, reprompt: int, now: datetime, alert_ids: list[int]) -> None:
    """A prompt for each alert, at its urgency, to its patient, due at once (rules §4)."""
    c = ALERTS.c
    due = literal(now, UTCDateTime)
    columns = ("alert_id", "patient_id", "urgency", "reprompt", "created_at", "due_at")
    for chunk in _chunks(alert_ids):
        rows = select(c.id, c.patient_id, c.urgency, literal(reprompt), due, due)
        conn.execute(insert(PROMPTS).from_select(columns, rows.where(c.id.in_(chunk))))


def _chunks(ids: list[int], size: int = 1000) -> Iterator[list[int]]:
    """Ids a thousand at a time: one bound parameter each, well under SQLite's limit."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
