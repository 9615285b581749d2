"""Quiet patients (clinical-rules.md §4b), decided on plain data.

A patient is quiet when nothing has come from them (an entry, a resolved mark, "no new
symptoms", a check-in answer) for `quiet_days`. A quiet patient is put in the team's queue, once
per quiet spell, when the last episode of any series had a finding, or lapsed without a resolved
mark, as they went quiet.

Interpretations, written down because the spec leaves them open:
- "For `quiet_days`" counts whole days: last heard from on day D, the patient is quiet from
  D + quiet_days (34 days of silence is not yet quiet; 35 is).
- The count starts no earlier than the day monitoring began or last resumed (`watched_from`):
  a paused patient who is resumed is not quiet the next morning, and a patient never heard
  from at all is counted from enrolment.
- The episodes that matter are read as of the day the patient was last heard from: those the
  engine found something in that day, and those still ongoing that day (not ended by a mark),
  which then lapsed without a resolved mark. An episode that lapsed long before, after which the
  patient went on logging or checking in, was already asked about (§4a) and is left out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.rules.catalogue import Catalogue
from tracker.rules.data import Entry, Finding, KnownCondition, ResolvedMark, series_key
from tracker.rules.engine import assess, group_entries, group_marks, last_episode
from tracker.rules.thresholds import Rules, compile_rules

__all__ = ["Noted", "Quiet", "counted_from", "is_quiet", "last_noted", "quiet_state"]


@dataclass(frozen=True, slots=True)
class Noted:
    """One series' last episode as the patient went quiet: what it was, when it was last
    logged, and the engine's finding on the day they were last heard from (None: it lapsed
    without a resolved mark, with no finding)."""

    symptom: str
    name: str | None
    first_entry: date
    last_entry: date
    finding: Finding | None


@dataclass(frozen=True, slots=True)
class Quiet:
    """Whether a patient is quiet today, since when, and what to tell the team."""

    quiet: bool
    last_heard: date | None  # the last day something came from the patient (None: never)
    since: date  # the day the silence is counted from (`counted_from`)
    noted: tuple[Noted, ...]  # the episodes that put a quiet patient in the queue

    @property
    def to_queue(self) -> bool:
        """Whether the team's queue should show this patient (once per quiet spell)."""
        return self.quiet and bool(self.noted)


def last_noted(
    entries: Iterable[Entry],
    marks: Iterable[ResolvedMark],
    known_conditions: Collection[str | KnownCondition],
    day: date,
    rules: Rules | Catalogue,
) -> tuple[Noted, ...]:
    """The last episodes that had a finding on `day`, or were ongoing then without a mark.

    Findings first (most urgent first, as the engine orders them), then the other episodes by
    their last entry, most recent first.
    """
    r = compile_rules(rules)
    entries = list(entries)
    marks = list(marks)
    findings = {f.series: f for f in assess(entries, marks, known_conditions, day, r)}
    marks_by = group_marks(marks, day)
    found: list[Noted] = []
    lapsing: list[Noted] = []
    for key, days in group_entries(entries, day).items():
        episode = last_episode(key, days, marks_by.get(key, ()), r)
        finding = findings.get(key)
        if finding is None and not episode.is_ongoing(day, r):
            continue
        noted = Noted(
            episode.symptom, episode.name, episode.first_entry, episode.last_entry, finding
        )
        (found if finding is not None else lapsing).append(noted)
    order = {key: i for i, key in enumerate(findings)}
    found.sort(key=lambda n: order[_key(n)])
    lapsing.sort(key=lambda n: (n.last_entry, n.symptom, n.name or ""), reverse=True)
    return (*found, *lapsing)


def _key(noted: Noted) -> str:
    return series_key(noted.symptom, noted.name)


def counted_from(last_heard: date | None, watched_from: date) -> date:
    """The day a patient's silence is counted from: the later of the last day heard from and
    the day monitoring began or last resumed."""
    return watched_from if last_heard is None else max(last_heard, watched_from)


def is_quiet(
    last_heard: date | None, watched_from: date, today: date, quiet_days: int, monitored: bool
) -> bool:
    """Whether nothing has come from a monitored patient for `quiet_days` (§4b)."""
    since = counted_from(last_heard, watched_from)
    return monitored and today - since >= timedelta(days=quiet_days)


def quiet_state(
    last_heard: date | None,
    watched_from: date,
    today: date,
    quiet_days: int,
    monitored: bool,
    entries: Iterable[Entry] = (),
    marks: Iterable[ResolvedMark] = (),
    known_conditions: Collection[str | KnownCondition] = (),
    rules: Rules | Catalogue | None = None,
) -> Quiet:
    """Whether a patient is quiet on `today`, and whether the team's queue should show them.

    `last_heard`: the last day anything came from the patient (None: nothing ever did);
    `watched_from`: the day monitoring began or last resumed; `monitored`: monitoring is active
    (a paused or ended patient is never quiet). The diary (entries, marks, known conditions) is
    read only for a quiet patient, and needs `rules` then.
    """
    quiet = is_quiet(last_heard, watched_from, today, quiet_days, monitored)
    noted: tuple[Noted, ...] = ()
    if quiet and last_heard is not None:
        if rules is None:
            raise ValueError("the rules are needed to read a quiet patient's diary")
        noted = last_noted(entries, marks, known_conditions, last_heard, rules)
    return Quiet(quiet, last_heard, counted_from(last_heard, watched_from), noted)
