"""Recording what the team did about an alert. Recording it closes the alert (rules §4).

The same form records a try that did not reach the patient (no answer, a message left) about
an alert or a quiet patient: a ContactAttempt, which leaves what it is about waiting.

The alert is closed here rather than through tracker.alerts.services, whose status change is
private to it; this mirrors it exactly: the status, closed_at and updated_at, and an AlertEvent
with the alert as it then stands. The actor is "staff:<id>".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tracker import clock
from tracker.alerts.lifecycle import CONTACT_ATTEMPTED as ATTEMPT_EVENT
from tracker.alerts.models import CLOSED, Alert, AlertEvent
from tracker.contact_requests.models import ContactRequest
from tracker.forms import Errors
from tracker.patients.models import Patient
from tracker.team import access, audit
from tracker.team.models import (
    ATTEMPTS,
    CONTACT_ATTEMPTED,
    OUTCOME_NOTE_MAX,
    OUTCOME_RECORDED,
    OUTCOMES,
    AlertOutcome,
    ContactAttempt,
    QuietSpell,
    Staff,
)


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
    if values.outcome not in OUTCOMES + ATTEMPTS:
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
    if not alert.waits_for_team:
        raise NotWaiting(alert_id)
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    alert.status = CLOSED
    alert.closed_at = now
    alert.updated_at = now
    _event(s, alert, CLOSED, staff, now)
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


def is_attempt(outcome: str) -> bool:
    """True for what the form offers that keeps the alert or quiet patient waiting."""
    return outcome in ATTEMPTS


def record_attempt(
    s: Session,
    staff: Staff,
    patient: Patient,
    attempt: str,
    note: str | None,
    *,
    alert: Alert | None = None,
    spell: QuietSpell | None = None,
    request: ContactRequest | None = None,
    now: datetime | None = None,
) -> ContactAttempt:
    """Record a try that did not reach the patient, about a waiting alert, quiet spell or open
    request the caller has read through `access` (the caller commits). It waits still; a
    request's first try is its first contact."""
    now = now or clock.now()
    if attempt not in ATTEMPTS or [alert, spell, request].count(None) != 2:
        raise ValueError(attempt)
    if alert is not None and not alert.waits_for_team:
        raise NotWaiting(alert.id)
    if request is not None:
        if not request.is_open:
            raise NotWaiting(request.id)
        request.first_contact_at = request.first_contact_at or now
    row = ContactAttempt(
        patient_id=patient.id,
        alert_id=alert.id if alert is not None else None,
        quiet_spell_id=spell.id if spell is not None else None,
        contact_request_id=request.id if request is not None else None,
        staff_id=staff.id,
        attempt=attempt,
        note=(note or "").strip() or None,
        at=now,
    )
    s.add(row)
    if alert is not None:
        _event(s, alert, ATTEMPT_EVENT, staff, now)
    about = _about(alert, spell, request)
    audit.record(s, staff.id, CONTACT_ATTEMPTED, patient, detail=about, now=now)
    return row


def _about(alert: Alert | None, spell: QuietSpell | None, request: ContactRequest | None) -> str:
    """What an attempt was about, for the audit trail: by id only."""
    if alert is not None:
        return f"alert {alert.id}"
    if request is not None:
        return f"request {request.id}"
    return f"quiet {spell.id if spell else ''}"


def record_answer(
    s: Session,
    staff: Staff,
    patient: Patient,
    values: OutcomeValues,
    close: Callable[[], object],
    *,
    alert: Alert | None = None,
    spell: QuietSpell | None = None,
    request: ContactRequest | None = None,
) -> bool:
    """What the shared outcome form said, about an alert, a quiet spell or a request to be
    contacted: a try that did not reach the patient (recorded; it stays waiting), or an outcome
    (`close` records it). True for a try. The caller commits."""
    if is_attempt(values.outcome):
        record_attempt(
            s, staff, patient, values.outcome, values.note, alert=alert, spell=spell,
            request=request,
        )  # fmt: skip
        return True
    close()
    return False


def _event(s: Session, alert: Alert, action: str, staff: Staff, now: datetime) -> None:
    """The alert's history: what the team did, and the alert as it then stands."""
    s.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            action=action,
            actor=actor_for(staff),
            status=alert.status,
            urgency=alert.urgency,
            reasons=alert.reasons,
            rules_version=alert.rules_version,
        )
    )
