"""What applying each finding would do, judged from one read of the batch's alerts.

On a typical day most findings are the same as yesterday's: the alert is open, nothing new, or
only the episode has moved on by a day's entry; a few add a reason (a symptom now persistent)
without raising the urgency, and a few open a first alert. `apply_findings` would find that out
with the ORM, an object per alert; reading every alert of the batch in one query, and writing
the dates, the new reasons and the new alerts with a statement per batch, does the same work
once. These are only ever shortcuts: each is taken only where `apply_findings` itself would
write exactly that (the tests pin them together), and every other finding (a superseded
episode, a rise in urgency) still goes through `apply_findings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.alerts.models import OPEN, SUPERSEDED, Alert, urgency_rank
from tracker.detection.rows import plain_rows
from tracker.rules.engine import REASONS, Finding


class AlertSnapshot(NamedTuple):
    """What `apply_findings` reads of an alert to decide what to do.

    A NamedTuple, as immutable as a frozen dataclass and quicker to make: a pass makes one
    for each of its alerts.
    """

    id: int
    patient_id: int
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
            pid,
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


class MovedDates(NamedTuple):
    """An open alert's episode dates after a finding that changes nothing else about it."""

    alert_id: int
    patient_id: int
    episode_start: date
    first_entry: date
    last_entry: date
    duration_days: int


@dataclass(frozen=True, slots=True)
class NewReasons:
    """An open alert's update for a finding of its episode that adds a reason.

    The urgency has not risen, so `apply_findings` would record an update (new reasons, the
    finding's rules version, the moved dates, and an event) and queue no prompt. `was_reasons`
    and `urgency` are as read: the write checks they still are, and leaves the alert to
    `apply_findings` if someone changed it in between.
    """

    dates: MovedDates
    was_reasons: str
    urgency: str
    reasons: str
    rules_version: str


# What applying a finding to its alerts would do, as `sort_out` says it.
UNCHANGED = "unchanged"  # nothing: counted unchanged, nothing written
OPEN_ALERT = "open"  # a new open alert, its event and its prompt, and nothing else
APPLY = "apply"  # anything else: apply_findings must do it


def sort_out(alerts: SymptomAlerts | None, finding: Finding) -> str | MovedDates | NewReasons:
    """UNCHANGED, OPEN_ALERT, the open alert's new dates or new reasons if that is all, or APPLY.

    A finding whose only change is its open alert's dates is counted unchanged by
    `apply_findings` too, which writes those dates and nothing else.
    """
    if alerts is None:
        return OPEN_ALERT  # the first for this symptom
    current = alerts.open
    first = finding.first_entry or finding.episode_start
    if current is None:
        previous = alerts.latest
        # Answered or closed for this episode, and no rise in urgency: left alone.
        left_alone = (
            previous is not None
            and previous.status not in (OPEN, SUPERSEDED)
            and first <= previous.last_entry
            and urgency_rank(finding.urgency) <= urgency_rank(previous.urgency)
        )
        return UNCHANGED if left_alone else OPEN_ALERT
    if first > current.last_entry or urgency_rank(finding.urgency) > urgency_rank(current.urgency):
        return APPLY  # a new episode (superseded, another opened), or a rise (prompted)
    # The merge keeps the earliest start and first entry and the latest last entry.
    start = min(current.episode_start, finding.episode_start)
    first = min(current.first_entry, first)
    last = max(current.last_entry, finding.last_entry)
    duration = (last - start).days
    reasons = _ordered_union(current.reasons, finding.reasons)
    if reasons == current.reasons and (start, first, last, duration) == (
        current.episode_start,
        current.first_entry,
        current.last_entry,
        current.duration_days,
    ):
        return UNCHANGED
    dates = MovedDates(current.id, current.patient_id, start, first, last, duration)
    if reasons != current.reasons:
        return NewReasons(
            dates,
            was_reasons=",".join(current.reasons),
            urgency=current.urgency,
            reasons=",".join(reasons),
            rules_version=finding.rules_version,
        )
    return dates


def _ordered_union(old: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    present = set(old) | set(new)
    return tuple(r for r in REASONS if r in present)
