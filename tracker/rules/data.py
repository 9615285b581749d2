"""The engine's plain data: a diary's entries, resolved marks and known conditions, and what the
rules make of them (episodes and findings).

A series is what the rules of §3 run over: one symptom, or for `other` one name the patient
gave it (§2). It is keyed by a string, `series_key`: the code alone, or the code and the name
trimmed and in lower case, so that grouped data stays a mapping of strings. Entries without a
name (every `other` entry read from a database that has no names yet) form one series per code.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from tracker.rules.catalogue import Catalogue
from tracker.rules.thresholds import Rules, compile_rules
from tracker.rules.urgency import Urgency

# The symptom whose entries carry the patient's own name for it, each name a series (§2).
NAMED_SYMPTOM = "other"
NAME_MAX = 40

# Codes are lower-case letters, digits and _ (the catalogue checks): the first separator in a
# series key ends the code, whatever the name holds.
_SEPARATOR = ":"


def normal_name(name: str) -> str:
    """A series name as the rules compare it (§2): trimmed, and in lower case."""
    return name.strip().lower()


def series_key(symptom: str, name: str | None = None) -> str:
    """The key of the series a symptom (and, for `other`, its name) belongs to."""
    return symptom if name is None else f"{symptom}{_SEPARATOR}{normal_name(name)}"


def split_series(key: str) -> tuple[str, str | None]:
    """A series key's symptom code and name (None for a symptom without one)."""
    code, separator, name = key.partition(_SEPARATOR)
    return code, (name if separator else None)


def series_label(series: str, rules: Catalogue, for_team: bool = False) -> str:
    """What a patient calls a series: a named `other`'s name, or the symptom's short name. For
    the team, a name is shown as the patient's own words for something else."""
    code, name = split_series(series)
    label = rules.symptom(code).name if rules.is_known(code) else "A symptom"
    if name and for_team:
        return f"{label}: {name}"
    if name:
        return name[0].upper() + name[1:]
    return label


@dataclass(frozen=True, slots=True)
class Entry:
    """One diary entry: a day, a symptom, a severity 1-10 (None: not given, allowed for red
    flags), optional onset and worry, and for `other` the patient's name for it."""

    day: date
    symptom: str
    severity: int | None
    onset: date | None = None
    worrying: bool = False
    name: str | None = None

    @property
    def series(self) -> str:
        """The key of the series this entry belongs to."""
        return series_key(self.symptom, self.name)


@dataclass(frozen=True, slots=True)
class ResolvedMark:
    """A resolved mark: "this has gone away", for one symptom (one `other` name) on one day."""

    day: date
    symptom: str
    name: str | None = None

    @property
    def series(self) -> str:
        """The key of the series this mark answers for."""
        return series_key(self.symptom, self.name)


@dataclass(frozen=True, slots=True)
class KnownCondition:
    """A symptom the patient has for another, known reason (§2); the team's may end (`until`,
    inclusive). A plain code string in a known-conditions collection means the same, undated."""

    symptom: str
    name: str | None = None
    until: date | None = None

    @property
    def series(self) -> str:
        """The key of the series this condition explains."""
        return series_key(self.symptom, self.name)

    def counts_on(self, day: date) -> bool:
        """Whether it still counts on `day`: no end date, or the end date not before it."""
        return self.until is None or self.until >= day


def known_series(known: Collection[str | KnownCondition], today: date) -> frozenset[str]:
    """The series keys of the known conditions that count on `today` (§2).

    `known` holds codes (undated conditions, as read from a database without end dates) and
    `KnownCondition`s, in any mix.
    """
    if isinstance(known, frozenset) and all(isinstance(k, str) for k in known):
        return known  # the detection pass's common case: nothing to build
    return frozenset(
        k if isinstance(k, str) else k.series
        for k in known
        if isinstance(k, str) or k.counts_on(today)
    )


class EntryDay(NamedTuple):
    """One series' entries on one day, merged (§3): the highest severity given (None if none
    was), the earliest onset, and worrying if any of them is."""

    # A named tuple, not a frozen dataclass: as immutable, and a detection pass builds one per
    # diary row, a million of them, and a frozen dataclass takes twice as long to make.
    day: date
    severity: int | None
    onset: date | None = None
    worrying: bool = False


def higher_severity(a: int | None, b: int | None) -> int | None:
    """The higher of two severities of one day, either of which may be missing (§3)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if a >= b else b


@dataclass(frozen=True, slots=True)
class Episode:
    """A run of entry days of one series (§3)."""

    symptom: str
    start: date  # the earlier of the first entry day and the earliest onset
    days: tuple[EntryDay, ...]  # in date order, never empty
    ended: bool  # ended by a resolved mark
    name: str | None = None  # the series' name (`other` only), trimmed and in lower case

    @property
    def series(self) -> str:
        """The key of the episode's series."""
        return series_key(self.symptom, self.name)

    @property
    def first_entry(self) -> date:
        """The date of the episode's first entry day."""
        return self.days[0].day

    @property
    def last_entry(self) -> date:
        """The date of the episode's last entry day."""
        return self.days[-1].day

    @property
    def duration_days(self) -> int:
        """Last entry's date minus episode start, in whole days."""
        return (self.days[-1].day - self.start).days

    def is_ongoing(self, today: date, rules: Rules | Catalogue) -> bool:
        """Not ended by a resolved mark, and last entry at most `max_gap_days` before today."""
        gap = compile_rules(rules).max_gap_days
        return not self.ended and 0 <= (today - self.days[-1].day).days <= gap


@dataclass(frozen=True, slots=True)
class Finding:
    """One series' last episode that gives a finding, with its reasons (§3)."""

    symptom: str
    urgency: Urgency
    reasons: tuple[str, ...]
    episode_start: date
    last_entry: date
    duration_days: int
    rules_version: str
    # The episode's first entry day. Alerts use it to tell one episode from the next: an onset
    # can pull episode_start back past an earlier episode, but the first entry day never moves.
    # Not part of §5's output, and not compared, so findings equal by §5 stay equal.
    first_entry: date | None = field(default=None, compare=False)
    name: str | None = None  # the series' name (`other` only), trimmed and in lower case

    @property
    def series(self) -> str:
        """The key of the finding's series."""
        return series_key(self.symptom, self.name)

    def to_json(self) -> dict[str, Any]:
        """The finding as one object of the `findings` list of §5 (rules_version is per report)."""
        out: dict[str, Any] = {"symptom": self.symptom}
        if self.name is not None:
            out["name"] = self.name
        out.update(
            urgency=self.urgency,
            reasons=list(self.reasons),
            episode_start=self.episode_start.isoformat(),
            last_entry=self.last_entry.isoformat(),
            duration_days=self.duration_days,
        )
        return out
