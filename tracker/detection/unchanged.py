"""Which findings would change nothing, judged from one read of the batch's alerts.

On a typical day most findings are the same as yesterday's: the alert is open, nothing new.
`apply_findings` would find that out with one query per patient; reading every alert of the
batch in one query and skipping the patients whose findings change nothing does the same work
once. The test here is only ever a shortcut: it says "nothing to do" only in cases where
`apply_findings` itself writes nothing and counts the finding as unchanged (the tests pin the
two together), and every other patient still goes through `apply_findings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.alerts.models import OPEN, SUPERSEDED, Alert, urgency_rank
from tracker.detection.rows import plain_rows
from tracker.rules.engine import REASONS, Finding


@dataclass(frozen=True, slots=True)
class AlertSnapshot:
    """What `apply_findings` reads of an alert to decide what to do."""

    status: str
    urgency: str
    reasons: tuple[str, ...]
    episode_start: date
    first_entry: date
    last_entry: date
    duration_days: int


@dataclass(slots=True)
class SymptomAlerts:
    """One patient's alerts for one symptom: the open one, and the latest of any status."""

    open: AlertSnapshot | None = None
    latest: AlertSnapshot | None = None


def read_alerts(s: Session, first_id: int, last_id: int) -> dict[tuple[int, str], SymptomAlerts]:
    """The open and latest alert per (patient, symptom) for patients first_id..last_id."""
    rows = plain_rows(
        s.connection(),
        select(
            Alert.patient_id,
            Alert.symptom_code,
            Alert.status,
            Alert.urgency,
            Alert.reasons,
            Alert.episode_start,
            Alert.first_entry,
            Alert.last_entry,
            Alert.duration_days,
        )
        .where(Alert.patient_id.between(first_id, last_id))
        .order_by(Alert.patient_id, Alert.symptom_code, Alert.id),
    )
    found: dict[tuple[int, str], SymptomAlerts] = {}
    for pid, code, status, urgency, reasons, start, first, last, duration in rows:
        snapshot = AlertSnapshot(
            status,
            urgency,
            tuple(reasons.split(",")) if reasons else (),
            start,
            first,
            last,
            duration,
        )
        alerts = found.setdefault((pid, code), SymptomAlerts())
        alerts.latest = snapshot  # ordered by id: the last one read is the latest
        if status == OPEN:
            alerts.open = snapshot
    return found


def changes_nothing(alerts: SymptomAlerts | None, finding: Finding) -> bool:
    """True only if `apply_findings` would write nothing for this finding (counted unchanged)."""
    if alerts is None:
        return False  # it would open the first alert
    first = finding.first_entry or finding.episode_start
    current = alerts.open
    if current is not None:
        if first > current.last_entry:
            return False  # a new episode: the open alert is superseded, another opened
        # The merge keeps every stored field: no new reason, no rise, no earlier start or
        # first entry, no later last entry (the duration follows from the two it keeps).
        merged = _ordered_union(current.reasons, finding.reasons)
        return (
            merged == current.reasons
            and urgency_rank(finding.urgency) <= urgency_rank(current.urgency)
            and current.episode_start <= finding.episode_start
            and current.first_entry <= first
            and current.last_entry >= finding.last_entry
            and current.duration_days == (current.last_entry - current.episode_start).days
        )
    previous = alerts.latest
    # Answered or closed for this episode, and no rise in urgency: left alone.
    return (
        previous is not None
        and previous.status not in (OPEN, SUPERSEDED)
        and first <= previous.last_entry
        and urgency_rank(finding.urgency) <= urgency_rank(previous.urgency)
    )


def _ordered_union(old: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    present = set(old) | set(new)
    return tuple(r for r in REASONS if r in present)
