"""Turning findings into alerts and prompts (rules §4). The caller commits: one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from tracker import clock
from tracker.alerts import wording
from tracker.alerts.models import (
    ACKNOWLEDGED,
    OPEN,
    RESOLVED,
    SUPERSEDED,
    Alert,
    AlertEvent,
    Prompt,
    urgency_rank,
)
from tracker.diary import services as diary
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.rules.engine import REASONS, Finding

DETECTION = "detection"
OPENED, UPDATED, UNCHANGED = "opened", "updated", "unchanged"


@dataclass
class Outcome:
    """What applying one patient's findings did: the counts a detection run reports."""

    opened: int = 0
    updated: int = 0
    unchanged: int = 0
    prompts: list[Prompt] = field(default_factory=list)

    def count(self, result: str) -> None:
        setattr(self, result, getattr(self, result) + 1)

    def add(self, other: Outcome) -> None:
        self.opened += other.opened
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.prompts.extend(other.prompts)


def apply_findings(
    s: Session,
    patient_id: int,
    findings: Iterable[Finding],
    actor: str = DETECTION,
    now: datetime | None = None,
    alerts: Iterable[Alert] | None = None,
) -> Outcome:
    """Open, update or leave alone one alert per finding, queueing a prompt where §4 says.

    `alerts`: this patient's alerts for the findings' symptoms, if the caller has read them
    already in the same transaction; at least the open one and the latest of each symptom,
    which are all this reads (a detection pass reads a whole batch's by id). Otherwise they are
    read here.
    """
    now = now or clock.now()
    findings = list(findings)
    outcome = Outcome()
    if not findings:
        return outcome
    symptoms = {f.symptom for f in findings}
    if alerts is None:
        alerts = _read_alerts(s, patient_id, symptoms)
    latest, open_now = _by_symptom(a for a in alerts if a.symptom_code in symptoms)
    for finding in findings:
        current = open_now.get(finding.symptom)
        if current is not None and not _same_episode(current, finding):
            # Its episode ended (a long gap, or a resolved mark) and a new one is flagged.
            _supersede(s, current, actor, now)
            current = None
        if current is not None:
            outcome.count(_merge(s, current, finding, actor, now, outcome))
            continue
        previous = latest.get(finding.symptom)
        if (
            previous is not None
            and previous.status not in (OPEN, SUPERSEDED)
            and _same_episode(previous, finding)
            and urgency_rank(finding.urgency) <= urgency_rank(previous.urgency)
        ):
            # Answered or closed already: only a new episode or a rise in urgency opens another.
            outcome.count(UNCHANGED)
            continue
        _open(s, patient_id, finding, actor, now, outcome)
        outcome.count(OPENED)
    return outcome


def _read_alerts(s: Session, patient_id: int, symptoms: set[str]) -> list[Alert]:
    return list(
        s.scalars(
            select(Alert).where(
                Alert.patient_id == patient_id, Alert.symptom_code.in_(sorted(symptoms))
            )
        )
    )


def _by_symptom(alerts: Iterable[Alert]) -> tuple[dict[str, Alert], dict[str, Alert]]:
    """The latest alert of each symptom, and the open one."""
    latest: dict[str, Alert] = {}
    open_now: dict[str, Alert] = {}
    # In id order, so the last one seen is the latest. Every alert passed in is stored (they
    # were read, or flushed when opened), so each has its id.
    for alert in sorted(alerts, key=lambda a: a.id):
        latest[alert.symptom_code] = alert
        if alert.status == OPEN:
            open_now[alert.symptom_code] = alert
    return latest, open_now


def _same_episode(alert: Alert, finding: Finding) -> bool:
    # Episodes split a symptom's entry days in date order, so a later episode's first entry day
    # always comes after every entry day of the earlier one, the alert's last_entry included.
    first = finding.first_entry or finding.episode_start
    return first <= alert.last_entry


def _merge(
    s: Session, alert: Alert, finding: Finding, actor: str, now: datetime, outcome: Outcome
) -> str:
    reasons = _ordered_union(alert.reason_list, finding.reasons)
    urgency = max(alert.urgency, finding.urgency, key=urgency_rank)  # urgency only rises
    rose = urgency != alert.urgency
    changed = rose or reasons != alert.reason_list
    # The episode itself moves on every run: later entries, or an earlier onset.
    alert.episode_start = min(alert.episode_start, finding.episode_start)
    alert.first_entry = min(alert.first_entry, finding.first_entry or finding.episode_start)
    alert.last_entry = max(alert.last_entry, finding.last_entry)
    alert.duration_days = (alert.last_entry - alert.episode_start).days
    if not changed:
        return UNCHANGED
    alert.reasons = ",".join(reasons)
    alert.urgency = urgency
    alert.rules_version = finding.rules_version
    alert.updated_at = now
    _record(s, alert, "updated", actor, now)
    if rose:
        outcome.prompts.append(_queue_prompt(s, alert, 0, now))
    return UPDATED


def _open(
    s: Session, patient_id: int, finding: Finding, actor: str, now: datetime, outcome: Outcome
) -> None:
    alert = Alert(
        patient_id=patient_id,
        symptom_code=finding.symptom,
        episode_start=finding.episode_start,
        first_entry=finding.first_entry or finding.episode_start,
        last_entry=finding.last_entry,
        duration_days=finding.duration_days,
        urgency=finding.urgency,
        reasons=",".join(finding.reasons),
        rules_version=finding.rules_version,
        status=OPEN,
        opened_at=now,
        updated_at=now,
    )
    # Not flushed here: the event and the prompt refer to the object, and one flush at the
    # end writes a whole batch's new alerts, then their events and prompts, a statement each.
    s.add(alert)
    _record(s, alert, "opened", actor, now)
    outcome.prompts.append(_queue_prompt(s, alert, 0, now))


def _ordered_union(old: list[str], new: Iterable[str]) -> list[str]:
    present = set(old) | set(new)
    return [r for r in REASONS if r in present]


def _queue_prompt(s: Session, alert: Alert, reprompt: int, now: datetime) -> Prompt:
    prompt = Prompt(
        alert=alert,
        patient_id=alert.patient_id,
        urgency=alert.urgency,
        reprompt=reprompt,
        created_at=now,
        due_at=now,
    )
    s.add(prompt)
    return prompt


def _record(s: Session, alert: Alert, action: str, actor: str, now: datetime) -> None:
    s.add(
        AlertEvent(
            alert=alert,
            at=now,
            action=action,
            actor=actor,
            status=alert.status,
            urgency=alert.urgency,
            reasons=alert.reasons,
            rules_version=alert.rules_version,
        )
    )


def _supersede(s: Session, alert: Alert, actor: str, now: datetime) -> None:
    """Close an open alert whose episode has ended, at once, in a statement of its own.

    The new episode's alert takes the one open place per symptom (a unique index) when the
    session is next flushed, so this alert must have left it by then. A statement for this row
    alone does that; flushing the session here would also write everything else pending, a
    batch's worth of statements split up for each alert superseded.
    """
    if alert.id is None:  # opened earlier in this session and not yet written
        s.flush()
    table = Alert.__table__
    s.connection().execute(
        update(table)
        .where(table.c.id == alert.id)
        .values(status=SUPERSEDED, closed_at=now, updated_at=now)
    )
    # The object says the same as its row now, without the change waiting to be written.
    for name, value in (("status", SUPERSEDED), ("closed_at", now), ("updated_at", now)):
        set_committed_value(alert, name, value)
    _record(s, alert, SUPERSEDED, actor, now)


def _change_status(s: Session, alert: Alert, status: str, actor: str, now: datetime) -> None:
    alert.status = status
    alert.closed_at = now
    alert.updated_at = now
    _record(s, alert, status, actor, now)


# ---- the patient's answers -----------------------------------------------------------------


class NotAnswerable(LookupError):
    """No open alert with that id belongs to this patient."""


def own_open_alert(s: Session, patient: Patient, alert_id: int) -> Alert | None:
    return s.scalar(
        select(Alert).where(
            Alert.id == alert_id, Alert.patient_id == patient.id, Alert.status == OPEN
        )
    )


def open_alerts(s: Session, patient: Patient) -> list[Alert]:
    """The patient's open alerts, most urgent first, then oldest."""
    rows = s.scalars(select(Alert).where(Alert.patient_id == patient.id, Alert.status == OPEN))
    return sorted(rows, key=lambda a: (-urgency_rank(a.urgency), a.opened_at, a.id))


def open_alert_cards(s: Session, patient: Patient) -> list[wording.AlertCard]:
    """The patient's open alerts as the diary's home page shows them, most urgent first."""
    rules = load_rules()
    return [
        wording.alert_card(a.id, a.symptom_code, a.urgency, a.reason_list, a.episode_start, rules)
        for a in open_alerts(s, patient)
    ]


def acknowledge(s: Session, patient: Patient, alert_id: int, now: datetime | None = None) -> Alert:
    """ "I have contacted my team"."""
    alert = own_open_alert(s, patient, alert_id)
    if alert is None:
        raise NotAnswerable(alert_id)
    _change_status(s, alert, ACKNOWLEDGED, diary.actor_for(patient), now or clock.now())
    return alert


def resolve(
    s: Session, patient: Patient, alert_id: int, today: date, now: datetime | None = None
) -> Alert:
    """ "This has gone away": closes the alert and ends the episode with a resolved mark."""
    alert = own_open_alert(s, patient, alert_id)
    if alert is None:
        raise NotAnswerable(alert_id)
    _change_status(s, alert, RESOLVED, diary.actor_for(patient), now or clock.now())
    diary.record_resolved(s, patient, alert.symptom_code, today)
    return alert


# ---- re-prompts ----------------------------------------------------------------------------


def queue_reprompts(
    s: Session, reprompt_days: int, max_reprompts: int, now: datetime | None = None
) -> int:
    """Queue the next prompt for open alerts left unanswered for `reprompt_days` (rules §4)."""
    now = now or clock.now()
    # Only the due ones are loaded: on a typical day nearly every open alert was prompted
    # within the last week, and loading them all as objects cost more than the rest of a
    # detection pass put together.
    last = (
        select(
            Prompt.alert_id,
            func.max(Prompt.reprompt).label("last_reprompt"),
        )
        .group_by(Prompt.alert_id)
        .having(
            func.max(Prompt.reprompt) < max_reprompts,
            func.max(Prompt.created_at) <= now - timedelta(days=reprompt_days),
        )
        .subquery()
    )
    rows = s.execute(
        select(Alert, last.c.last_reprompt)
        .join(last, last.c.alert_id == Alert.id)
        .where(Alert.status == OPEN)
        .order_by(Alert.id)
    ).all()
    for alert, last_reprompt in rows:
        _queue_prompt(s, alert, last_reprompt + 1, now)
        _record(s, alert, "reprompted", DETECTION, now)
    return len(rows)
