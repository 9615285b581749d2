"""The clinical engine: the rules file, and pure functions over plain data.

Nothing in this package imports Flask or SQLAlchemy or reads the clock: callers pass `today`.
"""

from tracker.rules.catalogue import Catalogue, RulesFileError, Symptom, load_rules
from tracker.rules.data import series_key
from tracker.rules.engine import (
    Entry,
    EntryDay,
    Episode,
    Finding,
    KnownCondition,
    ResolvedMark,
    Rules,
    assess,
    assess_grouped,
    assess_symptom,
    compile_rules,
    episodes,
    group_entries,
    group_marks,
    lapsed_episodes,
    report,
)
from tracker.rules.timeline import Timeline, TimelineError, parse_timeline

__all__ = [
    "Catalogue",
    "Entry",
    "EntryDay",
    "Episode",
    "Finding",
    "KnownCondition",
    "ResolvedMark",
    "Rules",
    "RulesFileError",
    "Symptom",
    "Timeline",
    "TimelineError",
    "assess",
    "assess_grouped",
    "assess_symptom",
    "compile_rules",
    "episodes",
    "group_entries",
    "group_marks",
    "lapsed_episodes",
    "load_rules",
    "parse_timeline",
    "report",
    "series_key",
]
