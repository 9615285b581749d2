"""How much of a diary the detection pass must read to reach exactly the whole-history answer.

Pure functions, no database. The pass reads a fixed window of recent rows for every patient,
then asks `older_bound` for each symptom whether rows before that window could still change
its finding, and reads further back only for the few symptoms where they could.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from tracker.rules.engine import EntryDay, Rules, last_episode


def window_days(rules: Rules) -> int:
    """Days of history read for everyone: enough for every episode that began recently.

    An ongoing episode that began up to `max_gap_days + 2 * persistent_days` days ago (the
    longest `persistent_days` of any symptom) has its whole chain of entries, and its
    `baseline_days` before it, inside this window. Longer episodes are the rare case
    `older_bound` reads further back for. Never shorter than the days since `recent_from`: a
    symptom logged since then can give a finding, so its rows there must be read.
    """
    recent = rules.baseline_days + rules.max_gap_days + 2 * rules.longest_persistent_days
    return max(recent, rules.longest_horizon)


def recent_from(today: date, rules: Rules) -> date:
    """The earliest last entry a symptom can have and still give a finding: `max_gap_days`
    before today, or `red_flag_days` for a red flag (§3). Only symptoms logged since are read."""
    return today - timedelta(days=rules.longest_horizon)


def window_start(today: date, rules: Rules) -> date:
    """The first day of the window read for every patient."""
    return today - timedelta(days=window_days(rules))


def older_bound(
    symptom: str,
    days: Sequence[EntryDay],
    mark_days: Sequence[date],
    loaded_from: date,
    known: bool,
    today: date,
    rules: Rules,
) -> date | None:
    """The earliest date to read back to so this symptom's finding is exact, or None if it is.

    `days` and `mark_days` hold every row of the symptom dated from `loaded_from` to `today`;
    `known`: whether a known condition for it counts on `today`.
    """
    if not days or (today - days[-1].day).days > rules.horizon(symptom):
        return None  # no finding can come of it: whatever came before, there is none
    if (days[0].day - loaded_from).days >= rules.max_gap_days and (
        known or _earliest(days) - timedelta(days=rules.baseline_days) >= loaded_from
    ):
        # The cheap common case, without splitting episodes: no older entry can be within
        # max_gap_days of the first one read, and no episode can start early enough for its
        # baseline to reach before the rows read.
        return None
    episode = last_episode(symptom, days, mark_days, rules)
    ongoing = not episode.ended and (today - episode.last_entry).days <= rules.max_gap_days
    if not ongoing and not rules.is_red_flag(symptom):
        return None  # ended by a resolved mark on or after its last entry: no finding
    # An ended or lapsed red flag still gives a finding (§3), whose episode start, duration
    # and worry read the whole episode: its chain is followed back like an ongoing one's.
    first = episode.first_entry
    if (
        first == days[0].day
        and (first - loaded_from).days < rules.max_gap_days
        and not any(m < first for m in mark_days)
    ):
        # The chain may go on before the rows read: an entry before `loaded_from` could be
        # within max_gap_days of the first one and belong to this episode (and no resolved
        # mark read lies between them to split it off).
        # Double the span read each time, so even a chain of years takes a few reads.
        span = max((today - loaded_from).days, window_days(rules))
        return loaded_from - timedelta(days=span)
    baseline_from = episode.start - timedelta(days=rules.baseline_days)
    if (
        ongoing  # `new` is tested only on an ongoing episode
        and not known
        and rules.symptom_class(symptom) != "record"
        and episode.duration_days >= rules.new_days_for(symptom)
        and baseline_from < loaded_from
        and days[0].day >= episode.start
    ):
        # `new` looks for any entry in the baseline_days before the episode's start, and an
        # onset can pull the start back before the window. (An entry read before the start
        # would already be one: every day read is after baseline_from.)
        return baseline_from
    return None


def _earliest(days: Sequence[EntryDay]) -> date:
    """The earliest date any episode of these days can start on: a day, or an onset."""
    earliest = days[0].day
    for d in days:
        if d.onset is not None and d.onset < earliest:
            earliest = d.onset
    return earliest
