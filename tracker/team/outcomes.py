"""Recording what the team did about an alert. Recording it closes the alert (rules §4).

The alert is closed here rather than through tracker.alerts.services, whose status change is
private to it; this mirrors it exactly: the status, closed_at and updated_at, and an AlertEvent
with the alert as it then stands. The actor is "staff:<id>".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.models import CLOSED, Alert, AlertEvent
from tracker.forms import Errors
from tracker.team import access, audit
from tracker.team.models import (
    OUTCOME_NOTE_MAX,
    OUTCOME_RECORDED,
    OUTCOMES,
    AlertOutcome,
    Staff,
)
from tracker.team.queue import is_waiting


class NotWaiting(ValueError):
    """The alert no longer waits for the team (closed, superseded, or a `soon` alert the patient
    answered): there is nothing to record."""


def actor_for(staff: Staff) -> str:
    return f"staff:{staff.id}"


@dataclass
class OutcomeValues:
    """What was typed on the outcome form, kept to show again."""

    outcome: str = ""
    note: str = ""


def read_outcome(form: Mapping[str, str], errors: Errors) -> OutcomeValues:
    """What was sent on an outcome form, checked: an error beside each field that is not right."""
    values = OutcomeValues(outcome=form.get("outcome") or "", note=(form.get("note") or "").strip())
    check_outcome(values, errors)
    return values


def check_outcome(values: OutcomeValues, errors: Errors) -> None:
    """Add an error beside each field that is not right."""
    if values.outcome not in OUTCOMES:
        errors.add("outcome", "Select what was done")
    errors.check_text("note", values.note, "The note", multiline=True)
    if len(values.note) > OUTCOME_NOTE_MAX:
        errors.add("note", f"The note must be {OUTCOME_NOTE_MAX} characters or fewer")


def record_outcome(
    s: Session,
    staff: Staff,
    alert_id: int,
    outcome: str,
    note: str | None,
    now: datetime | None = None,
) -> Alert:
    """Close a waiting alert with what the team did (the caller commits).

    Raises access.NotFound for an alert outside the member's teams, NotWaiting for one that is
    no longer waiting. The status is checked on the row as read in this transaction; the unique
    outcome per alert stops two members recording at once (the second gets an IntegrityError).
    """
    now = now or clock.now()
    alert, patient = access.alert_for(s, staff, alert_id)
    if not is_waiting(alert):
        raise NotWaiting(alert_id)
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    alert.status = CLOSED
    alert.closed_at = now
    alert.updated_at = now
    s.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            action=CLOSED,
            actor=actor_for(staff),
            status=alert.status,
            urgency=alert.urgency,
            reasons=alert.reasons,
            rules_version=alert.rules_version,
        )
    )
    s.add(
        AlertOutcome(
            alert_id=alert.id,
            patient_id=patient.id,
            staff_id=staff.id,
            outcome=outcome,
            note=(note or "").strip() or None,
            at=now,
        )
    )
    audit.record(s, staff.id, OUTCOME_RECORDED, patient, detail=f"alert {alert.id}", now=now)
    return alert
