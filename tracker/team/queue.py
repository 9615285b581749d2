"""The team's queue: alerts waiting for the team, most urgent first, then oldest.

An alert waits for the team while it is open (the patient has not answered) or acknowledged
(the patient says they have contacted the team): both need the team to record what it did.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.alerts.models import ACKNOWLEDGED, OPEN, Alert, Prompt
from tracker.alerts.wording import how_long
from tracker.notify.queueing import prompt_states
from tracker.patients.models import Patient
from tracker.rules.catalogue import Catalogue
from tracker.rules.urgency import rank
from tracker.team import wording
from tracker.team.models import Staff

WAITING = (OPEN, ACKNOWLEDGED)


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
        return Delivery("Cannot be sent: the patient has not agreed to email or text", True)
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
    acknowledged_at: datetime | None
    delivery: Delivery


def has_channel(patient: Patient) -> bool:
    """True if the patient has agreed to at least one way of being sent a prompt."""
    return patient.email_consent_at is not None or (
        patient.sms_consent_at is not None and bool(patient.mobile)
    )


def waiting_alerts(s: Session, staff: Staff, rules: Catalogue) -> list[QueueRow]:
    """The queue for `staff`: alerts of their teams' patients waiting for the team."""
    rows = s.execute(
        select(Alert, Patient)
        .join(Patient, Patient.id == Alert.patient_id)
        .where(Alert.status.in_(WAITING), Patient.team_id.in_(sorted(staff.team_ids)))
    ).all()
    prompts = prompts_by_alert(s, [alert.id for alert, _ in rows])
    queue = [_row(alert, patient, prompts.get(alert.id, []), rules) for alert, patient in rows]
    return sorted(queue, key=lambda r: (-rank(r.urgency), r.opened_at, r.alert_id))


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


def _row(alert: Alert, patient: Patient, prompts: list[PromptFact], rules: Catalogue) -> QueueRow:
    label = (
        rules.symptom(alert.symptom_code).label
        if rules.is_known(alert.symptom_code)
        else (alert.symptom_code)
    )
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
        acknowledged_at=alert.closed_at if alert.status == ACKNOWLEDGED else None,
        delivery=delivery(prompts, patient.is_monitored, has_channel(patient)),
    )
