"""The detection rules of clinical-rules.md §3, as pure functions over plain data.

No Flask, no database, no clock: callers pass `today` and the rules. The scheduled detection run
and the `assess` command both call `assess` (or `assess_symptom` with pre-grouped data), so there
is one engine, not two.

Dates are plain `date`s: whole days, no time zones. A detection pass calls `assess_symptom` for
every recently logged symptom of every patient, so that path reads only the last episode, and
looks things up by bisection rather than by building lists.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from types import MappingProxyType
from typing import Any, NamedTuple

from tracker.rules.catalogue import WATCH, Catalogue
from tracker.rules.urgency import RAISED_AT_ONCE, Urgency, rank

# The reasons of the §3 table, in its order: a finding lists its reasons in this order.
REASONS = (
    "red_flag",
    "report_promptly",
    "worrying",
    "severe",
    "new",
    "persistent",
    "worsening",
)
# The only reasons a known condition suppresses (§3, last paragraph).
SUPPRESSED_BY_KNOWN_CONDITION = frozenset({"new", "persistent"})

# The worsening test compares at most the first and last three entry days.
_WORSENING_MAX_K = 3

_day_of = attrgetter("day")
_severity_of = attrgetter("severity")
_worrying_of = attrgetter("worrying")


# ---- data -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One diary entry: a day, a symptom, a severity 1-10, and optional onset and worry."""

    day: date
    symptom: str
    severity: int
    onset: date | None = None
    worrying: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedMark:
    """A resolved mark: "this has gone away", for one symptom on one day."""

    day: date
    symptom: str


class EntryDay(NamedTuple):
    """One symptom's entries on one day, merged (§3): max severity, earliest onset, any worry."""

    # A named tuple, not a frozen dataclass: as immutable, and a detection pass builds one per
    # diary row, a million of them, and a frozen dataclass takes twice as long to make.
    day: date
    severity: int
    onset: date | None = None
    worrying: bool = False


@dataclass(frozen=True, slots=True)
class Episode:
    """A run of entry days of one symptom (§3)."""

    symptom: str
    start: date  # the earlier of the first entry day and the earliest onset
    days: tuple[EntryDay, ...]  # in date order, never empty
    ended: bool  # ended by a resolved mark

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
    """One ongoing episode with at least one reason (§3)."""

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

    def to_json(self) -> dict[str, Any]:
        """The finding as one object of the `findings` list of §5 (rules_version is per report)."""
        return {
            "symptom": self.symptom,
            "urgency": self.urgency,
            "reasons": list(self.reasons),
            "episode_start": self.episode_start.isoformat(),
            "last_entry": self.last_entry.isoformat(),
            "duration_days": self.duration_days,
        }


@dataclass(frozen=True, slots=True)
class Rules:
    """The part of a rules file the engine reads, unpacked once so each call costs nothing."""

    version: str
    classes: Mapping[str, str]  # symptom code -> class
    max_gap_days: int
    severe_at: int
    baseline_days: int
    new_days: int
    persistent_days: int
    worsening_days: int
    worsening_by: int

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue) -> Rules:
        """Unpack the engine's thresholds and symptom classes from a loaded rules file."""
        t = catalogue.thresholds
        return cls(
            version=catalogue.version,
            classes=MappingProxyType(
                {code: s.symptom_class for code, s in catalogue.symptoms.items()}
            ),
            max_gap_days=t["max_gap_days"],
            severe_at=t["severe_at"],
            baseline_days=t["baseline_days"],
            new_days=t["new_days"],
            persistent_days=t["persistent_days"],
            worsening_days=t["worsening_days"],
            worsening_by=t["worsening_by"],
        )

    def symptom_class(self, code: str) -> str:
        """The class of a symptom code."""
        # A code missing from this rules file (say, dropped by a later version while diaries
        # still hold it) is watched, not rejected: the generic rules still protect the patient,
        # and one old entry must not stop a whole scheduled run.
        return self.classes.get(code, WATCH)


# Catalogue holds mappings, so it is not hashable; key the cache by identity and keep the
# catalogue alive beside its compiled rules so that an id is never reused while cached.
_compiled: dict[int, tuple[Catalogue, Rules]] = {}


def compile_rules(rules: Rules | Catalogue) -> Rules:
    """The engine's view of a rules file, unpacked once per loaded Catalogue."""
    if isinstance(rules, Rules):
        return rules
    hit = _compiled.get(id(rules))
    if hit is not None and hit[0] is rules:
        return hit[1]
    compiled = Rules.from_catalogue(rules)
    if len(_compiled) > 64:  # only tests load many rules files; keep the cache small anyway
        _compiled.clear()
    _compiled[id(rules)] = (rules, compiled)
    return compiled


# ---- grouping -------------------------------------------------------------------------------


def group_entries(entries: Iterable[Entry], today: date | None = None) -> dict[str, list[EntryDay]]:
    """Entries grouped by symptom into entry days, each list in date order (§3).

    Entries dated after `today` are left out (§2), when `today` is given.
    """
    merged: dict[str, dict[date, list[Any]]] = {}
    for e in entries:
        if today is not None and e.day > today:
            continue
        by_day = merged.get(e.symptom)
        if by_day is None:
            by_day = merged[e.symptom] = {}
        cell = by_day.get(e.day)
        if cell is None:
            by_day[e.day] = [e.severity, e.onset, e.worrying]
            continue
        if e.severity > cell[0]:
            cell[0] = e.severity
        if e.onset is not None and (cell[1] is None or e.onset < cell[1]):
            cell[1] = e.onset
        if e.worrying:
            cell[2] = True
    return {
        symptom: [EntryDay(d, c[0], c[1], c[2]) for d, c in sorted(by_day.items())]
        for symptom, by_day in merged.items()
    }


def group_marks(marks: Iterable[ResolvedMark], today: date | None = None) -> dict[str, list[date]]:
    """Resolved-mark dates grouped by symptom, each list sorted; marks after `today` left out."""
    grouped: dict[str, list[date]] = {}
    for m in marks:
        if today is not None and m.day > today:
            continue
        grouped.setdefault(m.symptom, []).append(m.day)
    for days in grouped.values():
        days.sort()
    return grouped


# ---- episodes -------------------------------------------------------------------------------


def _segments(
    days: Sequence[EntryDay], mark_days: Sequence[date], max_gap: int
) -> list[tuple[int, int, bool]]:
    """Split sorted entry days into episodes: (first index, end index, ended by a mark).

    One pass over the days with one pointer into the sorted marks: linear in both.
    """
    n = len(days)
    if n == 0:
        return []
    marks = [m.toordinal() for m in mark_days]
    n_marks = len(marks)
    out: list[tuple[int, int, bool]] = []
    first = 0
    j = 0
    prev = days[0].day.toordinal()
    for i in range(1, n):
        cur = days[i].day.toordinal()
        while j < n_marks and marks[j] < prev:
            j += 1
        # A mark on the same day as an entry counts as coming after it: prev <= mark < cur.
        marked = j < n_marks and marks[j] < cur
        if marked or cur - prev > max_gap:
            # Interpretation: an earlier episode counts as "ended by a resolved mark" only if
            # the mark falls before the next episode begins; a mark after a later entry belongs
            # to that later episode. (Earlier episodes are never ongoing either way.)
            out.append((first, i, marked))
            first = i
        prev = cur
    while j < n_marks and marks[j] < prev:
        j += 1
    out.append((first, n, j < n_marks))
    return out


def _last_segment(
    days: Sequence[EntryDay], mark_days: Sequence[date], max_gap: int
) -> tuple[int, bool]:
    """`_segments(...)[-1]` without the others: (first index, ended by a mark).

    Walks back from the last entry day, so it costs the last episode's length, not the whole
    diary's: only the last episode can be ongoing, and it is all `assess_symptom` needs.
    """
    first = len(days) - 1
    cur = days[first].day
    # The marks before `cur`: mark_days[:k]. One on the last entry day or after it ends the last
    # episode (a mark on an entry's day counts as coming after that entry).
    k = bisect_left(mark_days, cur) if mark_days else 0
    ended = k < len(mark_days)
    while first > 0:
        prev = days[first - 1].day
        if (cur - prev).days > max_gap or (k and mark_days[k - 1] >= prev):
            break  # too long a gap, or a mark between the two days (prev <= mark < cur)
        # No mark lies in [prev, cur), so mark_days[:k] are the marks before `prev` too.
        first -= 1
        cur = prev
    return first, ended


def _episode(symptom: str, days: Sequence[EntryDay], lo: int, hi: int, ended: bool) -> Episode:
    part = tuple(days[lo:hi])
    start = part[0].day
    for d in part:
        if d.onset is not None and d.onset < start:
            start = d.onset
    return Episode(symptom=symptom, start=start, days=part, ended=ended)


def episodes_of_days(
    symptom: str,
    days: Sequence[EntryDay],
    mark_days: Sequence[date],
    rules: Rules | Catalogue,
) -> list[Episode]:
    """Episodes of one symptom from its entry days (date order, one per day) and sorted marks."""
    r = compile_rules(rules)
    return [
        _episode(symptom, days, lo, hi, ended)
        for lo, hi, ended in _segments(days, mark_days, r.max_gap_days)
    ]


def last_episode(
    symptom: str,
    days: Sequence[EntryDay],
    mark_days: Sequence[date],
    rules: Rules | Catalogue,
) -> Episode:
    """`episodes_of_days(...)[-1]`, found without splitting the episodes before it."""
    lo, ended = _last_segment(days, mark_days, compile_rules(rules).max_gap_days)
    return _episode(symptom, days, lo, len(days), ended)


def episodes(
    symptom: str,
    entries: Iterable[Entry],
    marks: Iterable[ResolvedMark],
    rules: Rules | Catalogue,
    today: date | None = None,
) -> list[Episode]:
    """Episodes of one symptom, in date order; entries and marks of other symptoms are skipped.

    With `today`, entries and marks dated after it are ignored (§2).
    """
    days = group_entries((e for e in entries if e.symptom == symptom), today).get(symptom, [])
    mark_days = group_marks((m for m in marks if m.symptom == symptom), today).get(symptom, [])
    return episodes_of_days(symptom, days, mark_days, rules)


# ---- the rules ------------------------------------------------------------------------------


def _is_worsening(days: Sequence[EntryDay], rise: int) -> bool:
    n = len(days)
    k = min(_WORSENING_MAX_K, n // 2)
    if k == 0:  # one entry day has nothing to compare with
        return False
    # Exact, in whole numbers (§3): mean(last k) - mean(first k) >= rise, multiplied by k.
    last = sum(map(_severity_of, days[n - k :]))
    first = sum(map(_severity_of, days[:k]))
    return last - first >= rise * k


def _has_baseline_entry(days: Sequence[EntryDay], start: date, baseline_days: int) -> bool:
    # Interpretation of "no entry of it falls in the baseline_days before the episode start":
    # the window is the `baseline_days` whole days immediately before the start, i.e.
    # [start - baseline_days, start), start itself excluded. With the default 90, an entry 90
    # days before the start is inside the window, one 91 days before is outside. Entries of any
    # earlier episode count; entries dated on or after the start (possible when an onset pulls
    # the start back past an earlier episode) are not "before" it and do not count.
    i = bisect_left(days, start, key=_day_of)
    return i > 0 and (start - days[i - 1].day).days <= baseline_days


def reasons_for(
    episode: Episode,
    all_days: Sequence[EntryDay],
    known: bool,
    rules: Rules | Catalogue,
) -> tuple[str, ...]:
    """The §3 reasons an ongoing episode meets, in table order.

    `all_days` are every entry day of the symptom up to today (for the `new` baseline).
    """
    r = compile_rules(rules)
    days = episode.days
    duration = episode.duration_days
    cls = r.symptom_class(episode.symptom)
    reasons: list[str] = []
    if cls in RAISED_AT_ONCE:
        reasons.append("red_flag")
    elif cls == Urgency.SOON:
        reasons.append("report_promptly")
    if any(map(_worrying_of, days)):
        reasons.append("worrying")
    if days[-1].severity >= r.severe_at:
        reasons.append("severe")
    if (
        not known
        and duration >= r.new_days
        and not _has_baseline_entry(all_days, episode.start, r.baseline_days)
    ):
        reasons.append("new")
    if not known and duration >= r.persistent_days:
        reasons.append("persistent")
    if len(days) >= 2 and duration >= r.worsening_days and _is_worsening(days, r.worsening_by):
        reasons.append("worsening")
    return tuple(reasons)


def urgency_of(reasons: Iterable[str], symptom_class: str) -> Urgency:
    """The most urgent of the reasons' urgencies (emergency > same_day > soon)."""
    best = Urgency.SOON
    for reason in reasons:
        # red_flag carries the class (one raised at once); every other reason is `soon`.
        u = symptom_class if reason == "red_flag" else Urgency.SOON
        if rank(u) > rank(best):
            best = Urgency(u)
    return best


def assess_symptom(
    symptom: str,
    days: Sequence[EntryDay],
    mark_days: Sequence[date],
    known: bool,
    today: date,
    rules: Rules | Catalogue,
) -> Finding | None:
    """The finding for one symptom, or None, from pre-grouped data.

    `days`: the symptom's entry days in date order, one per day (as from `group_entries`);
    `mark_days`: its resolved-mark dates, sorted. Anything dated after `today` is ignored.
    """
    r = compile_rules(rules)
    if days and days[-1].day > today:
        days = [d for d in days if d.day <= today]
    if mark_days and mark_days[-1] > today:
        mark_days = [m for m in mark_days if m <= today]
    if not days or (today - days[-1].day).days > r.max_gap_days:
        return None
    # Only the last episode can be ongoing: an earlier one was followed either by a gap longer
    # than max_gap_days (so its last entry is too long ago) or by a resolved mark.
    episode = last_episode(symptom, days, mark_days, r)
    if episode.ended:
        return None
    reasons = reasons_for(episode, days, known, r)
    if not reasons:
        return None
    return Finding(
        symptom=symptom,
        urgency=urgency_of(reasons, r.symptom_class(symptom)),
        reasons=reasons,
        episode_start=episode.start,
        last_entry=episode.last_entry,
        duration_days=episode.duration_days,
        rules_version=r.version,
        first_entry=episode.first_entry,
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings most urgent first, then by symptom code (§5)."""
    return sorted(findings, key=lambda f: (-rank(f.urgency), f.symptom))


def assess_grouped(
    days_by_symptom: Mapping[str, Sequence[EntryDay]],
    marks_by_symptom: Mapping[str, Sequence[date]],
    known_conditions: Collection[str],
    today: date,
    rules: Rules | Catalogue,
) -> list[Finding]:
    """Findings for one patient from data already grouped by symptom, ordered as §5 says."""
    r = compile_rules(rules)
    found = []
    for symptom, days in days_by_symptom.items():
        f = assess_symptom(
            symptom, days, marks_by_symptom.get(symptom, ()), symptom in known_conditions, today, r
        )
        if f is not None:
            found.append(f)
    return sort_findings(found)


def assess(
    entries: Iterable[Entry],
    marks: Iterable[ResolvedMark],
    known_conditions: Collection[str],
    today: date,
    rules: Rules | Catalogue,
) -> list[Finding]:
    """Findings for one patient's diary on `today`, most urgent first, then by symptom (§3, §5)."""
    return assess_grouped(
        group_entries(entries, today),
        group_marks(marks, today),
        frozenset(known_conditions),
        today,
        rules,
    )


def report(findings: Iterable[Finding], rules: Rules | Catalogue) -> dict[str, Any]:
    """The `assess` command's output object (§5)."""
    return {
        "rules_version": compile_rules(rules).version,
        "findings": [f.to_json() for f in findings],
    }


# ---- check-ins (§4a) ------------------------------------------------------------------------


def lapsed_episodes(
    entries: Iterable[Entry],
    marks: Iterable[ResolvedMark],
    today: date,
    rules: Rules | Catalogue,
) -> list[Episode]:
    """Episodes that stopped being ongoing without a resolved mark, by symptom code (§4a).

    Only a symptom's latest episode counts: if the symptom was logged again later, the patient
    has already told us whether it is still there. Such an episode lapsed on
    `last_entry + max_gap_days + 1`; callers ask about it once.
    """
    r = compile_rules(rules)
    marks_by = group_marks(marks, today)
    out = []
    for symptom, days in sorted(group_entries(entries, today).items()):
        episode = last_episode(symptom, days, marks_by.get(symptom, ()), r)
        if not episode.ended and (today - days[-1].day).days > r.max_gap_days:
            out.append(episode)
    return out
