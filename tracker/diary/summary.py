"""What the diary's home page shows about recent symptoms. Pure: entries in, rows out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.diary.models import RESOLVED, SYMPTOM

RECENT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Tracked:
    series: str  # one symptom, or one named `something else` (rules §2)
    last: object  # the latest entry: its date, severity, code and name, and the series' URLs
    entry_days: int

    @property
    def last_date(self) -> date:
        return self.last.entry_date


def tracked_symptoms(
    entries: Iterable, today: date, recent_days: int = RECENT_DAYS
) -> list[Tracked]:
    """Series logged in the last `recent_days` that have not been marked as gone since."""
    latest: dict[str, object] = {}
    days: dict[str, set[date]] = {}
    gone: dict[str, date] = {}
    for e in entries:
        if e.entry_date > today:
            continue
        if e.kind == RESOLVED:
            gone[e.series] = max(gone.get(e.series, e.entry_date), e.entry_date)
        elif e.kind == SYMPTOM:
            days.setdefault(e.series, set()).add(e.entry_date)
            current = latest.get(e.series)
            if current is None or (e.entry_date, e.id) > (current.entry_date, current.id):
                latest[e.series] = e
    cutoff = today - timedelta(days=recent_days)
    rows = [
        Tracked(series, e, len(days[series]))
        for series, e in latest.items()
        # A mark on the same day as the last entry counts as coming after it (rules §3).
        if e.entry_date >= cutoff and not (series in gone and gone[series] >= e.entry_date)
    ]
    return sorted(rows, key=lambda r: (r.last_date, r.series), reverse=True)
