"""The detection rules of clinical-rules.md §3, as pure functions over plain data.

No Flask, no database, no clock: callers pass `today` and the rules. The scheduled detection run
and the `assess` command both call `assess` (or `assess_symptom` with pre-grouped data), so there
is one engine, not two.

The rules run over series (`data.series_key`): one per symptom, and one per name for `other`.
Dates are plain `date`s: whole days, no time zones. A detection pass calls `assess_symptom` for
every recently logged series of every patient, so that path reads only the last episode, and
looks things up by bisection rather than by building lists.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

from tracker.rules.catalogue import RECORD, Catalogue
from tracker.rules.data import (
    Entry,
    EntryDay,
    Episode,
    Finding,
    KnownCondition,
    ResolvedMark,
    higher_severity,
    known_series,
    split_series,
)
from tracker.rules.thresholds import Rules, compile_rules
from tracker.rules.urgency import Urgency, rank

__all__ = [
    "REASONS",
    "Entry",
    "EntryDay",
    "Episode",
    "Finding",
    "KnownCondition",
    "ResolvedMark",
    "Rules",
    "assess",
    "assess_grouped",
    "assess_symptom",
    "compile_rules",
    "episodes",
    "episodes_of_days",
    "group_entries",
    "group_marks",
    "lapsed_episodes",
    "last_episode",
    "reasons_for",
    "report",
    "sort_findings",
]

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


# ---- grouping -------------------------------------------------------------------------------


def group_entries(entries: Iterable[Entry], today: date | None = None) -> dict[str, list[EntryDay]]:
    """Entries grouped by series (`Entry.series`) into entry days, each list in date order (§3).

    Entries dated after `today` are left out (§2), when `today` is given.
    """
    merged: dict[str, dict[date, list[Any]]] = {}
    for e in entries:
        if today is not None and e.day > today:
            continue
        key = e.series
        by_day = merged.get(key)
        if by_day is None:
            by_day = merged[key] = {}
        cell = by_day.get(e.day)
        if cell is None:
            by_day[e.day] = [e.severity, e.onset, e.worrying]
            continue
        cell[0] = higher_severity(cell[0], e.severity)
        if e.onset is not None and (cell[1] is None or e.onset < cell[1]):
            cell[1] = e.onset
        if e.worrying:
            cell[2] = True
    return {
        symptom: [EntryDay(d, c[0], c[1], c[2]) for d, c in sorted(by_day.items())]
        for symptom, by_day in merged.items()
    }


def group_marks(marks: Iterable[ResolvedMark], today: date | None = None) -> dict[str, list[date]]:
    """Resolved-mark dates grouped by series, each list sorted; marks after `today` left out."""
    grouped: dict[str, list[date]] = {}
    for m in marks:
        if today is not None and m.day > today:
            continue
        grouped.setdefault(m.series, []).append(m.day)
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


def _episode(series: str, days: Sequence[EntryDay], lo: int, hi: int, ended: bool) -> Episode:
    part = tuple(days[lo:hi])
    start = part[0].day
    for d in part:
        if d.onset is not None and d.onset < start:
            start = d.onset
    symptom, name = split_series(series)
    return Episode(symptom=symptom, start=start, days=part, ended=ended, name=name)


def episodes_of_days(
    symptom: str,
    days: Sequence[EntryDay],
    mark_days: Sequence[date],
    rules: Rules | Catalogue,
) -> list[Episode]:
    """Episodes of one series from its entry days (date order, one per day) and sorted marks."""
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
    """Episodes of one series, in date order; entries and marks of other series are skipped.

    `symptom` is a series key (`data.series_key`): a code, or for a named `other` its key.
    With `today`, entries and marks dated after it are ignored (§2).
    """
    days = group_entries((e for e in entries if e.series == symptom), today).get(symptom, [])
    mark_days = group_marks((m for m in marks if m.series == symptom), today).get(symptom, [])
    return episodes_of_days(symptom, days, mark_days, rules)


# ---- the rules ------------------------------------------------------------------------------


def _is_worsening(days: Sequence[EntryDay], rise: int) -> bool:
    # Only entry days with a severity are compared (§3): n, the first k and the last k.
    scored = [d.severity for d in days if d.severity is not None]
    n = len(scored)
    k = min(_WORSENING_MAX_K, n // 2)
    if k == 0:  # one entry day has nothing to compare with
        return False
    # Exact, in whole numbers (§3): mean(last k) - mean(first k) >= rise, multiplied by k.
    return sum(scored[n - k :]) - sum(scored[:k]) >= rise * k


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
    ongoing: bool = True,
) -> tuple[str, ...]:
    """The §3 reasons an episode meets, in table order.

    `all_days` are every entry day of the series up to today (for the `new` baseline). An
    episode that is not `ongoing` (a red flag's, within `red_flag_days`) meets only
    `red_flag`, `worrying` and `severe`.
    """
    r = compile_rules(rules)
    days = episode.days
    duration = episode.duration_days
    code = episode.symptom
    cls = r.symptom_class(code)
    reasons: list[str] = []
    if r.is_red_flag(code):
        reasons.append("red_flag")
    elif cls == Urgency.SOON and ongoing:
        reasons.append("report_promptly")
    if any(map(_worrying_of, days)):
        reasons.append("worrying")
    latest = days[-1].severity
    if latest is not None and latest >= r.severe_at:
        reasons.append("severe")
    if not ongoing or cls == RECORD:
        return tuple(reasons)  # a record symptom is never new, persistent or worsening
    if (
        not known
        and duration >= r.new_days_for(code)
        and not _has_baseline_entry(all_days, episode.start, r.baseline_days)
    ):
        reasons.append("new")
    if not known and duration >= r.persistent_days_for(code):
        reasons.append("persistent")
    if len(days) >= 2 and duration >= r.worsening_days and _is_worsening(days, r.worsening_by):
        reasons.append("worsening")
    return tuple(reasons)


def red_flag_urgency(code: str, last_entry: date, today: date, rules: Rules | Catalogue) -> Urgency:
    """A red flag's urgency (§3): its class while its last entry is at most
    `red_flag_recent_days` before today, then `same_day` (999 has passed; the team must know)."""
    r = compile_rules(rules)
    if (today - last_entry).days <= r.red_flag_recent_days:
        return Urgency(r.symptom_class(code))
    return Urgency.SAME_DAY


def urgency_of(
    reasons: Iterable[str], code: str, last_entry: date, today: date, rules: Rules | Catalogue
) -> Urgency:
    """The most urgent of the reasons' urgencies (emergency > same_day > soon)."""
    r = compile_rules(rules)
    best = Urgency.SOON
    for reason in reasons:
        if reason == "red_flag":
            u = red_flag_urgency(code, last_entry, today, r)
        elif reason == "severe":
            u = r.severe_urgency_for(code)
        else:
            u = Urgency.SOON
        if rank(u) > rank(best):
            best = u
    return best


def assess_symptom(
    symptom: str,
    days: Sequence[EntryDay],
    mark_days: Sequence[date],
    known: bool,
    today: date,
    rules: Rules | Catalogue,
) -> Finding | None:
    """The finding for one series, or None, from pre-grouped data.

    `symptom`: the series key (a code, or a named `other`'s `series_key`); `days`: its entry
    days in date order, one per day (as from `group_entries`); `mark_days`: its resolved-mark
    dates, sorted; `known`: whether a known condition for it counts today. Anything dated after
    `today` is ignored.
    """
    r = compile_rules(rules)
    if days and days[-1].day > today:
        days = [d for d in days if d.day <= today]
    if mark_days and mark_days[-1] > today:
        mark_days = [m for m in mark_days if m <= today]
    code = split_series(symptom)[0]
    if not days:
        return None
    since = (today - days[-1].day).days
    if since > r.horizon(code):
        return None
    # Only the last episode can give a finding (§3): an earlier one was followed either by a
    # gap longer than max_gap_days or by a resolved mark, and a later episode's entries are
    # more recent than any of its own.
    episode = last_episode(symptom, days, mark_days, r)
    ongoing = not episode.ended and since <= r.max_gap_days
    # A red flag is reported for red_flag_days whatever its episode's state.
    if not ongoing and not (r.is_red_flag(code) and since <= r.red_flag_days):
        return None
    reasons = reasons_for(episode, days, known, r, ongoing)
    if not reasons:
        return None
    return Finding(
        symptom=episode.symptom,
        urgency=urgency_of(reasons, code, episode.last_entry, today, r),
        reasons=reasons,
        episode_start=episode.start,
        last_entry=episode.last_entry,
        duration_days=episode.duration_days,
        rules_version=r.version,
        first_entry=episode.first_entry,
        name=episode.name,
    )


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings most urgent first, then by symptom code, then by name (§5)."""
    return sorted(findings, key=lambda f: (-rank(f.urgency), f.symptom, f.name or ""))


def assess_grouped(
    days_by_symptom: Mapping[str, Sequence[EntryDay]],
    marks_by_symptom: Mapping[str, Sequence[date]],
    known_conditions: Collection[str | KnownCondition],
    today: date,
    rules: Rules | Catalogue,
) -> list[Finding]:
    """Findings for one patient from data already grouped by series, ordered as §5 says.

    `known_conditions`: codes (undated) and `KnownCondition`s; those ended before today do not
    count.
    """
    r = compile_rules(rules)
    known = known_series(known_conditions, today)
    found = []
    for key, days in days_by_symptom.items():
        f = assess_symptom(key, days, marks_by_symptom.get(key, ()), key in known, today, r)
        if f is not None:
            found.append(f)
    return sort_findings(found)


def assess(
    entries: Iterable[Entry],
    marks: Iterable[ResolvedMark],
    known_conditions: Collection[str | KnownCondition],
    today: date,
    rules: Rules | Catalogue,
) -> list[Finding]:
    """Findings for one patient's diary on `today`, most urgent first, then by symptom (§3, §5)."""
    return assess_grouped(
        group_entries(entries, today),
        group_marks(marks, today),
        known_conditions,
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
    """Episodes that stopped being ongoing without a resolved mark, by series key (§4a).

    Only a symptom's latest episode counts: if the symptom was logged again later, the patient
    has already told us whether it is still there. Such an episode lapsed on
    `last_entry + max_gap_days + 1`; callers ask about it once.
    """
    r = compile_rules(rules)
    marks_by = group_marks(marks, today)
    out = []
    for key, days in sorted(group_entries(entries, today).items()):
        episode = last_episode(key, days, marks_by.get(key, ()), r)
        if not episode.ended and (today - days[-1].day).days > r.max_gap_days:
            out.append(episode)
    return out
