"""Small builders for diaries in tests: short to write, close to how the spec reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from tracker.rules import load_rules
from tracker.rules.engine import Entry, Finding, ResolvedMark, assess

RULES = load_rules()


def nov(day: int) -> date:
    """A day in November 2026, the month of the spec's worked examples."""
    return date(2026, 11, day)


def days_before(anchor: date, n: int) -> date:
    """The date `n` whole days before `anchor`."""
    return anchor - timedelta(days=n)


def entry(
    day: date,
    symptom: str = "bone_pain",
    severity: int = 3,
    onset: date | None = None,
    worrying: bool = False,
) -> Entry:
    """One diary entry (bone pain, severity 3 unless told)."""
    return Entry(day=day, symptom=symptom, severity=severity, onset=onset, worrying=worrying)


def mark(day: date, symptom: str = "bone_pain") -> ResolvedMark:
    """One resolved mark (bone pain unless told)."""
    return ResolvedMark(day=day, symptom=symptom)


def series(symptom: str, days: Sequence[date], severities: Sequence[int]) -> list[Entry]:
    """Entries of one symptom on the given days with the given severities."""
    assert len(days) == len(severities)
    return [entry(d, symptom, s) for d, s in zip(days, severities, strict=True)]


def run(
    entries: Iterable[Entry],
    today: date,
    marks: Iterable[ResolvedMark] = (),
    known: Iterable[str] = (),
    rules=RULES,
) -> list[Finding]:
    """assess() with the packaged rules and keyword-friendly defaults."""
    return assess(list(entries), list(marks), frozenset(known), today, rules)


def reasons(findings: list[Finding], symptom: str = "bone_pain") -> tuple[str, ...]:
    """The reasons of the finding for `symptom`, or () when there is none."""
    for f in findings:
        if f.symptom == symptom:
            return f.reasons
    return ()
