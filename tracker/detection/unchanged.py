"""Which findings would change nothing, or only the dates, judged from one read of the alerts.

On a typical day most findings are the same as yesterday's: the alert is open, nothing new, or
only the episode has moved on by a day's entry. `apply_findings` would find that out with the
ORM, an object per alert; reading every alert of the batch in one query, skipping the findings
that change nothing and moving the dates of the rest with one UPDATE does the same work once.
The tests here are only ever shortcuts: each says so only where `apply_findings` itself would
count the finding as unchanged and write nothing else (the tests pin them together), and every
other patient still goes through `apply_findings`.
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

    id: int
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
            Alert.id,
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
    for alert_id, pid, code, status, urgency, reasons, start, first, last, duration in rows:
        snapshot = AlertSnapshot(
            alert_id,
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


@dataclass(frozen=True, slots=True)
class MovedDates:
    """An open alert's episode dates after a finding that changes nothing else about it."""

    alert_id: int
    episode_start: date
    first_entry: date
    last_entry: date
    duration_days: int


def changes_nothing(alerts: SymptomAlerts | None, finding: Finding) -> bool:
    """True only if `apply_findings` would write nothing for this finding (counted unchanged)."""
    if alerts is None:
        return False  # it would open the first alert
    if alerts.open is not None:
        moved = _merged_dates(alerts.open, finding)
        return moved is not None and _same_dates(alerts.open, moved)
    previous = alerts.latest
    first = finding.first_entry or finding.episode_start
    # Answered or closed for this episode, and no rise in urgency: left alone.
    return (
        previous is not None
        and previous.status not in (OPEN, SUPERSEDED)
        and first <= previous.last_entry
        and urgency_rank(finding.urgency) <= urgency_rank(previous.urgency)
    )


def moved_dates(alerts: SymptomAlerts | None, finding: Finding) -> MovedDates | None:
    """The open alert's new dates, if they are all `apply_findings` would change (unchanged).

    None where it would do anything else, or nothing at all (see `changes_nothing`).
    """
    if alerts is None or alerts.open is None:
        return None
    moved = _merged_dates(alerts.open, finding)
    if moved is None or _same_dates(alerts.open, moved):
        return None
    return moved


def _merged_dates(current: AlertSnapshot, finding: Finding) -> MovedDates | None:
    """The dates `apply_findings` would merge into this open alert, if that is all it would do.

    None if it would do more: a new episode (the alert superseded and another opened), a new
    reason, or a rise in urgency (an update, recorded, maybe prompted).
    """
    first = finding.first_entry or finding.episode_start
    if first > current.last_entry:
        return None
    if _ordered_union(current.reasons, finding.reasons) != current.reasons:
        return None
    if urgency_rank(finding.urgency) > urgency_rank(current.urgency):
        return None
    start = min(current.episode_start, finding.episode_start)
    last = max(current.last_entry, finding.last_entry)
    return MovedDates(current.id, start, min(current.first_entry, first), last, (last - start).days)


def _same_dates(current: AlertSnapshot, moved: MovedDates) -> bool:
    return (
        current.episode_start == moved.episode_start
        and current.first_entry == moved.first_entry
        and current.last_entry == moved.last_entry
        and current.duration_days == moved.duration_days
    )


def _ordered_union(old: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    present = set(old) | set(new)
    return tuple(r for r in REASONS if r in present)
