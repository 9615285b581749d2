"""Small builders for diaries in tests: short to write, close to how the spec reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from tracker.rules import load_rules
from tracker.rules.engine import Entry, Finding, KnownCondition, ResolvedMark, assess

RULES = load_rules()


def nov(day: int) -> date:
    """A day in November 2026, the month of the spec's worked examples."""
    return date(2026, 11, day)


def days_before(anchor: date, n: int) -> date:
    """The date `n` whole days before `anchor`."""
    return anchor - timedelta(days=n)


def dec(day: int) -> date:
    """A day in December 2026."""
    return date(2026, 12, day)


def days_after(anchor: date, n: int) -> date:
    """The date `n` whole days after `anchor`."""
    return anchor + timedelta(days=n)


def entry(
    day: date,
    symptom: str = "bone_pain",
    severity: int | None = 3,
    onset: date | None = None,
    worrying: bool = False,
    name: str | None = None,
) -> Entry:
    """One diary entry (bone pain, severity 3 unless told; None: no severity given)."""
    return Entry(
        day=day, symptom=symptom, severity=severity, onset=onset, worrying=worrying, name=name
    )


def other(day: date, name: str, severity: int = 3, **kw) -> Entry:
    """One "something else" entry, named as the patient named it."""
    return entry(day, "other", severity, name=name, **kw)


def mark(day: date, symptom: str = "bone_pain", name: str | None = None) -> ResolvedMark:
    """One resolved mark (bone pain unless told)."""
    return ResolvedMark(day=day, symptom=symptom, name=name)


def known_until(symptom: str, until: date | None, name: str | None = None) -> KnownCondition:
    """A known condition set by the team, counting up to and including `until`."""
    return KnownCondition(symptom=symptom, name=name, until=until)


def series(symptom: str, days: Sequence[date], severities: Sequence[int]) -> list[Entry]:
    """Entries of one symptom on the given days with the given severities."""
    assert len(days) == len(severities)
    return [entry(d, symptom, s) for d, s in zip(days, severities, strict=True)]


def run(
    entries: Iterable[Entry],
    today: date,
    marks: Iterable[ResolvedMark] = (),
    known: Iterable[str | KnownCondition] = (),
    rules=RULES,
) -> list[Finding]:
    """assess() with the packaged rules and keyword-friendly defaults."""
    return assess(list(entries), list(marks), frozenset(known), today, rules)


def reasons(findings: list[Finding], symptom: str = "bone_pain") -> tuple[str, ...]:
    """The reasons of the finding for `symptom` (a series key), or () when there is none."""
    for f in findings:
        if f.series == symptom:
            return f.reasons
    return ()


def urgency(findings: list[Finding], symptom: str = "bone_pain") -> str | None:
    """The urgency of the finding for `symptom` (a series key), or None when there is none."""
    for f in findings:
        if f.series == symptom:
            return f.urgency
    return None
