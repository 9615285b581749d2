"""What the diary's home page shows about recent symptoms. Pure: entries in, rows out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.diary.models import RESOLVED, SYMPTOM

RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Tracked:
    symptom_code: str
    last_date: date
    last_severity: int
    entry_days: int


def tracked_symptoms(
    entries: Iterable, today: date, recent_days: int = RECENT_DAYS
) -> list[Tracked]:
    """Symptoms logged in the last `recent_days` that have not been marked as gone since."""
    latest: dict[str, object] = {}
    days: dict[str, set[date]] = {}
    gone: dict[str, date] = {}
    for e in entries:
        if e.entry_date > today:
            continue
        if e.kind == RESOLVED:
            gone[e.symptom_code] = max(gone.get(e.symptom_code, e.entry_date), e.entry_date)
        elif e.kind == SYMPTOM:
            days.setdefault(e.symptom_code, set()).add(e.entry_date)
            current = latest.get(e.symptom_code)
            if current is None or (e.entry_date, e.id) > (current.entry_date, current.id):
                latest[e.symptom_code] = e
    cutoff = today - timedelta(days=recent_days)
    rows = [
        Tracked(code, e.entry_date, e.severity, len(days[code]))
        for code, e in latest.items()
        # A mark on the same day as the last entry counts as coming after it (rules §3).
        if e.entry_date >= cutoff and not (code in gone and gone[code] >= e.entry_date)
    ]
    return sorted(rows, key=lambda r: (r.last_date, r.symptom_code), reverse=True)
